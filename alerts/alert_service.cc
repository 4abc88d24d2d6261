#include "alerts/alert_service.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "alerts/alert_json.h"
#include "alerts/sql.h"
#include "alerts/webhook_signature.h"
#include "core/utf8.h"
#include "match/matcher.h"
#include "store/metadata_db.h"

namespace dateline::alerts {

using alerts_internal::Changes;
using alerts_internal::Stmt;
using alerts_internal::Transaction;
using json = nlohmann::json;

namespace {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;
constexpr int kMaxInboxPage = 200;

constexpr const char* kAlertColumns =
    "id, user_id, name, query, live, webhook_url, enabled, rate_max, rate_window_seconds, cost, "
    "created_at, updated_at";

Alert RowToAlert(const Stmt& s) {
  Alert a;
  a.id = s.Int(0);
  a.user_id = s.Int(1);
  a.name = s.Text(2);
  a.query = s.Text(3);
  a.live = s.Int(4) != 0;
  if (!s.IsNull(5)) a.webhook_url = s.Text(5);
  a.enabled = s.Int(6) != 0;
  if (s.Int(7) > 0) a.rate_limit = RateLimit{static_cast<int>(s.Int(7)), s.Int(8)};
  a.cost = static_cast<std::uint64_t>(s.Int(9));
  a.created_at_us = s.Int(10);
  a.updated_at_us = s.Int(11);
  return a;
}

std::size_t CodePoints(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// http(s)://host[:port][/path…], printable ASCII only (no spaces: a URL with spaces is a typo,
// and curl would reject it at delivery time, far from the user).
Status CheckWebhookUrl(std::string_view url, std::size_t max_bytes) {
  const std::string field = "delivery.webhook.url";
  if (url.size() > max_bytes) {
    return Status::TooLarge("webhook url is longer than " + std::to_string(max_bytes) + " bytes",
                            field);
  }
  std::size_t rest = 0;
  if (StartsWithNoCase(url, "https://")) {
    rest = 8;
  } else if (StartsWithNoCase(url, "http://")) {
    rest = 7;
  } else {
    return Status::InvalidArgument("webhook url must start with http:// or https://", field);
  }
  for (unsigned char c : url) {
    if (c <= 0x20 || c >= 0x7F) {
      return Status::InvalidArgument("webhook url must be printable ASCII without spaces", field);
    }
  }
  std::string_view host = url.substr(rest);
  host = host.substr(0, host.find_first_of("/?#"));
  if (const std::size_t at = host.rfind('@'); at != std::string_view::npos)
    host = host.substr(at + 1);
  if (host.empty() || host.front() == ':') {
    return Status::InvalidArgument("webhook url has no host", field);
  }
  return Status::Ok();
}

Status CheckSecret(std::string_view secret) {
  if (secret.empty()) return Status::Ok();
  if (secret.size() < 16 || secret.size() > 256) {
    return Status::InvalidArgument("webhook secret must be 16 to 256 characters",
                                   "delivery.webhook.secret");
  }
  for (unsigned char c : secret) {
    if (c < 0x21 || c >= 0x7F) {
      return Status::InvalidArgument("webhook secret must be printable ASCII without spaces",
                                     "delivery.webhook.secret");
    }
  }
  return Status::Ok();
}

json DigestStoryJson(const DigestStory& s) {
  return {{"story_id", s.story_id},
          {"seq", s.seq},
          {"headline", s.headline},
          {"fired_at", s.fired_at_us}};
}

DigestStory DigestStoryFrom(const json& j) {
  DigestStory s;
  s.story_id = j.value("story_id", "");
  s.seq = j.value("seq", std::uint64_t{0});
  s.headline = j.value("headline", "");
  s.fired_at_us = j.value("fired_at", std::int64_t{0});
  return s;
}

// The digest column of an inbox row: window and stories (µs; JSON times are made on output).
Digest DigestFrom(std::int64_t count, const std::string& text) {
  Digest d;
  d.count = count;
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return d;
  d.window_start_us = j.value("window_start", std::int64_t{0});
  d.window_end_us = j.value("window_end", std::int64_t{0});
  if (auto it = j.find("stories"); it != j.end() && it->is_array()) {
    for (const json& s : *it) {
      if (s.is_object()) d.stories.push_back(DigestStoryFrom(s));
    }
  }
  return d;
}

std::vector<std::string> TermsFrom(const std::string& text) {
  std::vector<std::string> out;
  json j = json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const json& t : j) {
    if (t.is_string()) out.push_back(t.get<std::string>());
  }
  return out;
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

// A notification built under the lock, handed to the listener and the dispatcher after it.
struct AlertService::Pending {
  AlertNotification notification;
  bool live = false;
  std::optional<std::string> webhook_url;
  std::string webhook_secret;
  std::string payload;
};

AlertService::AlertService(MetadataDb& db, match::Matcher& matcher, const Clock& clock,
                           CanSee can_see, WebhookDispatcher* webhooks, AlertOptions options)
    : db_(db),
      matcher_(matcher),
      clock_(clock),
      can_see_(std::move(can_see)),
      webhooks_(webhooks),
      options_(std::move(options)) {}

AlertService::~AlertService() = default;

void AlertService::SetNotificationListener(NotificationListener listener) {
  std::lock_guard lock(mu_);
  listener_ = std::move(listener);
}

Result<AlertService::Checked> AlertService::CheckInput(const AlertInput& in) const {
  if (!IsValidUtf8(in.name)) return Status::InvalidUtf8("name is not valid UTF-8", "name");
  const bool blank = std::all_of(in.name.begin(), in.name.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  });
  if (blank) return Status::InvalidArgument("name must not be empty", "name");
  if (CodePoints(in.name) > options_.max_name_chars) {
    return Status::TooLarge(
        "name is longer than " + std::to_string(options_.max_name_chars) + " characters", "name");
  }
  query::ParseResult parsed = query::Parse(in.query, options_.query_limits);
  if (!parsed.ok()) {
    const Status st = query::ToStatus(parsed.error());
    return Status(st.code(), st.message(), "query");
  }
  Checked out;
  out.cost = match::Matcher::Cost(*parsed);
  if (out.cost > options_.max_query_cost) {
    return Status::TooLarge("query costs " + std::to_string(out.cost) + ", above the budget of " +
                                std::to_string(options_.max_query_cost) +
                                " per alert: use fewer terms, prefixes or proximity operators",
                            "query");
  }
  out.node = std::move(parsed.node());
  if (in.webhook) {
    if (Status s = CheckWebhookUrl(in.webhook->url, options_.max_webhook_url_bytes); !s.ok()) {
      return s;
    }
    if (Status s = CheckSecret(in.webhook->secret); !s.ok()) return s;
  }
  if (in.rate_limit) {
    if (in.rate_limit->max < 1 || in.rate_limit->max > options_.max_rate_notifications) {
      return Status::InvalidArgument(
          "rate_limit.max must be between 1 and " + std::to_string(options_.max_rate_notifications),
          "rate_limit.max");
    }
    if (in.rate_limit->window_seconds < 1 ||
        in.rate_limit->window_seconds > options_.max_rate_window_seconds) {
      return Status::InvalidArgument("rate_limit.window_seconds must be between 1 and " +
                                         std::to_string(options_.max_rate_window_seconds),
                                     "rate_limit.window_seconds");
    }
  }
  return out;
}

Status AlertService::Validate(const AlertInput& input) const {
  auto checked = CheckInput(input);
  return checked.ok() ? Status::Ok() : checked.status();
}

Result<LoadReport> AlertService::Load() {
  const auto started = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  LoadReport report;
  Stmt s(db_.handle(),
         "SELECT id, user_id, query, live, webhook_url IS NOT NULL, rate_max, "
         "rate_window_seconds, window_start, window_sent, suppressed_count, name FROM alerts "
         "WHERE enabled = 1");
  while (s.Step()) {
    const std::int64_t id = s.Int(0);
    // Stored queries were accepted once; a later, stricter build may refuse one. It is
    // reported, and stays saved so its owner can fix it.
    query::ParseResult parsed = query::Parse(s.Text(2), options_.query_limits);
    if (!parsed.ok() || !matcher_.Add(static_cast<std::uint64_t>(id), *parsed).ok()) {
      report.failed.push_back(id);
      continue;
    }
    Runtime rt;
    rt.user_id = s.Int(1);
    rt.live = s.Int(3) != 0;
    rt.webhook = s.Int(4) != 0;
    rt.rate_max = static_cast<int>(s.Int(5));
    rt.window_us = s.Int(6) * kMicrosPerSecond;
    rt.window_start_us = s.Int(7);
    rt.window_sent = static_cast<int>(s.Int(8));
    rt.suppressed = s.Int(9);
    rt.name = s.Text(10);
    if (rt.suppressed > 0) with_suppressed_.insert(id);
    runtime_[id] = std::move(rt);
    ++report.loaded;
  }
  if (!s.ok()) return s.status();
  report.elapsed_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
  return report;
}

Result<Alert> AlertService::Create(std::int64_t user_id, const AlertInput& input) {
  auto checked = CheckInput(input);
  if (!checked.ok()) return checked.status();
  std::optional<std::string> generated;
  std::string secret;
  if (input.webhook) {
    secret = input.webhook->secret;
    if (secret.empty()) secret = *(generated = GenerateWebhookSecret());
  }
  const std::int64_t now = clock_.NowMicros();

  std::lock_guard lock(mu_);
  Transaction tx(db_.handle());
  if (Status s = tx.status(); !s.ok()) return s;
  {
    Stmt count(db_.handle(), "SELECT count(*) FROM alerts WHERE user_id = ?");
    count.Bind(1, user_id);
    if (!count.Step()) return count.status();
    if (static_cast<std::size_t>(count.Int(0)) >= options_.max_alerts_per_user) {
      return Status::TooLarge(
          "a user may have at most " + std::to_string(options_.max_alerts_per_user) + " alerts",
          "alerts");
    }
  }
  Stmt insert(db_.handle(),
              "INSERT INTO alerts(user_id, name, query, delivery, enabled, live, webhook_url, "
              "webhook_secret, rate_max, rate_window_seconds, cost, created_at, updated_at) "
              "VALUES (?, ?, ?, '{}', ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  insert.Bind(1, user_id)
      .Bind(2, input.name)
      .Bind(3, input.query)
      .Bind(4, input.enabled ? 1 : 0)
      .Bind(5, input.live ? 1 : 0);
  if (input.webhook) {
    insert.Bind(6, input.webhook->url).Bind(7, secret);
  } else {
    insert.BindNull(6).BindNull(7);
  }
  insert.Bind(8, input.rate_limit ? input.rate_limit->max : 0)
      .Bind(9, input.rate_limit ? input.rate_limit->window_seconds : 0)
      .Bind(10, static_cast<std::int64_t>(checked->cost))
      .Bind(11, now)
      .Bind(12, now);
  if (!insert.Step()) return insert.ok() ? Status::Internal("no alert id") : insert.status();
  const std::int64_t id = insert.Int(0);
  if (Status s = insert.Run(); !s.ok()) return s;

  if (input.enabled) {
    if (Status s = matcher_.Add(static_cast<std::uint64_t>(id), *checked->node); !s.ok()) {
      return Status(s.code(), s.message(), s.field().empty() ? "query" : s.field());
    }
  }
  if (Status s = tx.Commit(); !s.ok()) {
    if (input.enabled) matcher_.Remove(static_cast<std::uint64_t>(id));
    return s;
  }
  if (input.enabled) {
    Runtime rt;
    rt.user_id = user_id;
    rt.live = input.live;
    rt.webhook = input.webhook.has_value();
    rt.rate_max = input.rate_limit ? input.rate_limit->max : 0;
    rt.window_us = input.rate_limit ? input.rate_limit->window_seconds * kMicrosPerSecond : 0;
    rt.name = input.name;
    runtime_[id] = std::move(rt);
  }

  Alert a;
  a.id = id;
  a.user_id = user_id;
  a.name = input.name;
  a.query = input.query;
  a.live = input.live;
  if (input.webhook) a.webhook_url = input.webhook->url;
  a.enabled = input.enabled;
  a.rate_limit = input.rate_limit;
  a.cost = checked->cost;
  a.created_at_us = now;
  a.updated_at_us = now;
  a.new_webhook_secret = generated;
  return a;
}

Result<Alert> AlertService::Get(std::int64_t user_id, std::int64_t alert_id) {
  std::lock_guard lock(mu_);
  Stmt s(db_.handle(),
         std::string("SELECT ") + kAlertColumns + " FROM alerts WHERE id = ? AND user_id = ?");
  s.Bind(1, alert_id).Bind(2, user_id);
  if (s.Step()) return RowToAlert(s);
  if (!s.ok()) return s.status();
  return Status::NotFound("no such alert");
}

Result<std::vector<Alert>> AlertService::List(std::int64_t user_id) {
  std::lock_guard lock(mu_);
  Stmt s(db_.handle(),
         std::string("SELECT ") + kAlertColumns + " FROM alerts WHERE user_id = ? ORDER BY id");
  s.Bind(1, user_id);
  std::vector<Alert> out;
  while (s.Step()) out.push_back(RowToAlert(s));
  if (!s.ok()) return s.status();
  return out;
}

Result<Alert> AlertService::Update(std::int64_t user_id, std::int64_t alert_id,
                                   const AlertInput& input) {
  auto checked = CheckInput(input);
  if (!checked.ok()) return checked.status();
  const std::int64_t now = clock_.NowMicros();

  std::lock_guard lock(mu_);
  Transaction tx(db_.handle());
  if (Status s = tx.status(); !s.ok()) return s;
  std::string old_query;
  bool was_enabled = false;
  std::optional<std::string> old_secret;
  Alert result;
  {
    Stmt s(db_.handle(), std::string("SELECT ") + kAlertColumns +
                             ", webhook_secret FROM alerts WHERE id = ? AND user_id = ?");
    s.Bind(1, alert_id).Bind(2, user_id);
    if (!s.Step()) return s.ok() ? Status::NotFound("no such alert") : s.status();
    result = RowToAlert(s);
    if (!s.IsNull(12)) old_secret = s.Text(12);
    old_query = result.query;
    was_enabled = result.enabled;
  }
  std::string secret;
  std::optional<std::string> generated;
  if (input.webhook) {
    secret = input.webhook->secret;
    if (secret.empty() && old_secret && !old_secret->empty()) secret = *old_secret;
    if (secret.empty()) secret = *(generated = GenerateWebhookSecret());
  }
  Stmt update(db_.handle(),
              "UPDATE alerts SET name = ?, query = ?, enabled = ?, live = ?, webhook_url = ?, "
              "webhook_secret = ?, rate_max = ?, rate_window_seconds = ?, cost = ?, "
              "updated_at = ? WHERE id = ?");
  update.Bind(1, input.name)
      .Bind(2, input.query)
      .Bind(3, input.enabled ? 1 : 0)
      .Bind(4, input.live ? 1 : 0);
  if (input.webhook) {
    update.Bind(5, input.webhook->url).Bind(6, secret);
  } else {
    update.BindNull(5).BindNull(6);
  }
  update.Bind(7, input.rate_limit ? input.rate_limit->max : 0)
      .Bind(8, input.rate_limit ? input.rate_limit->window_seconds : 0)
      .Bind(9, static_cast<std::int64_t>(checked->cost))
      .Bind(10, now)
      .Bind(11, alert_id);
  if (Status s = update.Run(); !s.ok()) return s;

  const auto mid = static_cast<std::uint64_t>(alert_id);
  // The Matcher changes before the commit so a failure can still roll the row back; if the
  // commit itself fails, the Matcher is put back the way it was.
  auto restore = [&] {
    matcher_.Remove(mid);
    if (!was_enabled) return;
    query::ParseResult old = query::Parse(old_query, options_.query_limits);
    if (old.ok()) (void)matcher_.Add(mid, *old);
  };
  if (input.enabled) {
    if (Status s = matcher_.Add(mid, *checked->node); !s.ok()) {
      restore();
      return Status(s.code(), s.message(), s.field().empty() ? "query" : s.field());
    }
  } else {
    matcher_.Remove(mid);
  }
  if (Status s = tx.Commit(); !s.ok()) {
    restore();
    return s;
  }

  if (input.enabled) {
    // The window in progress, its count and any matches held back carry over: a changed limit
    // applies to the current window.
    Runtime& rt = runtime_[alert_id];
    if (!was_enabled) {
      Stmt state(db_.handle(),
                 "SELECT window_start, window_sent, suppressed_count FROM alerts WHERE id = ?");
      state.Bind(1, alert_id);
      if (state.Step()) {
        rt.window_start_us = state.Int(0);
        rt.window_sent = static_cast<int>(state.Int(1));
        rt.suppressed = state.Int(2);
      }
    }
    rt.user_id = user_id;
    rt.name = input.name;
    rt.live = input.live;
    rt.webhook = input.webhook.has_value();
    rt.rate_max = input.rate_limit ? input.rate_limit->max : 0;
    rt.window_us = input.rate_limit ? input.rate_limit->window_seconds * kMicrosPerSecond : 0;
    if (rt.suppressed > 0) with_suppressed_.insert(alert_id);
  } else {
    runtime_.erase(alert_id);
    with_suppressed_.erase(alert_id);
  }

  result.name = input.name;
  result.query = input.query;
  result.live = input.live;
  result.webhook_url =
      input.webhook ? std::optional<std::string>(input.webhook->url) : std::nullopt;
  result.enabled = input.enabled;
  result.rate_limit = input.rate_limit;
  result.cost = checked->cost;
  result.updated_at_us = now;
  result.new_webhook_secret = generated;
  return result;
}

Status AlertService::Delete(std::int64_t user_id, std::int64_t alert_id) {
  std::lock_guard lock(mu_);
  Stmt s(db_.handle(), "DELETE FROM alerts WHERE id = ? AND user_id = ?");
  s.Bind(1, alert_id).Bind(2, user_id);
  if (Status st = s.Run(); !st.ok()) return st;
  if (Changes(db_.handle()) == 0) return Status::NotFound("no such alert");
  matcher_.Remove(static_cast<std::uint64_t>(alert_id));
  runtime_.erase(alert_id);
  with_suppressed_.erase(alert_id);
  return Status::Ok();
}

// Turns the matches held back in `rt`'s window into one digest row (and closes the window).
Result<std::optional<AlertService::Pending>> AlertService::DigestLocked(std::int64_t alert_id,
                                                                        Runtime& rt,
                                                                        std::int64_t now_us) {
  std::optional<Pending> out;
  Stmt s(db_.handle(),
         "SELECT name, webhook_url, coalesce(webhook_secret, ''), suppressed, suppressed_count "
         "FROM alerts WHERE id = ?");
  s.Bind(1, alert_id);
  if (!s.Step()) return s.status();
  const std::int64_t count = s.Int(4);
  if (count > 0) {
    Pending p;
    AlertNotification& n = p.notification;
    n.alert_id = alert_id;
    n.alert_name = s.Text(0);
    n.user_id = rt.user_id;
    n.kind = NotificationKind::kDigest;
    n.fired_at_us = now_us;
    n.digest.count = count;
    n.digest.window_start_us = rt.window_start_us;
    n.digest.window_end_us = rt.window_start_us + rt.window_us;
    json stories = json::parse(s.Text(3), nullptr, false);
    if (stories.is_array()) {
      for (const json& j : stories) n.digest.stories.push_back(DigestStoryFrom(j));
    }
    json digest = {{"window_start", n.digest.window_start_us},
                   {"window_end", n.digest.window_end_us},
                   {"stories", stories.is_array() ? stories : json::array()}};
    Stmt insert(db_.handle(),
                "INSERT INTO alert_inbox(alert_id, user_id, kind, digest_count, digest, fired_at) "
                "VALUES (?, ?, 'digest', ?, ?, ?) RETURNING id");
    insert.Bind(1, alert_id)
        .Bind(2, rt.user_id)
        .Bind(3, count)
        .Bind(4, Dump(digest))
        .Bind(5, now_us);
    if (!insert.Step()) return insert.ok() ? Status::Internal("no inbox id") : insert.status();
    n.id = insert.Int(0);
    if (Status st = insert.Run(); !st.ok()) return st;
    p.live = rt.live;
    if (rt.webhook && !s.IsNull(1)) {
      p.webhook_url = s.Text(1);
      p.webhook_secret = s.Text(2);
    }
    out = std::move(p);
  }
  rt.window_start_us = 0;
  rt.window_sent = 0;
  rt.suppressed = 0;
  Stmt reset(db_.handle(),
             "UPDATE alerts SET suppressed = '[]', suppressed_count = 0, window_start = 0, "
             "window_sent = 0 WHERE id = ?");
  if (Status st = reset.Bind(1, alert_id).Run(); !st.ok()) return st;
  with_suppressed_.erase(alert_id);
  return out;
}

Result<StoryReport> AlertService::OnStory(const Story& story, std::int64_t now_us) {
  StoryReport report;
  // Matching runs outside the lock: the Matcher is thread-safe and this is the slow part.
  std::vector<match::Fired> fired = matcher_.Match(story, now_us);
  report.fired = fired.size();
  if (fired.empty()) return report;

  std::vector<Pending> pending;
  NotificationListener listener;
  {
    std::lock_guard lock(mu_);
    listener = listener_;
    // Whether each owner may see the story is asked before the write transaction opens: the
    // answer comes from the auth service under its own lock, whose holder may be waiting to
    // write to the same database (a new source, a grant); asked inside the transaction, each
    // side would wait for the other until SQLite's busy timeout failed that write.
    std::unordered_map<std::int64_t, bool> visible;  // per owner, for this story
    for (const match::Fired& f : fired) {
      auto it = runtime_.find(static_cast<std::int64_t>(f.query_id));
      if (it != runtime_.end()) visible.try_emplace(it->second.user_id, false);
    }
    for (auto& [user, may_see] : visible) may_see = can_see_ && can_see_(user, story.source);
    Transaction tx(db_.handle());
    if (Status s = tx.status(); !s.ok()) return s;
    // Runtime state as it was, put back if the transaction fails.
    std::vector<std::pair<std::int64_t, Runtime>> before;
    // Match rows wait in `pending` from `unwritten` on and go to the inbox together: before a
    // digest row (so ids keep the order of the notifications) and at the end.
    std::size_t unwritten = 0;
    // Only webhook alerts need a row of `alerts` (URL, secret); prepared on the first of them.
    std::optional<Stmt> webhook;
    auto fail = [&](Status s) -> Status {
      for (auto& [id, rt] : before) {
        runtime_[id] = rt;
        if (rt.suppressed > 0) {
          with_suppressed_.insert(id);
        } else {
          with_suppressed_.erase(id);
        }
      }
      return s;
    };
    for (match::Fired& f : fired) {
      const auto id = static_cast<std::int64_t>(f.query_id);
      auto it = runtime_.find(id);
      if (it == runtime_.end()) continue;  // deleted or disabled since Match
      Runtime& rt = it->second;
      if (!visible[rt.user_id]) {
        ++report.hidden;
        continue;
      }
      before.emplace_back(id, rt);

      if (rt.rate_max > 0) {
        if (rt.window_start_us != 0 && now_us >= rt.window_start_us + rt.window_us) {
          // The window has ended: its digest (if any) goes first, then this match opens a new one.
          if (rt.suppressed > 0) {
            if (Status s = InsertMatchesLocked(story, now_us, pending, unwritten); !s.ok()) {
              return fail(s);
            }
            auto digest = DigestLocked(id, rt, now_us);
            if (!digest.ok()) return fail(digest.status());
            if (*digest) {
              pending.push_back(std::move(**digest));
              ++report.notified;
            }
            unwritten = pending.size();
          }
          rt.window_start_us = 0;
        }
        if (rt.window_start_us == 0) {
          rt.window_start_us = now_us;
          rt.window_sent = 0;
        }
        if (rt.window_sent >= rt.rate_max) {
          // Held back: counted, and listed in the digest up to digest_max_stories.
          const json item = DigestStoryJson({story.id, story.seq, story.headline, now_us});
          Stmt hold(db_.handle(),
                    "UPDATE alerts SET suppressed_count = suppressed_count + 1, window_start = ?, "
                    "window_sent = ?, suppressed = CASE WHEN json_array_length(suppressed) < ? "
                    "THEN json_insert(suppressed, '$[#]', json(?)) ELSE suppressed END "
                    "WHERE id = ?");
          hold.Bind(1, rt.window_start_us)
              .Bind(2, rt.window_sent)
              .Bind(3, static_cast<std::int64_t>(options_.digest_max_stories))
              .Bind(4, Dump(item))
              .Bind(5, id);
          if (Status s = hold.Run(); !s.ok()) return fail(s);
          ++rt.suppressed;
          with_suppressed_.insert(id);
          ++report.suppressed;
          continue;
        }
        ++rt.window_sent;
        Stmt sent(db_.handle(), "UPDATE alerts SET window_start = ?, window_sent = ? WHERE id = ?");
        sent.Bind(1, rt.window_start_us).Bind(2, rt.window_sent).Bind(3, id);
        if (Status s = sent.Run(); !s.ok()) return fail(s);
      }

      Pending p;
      AlertNotification& n = p.notification;
      n.alert_id = id;
      n.alert_name = rt.name;
      n.user_id = rt.user_id;
      n.kind = NotificationKind::kMatch;
      n.story_id = story.id;
      n.seq = story.seq;
      n.headline = story.headline;
      n.matched_terms = f.MatchedTerms();
      n.fired_at_us = now_us;
      p.live = rt.live;
      if (rt.webhook) {
        if (!webhook) {
          webhook.emplace(db_.handle(),
                          "SELECT webhook_url, coalesce(webhook_secret, '') FROM alerts "
                          "WHERE id = ?");
        }
        webhook->Reset().Bind(1, id);
        if (!webhook->Step()) {
          return fail(webhook->ok() ? Status::NotFound("no such alert") : webhook->status());
        }
        if (!webhook->IsNull(0)) {
          p.webhook_url = webhook->Text(0);
          p.webhook_secret = webhook->Text(1);
        }
      }
      pending.push_back(std::move(p));
      ++report.notified;
    }
    if (webhook) webhook->Reset();  // no statement of this story in progress at the commit
    if (Status s = InsertMatchesLocked(story, now_us, pending, unwritten); !s.ok()) return fail(s);
    for (Pending& p : pending) {
      if (p.webhook_url && p.notification.kind == NotificationKind::kMatch) {
        p.payload = WebhookPayloadJson(p.notification, &story);
      }
    }
    if (Status s = tx.Commit(); !s.ok()) return fail(s);
  }
  report.webhooks = Deliver(pending, listener);
  return report;
}

Status AlertService::InsertMatchesLocked(const Story& story, std::int64_t now_us,
                                         std::vector<Pending>& pending, std::size_t first) {
  if (first >= pending.size()) return Status::Ok();
  // Ids are given, not returned by the INSERT: the table's next rowid, as SQLite would pick it
  // (every writer of alert_inbox holds mu_), so the rows need no RETURNING.
  std::int64_t next_id = 0;
  {
    Stmt last(db_.handle(), "SELECT coalesce(max(id), 0) FROM alert_inbox");
    if (!last.Step()) return last.ok() ? Status::Internal("no inbox max id") : last.status();
    next_id = last.Int(0) + 1;
  }
  // One statement, prepared once and reset per row: cheaper than a multi-row INSERT of the same
  // rows here, and cheaper without RETURNING (bench/RESULTS.md, alerts-e2e of 30 Nov 2026 06:49).
  if (!insert_) {
    insert_ = std::make_unique<Stmt>(
        db_.handle(),
        "INSERT INTO alert_inbox(id, alert_id, user_id, kind, story_id, seq, headline, "
        "matched_terms, fired_at) VALUES (?, ?, ?, 'match', ?, ?, ?, ?, ?)");
  }
  for (std::size_t i = first; i < pending.size(); ++i) {
    AlertNotification& n = pending[i].notification;
    n.id = next_id++;
    insert_->Reset()
        .Bind(1, n.id)
        .Bind(2, n.alert_id)
        .Bind(3, n.user_id)
        .Bind(4, story.id)
        .Bind(5, static_cast<std::int64_t>(story.seq))
        .Bind(6, story.headline)
        .Bind(7, Dump(json(n.matched_terms)))
        .Bind(8, now_us);
    Status s = insert_->Run();
    if (!s.ok()) {
      insert_->Reset();
      return s;
    }
  }
  insert_->Reset();  // no statement in progress at the commit
  return Status::Ok();
}

Result<std::size_t> AlertService::FlushDigests(std::int64_t now_us) {
  std::vector<Pending> pending;
  NotificationListener listener;
  {
    std::lock_guard lock(mu_);
    listener = listener_;
    std::vector<std::int64_t> due;
    for (std::int64_t id : with_suppressed_) {
      auto it = runtime_.find(id);
      if (it != runtime_.end() && now_us >= it->second.window_start_us + it->second.window_us) {
        due.push_back(id);
      }
    }
    if (due.empty()) return std::size_t{0};
    std::sort(due.begin(), due.end());
    Transaction tx(db_.handle());
    if (Status s = tx.status(); !s.ok()) return s;
    std::vector<std::pair<std::int64_t, Runtime>> before;
    Status failed;
    for (std::int64_t id : due) {
      Runtime& rt = runtime_[id];
      before.emplace_back(id, rt);
      auto digest = DigestLocked(id, rt, now_us);
      if (!digest.ok()) {
        failed = digest.status();
        break;
      }
      if (*digest) pending.push_back(std::move(**digest));
    }
    if (failed.ok()) failed = tx.Commit();
    if (!failed.ok()) {
      // Every window stays as it was; the next call tries again.
      for (auto& [id, rt] : before) {
        runtime_[id] = rt;
        with_suppressed_.insert(id);
      }
      return failed;
    }
  }
  const std::size_t digests = pending.size();
  (void)Deliver(pending, listener);
  return digests;
}

std::size_t AlertService::Deliver(std::vector<Pending>& pending,
                                  const NotificationListener& listener) {
  std::size_t webhooks = 0;
  // Every live frame first: enqueueing a webhook writes a row, and no frame should wait for it.
  if (listener) {
    for (const Pending& p : pending) {
      if (p.live) listener(p.notification);
    }
  }
  for (Pending& p : pending) {
    if (p.webhook_url && webhooks_ != nullptr) {
      if (p.payload.empty()) p.payload = WebhookPayloadJson(p.notification, nullptr);
      NewDelivery d;
      d.alert_id = p.notification.alert_id;
      d.user_id = p.notification.user_id;
      d.url = *p.webhook_url;
      d.secret = p.webhook_secret;
      d.payload = std::move(p.payload);
      // A failed insert loses this one delivery, never the story's other notifications; the
      // inbox row is already committed.
      if (webhooks_->Enqueue(d).ok()) ++webhooks;
    }
  }
  return webhooks;
}

Result<std::int64_t> AlertService::PruneInbox(std::int64_t now_us) {
  std::lock_guard lock(mu_);
  Stmt s(db_.handle(), "DELETE FROM alert_inbox WHERE fired_at < ?");
  s.Bind(1, now_us - options_.inbox_keep_us);
  if (Status st = s.Run(); !st.ok()) return st;
  return Changes(db_.handle());
}

Result<InboxPage> AlertService::ListInbox(std::int64_t user_id, const InboxQuery& q) {
  const int limit = std::clamp(q.limit, 1, kMaxInboxPage);
  std::string sql =
      "SELECT i.id, i.alert_id, a.name, i.kind, i.story_id, i.seq, i.headline, i.matched_terms, "
      "i.digest_count, i.digest, i.fired_at, i.read_at FROM alert_inbox i JOIN alerts a ON "
      "a.id = i.alert_id WHERE i.user_id = ? AND i.id < ?";
  if (q.unread_only) sql += " AND i.read_at IS NULL";
  if (q.alert_id) sql += " AND i.alert_id = ?";
  sql += " ORDER BY i.id DESC LIMIT ?";
  std::lock_guard lock(mu_);
  Stmt s(db_.handle(), sql);
  s.Bind(1, user_id)
      .Bind(2, q.before_id > 0 ? q.before_id : std::numeric_limits<std::int64_t>::max());
  int next = 3;
  if (q.alert_id) s.Bind(next++, *q.alert_id);
  s.Bind(next, limit + 1);
  InboxPage page;
  while (s.Step()) {
    if (static_cast<int>(page.entries.size()) == limit) {
      page.next_before_id = page.entries.back().id;
      break;
    }
    AlertNotification n;
    n.id = s.Int(0);
    n.alert_id = s.Int(1);
    n.alert_name = s.Text(2);
    n.user_id = user_id;
    n.kind = s.Text(3) == "digest" ? NotificationKind::kDigest : NotificationKind::kMatch;
    n.story_id = s.Text(4);
    n.seq = static_cast<std::uint64_t>(s.Int(5));
    n.headline = s.Text(6);
    n.matched_terms = TermsFrom(s.Text(7));
    if (n.kind == NotificationKind::kDigest) n.digest = DigestFrom(s.Int(8), s.Text(9));
    n.fired_at_us = s.Int(10);
    if (!s.IsNull(11)) n.read_at_us = s.Int(11);
    page.entries.push_back(std::move(n));
  }
  if (!s.ok()) return s.status();
  return page;
}

Result<UnreadCounts> AlertService::CountUnread(std::int64_t user_id) {
  std::lock_guard lock(mu_);
  Stmt s(db_.handle(),
         "SELECT alert_id, count(*) FROM alert_inbox WHERE user_id = ? AND read_at IS NULL "
         "GROUP BY alert_id ORDER BY alert_id");
  s.Bind(1, user_id);
  UnreadCounts out;
  while (s.Step()) {
    out.by_alert.emplace_back(s.Int(0), s.Int(1));
    out.total += s.Int(1);
  }
  if (!s.ok()) return s.status();
  return out;
}

Status AlertService::MarkRead(std::int64_t user_id, std::int64_t inbox_id) {
  std::lock_guard lock(mu_);
  Stmt s(db_.handle(),
         "UPDATE alert_inbox SET read_at = coalesce(read_at, ?) WHERE id = ? AND user_id = ?");
  s.Bind(1, clock_.NowMicros()).Bind(2, inbox_id).Bind(3, user_id);
  if (Status st = s.Run(); !st.ok()) return st;
  if (Changes(db_.handle()) == 0) return Status::NotFound("no such inbox entry");
  return Status::Ok();
}

Result<std::int64_t> AlertService::MarkAlertRead(std::int64_t user_id, std::int64_t alert_id) {
  std::lock_guard lock(mu_);
  {
    Stmt owns(db_.handle(), "SELECT 1 FROM alerts WHERE id = ? AND user_id = ?");
    owns.Bind(1, alert_id).Bind(2, user_id);
    if (!owns.Step()) return owns.ok() ? Status::NotFound("no such alert") : owns.status();
  }
  Stmt s(db_.handle(),
         "UPDATE alert_inbox SET read_at = ? WHERE user_id = ? AND alert_id = ? AND "
         "read_at IS NULL");
  s.Bind(1, clock_.NowMicros()).Bind(2, user_id).Bind(3, alert_id);
  if (Status st = s.Run(); !st.ok()) return st;
  return Changes(db_.handle());
}

Result<std::int64_t> AlertService::MarkAllRead(std::int64_t user_id) {
  std::lock_guard lock(mu_);
  Stmt s(db_.handle(), "UPDATE alert_inbox SET read_at = ? WHERE user_id = ? AND read_at IS NULL");
  s.Bind(1, clock_.NowMicros()).Bind(2, user_id);
  if (Status st = s.Run(); !st.ok()) return st;
  return Changes(db_.handle());
}

Result<std::vector<Delivery>> AlertService::ListDeadLetters(std::int64_t user_id,
                                                            std::int64_t before_id, int limit) {
  if (webhooks_ == nullptr) return Status::Unavailable("webhooks are not enabled");
  return webhooks_->ListDead(user_id, before_id, limit);
}

Status AlertService::RetryDeadLetter(std::int64_t user_id, std::int64_t delivery_id) {
  if (webhooks_ == nullptr) return Status::Unavailable("webhooks are not enabled");
  return webhooks_->Retry(user_id, delivery_id);
}

}  // namespace dateline::alerts
