#include "server/http_server.h"

#include "alerts/alert_json.h"
#include "alerts/alert_service.h"
#include "alerts/alert_worker.h"
#include "index/search_index.h"

#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>
#include <type_traits>

#include "server/server_context.h"

namespace dateline {
namespace {

using namespace std::chrono_literals;

// Appends the stories and completes with every outcome once the last one is durable; the
// completion runs on the caller's executor.
template <typename Token>
auto AsyncAppend(StoryStore& store, std::vector<Story> stories, Token&& token) {
  using Outcomes = std::vector<Result<AppendOutcome>>;
  return asio::async_initiate<Token, void(Outcomes)>(
      [&store](auto handler, std::vector<Story> batch) {
        using Handler = decltype(handler);
        struct State {
          State(Handler h, std::size_t n) : handler(std::move(h)), results(n), left(n) {}
          Handler handler;
          std::mutex mu;
          std::vector<std::optional<Result<AppendOutcome>>> results;
          std::size_t left;
        };
        auto ex = asio::get_associated_executor(handler);
        auto state = std::make_shared<State>(std::move(handler), batch.size());
        for (std::size_t i = 0; i < batch.size(); ++i) {
          store.Append(std::move(batch[i]), [state, i, ex](Result<AppendOutcome> r) {
            bool last;
            {
              std::lock_guard lock(state->mu);
              state->results[i].emplace(std::move(r));
              last = --state->left == 0;
            }
            if (!last) return;
            asio::post(ex, [state]() {
              Outcomes out;
              out.reserve(state->results.size());
              for (auto& o : state->results) out.push_back(std::move(*o));
              std::move(state->handler)(std::move(out));
            });
          });
        }
      },
      token, std::move(stories));
}

http::response<http::string_body> MakeResponse(const ApiResponse& api, unsigned version,
                                               bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(api.status), version};
  res.set(http::field::server, "dateline");
  res.set(http::field::content_type, api.content_type);
  res.set("X-Content-Type-Options", "nosniff");
  for (const auto& [name, value] : api.headers) res.insert(name, value);  // Set-Cookie repeats
  res.keep_alive(keep_alive);
  res.body() = api.body;
  res.prepare_payload();
  return res;
}

asio::awaitable<ApiResponse> Handle(http::request<http::string_body>& req, ServerContext& ctx,
                                    const std::string& address, bool tls) {
  const auto started = std::chrono::steady_clock::now();
  const std::string method(req.method_string());
  const std::string target(req.target());
  ApiRequest api_req = ToApiRequest(req, method, target, address, tls);
  const std::string_view path = std::string_view(target).substr(0, target.find('?'));

  if (!Api::IsIngest(method, path)) co_return ctx.api.Handle(api_req);

  auto who = ctx.api.Authorize(api_req, path);
  if (auto* err = std::get_if<ApiResponse>(&who)) co_return std::move(*err);
  auto stories = ctx.api.ParseIngest(api_req, std::get<AuthContext>(who));
  if (!stories.ok()) {
    ctx.metrics.ingest_rejected.fetch_add(1, std::memory_order_relaxed);
    co_return ApiResponse::Error(stories.status());
  }
  const bool batch = Api::IsBatchIngest(api_req.content_type);
  auto outcomes = co_await AsyncAppend(ctx.store, std::move(*stories), asio::use_awaitable);
  for (const auto& o : outcomes) {
    if (o.ok()) {
      (o->duplicate ? ctx.metrics.stories_duplicate : ctx.metrics.stories_ingested)
          .fetch_add(1, std::memory_order_relaxed);
    }
  }
  ctx.metrics.ingest_latency.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  co_return ctx.api.IngestResponse(batch, outcomes);
}

// After refusing a request whose body we did not read, read and discard what the client is
// still sending (bounded) so that closing does not reset the connection before it reads our reply.
template <class Stream>
asio::awaitable<void> LingeringClose(Stream& stream) {
  beast::error_code ec;
  auto& socket = beast::get_lowest_layer(stream).socket();
  if constexpr (std::is_same_v<Stream, PlainStream>) socket.shutdown(tcp::socket::shutdown_send, ec);
  std::vector<char> scratch(64 * 1024);
  std::size_t drained = 0;
  beast::get_lowest_layer(stream).expires_after(5s);
  while (drained < (256u << 20)) {
    std::size_t n = co_await stream.async_read_some(asio::buffer(scratch),
                                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    drained += n;
  }
  socket.close(ec);
}

// Serves HTTP requests on a connected (and, for TLS, handshaken) stream until the client is
// done. Returns true when the connection was handed to the live stream.
template <class Stream>
asio::awaitable<bool> ServeHttp(Stream& stream, const std::string& address, ServerContext& ctx) {
  constexpr bool kTls = !std::is_same_v<Stream, PlainStream>;
  auto& lowest = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  beast::error_code ec;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(ctx.options.max_body_bytes);
    parser.header_limit(64 * 1024);
    lowest.expires_after(120s);
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::eof || ec == ssl::error::stream_truncated) {
      break;
    }
    if (ec) {
      // A malformed or oversized request: answer it, then close.
      const bool too_large = ec == http::error::body_limit || ec == http::error::header_limit;
      ApiResponse err =
          too_large ? ApiResponse::Error(413, "too_large",
                                         ec == http::error::body_limit
                                             ? "request body is larger than the limit of " +
                                                   std::to_string(ctx.options.max_body_bytes) +
                                                   " bytes"
                                             : "request headers are too large")
                    : ApiResponse::Error(400, "bad_request",
                                         "malformed HTTP request: " + ec.message());
      auto res = MakeResponse(err, 11, false);
      lowest.expires_after(10s);
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      co_await LingeringClose(stream);
      co_return false;
    }

    http::request<http::string_body> req = parser.release();
    ctx.metrics.http_requests.fetch_add(1, std::memory_order_relaxed);
    const std::string_view target = ToStd(req.target());
    const std::string_view path = target.substr(0, target.find('?'));

    if (websocket::is_upgrade(req) && Api::IsStream(path) && !ctx.stopping) {
      const std::string method(req.method_string());
      const std::string target_str(req.target());
      auto who = ctx.api.Authorize(ToApiRequest(req, method, target_str, address, kTls), path);
      if (auto* err = std::get_if<ApiResponse>(&who)) {
        auto res = MakeResponse(*err, req.version(), false);
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
        break;
      }
      lowest.expires_never();
      co_await ServeStream(std::move(stream), std::move(req), std::move(std::get<AuthContext>(who)),
                           ctx);
      co_return true;
    }

    ApiResponse api_res;
    if (ctx.stopping) {
      api_res = ApiResponse::Error(503, "unavailable", "the server is shutting down");
    } else {
      ctx.active_requests.fetch_add(1);
      api_res = co_await Handle(req, ctx, address, kTls);
      ctx.active_requests.fetch_sub(1);
    }
    const bool keep_alive = req.keep_alive() && !ctx.stopping;
    auto res = MakeResponse(api_res, req.version(), keep_alive);
    if (req.method() == http::verb::head) res.body().clear();
    lowest.expires_after(60s);
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !keep_alive) break;
  }
  co_return false;
}

