// Small text helpers shared by the ingest parsers. Internal to ingest/: ASCII-only case and space
// handling (bytes >= 0x80 are left untouched, so UTF-8 stays valid).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dateline::ingest_internal {

inline bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
inline bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
inline bool IsAlpha(char c) { return IsUpper(c) || IsLower(c); }
inline char ToLower(char c) { return IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }
inline char ToUpper(char c) { return IsLower(c) ? static_cast<char>(c - 'a' + 'A') : c; }

inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

inline std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ToLower(c);
  return out;
}

inline bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (ToLower(s[i]) != ToLower(prefix[i])) return false;
  }
  return true;
}

inline bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && StartsWithNoCase(a, b);
}

// Position of `needle` in `s` ignoring ASCII case, or npos.
inline std::size_t FindNoCase(std::string_view s, std::string_view needle, std::size_t from = 0) {
  if (needle.empty()) return from <= s.size() ? from : std::string_view::npos;
  for (std::size_t i = from; i + needle.size() <= s.size(); ++i) {
    if (StartsWithNoCase(s.substr(i), needle)) return i;
  }
  return std::string_view::npos;
}

// Runs of whitespace become one space; leading and trailing whitespace is dropped.
inline std::string CollapseSpaces(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (char c : s) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// "SAN FRANCISCO" -> "San Francisco", "ABU-DHABI" -> "Abu-Dhabi": wire datelines shout the place.
inline std::string TitleCase(std::string_view s) {
  std::string out(s);
  bool word_start = true;
  for (char& c : out) {
    if (IsAlpha(c)) {
      c = word_start ? ToUpper(c) : ToLower(c);
      word_start = false;
    } else {
      // Apostrophes stay inside the word ("O'HARE" -> "O'hare" would be wrong either way; keep
      // the common case "ST. JOHN'S" -> "St. John's").
      word_start = c != '\'' && static_cast<unsigned char>(c) < 0x80;
    }
  }
  return out;
}

// Splits on '\n' (after the caller normalised line endings); the pieces keep no '\n'.
inline std::vector<std::string_view> SplitLines(std::string_view s) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t nl = s.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back(s.substr(start));
      break;
    }
    lines.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

// CRLF and lone CR become LF.
inline std::string NormalizeNewlines(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Month number (1..12) for "Nov", "Nov.", "November", "Sept." (any case), or 0.
inline unsigned ParseMonthName(std::string_view word) {
  while (!word.empty() && word.back() == '.') word.remove_suffix(1);
  static constexpr std::string_view kNames[] = {"january", "february", "march",     "april",
                                                "may",     "june",     "july",      "august",
                                                "september", "october", "november", "december"};
  if (word.size() < 3) return 0;
  if (EqualsNoCase(word, "sept")) return 9;
  for (unsigned i = 0; i < 12; ++i) {
    std::string_view name = kNames[i];
    if (EqualsNoCase(word, name) || EqualsNoCase(word, name.substr(0, 3))) return i + 1;
  }
  return 0;
}

inline unsigned DaysInMonth(std::int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace dateline::ingest_internal
