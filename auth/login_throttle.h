// LoginThrottle: in-memory brute-force defence for password logins.
//
// Failures are counted per account (the username as typed, lower-cased, whether or not such a
// user exists, so the behaviour reveals nothing) and per client address. From the
// `backoff_after`-th consecutive failure on a key, further attempts on it are refused for
// 1 s, 2 s, 4 s … (doubling, capped at `max_backoff`). At `lockout_after` consecutive failures on
// an account, the account is locked for `lockout` (RecordFailure reports it so the caller can
// audit it). A success resets the account's counter (not the address's: one good account must
// not launder an address that guesses at others). Counters of keys without a failure for
// `forget_after` start again from zero. State is lost on restart, by design.
//
// Thread-safe (internal mutex). Time comes from the injected Clock, which must outlive this.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"

namespace dateline {

struct LoginThrottleOptions {
  int backoff_after = 5;
  int lockout_after = 10;
  std::int64_t first_backoff_us = 1'000'000;
  std::int64_t max_backoff_us = 15 * 60 * 1'000'000LL;
  std::int64_t lockout_us = 15 * 60 * 1'000'000LL;
  std::int64_t forget_after_us = 24 * 3600 * 1'000'000LL;          // accounts
  std::int64_t address_forget_after_us = 15 * 60 * 1'000'000LL;   // addresses (shared NATs)
  std::size_t max_entries = 100'000;  // beyond this, idle entries are pruned
};

class LoginThrottle {
 public:
  LoginThrottle(const Clock& clock, LoginThrottleOptions options = {});

  // 0 when an attempt for (account, address) may go ahead now; otherwise the number of whole
  // seconds (rounded up, ≥ 1) until it may.
  std::int64_t RetryAfterSeconds(std::string_view account, std::string_view address);

  // Records a failed attempt. Returns true when this failure started an account lockout.
  bool RecordFailure(std::string_view account, std::string_view address);

  // Records a successful login: the account's counter and any backoff on it are cleared.
  void RecordSuccess(std::string_view account);

  // Consecutive failures currently counted for an account (for tests and diagnostics).
  int AccountFailures(std::string_view account);

 private:
  struct Entry {
    int failures = 0;
    std::int64_t last_failure_us = 0;
    std::int64_t blocked_until_us = 0;
  };
  Entry* Find(std::unordered_map<std::string, Entry>& map, std::string_view key,
              std::int64_t now, std::int64_t forget_after_us);
  void Prune(std::unordered_map<std::string, Entry>& map, std::int64_t now);
  std::int64_t Backoff(int failures) const;

  const Clock& clock_;
  const LoginThrottleOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> accounts_;
  std::unordered_map<std::string, Entry> addresses_;
};

}  // namespace dateline
