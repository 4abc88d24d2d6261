// The alert workload shared by the `alerts` and `alerts-e2e` scenarios.
#pragma once

#include <string>

#include "match/random_queries.h"

namespace dateline::bench {

// (ticker, company name) of the S&P 500 (Symbol, Security columns of the gazetteer CSV); names
// with characters the query lexer reads specially are left out. Throws BenchError when missing.
match::RandomQueries::Companies LoadSp500(const std::string& path);

}  // namespace dateline::bench
