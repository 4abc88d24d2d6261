// Scenario `push`: ingest-to-push latency. K WebSocket clients follow /api/v1/stream while one
// poster connection posts N stories, one per request, at a fixed rate. For every (story, client)
// pair: frame arrival - 201 acknowledgement, and frame arrival - request send.
#include <utility>  // before Asio (Boost 1.74 + GCC 12)

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "bench/bench_util.h"
#include "bench/scenarios.h"

namespace dateline::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Ws = websocket::stream<beast::tcp_stream>;

constexpr std::size_t kConnectConcurrency = 32;

struct Arrival {
  std::uint64_t seq;
  Clock::time_point at;
};

struct PushState {
  std::uint16_t port = 0;
  std::size_t clients = 0;
  std::size_t stories = 0;
  double rate = 0;
  const std::vector<std::string>* lines = nullptr;

  // Poster: per story.
  std::vector<Clock::time_point> sent, acked;
  std::vector<std::uint64_t> seq;
  // Clients.
  std::vector<std::unique_ptr<Ws>> ws;
  std::vector<std::vector<Arrival>> arrivals;
  std::size_t next_connect = 0;
  std::size_t connected = 0;
  std::size_t complete = 0;  // clients that have all `stories` frames
  bool stopping = false;

  const ServerProcess* server = nullptr;
  double connect_seconds = 0;
  double post_seconds = 0;
  double server_cpu = 0;  // seconds, from the first post until every client had every frame
  double client_cpu = 0;  // the bench's io_context thread, same interval
  std::size_t failures = 0;
  std::string first_error;
};

void Fail(PushState& st, std::string what) {
  if (st.failures++ == 0) st.first_error = std::move(what);
}

// The value of "seq": in a JSON text (0 when absent).
std::uint64_t FindSeq(std::string_view text) {
  auto p = text.find("\"seq\":");
  if (p == std::string_view::npos) return 0;
  p += 6;
  while (p < text.size() && text[p] == ' ') ++p;
  std::uint64_t v = 0;
  while (p < text.size() && text[p] >= '0' && text[p] <= '9') v = v * 10 + static_cast<std::uint64_t>(text[p++] - '0');
  return v;
}

void Rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

asio::awaitable<void> Reader(PushState& st, std::size_t k) {
  Ws& ws = *st.ws[k];
  auto& mine = st.arrivals[k];
  beast::flat_buffer buf;
  beast::error_code ec;
  while (mine.size() < st.stories) {
    co_await ws.async_read(buf, asio::redirect_error(asio::use_awaitable, ec));
    const auto at = Clock::now();
    if (ec) {
      if (!st.stopping) {
        Fail(st, "client " + std::to_string(k) + " after " + std::to_string(mine.size()) +
                     " frames: " + ec.message() +
                     (ec == websocket::error::closed
                          ? " (close " + std::to_string(ws.reason().code) + " " +
                                std::string(ws.reason().reason.c_str()) + ")"
                          : std::string()));
      }
      co_return;
    }
    std::string_view text(static_cast<const char*>(buf.data().data()), buf.size());
    if (text.find("\"type\":\"story\"") == std::string_view::npos) {
      Fail(st, "client " + std::to_string(k) + ": unexpected frame " + std::string(text.substr(0, 200)));
      co_return;
    }
    mine.push_back({FindSeq(text), at});
    buf.consume(buf.size());
  }
  ++st.complete;
}

asio::awaitable<void> Connector(PushState& st) {
  auto ex = co_await asio::this_coro::executor;
  beast::error_code ec;
  while (st.next_connect < st.clients && !st.stopping) {
    const std::size_t k = st.next_connect++;
    auto ws = std::make_unique<Ws>(ex);
    co_await beast::get_lowest_layer(*ws).async_connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), st.port),
        asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      Fail(st, "client " + std::to_string(k) + " connect: " + ec.message());
      co_return;
    }
    ws->set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws->set_option(websocket::stream_base::decorator(
        [auth = "Bearer " + st.server->token()](websocket::request_type& r) {
          r.set(http::field::authorization, auth);
        }));
    co_await ws->async_handshake("127.0.0.1:" + std::to_string(st.port), "/api/v1/stream?after=0",
                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      Fail(st, "client " + std::to_string(k) + " handshake: " + ec.message());
      co_return;
    }
    st.ws[k] = std::move(ws);
    ++st.connected;
    asio::co_spawn(ex, Reader(st, k), Rethrow);
  }
}

