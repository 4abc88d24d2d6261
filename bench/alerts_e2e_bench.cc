// Scenario `alerts-e2e`: story posted -> alert frame received, through the real `dateline serve`.
//
// N standing alerts (the `alerts` scenario's mix, drawn from the Reuters + BBC vocabulary) are
// saved through POST /api/v1/alerts by N/1,000 accounts (the per-user limit), over several
// keep-alive connections. The bench account owns one more alert, "probe", that every posted story
// fires (`source:` of the posted stories), and follows /api/v1/stream on a WebSocket. Stories are
// then posted one per request at a fixed rate; for each: alert frame arrival - 201 received, and
// - POST sent. Every other alert a story fires is matched, stored in its owner's inbox and
// counted as in production; only the probe's owner is listening.
#include <utility>  // before Asio (Boost 1.74 + GCC 12)

#include <algorithm>
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

#include "bench/alert_workload.h"
#include "bench/bench_util.h"
#include "bench/scenarios.h"
#include "ingest/bbc_text.h"
#include "match/random_queries.h"

namespace dateline::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using Ws = websocket::stream<beast::tcp_stream>;

constexpr std::size_t kAlertsPerUser = 1000;  // AlertOptions::max_alerts_per_user
constexpr std::size_t kLoadConnections = 8;

struct E2eState {
  std::uint16_t port = 0;
  std::string bench_token;
  // Load: alert i belongs to account i / kAlertsPerUser (tokens[...]).
  const std::vector<std::string>* alert_texts = nullptr;
  const std::vector<std::string>* tokens = nullptr;
  std::size_t next_alert = 0;
  std::size_t loaders_done = 0;
  std::size_t saved = 0;
  std::size_t refused = 0;  // 4xx: over a limit or not parsed (reported, not fatal)
  std::string first_refusal;
  double load_seconds = 0;

  std::string probe_query;
  const std::vector<std::string>* lines = nullptr;
  std::size_t stories = 0;
  double rate = 0;
  std::vector<Clock::time_point> sent, acked, frame_at;
  std::vector<std::uint64_t> seq;
  std::vector<std::pair<std::uint64_t, Clock::time_point>> probe_arrivals;  // (story seq, arrival)
  std::uint64_t probe_id = 0;
  std::size_t probe_frames = 0;
  std::size_t other_frames = 0;
  bool stopping = false;

  const ServerProcess* server = nullptr;
  double server_cpu = 0;
  std::size_t failures = 0;
  std::string first_error;
};

void Fail(E2eState& st, std::string what) {
  if (st.failures++ == 0) st.first_error = std::move(what);
}

void Rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

asio::awaitable<void> Sleep(Clock::duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  beast::error_code ec;
  co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<bool> Request(E2eState& st, beast::tcp_stream& stream, beast::flat_buffer& buf,
                              http::verb verb, const std::string& target, const std::string& token,
                              std::string_view body, http::response<http::string_body>& res) {
  beast::error_code ec;
  http::request<http::span_body<const char>> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (verb == http::verb::post) req.set(http::field::content_type, "application/json");
  req.set(http::field::authorization, "Bearer " + token);
  req.body() = beast::span<const char>(body.data(), body.size());
  req.prepare_payload();
  co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) co_await http::async_read(stream, buf, res, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    Fail(st, target + ": " + ec.message());
    co_return false;
  }
  co_return true;
}

asio::awaitable<bool> Connect(E2eState& st, beast::tcp_stream& stream) {
  beast::error_code ec;
  co_await stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), st.port),
                                asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    Fail(st, "connect: " + ec.message());
    co_return false;
  }
  stream.socket().set_option(tcp::no_delay(true), ec);
  co_return true;
}

// One of kLoadConnections: saves alerts until none are left.
asio::awaitable<void> Loader(E2eState& st) {
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  beast::flat_buffer buf;
  if (co_await Connect(st, stream)) {
    while (st.failures == 0 && st.next_alert < st.alert_texts->size()) {
      const std::size_t i = st.next_alert++;
      const std::string body =
          json{{"name", "load " + std::to_string(i)}, {"query", (*st.alert_texts)[i]}}.dump();
      http::response<http::string_body> res;
      if (!co_await Request(st, stream, buf, http::verb::post, "/api/v1/alerts",
                            (*st.tokens)[i / kAlertsPerUser], body, res)) {
        break;
      }
      if (res.result_int() == 201) {
        ++st.saved;
      } else if (res.result_int() == 400 || res.result_int() == 413) {
        if (st.refused++ == 0) st.first_refusal = res.body().substr(0, 300);
      } else {
        Fail(st, Format("alert %zu: HTTP %u %s", i, res.result_int(), res.body().substr(0, 300).c_str()));
      }
    }
  }
  ++st.loaders_done;
}

