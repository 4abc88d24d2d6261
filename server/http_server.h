// HttpServer: the HTTP/1.1 + WebSocket front door (Boost.Beast, kept behind this header so that
// nothing else compiles Beast).
//
// Start() binds and starts accepting; Run() serves on `threads` threads until Shutdown() (or
// SIGTERM/SIGINT when handle_signals is set): then it stops accepting, closes live streams with
// 1001 "going away", lets in-flight requests (ingests included) finish, closes the store (which
// syncs the log) and returns.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "server/api.h"
#include "server/metrics.h"
#include "server/push_hub.h"
#include "store/story_store.h"

namespace dateline {

namespace alerts {
class AlertWorker;
}  // namespace alerts

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;            // 0 picks a free port
  int threads = 0;                      // 0: one per core
  std::size_t max_body_bytes = 16u << 20;
  std::size_t stream_queue_frames = 8192;  // per client; beyond it the client is disconnected
  int shutdown_grace_ms = 10000;        // how long in-flight requests may take at shutdown
  bool handle_signals = true;
  std::string tls_cert;                 // PEM certificate chain; with tls_key: HTTPS and WSS
  std::string tls_key;                  // PEM private key
  int session_sweep_ms = 60000;         // how often expired login sessions are swept
  int stream_recheck_ms = 15000;        // how often a live stream re-checks its token or session
  ApiOptions api;
};

// What the server runs besides the store: each may be null (that feature answers 503).
struct ServerServices {
  index::SearchIndex* search = nullptr;         // gets every durable story before its ack
  alerts::AlertService* alerts = nullptr;       // the alerts API; live notifications are pushed
  alerts::AlertWorker* alert_worker = nullptr;  // gets every durable story to match
  ReadCounts* reads = nullptr;                  // READ's counts; null: in memory only
};

class HttpServer {
 public:
  // Borrows `store`, `auth` and the services; they must outlive the server.
  HttpServer(ServerOptions options, StoryStore& store, AuthService& auth, ServerServices services = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening socket. After it returns OK, port() is the bound port.
  Status Start();
  std::uint16_t port() const;
  std::string url() const;  // "http://127.0.0.1:PORT" (https:// with TLS)
  bool tls() const;

  // Serves until shut down. Call once, after Start().
  void Run();
  // Asks Run() to shut down gracefully; callable from any thread.
  void Shutdown();

  Metrics& metrics();
  PushHub& hub();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dateline
