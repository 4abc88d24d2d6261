// The opaque pagination cursor: base64url (no padding) of the sort key of the last hit of a
// page. Newest order: 'n', time (i64), seq (u64); relevance: 'r', score bits (f64), seq (u64),
// little-endian. The next page holds the hits strictly after that key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "index/search_index.h"

namespace dateline::index {

struct PageKey {
  Sort sort = Sort::kNewest;
  std::int64_t time_us = 0;   // newest
  double score = 0;           // relevance
  std::uint64_t seq = 0;
};

std::string EncodeCursor(const PageKey& key);
// InvalidArgument (field "cursor") when `cursor` is not one EncodeCursor made for `sort`.
Result<PageKey> DecodeCursor(std::string_view cursor, Sort sort);

std::string Base64UrlEncode(std::string_view bytes);
bool Base64UrlDecode(std::string_view text, std::string* bytes);

}  // namespace dateline::index