asio::awaitable<void> Sleep(Clock::duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  beast::error_code ec;
  co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// One request on the poster's keep-alive connection.
asio::awaitable<bool> Request(PushState& st, beast::tcp_stream& stream, beast::flat_buffer& buf,
                              http::verb verb, const char* target, std::string_view body,
                              http::response<http::string_body>& res) {
  beast::error_code ec;
  http::request<http::span_body<const char>> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (verb == http::verb::post) req.set(http::field::content_type, "application/json");
  req.set(http::field::authorization, "Bearer " + st.server->token());
  req.body() = beast::span<const char>(body.data(), body.size());
  req.prepare_payload();
  co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) co_await http::async_read(stream, buf, res, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    Fail(st, std::string(target) + ": " + ec.message());
    co_return false;
  }
  co_return true;
}

asio::awaitable<void> Driver(PushState& st) {
  auto ex = co_await asio::this_coro::executor;
  beast::error_code ec;

  // 1. Connect the clients, kConnectConcurrency handshakes at a time.
  const auto c0 = Clock::now();
  for (std::size_t i = 0; i < std::min(kConnectConcurrency, st.clients); ++i) {
    asio::co_spawn(ex, Connector(st), Rethrow);
  }
  while (st.connected < st.clients && st.failures == 0) {
    if (Clock::now() - c0 > std::chrono::seconds(120)) {
      Fail(st, Format("only %zu of %zu clients connected in 120 s", st.connected, st.clients));
    }
    co_await Sleep(std::chrono::milliseconds(5));
  }
  st.connect_seconds = Seconds(Clock::now() - c0);

  beast::tcp_stream poster(ex);
  beast::flat_buffer buf;
  if (st.failures == 0) {
    co_await poster.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), st.port),
                                  asio::redirect_error(asio::use_awaitable, ec));
    if (ec) Fail(st, "poster connect: " + ec.message());
    poster.socket().set_option(tcp::no_delay(true), ec);
  }

  // 2. Wait until the server counts every client as live (joined the push hub).
  const auto h0 = Clock::now();
  while (st.failures == 0) {
    http::response<http::string_body> res;
    if (!co_await Request(st, poster, buf, http::verb::get, "/metrics", {}, res)) break;
    const std::string& m = res.body();
    const auto at = m.find("\ndateline_stream_live_clients ");
    if (at != std::string::npos &&
        std::strtoull(m.c_str() + at + 30, nullptr, 10) >= st.clients) {
      break;
    }
    if (Clock::now() - h0 > std::chrono::seconds(30)) {
      Fail(st, "the server did not report every stream client live within 30 s: " + res.body());
      break;
    }
    co_await Sleep(std::chrono::milliseconds(10));
  }

  // 3. Post, paced: story i is sent at start + i / rate (or as soon as the previous one is
  //    acknowledged, if that is later).
  const double server_cpu0 = st.server->CpuSeconds();
  const double client_cpu0 = ThreadCpuSeconds();
  const auto p0 = Clock::now();
  for (std::size_t i = 0; i < st.stories && st.failures == 0; ++i) {
    const auto due = p0 + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(static_cast<double>(i) / st.rate));
    if (Clock::now() < due) co_await Sleep(due - Clock::now());
    http::response<http::string_body> res;
    st.sent[i] = Clock::now();
    if (!co_await Request(st, poster, buf, http::verb::post, "/api/v1/stories", (*st.lines)[i], res)) {
      break;
    }
    st.acked[i] = Clock::now();
    if (res.result_int() != 201) {
      Fail(st, Format("story %zu: HTTP %u %s", i, res.result_int(), res.body().substr(0, 300).c_str()));
      break;
    }
    st.seq[i] = FindSeq(res.body());
    if (st.seq[i] == 0 || (i > 0 && st.seq[i] <= st.seq[i - 1])) {
      Fail(st, "story " + std::to_string(i) + ": unexpected seq in " + res.body());
    }
  }
  st.post_seconds = Seconds(Clock::now() - p0);

  // 4. Wait for every client to have every frame (at most 60 s after the last acknowledgement).
  const auto w0 = Clock::now();
  while (st.failures == 0 && st.complete < st.clients) {
    if (Clock::now() - w0 > std::chrono::seconds(60)) {
      std::size_t missing = 0;
      for (const auto& a : st.arrivals) missing += st.stories - a.size();
      Fail(st, Format("%zu of %zu clients did not receive every story within 60 s "
                      "(%zu frames missing)",
                      st.clients - st.complete, st.clients, missing));
      break;
    }
    co_await Sleep(std::chrono::milliseconds(2));
  }

  st.server_cpu = st.server->CpuSeconds() - server_cpu0;
  st.client_cpu = ThreadCpuSeconds() - client_cpu0;

  // 5. Close everything so that io_context::run() returns.
  st.stopping = true;
  for (auto& w : st.ws) {
    if (w) beast::get_lowest_layer(*w).socket().close(ec);
  }
  poster.socket().shutdown(tcp::socket::shutdown_both, ec);
  poster.socket().close(ec);
}