asio::awaitable<void> Listener(E2eState& st, Ws& ws) {
  beast::flat_buffer buf;
  beast::error_code ec;
  for (;;) {
    co_await ws.async_read(buf, asio::redirect_error(asio::use_awaitable, ec));
    const auto at = Clock::now();
    if (ec) {
      if (!st.stopping) Fail(st, "stream: " + ec.message());
      co_return;
    }
    std::string_view text(static_cast<const char*>(buf.data().data()), buf.size());
    if (text.find("\"type\":\"alert\"") != std::string_view::npos) {
      const json f = json::parse(text, nullptr, false);
      if (f.is_discarded() || !f.contains("alert") || !f.contains("story")) {
        Fail(st, "bad alert frame: " + std::string(text.substr(0, 300)));
        co_return;
      }
      if (f["alert"].value("id", std::uint64_t{0}) != st.probe_id) {
        ++st.other_frames;
      } else {
        // Matched to its story after the run: the frame may beat the 201 that names the seq.
        st.probe_arrivals.emplace_back(f["story"].value("seq", std::uint64_t{0}), at);
        ++st.probe_frames;
      }
    }
    buf.consume(buf.size());
  }
}

asio::awaitable<void> Driver(E2eState& st) {
  auto ex = co_await asio::this_coro::executor;
  beast::error_code ec;

  // 1. The load: every alert saved through the API.
  const auto l0 = Clock::now();
  for (std::size_t k = 0; k < kLoadConnections; ++k) asio::co_spawn(ex, Loader(st), Rethrow);
  while (st.loaders_done < kLoadConnections) co_await Sleep(std::chrono::milliseconds(20));
  st.load_seconds = Seconds(Clock::now() - l0);

  beast::tcp_stream poster(ex);
  beast::flat_buffer buf;
  if (st.failures == 0) co_await Connect(st, poster);

  // 2. The probe alert of the listening account.
  if (st.failures == 0) {
    http::response<http::string_body> res;
    const std::string body = json{{"name", "probe"}, {"query", st.probe_query}}.dump();
    if (co_await Request(st, poster, buf, http::verb::post, "/api/v1/alerts", st.bench_token, body, res)) {
      const json a = json::parse(res.body(), nullptr, false);
      if (res.result_int() != 201 || a.is_discarded()) {
        Fail(st, Format("probe alert: HTTP %u %s", res.result_int(), res.body().substr(0, 300).c_str()));
      } else {
        st.probe_id = a.value("id", std::uint64_t{0});
      }
    }
  }

  // 3. The listener's WebSocket, live once the server counts it.
  Ws ws(ex);
  if (st.failures == 0) {
    co_await beast::get_lowest_layer(ws).async_connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), st.port), asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      ws.set_option(websocket::stream_base::decorator(
          [auth = "Bearer " + st.bench_token](websocket::request_type& r) { r.set(http::field::authorization, auth); }));
      co_await ws.async_handshake("127.0.0.1:" + std::to_string(st.port), "/api/v1/stream",
                                  asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      Fail(st, "stream handshake: " + ec.message());
    } else {
      asio::co_spawn(ex, Listener(st, ws), Rethrow);
    }
  }
  const auto h0 = Clock::now();
  while (st.failures == 0) {
    http::response<http::string_body> res;
    if (!co_await Request(st, poster, buf, http::verb::get, "/metrics", st.bench_token, {}, res)) break;
    const std::string& m = res.body();
    const auto at = m.find("\ndateline_stream_live_clients ");
    if (at != std::string::npos && std::strtoull(m.c_str() + at + 30, nullptr, 10) >= 1) break;
    if (Clock::now() - h0 > std::chrono::seconds(30)) {
      Fail(st, "the stream client was not live within 30 s");
      break;
    }
    co_await Sleep(std::chrono::milliseconds(10));
  }

  // 4. Post the stories, paced.
  const double cpu0 = st.server->CpuSeconds();
  const auto p0 = Clock::now();
  for (std::size_t i = 0; i < st.stories && st.failures == 0; ++i) {
    const auto due = p0 + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(static_cast<double>(i) / st.rate));
    if (Clock::now() < due) co_await Sleep(due - Clock::now());
    http::response<http::string_body> res;
    st.sent[i] = Clock::now();
    if (!co_await Request(st, poster, buf, http::verb::post, "/api/v1/stories", st.bench_token,
                          (*st.lines)[i], res)) {
      break;
    }
    st.acked[i] = Clock::now();
    if (res.result_int() != 201) {
      Fail(st, Format("story %zu: HTTP %u %s", i, res.result_int(), res.body().substr(0, 300).c_str()));
      break;
    }
    std::uint64_t seq = 0;
    if (auto p = res.body().find("\"seq\":"); p != std::string::npos) seq = std::strtoull(res.body().c_str() + p + 6, nullptr, 10);
    if (seq == 0) Fail(st, "story " + std::to_string(i) + ": no seq in " + res.body().substr(0, 300));
    st.seq[i] = seq;
  }

  // 5. Every story's probe frame (at most 30 s after the last acknowledgement).
  const auto w0 = Clock::now();
  while (st.failures == 0 && st.probe_frames < st.stories) {
    if (Clock::now() - w0 > std::chrono::seconds(30)) {
      Fail(st, Format("%zu of %zu probe frames arrived within 30 s", st.probe_frames, st.stories));
      break;
    }
    co_await Sleep(std::chrono::milliseconds(2));
  }
  co_await Sleep(std::chrono::milliseconds(200));  // a duplicate would arrive by now
  st.server_cpu = st.server->CpuSeconds() - cpu0;

  st.stopping = true;
  beast::get_lowest_layer(ws).socket().close(ec);
  poster.socket().shutdown(tcp::socket::shutdown_both, ec);
  poster.socket().close(ec);
}

}  // namespace

