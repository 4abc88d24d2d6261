#include "alerts/webhook_dispatcher.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>

#include "alerts/sql.h"
#include "alerts/webhook_signature.h"
#include "store/metadata_db.h"

namespace dateline::alerts {

using alerts_internal::Stmt;

namespace {

constexpr std::int64_t kMicrosPerMilli = 1000;
// A worker re-checks the queue at least this often (new due times, refills, Stop).
constexpr std::int64_t kMaxIdleWaitUs = 200 * kMicrosPerMilli;
// Receivers answer with a status; their bodies are read only up to this many bytes (kept for
// nothing but the connection's reuse).
constexpr std::size_t kMaxResponseBytes = 64 * 1024;

void EnsureCurlInitialised() {
  // curl_global_init is not thread-safe: once, before any worker exists.
  static const bool kDone = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)kDone;
}

DeliveryState ParseState(std::string_view s) {
  if (s == "delivered") return DeliveryState::kDelivered;
  if (s == "dead") return DeliveryState::kDead;
  return DeliveryState::kPending;
}

// "https://Example.com:8443/hook?x" -> "https://example.com:8443"; the default port is added
// so that https://a and https://a:443 are the same endpoint.
std::string EndpointOf(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  std::string scheme(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos)
    rest = rest.substr(at + 1);
  std::string host(rest);
  for (char& c : host) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (char& c : scheme) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  // A port is a ':' after the host; in "[::1]:8080" only after the bracket.
  const std::size_t bracket = host.rfind(']');
  const bool has_port =
      host.find(':', bracket == std::string::npos ? 0 : bracket) != std::string::npos;
  if (!has_port) host += scheme == "https" ? ":443" : ":80";
  return scheme + "://" + host;
}

Delivery RowToDelivery(const Stmt& s) {
  Delivery d;
  d.id = s.Int(0);
  d.alert_id = s.Int(1);
  d.user_id = s.Int(2);
  d.url = s.Text(3);
  d.payload = s.Text(4);
  d.state = ParseState(s.Text(5));
  d.attempts = static_cast<int>(s.Int(6));
  d.next_attempt_at_us = s.Int(7);
  d.last_error = s.Text(8);
  d.created_at_us = s.Int(9);
  d.updated_at_us = s.Int(10);
  return d;
}

constexpr const char* kDeliveryColumns =
    "id, alert_id, user_id, url, payload, state, attempts, next_attempt_at, last_error, "
    "created_at, updated_at";

size_t DiscardBody(char*, size_t size, size_t n, void* userdata) {
  auto* seen = static_cast<std::size_t*>(userdata);
  *seen += size * n;
  // Returning less than given aborts the transfer: a receiver streaming megabytes is cut off.
  return *seen > kMaxResponseBytes ? 0 : size * n;
}

int AbortOnStop(void* clientp, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(clientp)->load() ? 1 : 0;
}

struct AttemptOutcome {
  bool delivered = false;
  bool aborted = false;  // Stop() during the attempt: not counted
  std::string error;
};

// One attempt on the worker's own handle (reused, so keep-alive connections are too).
AttemptOutcome Post(CURL* curl, const WebhookOptions& options, const std::string& url,
                    const std::string& body, const std::string& signature, std::int64_t id,
                    int attempt, const std::atomic<bool>& stopping) {
  curl_easy_reset(curl);
  struct curl_slist* headers = nullptr;
  const std::string sig = "X-Dateline-Signature: " + signature;
  const std::string delivery = "X-Dateline-Delivery: " + std::to_string(id);
  const std::string attempt_header = "X-Dateline-Attempt: " + std::to_string(attempt);
  for (const std::string* h : {&sig, &delivery, &attempt_header}) {
    headers = curl_slist_append(headers, h->c_str());
  }
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  std::size_t seen = 0;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout_ms));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(options.connect_timeout_ms, options.timeout_ms)));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, DiscardBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &seen);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, AbortOnStop);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(&stopping));

  AttemptOutcome out;
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  if (rc == CURLE_ABORTED_BY_CALLBACK) {
    out.aborted = true;
  } else if (rc == CURLE_OPERATION_TIMEDOUT) {
    out.error = "timeout after " + std::to_string(options.timeout_ms) + " ms";
  } else if (rc == CURLE_WRITE_ERROR && status >= 200 && status < 300) {
    out.delivered = true;  // a 2xx whose body we stopped reading
  } else if (rc != CURLE_OK) {
    out.error = curl_easy_strerror(rc);
  } else if (status >= 200 && status < 300) {
    out.delivered = true;
  } else {
    out.error = "HTTP " + std::to_string(status);
  }
  return out;
}

}  // namespace