asio::awaitable<void> ServeConnection(tcp::socket socket, ServerContext& ctx) {
  beast::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  const std::string address = ec ? std::string() : remote.address().to_string();
  if (!ctx.tls) {
    PlainStream stream(std::move(socket));
    if (!co_await ServeHttp(stream, address, ctx)) {
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
    co_return;
  }
  TlsStream stream(std::move(socket), *ctx.tls);
  beast::get_lowest_layer(stream).expires_after(30s);
  co_await stream.async_handshake(ssl::stream_base::server,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;  // not TLS, or a failed handshake: nothing to answer
  if (!co_await ServeHttp(stream, address, ctx)) {
    beast::get_lowest_layer(stream).expires_after(5s);
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<void> Listen(tcp::acceptor& acceptor, ServerContext& ctx) {
  for (;;) {
    beast::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(
        asio::make_strand(acceptor.get_executor()), asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      // Out of file descriptors and the like: wait a little rather than spin.
      asio::steady_timer t(acceptor.get_executor(), 50ms);
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto ex = socket.get_executor();
    asio::co_spawn(ex, ServeConnection(std::move(socket), ctx), asio::detached);
  }
}

// Ends idle login sessions (and so closes their streams) even when no request touches them.
asio::awaitable<void> SweepSessions(ServerContext& ctx) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  beast::error_code ec;
  while (!ctx.stopping) {
    timer.expires_after(std::chrono::milliseconds(ctx.options.session_sweep_ms));
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec || ctx.stopping) break;
    auto swept = ctx.auth.SweepExpiredSessions();
    if (!swept.ok()) std::fprintf(stderr, "session sweep: %s\n", swept.status().ToString().c_str());
  }
}

}  // namespace

ApiRequest ToApiRequest(const http::request<http::string_body>& req, const std::string& method,
                        const std::string& target, const std::string& address, bool tls) {
  ApiRequest r;
  r.method = method;
  r.target = target;
  r.content_type = ToStd(req[http::field::content_type]);
  r.body = req.body();
  r.cookie = ToStd(req[http::field::cookie]);
  r.authorization = ToStd(req[http::field::authorization]);
  r.csrf_token = ToStd(req["X-CSRF-Token"]);
  r.user_agent = ToStd(req[http::field::user_agent]);
  r.address = address;
  r.tls = tls;
  return r;
}

struct HttpServer::Impl {
  Impl(ServerOptions o, StoryStore& s, AuthService& a, ServerServices services)
      : ctx(std::move(o), s, a, services),
        ioc(ctx.options.threads > 0 ? ctx.options.threads
                                    : std::max(1u, std::thread::hardware_concurrency())),
        acceptor(asio::make_strand(ioc)),
        signals(ioc),
        work(asio::make_work_guard(ioc)) {}

  ServerContext ctx;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  // Keeps Run() serving while ingests wait on the store, until DoShutdown stops it.
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::once_flag shutdown_once;
  std::thread shutdown_thread;
  std::uint16_t port = 0;

  void DoShutdown() {
    ctx.stopping = true;
    asio::post(acceptor.get_executor(), [this] {
      beast::error_code ec;
      acceptor.close(ec);
      signals.cancel(ec);
    });
    CloseAllStreams(ctx);
    // In-flight requests (ingests waiting for their sync included) finish first.
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(ctx.options.shutdown_grace_ms);
    while (ctx.active_requests.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    ctx.store.Close();
    const auto ws_deadline = std::chrono::steady_clock::now() + 2s;
    while (ctx.metrics.ws_clients.load() > 0 && std::chrono::steady_clock::now() < ws_deadline) {
      std::this_thread::sleep_for(5ms);
    }
    work.reset();
    ioc.stop();
  }
};

HttpServer::HttpServer(ServerOptions options, StoryStore& store, AuthService& auth,
                       ServerServices services)
    : impl_(std::make_unique<Impl>(std::move(options), store, auth, services)) {
  // Runs on the log's writer thread before the appends are acknowledged: a story is searchable
  // (and on its way to live clients) by the time its POST returns.
  impl_->ctx.store.SetDurableListener([this](const std::vector<StoryPtr>& stories) {
    if (index::SearchIndex* index = impl_->ctx.search_index) {
      for (const StoryPtr& story : stories) {
        if (Status s = index->Add(*story); !s.ok()) {
          // The log holds the story; a restart (or `dateline reindex`) indexes it again.
          std::fprintf(stderr, "search index: cannot index seq %llu: %s\n",
                       static_cast<unsigned long long>(story->seq), s.ToString().c_str());
        }
      }
    }
    impl_->ctx.hub.Publish(stories);
    // Matching runs on the alert worker's thread: this only queues.
    if (alerts::AlertWorker* worker = impl_->ctx.alert_worker) worker->Submit(stories);
  });
  if (alerts::AlertService* service = impl_->ctx.alerts) {
    service->SetNotificationListener([this](const alerts::AlertNotification& n) {
      PushAlert(impl_->ctx, n.user_id, [this, &n] {
        StreamFrame frame;
        frame.seq = n.seq;
        frame.json = std::make_shared<const std::string>(alerts::AlertFrameJson(n));
        if (n.kind == alerts::NotificationKind::kMatch) {
          // The stream re-checks entitlements at send time, as for stories.
          if (auto story = impl_->ctx.store.GetBySeq(n.seq); story.ok()) {
            frame.source = (*story)->source;
          }
        }
        return frame;
      });
    });
  }
  auth.SetSessionEndListener([this](const std::string& session_id, std::int64_t,
                                    SessionEndReason reason) {
    CloseStreamsOfSession(impl_->ctx, session_id, SessionEndReasonName(reason));
  });
}

HttpServer::~HttpServer() {
  impl_->ctx.auth.SetSessionEndListener(nullptr);
  if (impl_->ctx.alerts) impl_->ctx.alerts->SetNotificationListener(nullptr);
  if (impl_->shutdown_thread.joinable()) impl_->shutdown_thread.join();
}

Status HttpServer::Start() {
  beast::error_code ec;
  const ServerOptions& o = impl_->ctx.options;
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return Status::InvalidArgument("--tls-cert and --tls-key go together", "tls");
  }
  if (!o.tls_cert.empty()) {
    auto tls = std::make_unique<ssl::context>(ssl::context::tls_server);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::single_dh_use);
    tls->use_certificate_chain_file(o.tls_cert, ec);
    if (ec) return Status::InvalidArgument("cannot use --tls-cert " + o.tls_cert + ": " + ec.message(), "tls-cert");
    tls->use_private_key_file(o.tls_key, ssl::context::pem, ec);
    if (ec) return Status::InvalidArgument("cannot use --tls-key " + o.tls_key + ": " + ec.message(), "tls-key");
    impl_->ctx.tls = std::move(tls);
  }
  auto address = asio::ip::make_address(impl_->ctx.options.address, ec);
  if (ec) {
    return Status::InvalidArgument("cannot listen on \"" + impl_->ctx.options.address +
                                   "\": not an IP address");
  }
  tcp::endpoint endpoint(address, impl_->ctx.options.port);
  auto& acc = impl_->acceptor;
  acc.open(endpoint.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::IOError("cannot listen on " + impl_->ctx.options.address + ":" +
                           std::to_string(impl_->ctx.options.port) + ": " + ec.message());
  }
  impl_->port = acc.local_endpoint().port();
  asio::co_spawn(acc.get_executor(), Listen(acc, impl_->ctx), asio::detached);
  asio::co_spawn(asio::make_strand(impl_->ioc), SweepSessions(impl_->ctx), asio::detached);
  if (impl_->ctx.options.handle_signals) {
    impl_->signals.add(SIGINT);
    impl_->signals.add(SIGTERM);
    impl_->signals.async_wait([this](const beast::error_code& e, int) {
      if (!e) Shutdown();
    });
  }
  return {};
}

std::uint16_t HttpServer::port() const { return impl_->port; }

std::string HttpServer::url() const {
  const std::string& a = impl_->ctx.options.address;
  const bool v6 = a.find(':') != std::string::npos;
  return std::string(impl_->ctx.tls ? "https://" : "http://") + (v6 ? "[" + a + "]" : a) + ":" +
         std::to_string(impl_->port);
}

bool HttpServer::tls() const { return impl_->ctx.tls != nullptr; }

void HttpServer::Run() {
  const int n = impl_->ctx.options.threads > 0
                    ? impl_->ctx.options.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> threads;
  for (int i = 1; i < n; ++i) threads.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  for (auto& t : threads) t.join();
  if (impl_->shutdown_thread.joinable()) impl_->shutdown_thread.join();
}

void HttpServer::Shutdown() {
  std::call_once(impl_->shutdown_once,
                 [this] { impl_->shutdown_thread = std::thread([this] { impl_->DoShutdown(); }); });
}

Metrics& HttpServer::metrics() { return impl_->ctx.metrics; }
PushHub& HttpServer::hub() { return impl_->ctx.hub; }

}  // namespace dateline
