#include "query/parser.h"
#include <gtest/gtest.h>
namespace dateline::query { namespace { TEST(Parser, Placeholder) { EXPECT_TRUE(Parse("a").ok()); } } }