std::string_view DeliveryStateName(DeliveryState state) {
  switch (state) {
    case DeliveryState::kPending:
      return "pending";
    case DeliveryState::kDelivered:
      return "delivered";
    case DeliveryState::kDead:
      return "dead";
  }
  return "pending";
}

WebhookDispatcher::WebhookDispatcher(MetadataDb& db, const Clock& clock, WebhookOptions options)
    : db_(db), clock_(clock), options_(std::move(options)) {
  EnsureCurlInitialised();
}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

Status WebhookDispatcher::Start() {
  {
    std::lock_guard lock(mu_);
    if (started_) return Status::Ok();
  }
  Stmt prune(db_.handle(),
             "DELETE FROM webhook_deliveries WHERE state = 'delivered' AND updated_at < ?");
  if (Status s = prune.Bind(1, clock_.NowMicros() - options_.keep_delivered_us).Run(); !s.ok()) {
    return s;
  }
  std::lock_guard lock(mu_);
  started_ = true;
  stop_ = false;
  stopping_.store(false);
  backlog_ = true;  // every pending row is loaded by the first idle worker
  loaded_up_to_ = 0;
  stats_ = {};
  for (int i = 0; i < std::max(1, options_.workers); ++i) threads_.emplace_back([this] { Work(); });
  return Status::Ok();
}

void WebhookDispatcher::Stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    stopping_.store(true);
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (std::thread& t : threads) t.join();
  std::lock_guard lock(mu_);
  jobs_.clear();
  endpoint_in_flight_.clear();
  started_ = false;
}

Result<std::int64_t> WebhookDispatcher::Enqueue(const NewDelivery& d) {
  const std::int64_t now = clock_.NowMicros();
  Stmt insert(db_.handle(),
              "INSERT INTO webhook_deliveries(alert_id, user_id, url, payload, state, "
              "next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?) "
              "RETURNING id");
  insert.Bind(1, d.alert_id)
      .Bind(2, d.user_id)
      .Bind(3, d.url)
      .Bind(4, d.payload)
      .Bind(5, now)
      .Bind(6, now)
      .Bind(7, now);
  if (!insert.Step()) return insert.ok() ? Status::Internal("no delivery id") : insert.status();
  const std::int64_t id = insert.Int(0);
  if (Status s = insert.Run(); !s.ok()) return s;
  {
    std::lock_guard lock(mu_);
    // While there is a backlog, new rows join it: the refill reads pending ids above
    // loaded_up_to_. A concurrent Enqueue may already have moved loaded_up_to_ past this id
    // (it locked first), so it is lowered to keep this row findable; rows the refill meets
    // again that are in memory already are skipped.
    if (backlog_ || jobs_.size() >= options_.max_queued) {
      backlog_ = true;
      loaded_up_to_ = std::min(loaded_up_to_, id - 1);
      return id;
    }
    if (jobs_.count(id) == 0) {
      Job job;
      job.id = id;
      job.url = d.url;
      job.endpoint = EndpointOf(d.url);
      job.secret = d.secret;
      job.payload = d.payload;
      job.next_attempt_at_us = now;
      loaded_up_to_ = std::max(loaded_up_to_, id);
      AddLocked(std::move(job));
    }
  }
  cv_.notify_one();
  return id;
}

void WebhookDispatcher::AddLocked(Job job) {
  const std::int64_t id = job.id;
  jobs_.emplace(id, std::move(job));
}

bool WebhookDispatcher::LoadBacklogLocked() {
  // Load under the lock: Enqueue and Retry decide against loaded_up_to_, so it must not move
  // while they look. A refill is at most max_queued/2 rows, and rare.
  const std::size_t room =
      options_.max_queued > jobs_.size() ? options_.max_queued - jobs_.size() : 0;
  if (room == 0) return false;
  const std::size_t want = std::max<std::size_t>(1, std::min(room, options_.max_queued / 2 + 1));
  Stmt s(db_.handle(),
         "SELECT d.id, d.url, d.payload, d.attempts, d.next_attempt_at, "
         "coalesce(a.webhook_secret, '') FROM webhook_deliveries d JOIN alerts a ON "
         "a.id = d.alert_id WHERE d.state = 'pending' AND d.id > ? ORDER BY d.id LIMIT ?");
  s.Bind(1, loaded_up_to_).Bind(2, static_cast<std::int64_t>(want));
  std::size_t loaded = 0;
  while (s.Step()) {
    ++loaded;
    Job job;
    job.id = s.Int(0);
    loaded_up_to_ = std::max(loaded_up_to_, job.id);
    if (jobs_.count(job.id) != 0) continue;
    job.url = s.Text(1);
    job.endpoint = EndpointOf(job.url);
    job.payload = s.Text(2);
    job.attempts = static_cast<int>(s.Int(3));
    job.next_attempt_at_us = s.Int(4);
    job.secret = s.Text(5);
    AddLocked(std::move(job));
  }
  if (!s.ok()) return false;  // try again at the next wake-up
  if (loaded < want) backlog_ = false;
  return loaded > 0;
}