bool RunAlertsE2e(const Options& o) {
  std::printf("\n== alerts-e2e: story POST acknowledged -> alert frame on a WebSocket ==\n");
  const std::string shared = o.data_dir + "/..";
  // The alerts' vocabulary: Reuters + BBC, as in the `alerts` scenario.
  Corpus reuters = LoadReuters(o.data_dir, 0, 0);
  std::vector<Story> vocab_stories = reuters.stories;
  auto bbc = LoadBbcCorpus(shared + "/bbc");
  if (!bbc.ok()) throw BenchError("BBC News: " + bbc.status().ToString());
  for (Story& s : *bbc) vocab_stories.push_back(std::move(s));
  const match::RandomQueries::Companies companies = LoadSp500(shared + "/gazetteers/sp500-constituents.csv");
  const match::Vocabulary vocabulary = match::BuildVocabulary(vocab_stories, 42);
  std::vector<Story>().swap(vocab_stories);

  const std::size_t n_alerts = o.e2e_alerts;
  const std::size_t n_stories = std::min(o.e2e_stories, reuters.lines.size());
  // The posted stories are Reuters stories; they all carry this source.
  const json first = json::parse(reuters.lines[0], nullptr, false);
  const std::string source = first.is_discarded() ? std::string() : first.value("source", std::string());
  if (source.empty() || source.find_first_of(" \"():*") != std::string::npos) {
    throw BenchError("alerts-e2e: the posted stories have no plain source to write the probe alert with");
  }
  match::RandomQueries gen(vocabulary, 1000 + static_cast<std::uint32_t>(n_alerts));
  std::vector<std::string> texts;
  texts.reserve(n_alerts);
  for (std::size_t i = 0; i < n_alerts; ++i) texts.push_back(i % 2000 == 1999 ? gen.Long(20000) : gen.Alert(companies));
  const std::size_t users = (n_alerts + kAlertsPerUser - 1) / kAlertsPerUser;

  std::printf("load: %zu alerts (the `alerts` mix) saved through POST /api/v1/alerts by %zu accounts "
              "(%zu each, the per-user limit) over %zu connections; the listening account owns one more, "
              "\"probe\" = source:%s, fired by every posted story\n",
              n_alerts, users, kAlertsPerUser, kLoadConnections, source.c_str());
  std::printf("then %zu Reuters stories, one per POST from one keep-alive connection at %.0f/s; latency = "
              "probe alert frame arrival - 201 received (and - POST sent), ms\n",
              n_stories, o.e2e_rate);
  std::fflush(stdout);

  TempDir dir(o.tmp_dir);
  std::vector<std::string> tokens(users);
  const auto u0 = Clock::now();
  ServerProcess server(o.binary, dir.path() + "/data",
                       {"--sync", o.push_sync, "--threads", std::to_string(o.server_threads)},
                       [&](const std::string& data) {
                         for (std::size_t u = 0; u < users; ++u) {
                           const std::string name = "load" + std::to_string(u);
                           RunTool(o.binary, {"user", "add", name, "--role", "reader", "--password-stdin", "--data", data},
                                   "load password, long enough\n");
                           tokens[u] = CreateToken(o.binary, data, name, {"alerts"});
                         }
                       });
  const double setup_s = Seconds(Clock::now() - u0);

  asio::io_context ioc(1);
  E2eState st;
  st.port = server.port();
  st.server = &server;
  st.bench_token = server.token();
  st.alert_texts = &texts;
  st.tokens = &tokens;
  st.probe_query = "source:" + source;
  st.lines = &reuters.lines;
  st.stories = n_stories;
  st.rate = o.e2e_rate;
  st.sent.resize(n_stories);
  st.acked.resize(n_stories);
  st.frame_at.resize(n_stories);
  st.seq.assign(n_stories, 0);
  const double load_cpu0 = server.CpuSeconds();
  asio::co_spawn(ioc, Driver(st), Rethrow);
  ioc.run();
  if (st.failures > 0) {
    throw BenchError(Format("alerts-e2e: %zu failure(s); first: %s\nserver log (tail):\n%s", st.failures,
                            st.first_error.c_str(),
                            server.Log().substr(server.Log().size() > 4000 ? server.Log().size() - 4000 : 0).c_str()));
  }
  // Exactly one probe frame per story.
  bool ok = true;
  std::vector<int> frames(n_stories, 0);
  for (const auto& [seq, at] : st.probe_arrivals) {
    auto it = std::find(st.seq.begin(), st.seq.end(), seq);
    if (it == st.seq.end()) {
      std::printf("FAILED: a probe frame for story seq %llu, which was not posted\n", static_cast<unsigned long long>(seq));
      ok = false;
      continue;
    }
    const std::size_t i = static_cast<std::size_t>(it - st.seq.begin());
    if (frames[i]++ == 0) st.frame_at[i] = at;
  }
  for (std::size_t i = 0; i < n_stories && ok; ++i) {
    if (frames[i] != 1) {
      std::printf("FAILED: story %zu got %d probe frames (exactly one expected)\n", i, frames[i]);
      ok = false;
    }
  }
  if (!ok) return false;
  std::vector<double> lat, lat_send, ack;
  std::size_t negative = 0;
  for (std::size_t i = 0; i < n_stories; ++i) {
    const double d = Millis(st.frame_at[i] - st.acked[i]);
    negative += d < 0;
    lat.push_back(d);
    lat_send.push_back(Millis(st.frame_at[i] - st.sent[i]));
    ack.push_back(Millis(st.acked[i] - st.sent[i]));
  }
  SortSample(lat);
  SortSample(lat_send);
  SortSample(ack);
  const double rss = static_cast<double>(server.PeakRssKiB()) / 1024.0;
  const double total_cpu = server.CpuSeconds() - load_cpu0;
  const int rc = server.Stop();
  if (rc != 0) {
    std::printf("FAILED: dateline serve exited with %d\n", rc);
    ok = false;
  }
  std::printf("accounts and tokens created in %.1f s (CLI, before the server starts)\n", setup_s);
  std::printf("alerts saved: %zu of %zu in %.1f s (%.0f/s over %zu connections), %zu refused (4xx)%s%s\n",
              st.saved, n_alerts, st.load_seconds, static_cast<double>(st.saved) / st.load_seconds,
              kLoadConnections, st.refused, st.refused > 0 ? "; first: " : "", st.first_refusal.c_str());
  std::printf("stories: %zu posted; POST round trip p50 %.3f ms p99 %.3f ms\n", n_stories, Percentile(ack, 0.5),
              Percentile(ack, 0.99));
  std::printf("alert frame - 201:      p50 %.3f ms  p99 %.3f ms  max %.2f ms  (%.1f%% negative: the frame "
              "beat the response)\n",
              Percentile(lat, 0.5), Percentile(lat, 0.99), lat.back(),
              100.0 * static_cast<double>(negative) / static_cast<double>(lat.size()));
  std::printf("alert frame - POST sent: p50 %.3f ms  p99 %.3f ms  max %.2f ms\n", Percentile(lat_send, 0.5),
              Percentile(lat_send, 0.99), lat_send.back());
  std::printf("server: %.0f µs CPU per posted story (ingest, matching, inbox rows, push), peak RSS %.0f MiB; "
              "CPU for the load and the run %.1f s\n",
              st.server_cpu * 1e6 / static_cast<double>(n_stories), rss, total_cpu);
  std::printf("target: p99 <= 10 ms with 100k alerts loaded: %s\n",
              n_alerts < 100000 ? "n/a (fewer alerts)" : Percentile(lat, 0.99) <= 10.0 ? "met" : "NOT met");
  std::fflush(stdout);
  return ok;
}

}  // namespace dateline::bench
