// The live stream: GET /api/v1/stream?after=SEQ upgraded to a WebSocket.
//
// A session first catches up from the store (stories after `after`, read in chunks), then joins
// the push hub and sends what the hub offers. Each session has a bounded queue; when a client
// falls more than stream_queue_frames behind, it is closed with 4001 so it can reconnect with
// the last seq it saw and catch up from the store, without slowing anyone else.
#include <chrono>
#include <deque>

#include "ingest/story_json.h"
#include "server/error_mapping.h"
#include "server/server_context.h"
#include "server/url.h"

namespace dateline {

using namespace std::chrono_literals;

template <class Stream>
class StreamSession : public StreamSessionBase,
                      public std::enable_shared_from_this<StreamSession<Stream>> {
 public:
  StreamSession(Stream stream, AuthContext who, ServerContext& ctx)
      : ws_(std::move(stream)), who_(std::move(who)), ctx_(ctx),
        wants_alerts_(HasScope(who_.principal, Scope::kAlerts)), wake_(ws_.get_executor()),
        deadline_(ws_.get_executor()), recheck_(ws_.get_executor()) {}

  const std::string& session_id() const override { return who_.principal.session_id; }
  std::int64_t user_id() const override { return who_.principal.user_id; }

  // Alert worker thread. Same queue and overflow rule as stories; alert frames have no seq of
  // their own, so they never move the stream's cursor.
  void OfferAlert(const StreamFrame& frame) override {
    if (!wants_alerts_) return;
    Offer({frame});
  }

  asio::awaitable<void> Run(http::request<http::string_body> req);

  // Hub thread, hub lock held.
  void Offer(const std::vector<StreamFrame>& frames) override {
    {
      std::lock_guard lock(mu_);
      if (overflow_) return;
      if (queue_.size() + frames.size() > ctx_.options.stream_queue_frames) {
        overflow_ = true;
        queue_.clear();
      } else {
        for (const auto& f : frames) queue_.push_back(f);
      }
    }
    Wake();
  }

  void Shutdown() override {
    going_away_ = true;
    Wake();
  }

  // The login session behind this stream ended (any thread).
  void EndSession(std::string_view reason) override {
    {
      std::lock_guard lock(mu_);
      session_end_reason_ = "session ended: " + std::string(reason);
    }
    session_ended_ = true;
    Wake();
  }

 private:
  void Wake() {
    asio::post(ws_.get_executor(), [weak = this->weak_from_this()] {
      auto self = weak.lock();
      if (!self) return;
      self->wake_.cancel();
      // A client that does not read blocks our write forever. Once it has overflowed (or we
      // are shutting down), give the pending write a bounded time to finish, so that the close
      // frame that says why can still reach the client; after that, drop the connection.
      bool overflow;
      {
        std::lock_guard lock(self->mu_);
        overflow = self->overflow_;
      }
      const bool leaving = self->going_away_ || self->session_ended_;
      if ((overflow || leaving) && self->writing_ && !self->deadline_armed_) {
        self->deadline_armed_ = true;
        self->deadline_.expires_after(leaving ? 2s : 30s);
        self->deadline_.async_wait([weak](const beast::error_code& ec) {
          auto s = weak.lock();
          if (!ec && s && s->writing_) beast::get_lowest_layer(s->ws_).close();
        });
      }
    });
  }

  asio::awaitable<bool> Send(const std::string& text) {
    beast::error_code ec;
    writing_ = true;
    co_await ws_.async_write(asio::buffer(text), asio::redirect_error(asio::use_awaitable, ec));
    writing_ = false;
    if (ec) co_return false;
    ctx_.metrics.ws_frames_sent.fetch_add(1, std::memory_order_relaxed);
    co_return true;
  }

  asio::awaitable<void> Close(int code, std::string reason) {
    // Bounded by the stream's handshake timeout (which also covers the close handshake).
    beast::error_code ec;
    co_await ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                             asio::redirect_error(asio::use_awaitable, ec));
  }