struct PushResult {
  double connect_s = 0;
  double posted_per_s = 0;
  double ack_p50 = 0, ack_p99 = 0;
  double lat_p50 = 0, lat_p99 = 0, lat_max = 0, lat_min = 0;      // arrival - ack
  double send_p50 = 0, send_p99 = 0, send_max = 0;                // arrival - send
  double negative_pct = 0;
  double peak_rss_mib = 0;
  double server_cpu_us = 0;  // per frame delivered (story x client)
  double client_cpu_us = 0;
  std::size_t frames = 0;
};

PushResult RunOnce(const Options& o, const std::vector<std::string>& lines, std::size_t clients,
                   std::size_t stories) {
  TempDir dir(o.tmp_dir);
  ServerProcess server(o.binary, dir.path() + "/data",
                       {"--sync", o.push_sync, "--threads", std::to_string(o.server_threads),
                        "--stream-queue", std::to_string(o.stream_queue)});
  asio::io_context ioc(1);  // outlives the streams in `st`
  PushState st;
  st.port = server.port();
  st.server = &server;
  st.clients = clients;
  st.stories = stories;
  st.rate = o.push_rate;
  st.lines = &lines;
  st.sent.resize(stories);
  st.acked.resize(stories);
  st.seq.resize(stories);
  st.ws.resize(clients);
  st.arrivals.resize(clients);
  for (auto& a : st.arrivals) a.reserve(stories);

  asio::co_spawn(ioc, Driver(st), Rethrow);
  ioc.run();
  if (st.failures > 0) {
    throw BenchError(Format("push K=%zu: %zu failure(s); first: %s\nserver log (tail):\n%s",
                            clients, st.failures, st.first_error.c_str(),
                            server.Log().substr(server.Log().size() > 4000
                                                    ? server.Log().size() - 4000 : 0).c_str()));
  }

  // Every client got every story exactly once, in order.
  PushResult r;
  std::vector<double> lat, lat_send, ack;
  lat.reserve(clients * stories);
  lat_send.reserve(clients * stories);
  std::size_t negative = 0;
  for (std::size_t k = 0; k < clients; ++k) {
    const auto& a = st.arrivals[k];
    if (a.size() != stories) {
      throw BenchError(Format("push K=%zu: client %zu received %zu frames, expected %zu", clients,
                              k, a.size(), stories));
    }
    for (std::size_t i = 0; i < stories; ++i) {
      if (a[i].seq != st.seq[i]) {
        throw BenchError(Format("push K=%zu: client %zu frame %zu has seq %llu, expected %llu "
                                "(stories must arrive exactly once, in order)",
                                clients, k, i, static_cast<unsigned long long>(a[i].seq),
                                static_cast<unsigned long long>(st.seq[i])));
      }
      const double d = Millis(a[i].at - st.acked[i]);
      negative += d < 0;
      lat.push_back(d);
      lat_send.push_back(Millis(a[i].at - st.sent[i]));
    }
  }
  for (std::size_t i = 0; i < stories; ++i) ack.push_back(Millis(st.acked[i] - st.sent[i]));
  r.peak_rss_mib = static_cast<double>(server.PeakRssKiB()) / 1024.0;
  const int rc = server.Stop();
  if (rc != 0) {
    throw BenchError(Format("push K=%zu: dateline serve exited with %d; log:\n%s", clients, rc,
                            server.Log().c_str()));
  }
  SortSample(lat);
  SortSample(lat_send);
  SortSample(ack);
  r.connect_s = st.connect_seconds;
  r.posted_per_s = static_cast<double>(stories) / st.post_seconds;
  r.ack_p50 = Percentile(ack, 0.5);
  r.ack_p99 = Percentile(ack, 0.99);
  r.lat_min = lat.front();
  r.lat_p50 = Percentile(lat, 0.5);
  r.lat_p99 = Percentile(lat, 0.99);
  r.lat_max = lat.back();
  r.send_p50 = Percentile(lat_send, 0.5);
  r.send_p99 = Percentile(lat_send, 0.99);
  r.send_max = lat_send.back();
  r.negative_pct = 100.0 * static_cast<double>(negative) / static_cast<double>(lat.size());
  r.frames = lat.size();
  r.server_cpu_us = st.server_cpu * 1e6 / static_cast<double>(r.frames);
  r.client_cpu_us = st.client_cpu * 1e6 / static_cast<double>(r.frames);
  return r;
}

}  // namespace

