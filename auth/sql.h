// Internal to auth/: the metadata database helpers (store/sql.h) under the part's own names, and
// JSON escaping for audit details. AuthService serialises all use under its mutex.
#pragma once

#include <string>
#include <string_view>

#include "store/sql.h"

namespace dateline::auth_internal {

using sql::Changes;
using sql::Stmt;
using sql::Transaction;

// Minimal JSON string escaping for audit details.
inline std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace dateline::auth_internal
