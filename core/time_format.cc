#include "core/time_format.h"

#include <cstdio>

namespace dateline {

std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

namespace {

void CivilFromDays(std::int64_t z, std::int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<std::int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool Digits(std::string_view s, std::size_t pos, std::size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

unsigned DaysInMonth(int y, int m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return kDays[m - 1];
}

}  // namespace

std::string FormatRfc3339(std::int64_t micros) {
  std::int64_t secs = micros >= 0 ? micros / 1000000 : -((-micros + 999999) / 1000000);
  const auto frac = static_cast<int>(micros - secs * 1000000);
  std::int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  const auto sod = static_cast<int>(secs - days * 86400);
  std::int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[48];
  if (frac) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%06dZ",
                  static_cast<long long>(y), m, d, sod / 3600, sod / 60 % 60, sod % 60, frac);
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(y),
                  m, d, sod / 3600, sod / 60 % 60, sod % 60);
  }
  return buf;
}

Result<std::int64_t> ParseRfc3339(std::string_view s) {
  auto bad = [&](std::string why) {
    return Status::InvalidArgument("invalid time \"" + std::string(s.substr(0, 64)) +
                                   "\": " + why + " (expected RFC 3339, e.g. 2013-11-02T09:30:00Z)");
  };
  int y, mo, d, h = 0, mi = 0, sec = 0;
  if (!Digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d)) {
    return bad("bad date");
  }
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || static_cast<unsigned>(d) > DaysInMonth(y, mo)) {
    return bad("date out of range");
  }
  std::size_t pos = 10;
  std::int64_t frac_us = 0;
  std::int64_t offset_s = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return bad("expected 'T' after the date");
    if (!Digits(s, pos + 1, 2, &h) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &mi)) {
      return bad("bad time of day");
    }
    pos += 6;
    if (pos < s.size() && s[pos] == ':') {
      if (!Digits(s, pos + 1, 2, &sec)) return bad("bad seconds");
      pos += 3;
      if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int digits = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
          if (digits < 6) frac_us = frac_us * 10 + (s[pos] - '0');
          ++digits;
          ++pos;
        }
        if (digits == 0) return bad("empty fraction of a second");
        for (int i = digits; i < 6; ++i) frac_us *= 10;
      }
    }
    if (h > 23 || mi > 59 || sec > 60) return bad("time of day out of range");
    if (pos < s.size()) {
      if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
      } else if (s[pos] == '+' || s[pos] == '-') {
        int oh, om;
        if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
            !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
          return bad("bad zone offset");
        }
        offset_s = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
        pos += 6;
      } else {
        return bad("bad zone");
      }
    }
  }
  if (pos != s.size()) return bad("unexpected text after the time");
  if (sec == 60) sec = 59;  // leap second: clamp
  std::int64_t secs = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
                      h * 3600 + mi * 60 + sec - offset_s;
  // Keep every accepted time printable as a four-digit year (zone offsets can cross one).
  if (secs < DaysFromCivil(1000, 1, 1) * 86400 || secs >= DaysFromCivil(10000, 1, 1) * 86400) {
    return bad("year out of range");
  }
  return secs * 1000000 + frac_us;
}

}  // namespace dateline
