#include "index/page_cursor.h"

#include <cstring>

namespace dateline::index {
namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}
}  // namespace

std::string Base64UrlEncode(std::string_view in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

bool Base64UrlDecode(std::string_view in, std::string* out) {
  out->clear();
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = Value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return bits < 6 && (acc & ((1u << bits) - 1)) == 0;
}

std::string EncodeCursor(const PageKey& key) {
  std::string raw(1, key.sort == Sort::kNewest ? 'n' : 'r');
  char buf[16];
  if (key.sort == Sort::kNewest) {
    std::memcpy(buf, &key.time_us, 8);
  } else {
    std::memcpy(buf, &key.score, 8);
  }
  std::memcpy(buf + 8, &key.seq, 8);
  raw.append(buf, 16);
  return Base64UrlEncode(raw);
}

Result<PageKey> DecodeCursor(std::string_view cursor, Sort sort) {
  std::string raw;
  const char tag = sort == Sort::kNewest ? 'n' : 'r';
  if (!Base64UrlDecode(cursor, &raw) || raw.size() != 17 || raw[0] != tag) {
    return Status::InvalidArgument("not a cursor of this search", "cursor");
  }
  PageKey key;
  key.sort = sort;
  if (sort == Sort::kNewest) {
    std::memcpy(&key.time_us, raw.data() + 1, 8);
  } else {
    std::memcpy(&key.score, raw.data() + 1, 8);
  }
  std::memcpy(&key.seq, raw.data() + 9, 8);
  return key;
}

}  // namespace dateline::index
