#include "query/ast.h"