bool RunPush(const Options& o) {
  const std::size_t max_clients = *std::max_element(o.clients.begin(), o.clients.end());
  const std::uint64_t limit = RaiseFileLimit(2 * max_clients + 1024);
  if (limit < max_clients + 256) {
    throw BenchError(Format("RLIMIT_NOFILE is %llu, too low for %zu clients",
                            static_cast<unsigned long long>(limit), max_clients));
  }
  const Corpus c = LoadReuters(o.data_dir, o.smoke ? 1 : 0, o.push_stories);
  if (c.lines.size() < o.push_stories) {
    throw BenchError(Format("push: the corpus has only %zu stories, --stories is %zu",
                            c.lines.size(), o.push_stories));
  }
  const std::size_t n = o.push_stories;
  std::printf("\n== push: ingest-to-push latency (WebSocket /api/v1/stream)\n");
  std::printf("server: fresh `dateline serve --threads %d --sync %s --stream-queue %zu` per run\n",
              o.server_threads, o.push_sync.c_str(), o.stream_queue);
  std::printf("load: %zu Reuters stories, one per POST (application/json) from one keep-alive\n"
              "      connection paced at %.0f/s; K clients in one single-threaded io_context in\n"
              "      the bench process (same %ld cores as the server); RLIMIT_NOFILE %llu\n",
              n, o.push_rate, ::sysconf(_SC_NPROCESSORS_ONLN), static_cast<unsigned long long>(limit));
  std::printf("push-ack = frame arrival - 201 received (negative: the frame beat the response);\n"
              "push-send = frame arrival - POST sent; all (story, client) pairs; ms\n");
  std::printf("checked: every client received every story exactly once, in seq order\n");
  std::fflush(stdout);

  std::printf("per run: connect = time to connect and handshake K clients; ack = POST round trip;\n"
              "push-ack p50/p99/max and neg%% (share of negative values); push-send (snd);\n"
              "CPU µs per delivered frame of the server (srv us) and of the bench's client thread\n"
              "(cli us), from the first post until the last frame\n");
  std::printf("%6s %3s %8s %8s %7s %7s | %7s %7s %7s %6s | %7s %7s %7s | %8s %7s %6s %6s\n", "K",
              "run", "connect", "posted/s", "ack p50", "ack p99", "p50", "p99", "max", "neg%",
              "snd p50", "snd p99", "snd max", "frames", "RSS MiB", "srv us", "cli us");
  std::vector<std::vector<PushResult>> all(o.clients.size());
  for (int run = 1; run <= o.runs; ++run) {
    for (std::size_t k = 0; k < o.clients.size(); ++k) {
      PushResult r = RunOnce(o, c.lines, o.clients[k], n);
      std::printf("%6zu %3d %7.2fs %8.0f %7.3f %7.3f | %7.3f %7.3f %7.2f %6.1f | %7.3f %7.3f %7.2f "
                  "| %8zu %7.1f %6.1f %6.1f\n",
                  o.clients[k], run, r.connect_s, r.posted_per_s, r.ack_p50, r.ack_p99, r.lat_p50,
                  r.lat_p99, r.lat_max, r.negative_pct, r.send_p50, r.send_p99, r.send_max,
                  r.frames, r.peak_rss_mib, r.server_cpu_us, r.client_cpu_us);
      if (r.posted_per_s < 0.9 * o.push_rate) {
        std::printf("%6s     SATURATED: target %.0f posts/s, the server acknowledged %.0f/s "
                    "(%.0f frames/s to %zu clients); latencies include queueing\n",
                    "", o.push_rate, r.posted_per_s, r.posted_per_s * static_cast<double>(o.clients[k]),
                    o.clients[k]);
      }
      std::fflush(stdout);
      all[k].push_back(r);
    }
  }
  std::printf("\nmedians of %d run(s), ms\n", o.runs);
  std::printf("%6s %8s %7s %7s | %7s %7s %7s | %7s %7s %7s | %7s %6s %6s\n", "K", "posted/s",
              "ack p50", "ack p99", "p50", "p99", "max", "snd p50", "snd p99", "snd max", "RSS MiB",
              "srv us", "cli us");
  for (std::size_t k = 0; k < o.clients.size(); ++k) {
    auto med = [&](double PushResult::*f) {
      std::vector<double> v;
      for (const auto& r : all[k]) v.push_back(r.*f);
      return Median(v);
    };
    std::printf("%6zu %8.0f %7.3f %7.3f | %7.3f %7.3f %7.2f | %7.3f %7.3f %7.2f | %7.1f %6.1f %6.1f\n",
                o.clients[k], med(&PushResult::posted_per_s), med(&PushResult::ack_p50),
                med(&PushResult::ack_p99), med(&PushResult::lat_p50), med(&PushResult::lat_p99),
                med(&PushResult::lat_max), med(&PushResult::send_p50), med(&PushResult::send_p99),
                med(&PushResult::send_max), med(&PushResult::peak_rss_mib),
                med(&PushResult::server_cpu_us), med(&PushResult::client_cpu_us));
  }
  std::fflush(stdout);
  return true;
}

}  // namespace dateline::bench