  // A stream re-checks its credentials now and then, so that revoking its API token, disabling
  // the owner or ending its login session from another process (`dateline user disable`) ends
  // the stream. Sessions ended in this process are closed at once by the session-end listener.
  static asio::awaitable<void> Recheck(std::shared_ptr<StreamSession> self) {
    beast::error_code ec;
    while (!self->peer_gone_ && !self->going_away_ && !self->session_ended_) {
      self->recheck_.expires_after(std::chrono::milliseconds(self->ctx_.options.stream_recheck_ms));
      co_await self->recheck_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec || self->peer_gone_) break;
      const AuthContext& who = self->who_;
      if (!who.bearer_token.empty()) {
        auto p = self->ctx_.auth.AuthenticateBearer(who.bearer_token);
        if (!p.ok() && p.status().code() == StatusCode::kNotFound) {
          self->EndSession("the API token was revoked or its user disabled");
          break;
        }
      } else if (!who.principal.session_id.empty()) {
        auto alive = self->ctx_.auth.SessionExists(who.principal.session_id);
        if (alive.ok() && !*alive) {
          self->EndSession("the login session has ended");
          break;
        }
      }
    }
  }

  // Reads (and ignores) client messages so that pings and the close handshake are answered and a
  // gone client is noticed.
  static asio::awaitable<void> ReadLoop(std::shared_ptr<StreamSession> self) {
    beast::flat_buffer buf;
    beast::error_code ec;
    while (!ec) {
      buf.clear();
      co_await self->ws_.async_read(buf, asio::redirect_error(asio::use_awaitable, ec));
    }
    self->peer_gone_ = true;
    self->wake_.cancel();
  }

  // Whether the principal may see a story from `source`, with the entitlement view refreshed
  // whenever grants change (strand only).
  bool Visible(std::string_view source) {
    if (who_.view && who_.view->version() != ctx_.auth.EntitlementsVersion()) {
      auto fresh = ctx_.auth.ForPrincipal(who_.principal);
      who_.view = fresh.ok() ? *fresh : nullptr;  // on error, show nothing rather than too much
    }
    return who_.CanSee(source);
  }

  websocket::stream<Stream> ws_;
  AuthContext who_;
  ServerContext& ctx_;
  const bool wants_alerts_;       // the principal has the alerts scope
  asio::steady_timer wake_;
  asio::steady_timer deadline_;   // bounds a write stuck on a client that does not read
  asio::steady_timer recheck_;    // paces Recheck
  bool deadline_armed_ = false;   // strand only
  bool writing_ = false;      // strand only
  bool peer_gone_ = false;    // strand only
  std::atomic<bool> going_away_{false};
  std::atomic<bool> session_ended_{false};

  std::mutex mu_;
  std::deque<StreamFrame> queue_;   // guarded by mu_
  bool overflow_ = false;           // guarded by mu_
  std::string session_end_reason_;  // guarded by mu_
};

