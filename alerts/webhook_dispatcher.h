// WebhookDispatcher: POSTs alert payloads to users' webhook URLs from its own worker threads.
//
// Contract:
//  * Never blocks the caller on the network. Enqueue writes one row (webhook_deliveries, state
//    pending) and hands the delivery to the workers; it returns before any attempt is made.
//  * A slow or failing endpoint never holds up the others: every attempt has a timeout
//    (WebhookOptions::timeout_ms, 5 s), and at most `per_endpoint_in_flight` attempts (1) run
//    against one endpoint (scheme + host + port) at a time, so the other workers stay free for
//    healthy endpoints.
//  * Bounded memory: at most `max_queued` deliveries are held in memory. Beyond that, new ones
//    stay pending in the database only and are loaded as the queue drains (nothing is dropped).
//  * Each attempt is a POST with Content-Type application/json, X-Dateline-Delivery (the
//    delivery id, the same on every attempt: receivers use it to drop duplicates),
//    X-Dateline-Attempt (1, 2, …) and X-Dateline-Signature (webhook_signature.h), signed anew
//    at every attempt. Only a 2xx answer counts as delivered; redirects are not followed.
//  * Retries: after a failed attempt the next is due after backoff_initial_ms × 2^(attempt-1)
//    (capped at backoff_max_ms) plus up to `jitter` × that at random. After `max_attempts` the
//    delivery is dead (dead-letter list, last error kept) until Retry.
//  * Persistence: state, attempts, next_attempt_at and last_error are written after every
//    attempt; Start resumes every pending delivery, so a restart loses none (one may be sent
//    twice if the process died during its attempt: hence the delivery id).
//  * Threads. Every method is thread-safe. The dispatcher needs a MetadataDb connection that no
//    other component uses for multi-statement transactions (open the file once more for it), and
//    assumes it is the only writer of webhook_deliveries' state columns.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace dateline {
class MetadataDb;
}

namespace dateline::alerts {

struct WebhookOptions {
  int workers = 4;
  int per_endpoint_in_flight = 1;
  std::size_t max_queued = 10000;
  std::int64_t timeout_ms = 5000;  // whole attempt: connect, send, answer
  std::int64_t connect_timeout_ms = 3000;
  int max_attempts = 8;  // 1 s, 2 s, 4 s … 64 s: about two minutes in all
  std::int64_t backoff_initial_ms = 1000;
  std::int64_t backoff_max_ms = 3600 * 1000;
  double jitter = 0.2;                                           // up to +20 % on each backoff
  std::int64_t keep_delivered_us = 7 * 24 * 3600 * 1'000'000LL;  // pruned at Start
  std::string user_agent = "Dateline-Webhook/1";
};

enum class DeliveryState { kPending, kDelivered, kDead };
std::string_view DeliveryStateName(DeliveryState state);

struct NewDelivery {
  std::int64_t alert_id = 0;
  std::int64_t user_id = 0;
  std::string url;
  std::string secret;   // HMAC key; kept in memory only (the alert row holds it)
  std::string payload;  // JSON
};

struct Delivery {
  std::int64_t id = 0;
  std::int64_t alert_id = 0;
  std::int64_t user_id = 0;
  std::string url;
  std::string payload;
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  std::int64_t next_attempt_at_us = 0;
  std::string last_error;  // "HTTP 500", "timeout after 5000 ms", "connection refused" …
  std::int64_t created_at_us = 0;
  std::int64_t updated_at_us = 0;
};

struct WebhookStats {
  std::uint64_t delivered = 0;  // since Start
  std::uint64_t failed_attempts = 0;
  std::uint64_t dead = 0;
  std::size_t queued = 0;  // in memory now, in flight included
  std::size_t in_flight = 0;
};

class WebhookDispatcher {
 public:
  WebhookDispatcher(MetadataDb& db, const Clock& clock, WebhookOptions options = {});
  ~WebhookDispatcher();  // Stop()
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  // Prunes old delivered rows, then starts the workers, which load every pending delivery.
  Status Start();
  // Stops the workers; an attempt in flight is abandoned (and stays pending). Idempotent.
  void Stop();

  // Persists a pending delivery due now and queues it. Returns its id.
  Result<std::int64_t> Enqueue(const NewDelivery& delivery);

  // The user's deliveries; kNotFound for another user's.
  Result<Delivery> Get(std::int64_t user_id, std::int64_t id);
  // Dead deliveries of the user, newest first, ids below `before_id` (0 = from the newest).
  Result<std::vector<Delivery>> ListDead(std::int64_t user_id, std::int64_t before_id = 0,
                                         int limit = 50);
  // Makes a dead delivery pending again with a fresh attempt budget, due now. kNotFound when it
  // is not the user's or not dead.
  Status Retry(std::int64_t user_id, std::int64_t id);

  WebhookStats Stats() const;

 private:
  struct Job {
    std::int64_t id = 0;
    std::string url;
    std::string endpoint;  // scheme://host:port, the unit of per_endpoint_in_flight
    std::string secret;
    std::string payload;
    int attempts = 0;
    std::int64_t next_attempt_at_us = 0;
    bool in_flight = false;
    bool revived = false;  // Retry ran while the attempt that made it dead was settling
  };

  void Work();
  bool LoadBacklogLocked();
  Job* PickLocked(std::int64_t now_us, std::int64_t* wait_us);
  void AddLocked(Job job);
  std::int64_t BackoffMs(int attempts, std::mt19937_64& rng) const;

  MetadataDb& db_;
  const Clock& clock_;
  const WebhookOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  bool stop_ = false;
  std::unordered_map<std::int64_t, Job> jobs_;
  std::unordered_map<std::string, int> endpoint_in_flight_;
  // Rows above `loaded_up_to_` may be pending in the database without being in memory when
  // `backlog_` is set (the queue was full, or the dispatcher has just started).
  bool backlog_ = true;
  std::int64_t loaded_up_to_ = 0;
  std::atomic<bool> stopping_{false};  // read by attempts in flight, to abandon them on Stop
  WebhookStats stats_;
  std::vector<std::thread> threads_;
};

}  // namespace dateline::alerts
