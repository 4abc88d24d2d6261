#include "auth/login_throttle.h"

#include <algorithm>

namespace dateline {

LoginThrottle::LoginThrottle(const Clock& clock, LoginThrottleOptions options)
    : clock_(clock), options_(options) {}

LoginThrottle::Entry* LoginThrottle::Find(std::unordered_map<std::string, Entry>& map,
                                          std::string_view key, std::int64_t now,
                                          std::int64_t forget_after_us) {
  auto it = map.find(std::string(key));
  if (it == map.end()) return nullptr;
  Entry& e = it->second;
  if (e.blocked_until_us <= now && now - e.last_failure_us > forget_after_us) {
    map.erase(it);
    return nullptr;
  }
  return &e;
}

void LoginThrottle::Prune(std::unordered_map<std::string, Entry>& map, std::int64_t now) {
  if (map.size() < options_.max_entries) return;
  for (auto it = map.begin(); it != map.end();) {
    const Entry& e = it->second;
    // Under pressure keep only keys that are blocked or failed in the last backoff period.
    if (e.blocked_until_us <= now && now - e.last_failure_us > options_.max_backoff_us) {
      it = map.erase(it);
    } else {
      ++it;
    }
  }
}

std::int64_t LoginThrottle::Backoff(int failures) const {
  const int exponent = std::min(failures - options_.backoff_after, 40);
  std::int64_t d = options_.first_backoff_us;
  for (int i = 0; i < exponent && d < options_.max_backoff_us; ++i) d *= 2;
  return std::min(d, options_.max_backoff_us);
}

std::int64_t LoginThrottle::RetryAfterSeconds(std::string_view account, std::string_view address) {
  std::lock_guard lock(mu_);
  const std::int64_t now = clock_.NowMicros();
  std::int64_t until = 0;
  if (Entry* e = Find(accounts_, account, now, options_.forget_after_us)) until = std::max(until, e->blocked_until_us);
  if (!address.empty()) {
    if (Entry* e = Find(addresses_, address, now, options_.address_forget_after_us)) until = std::max(until, e->blocked_until_us);
  }
  if (until <= now) return 0;
  return (until - now + 999'999) / 1'000'000;
}

bool LoginThrottle::RecordFailure(std::string_view account, std::string_view address) {
  std::lock_guard lock(mu_);
  const std::int64_t now = clock_.NowMicros();
  bool locked = false;
  {
    Prune(accounts_, now);
    Entry* found = Find(accounts_, account, now, options_.forget_after_us);
    Entry& e = found ? *found : accounts_[std::string(account)];
    ++e.failures;
    e.last_failure_us = now;
    if (e.failures >= options_.lockout_after) {
      e.blocked_until_us = now + options_.lockout_us;
      locked = true;
    } else if (e.failures >= options_.backoff_after) {
      e.blocked_until_us = now + Backoff(e.failures);
    }
  }
  if (!address.empty()) {
    Prune(addresses_, now);
    Entry* found = Find(addresses_, address, now, options_.address_forget_after_us);
    Entry& e = found ? *found : addresses_[std::string(address)];
    ++e.failures;
    e.last_failure_us = now;
    if (e.failures >= options_.backoff_after) e.blocked_until_us = now + Backoff(e.failures);
  }
  return locked;
}

void LoginThrottle::RecordSuccess(std::string_view account) {
  std::lock_guard lock(mu_);
  accounts_.erase(std::string(account));
}

int LoginThrottle::AccountFailures(std::string_view account) {
  std::lock_guard lock(mu_);
  Entry* e = Find(accounts_, account, clock_.NowMicros(), options_.forget_after_us);
  return e ? e->failures : 0;
}

}  // namespace dateline