template <class Stream>
asio::awaitable<void> StreamSession<Stream>::Run(http::request<http::string_body> req) {
  auto self = this->shared_from_this();
  beast::error_code ec;

  // Parse ?after= before accepting, so that a bad value is a plain HTTP 400.
  std::uint64_t cursor = ctx_.hub.LastPublished();
  auto target = ParseTarget(ToStd(req.target()));
  Status bad;
  if (!target.ok()) {
    bad = target.status();
  } else if (target->Param("after")) {
    auto after = target->UintParam("after", 0, 0, UINT64_MAX);
    if (after.ok()) {
      cursor = *after;
    } else {
      bad = after.status();
    }
  }
  if (!bad.ok()) {
    ApiResponse err = ApiResponse::Error(bad);
    http::response<http::string_body> res{static_cast<http::status>(err.status), req.version()};
    res.set(http::field::content_type, err.content_type);
    res.body() = err.body;
    res.keep_alive(false);
    res.prepare_payload();
    co_await http::async_write(ws_.next_layer(), res,
                               asio::redirect_error(asio::use_awaitable, ec));
    co_return;
  }

  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "dateline"); }));
  ws_.read_message_max(64 * 1024);
  co_await ws_.async_accept(req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  ctx_.metrics.ws_clients.fetch_add(1);
  {
    std::lock_guard lock(ctx_.sessions_mu);
    std::erase_if(ctx_.sessions, [](const auto& w) { return w.expired(); });
    ctx_.sessions.push_back(std::weak_ptr<StreamSessionBase>(self));
  }
  asio::co_spawn(ws_.get_executor(), ReadLoop(self), asio::detached);
  asio::co_spawn(ws_.get_executor(), Recheck(self), asio::detached);

  // Catch up from the store until we reach what the hub has published, then go live.
  bool live = false;
  while (!peer_gone_ && !going_away_ && !session_ended_) {
    std::uint64_t target_seq = 0;
    if (ctx_.hub.TryGoLive(self, cursor, &target_seq)) {
      live = true;
      break;
    }
    auto batch = ctx_.store.ReadAfter(cursor, std::min<std::uint64_t>(256, target_seq - cursor));
    if (!batch.ok()) {
      co_await Close(1011, "cannot read the story log: " + batch.status().message());
      break;
    }
    if (batch->empty()) break;  // cannot happen: published stories are durable
    bool sent = true;
    for (const StoryPtr& s : *batch) {
      cursor = s->seq;
      if (!Visible(s->source)) continue;
      if (!(sent = co_await Send(StoryFrameJson(*s)))) break;
    }
    if (!sent) break;
  }

  while (live && !peer_gone_) {
    std::deque<StreamFrame> frames;
    bool overflow;
    {
      std::lock_guard lock(mu_);
      frames.swap(queue_);
      overflow = overflow_;
    }
    if (overflow) {
      ctx_.metrics.ws_slow_disconnects.fetch_add(1, std::memory_order_relaxed);
      co_await Close(kCloseSlowConsumer,
                     "slow consumer: more than " +
                         std::to_string(ctx_.options.stream_queue_frames) +
                         " frames queued; reconnect with after=<last seq>");
      break;
    }
    if (going_away_) {
      co_await Close(1001, "server shutting down");
      break;
    }
    if (session_ended_) break;
    if (frames.empty()) {
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    bool sent = true;
    for (const auto& f : frames) {
      // Alert digests carry no source: the alert service checked each story it lists.
      if (!f.source.empty() && !Visible(f.source)) continue;
      if (!(sent = co_await Send(*f.json))) break;
    }
    if (!sent) break;
  }
  if (session_ended_ && !peer_gone_) {
    std::string reason;
    {
      std::lock_guard lock(mu_);
      reason = session_end_reason_;
    }
    co_await Close(kCloseSessionEnded, reason);
  } else if (going_away_ && !live) {
    co_await Close(1001, "server shutting down");
  }

  ctx_.hub.Remove(this);
  deadline_.cancel();
  recheck_.cancel();
  beast::get_lowest_layer(ws_).close();
  ctx_.metrics.ws_clients.fetch_sub(1);
}

asio::awaitable<void> ServeStream(PlainStream stream, http::request<http::string_body> req,
                                  AuthContext who, ServerContext& ctx) {
  auto session = std::make_shared<StreamSession<PlainStream>>(std::move(stream), std::move(who), ctx);
  co_await session->Run(std::move(req));
}

asio::awaitable<void> ServeStream(TlsStream stream, http::request<http::string_body> req,
                                  AuthContext who, ServerContext& ctx) {
  auto session = std::make_shared<StreamSession<TlsStream>>(std::move(stream), std::move(who), ctx);
  co_await session->Run(std::move(req));
}

void CloseAllStreams(ServerContext& ctx) {
  std::lock_guard lock(ctx.sessions_mu);
  for (auto& w : ctx.sessions) {
    if (auto s = w.lock()) s->Shutdown();
  }
}

void PushAlert(ServerContext& ctx, std::int64_t user_id,
               const std::function<StreamFrame()>& make_frame) {
  std::vector<std::shared_ptr<StreamSessionBase>> targets;
  {
    std::lock_guard lock(ctx.sessions_mu);
    for (auto& w : ctx.sessions) {
      if (auto s = w.lock(); s && s->user_id() == user_id) targets.push_back(std::move(s));
    }
  }
  if (targets.empty()) return;
  // Built outside sessions_mu: making the frame reads the story store.
  const StreamFrame frame = make_frame();
  for (const auto& s : targets) s->OfferAlert(frame);
}

void CloseStreamsOfSession(ServerContext& ctx, const std::string& session_id,
                           std::string_view reason) {
  if (session_id.empty()) return;
  std::lock_guard lock(ctx.sessions_mu);
  for (auto& w : ctx.sessions) {
    if (auto s = w.lock(); s && s->session_id() == session_id) s->EndSession(reason);
  }
}

}  // namespace dateline