WebhookDispatcher::Job* WebhookDispatcher::PickLocked(std::int64_t now_us, std::int64_t* wait_us) {
  Job* best = nullptr;
  std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
  for (auto& [id, job] : jobs_) {
    if (job.in_flight) continue;
    auto busy = endpoint_in_flight_.find(job.endpoint);
    if (busy != endpoint_in_flight_.end() && busy->second >= options_.per_endpoint_in_flight) {
      continue;
    }
    // Due jobs go oldest-due first, ties by id, so deliveries of one alert keep their order.
    if (best == nullptr || job.next_attempt_at_us < best->next_attempt_at_us ||
        (job.next_attempt_at_us == best->next_attempt_at_us && job.id < best->id)) {
      best = &job;
    }
    earliest = std::min(earliest, job.next_attempt_at_us);
  }
  if (best != nullptr && best->next_attempt_at_us <= now_us) return best;
  *wait_us = best == nullptr ? kMaxIdleWaitUs
                             : std::clamp(earliest - now_us, std::int64_t{1}, kMaxIdleWaitUs);
  return nullptr;
}

std::int64_t WebhookDispatcher::BackoffMs(int attempts, std::mt19937_64& rng) const {
  std::int64_t delay = options_.backoff_initial_ms;
  for (int i = 1; i < attempts && delay < options_.backoff_max_ms; ++i) delay *= 2;
  delay = std::min(delay, options_.backoff_max_ms);
  if (options_.jitter > 0 && delay > 0) {
    std::uniform_real_distribution<double> extra(0, options_.jitter);
    delay += static_cast<std::int64_t>(static_cast<double>(delay) * extra(rng));
  }
  return delay;
}

void WebhookDispatcher::Work() {
  CURL* curl = curl_easy_init();
  std::mt19937_64 rng(std::random_device{}());  // jitter, per worker: no lock needed
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (backlog_ && jobs_.size() < options_.max_queued / 2 + 1) LoadBacklogLocked();
    std::int64_t wait_us = kMaxIdleWaitUs;
    Job* job = PickLocked(clock_.NowMicros(), &wait_us);
    if (job == nullptr) {
      cv_.wait_for(lock, std::chrono::microseconds(wait_us));
      continue;
    }
    job->in_flight = true;
    ++endpoint_in_flight_[job->endpoint];
    ++stats_.in_flight;
    const Job snapshot = *job;  // the map may rehash while we are unlocked
    lock.unlock();

    // A delivery whose alert was deleted (cascade) or that was settled elsewhere is dropped.
    bool still_pending = false;
    {
      Stmt check(db_.handle(), "SELECT state FROM webhook_deliveries WHERE id = ?");
      check.Bind(1, snapshot.id);
      still_pending = check.Step() && check.Text(0) == "pending";
    }
    AttemptOutcome outcome;
    const int attempt = snapshot.attempts + 1;
    if (still_pending && curl != nullptr) {
      const std::string signature =
          SignatureHeader(snapshot.secret, clock_.NowMicros() / 1'000'000, snapshot.payload);
      outcome = Post(curl, options_, snapshot.url, snapshot.payload, signature, snapshot.id,
                     attempt, stopping_);
    } else if (curl == nullptr) {
      outcome.error = "could not create an HTTP client";
    }

    const std::int64_t now = clock_.NowMicros();
    std::string state = "pending";
    std::int64_t next_at = now;
    if (!still_pending || outcome.aborted) {
      // nothing to record
    } else if (outcome.delivered) {
      state = "delivered";
    } else if (attempt >= options_.max_attempts) {
      state = "dead";
    } else {
      next_at = now + BackoffMs(attempt, rng) * kMicrosPerMilli;
    }
    if (still_pending && !outcome.aborted) {
      Stmt update(db_.handle(),
                  "UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, "
                  "last_error = ?, updated_at = ? WHERE id = ? AND state = 'pending'");
      update.Bind(1, state)
          .Bind(2, attempt)
          .Bind(3, next_at)
          .Bind(4, outcome.error)
          .Bind(5, now)
          .Bind(6, snapshot.id);
      (void)update.Run();  // on failure the row stays pending and is retried after a restart
    }

    lock.lock();
    --stats_.in_flight;
    if (--endpoint_in_flight_[snapshot.endpoint] <= 0) endpoint_in_flight_.erase(snapshot.endpoint);
    auto it = jobs_.find(snapshot.id);
    if (it != jobs_.end()) {
      Job& j = it->second;
      j.in_flight = false;
      if (j.revived) {
        // Retry made the row pending again between our update and this lock: keep the job,
        // with the fresh attempt budget Retry gave it.
        j.revived = false;
      } else if (!still_pending || state != "pending") {
        jobs_.erase(it);
      } else if (!outcome.aborted) {
        j.attempts = attempt;
        j.next_attempt_at_us = next_at;
      }
    }
    if (still_pending && !outcome.aborted) {
      if (outcome.delivered)
        ++stats_.delivered;
      else
        ++stats_.failed_attempts;
      if (state == "dead") ++stats_.dead;
    }
    cv_.notify_all();  // the endpoint is free again
  }
  lock.unlock();
  if (curl != nullptr) curl_easy_cleanup(curl);
}

