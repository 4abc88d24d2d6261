// Direct access to the Snowball stemmers, without the per-thread cache that Stem keeps in front
// of them. Stem must always agree with it (stem_test.cc).
#pragma once

#include <string>
#include <string_view>

namespace dateline::text {

std::string StemWithSnowball(std::string_view folded_word, std::string_view language);

}  // namespace dateline::text
