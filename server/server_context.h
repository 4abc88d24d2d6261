// Internal to server/: Beast and Asio types shared by the HTTP and the stream translation units.
#pragma once

#include <functional>

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "server/api.h"
#include "server/http_server.h"

namespace dateline {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
namespace ssl = asio::ssl;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// What the server needs of a live-stream session, whatever its transport.
class StreamSessionBase : public StreamClient {
 public:
  virtual const std::string& session_id() const = 0;
  virtual void Shutdown() = 0;                          // server going away (1001)
  virtual void EndSession(std::string_view reason) = 0; // login session ended (4003)
  virtual std::int64_t user_id() const = 0;
  // A notification of one of this user's alerts (only streams whose principal has the alerts
  // scope receive them). Queued like a story frame; any thread.
  virtual void OfferAlert(const StreamFrame& frame) = 0;
};

inline std::string_view ToStd(beast::string_view s) { return {s.data(), s.size()}; }

struct ServerContext {
  ServerContext(ServerOptions o, StoryStore& s, AuthService& a, ServerServices services)
      : options(std::move(o)), store(s), auth(a), search_index(services.search),
        alerts(services.alerts), alert_worker(services.alert_worker), hub(s.LastDurableSeq()),
        api(s, a, metrics, hub, ApiServices{services.search, services.alerts, services.reads}, options.api) {}

  ServerOptions options;
  StoryStore& store;
  AuthService& auth;
  index::SearchIndex* search_index;    // may be null
  alerts::AlertService* alerts;        // may be null
  alerts::AlertWorker* alert_worker;   // may be null
  Metrics metrics;
  PushHub hub;
  Api api;

  std::unique_ptr<ssl::context> tls;  // set when serving HTTPS/WSS

  std::atomic<bool> stopping{false};
  std::atomic<int> active_requests{0};

  std::mutex sessions_mu;
  std::vector<std::weak_ptr<StreamSessionBase>> sessions;  // for shutdown and logout
};

// Takes over a connection whose request asked for the live stream (GET /api/v1/stream with
// Upgrade: websocket) and serves it until either side closes.
// `who` has been authorized already.
asio::awaitable<void> ServeStream(PlainStream stream, http::request<http::string_body> req,
                                  AuthContext who, ServerContext& ctx);
asio::awaitable<void> ServeStream(TlsStream stream, http::request<http::string_body> req,
                                  AuthContext who, ServerContext& ctx);

// Closes every live stream with 1001 "going away" (called once at shutdown).
void CloseAllStreams(ServerContext& ctx);

// Sends an alert frame to every live stream of `user_id` that may receive alerts. The frame is
// built by `make_frame` only when the user has a live stream: most fired alerts belong to people
// who are not watching, and their notifications reach them through the inbox.
void PushAlert(ServerContext& ctx, std::int64_t user_id,
               const std::function<StreamFrame()>& make_frame);

// Closes the live streams opened by this login session (logout, revocation, expiry) with 4003.
void CloseStreamsOfSession(ServerContext& ctx, const std::string& session_id,
                           std::string_view reason);

// The ApiRequest view of a Beast request (the views point into `req`).
ApiRequest ToApiRequest(const http::request<http::string_body>& req, const std::string& method,
                        const std::string& target, const std::string& address, bool tls);

}  // namespace dateline