Result<Delivery> WebhookDispatcher::Get(std::int64_t user_id, std::int64_t id) {
  Stmt s(db_.handle(), std::string("SELECT ") + kDeliveryColumns +
                           " FROM webhook_deliveries WHERE id = ? AND user_id = ?");
  s.Bind(1, id).Bind(2, user_id);
  if (s.Step()) return RowToDelivery(s);
  if (!s.ok()) return s.status();
  return Status::NotFound("no such delivery");
}

Result<std::vector<Delivery>> WebhookDispatcher::ListDead(std::int64_t user_id,
                                                          std::int64_t before_id, int limit) {
  limit = std::clamp(limit, 1, 1000);
  Stmt s(db_.handle(), std::string("SELECT ") + kDeliveryColumns +
                           " FROM webhook_deliveries WHERE user_id = ? AND state = 'dead' AND "
                           "id < ? ORDER BY id DESC LIMIT ?");
  s.Bind(1, user_id)
      .Bind(2, before_id > 0 ? before_id : std::numeric_limits<std::int64_t>::max())
      .Bind(3, limit);
  std::vector<Delivery> out;
  while (s.Step()) out.push_back(RowToDelivery(s));
  if (!s.ok()) return s.status();
  return out;
}

Status WebhookDispatcher::Retry(std::int64_t user_id, std::int64_t id) {
  const std::int64_t now = clock_.NowMicros();
  Stmt s(db_.handle(),
         "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?, "
         "updated_at = ? WHERE id = ? AND user_id = ? AND state = 'dead' "
         "RETURNING url, payload, (SELECT coalesce(webhook_secret, '') FROM alerts "
         "WHERE alerts.id = webhook_deliveries.alert_id)");
  s.Bind(1, now).Bind(2, now).Bind(3, id).Bind(4, user_id);
  if (!s.Step()) return s.ok() ? Status::NotFound("no such dead delivery") : s.status();
  Job job;
  job.id = id;
  job.url = s.Text(0);
  job.endpoint = EndpointOf(job.url);
  job.payload = s.Text(1);
  job.secret = s.Text(2);
  job.next_attempt_at_us = now;
  if (Status st = s.Run(); !st.ok()) return st;
  {
    std::lock_guard lock(mu_);
    if (auto it = jobs_.find(id); it != jobs_.end()) {
      // The attempt that made it dead is still settling; tell it the job lives on.
      it->second.revived = true;
      it->second.attempts = 0;
      it->second.next_attempt_at_us = now;
    } else if (!(backlog_ && id > loaded_up_to_)) {
      // A row above loaded_up_to_ is found by the next refill; below it, nobody would look again.
      AddLocked(std::move(job));
    }
  }
  cv_.notify_one();
  return Status::Ok();
}

WebhookStats WebhookDispatcher::Stats() const {
  std::lock_guard lock(mu_);
  WebhookStats s = stats_;
  s.queued = jobs_.size();
  return s;
}

}  // namespace dateline::alerts
