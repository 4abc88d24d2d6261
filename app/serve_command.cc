#include <chrono>
#include <cstdio>
#include <memory>

#include "app/commands.h"
#include "app/demo_replay.h"
#include "app/search_index_setup.h"
#include "alerts/alert_service.h"
#include "alerts/alert_worker.h"
#include "alerts/webhook_dispatcher.h"
#include "auth/auth_service.h"
#include "match/matcher.h"
#include "server/http_server.h"
#include "server/read_counts.h"
#include "store/metadata_db.h"
#include "store/wal_checkpointer.h"

namespace dateline {
namespace {

Status ParseListen(const std::string& listen, ServerOptions* opt) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument("--listen must be ADDRESS:PORT, e.g. 127.0.0.1:8080", "listen");
  }
  std::string addr = listen.substr(0, colon);
  if (addr.size() >= 2 && addr.front() == '[' && addr.back() == ']') addr = addr.substr(1, addr.size() - 2);
  if (addr.empty()) addr = "0.0.0.0";
  const std::string port = listen.substr(colon + 1);
  char* end = nullptr;
  const long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p < 0 || p > 65535) {
    return Status::InvalidArgument("--listen port must be 0..65535 (0 picks a free port)", "listen");
  }
  opt->address = addr;
  opt->port = static_cast<std::uint16_t>(p);
  return {};
}

// The web terminal's files: --web, else the folder this build wrote (when it exists).
Status LoadWeb(const std::string& web_dir, ApiOptions* api) {
  if (web_dir == "none") return {};
  if (web_dir.empty()) {
#ifdef DATELINE_DEFAULT_WEB_DIR
    auto web = WebAssets::Load(DATELINE_DEFAULT_WEB_DIR);
    if (web.ok()) {
      api->web = std::move(*web);
    } else {
      std::fprintf(stderr, "web terminal not built (%s): serving the built-in page\n",
                   web.status().message().c_str());
    }
#endif
    return {};
  }
  auto web = WebAssets::Load(web_dir);
  if (!web.ok()) return web.status();
  api->web = std::move(*web);
  return {};
}

}  // namespace

int RunServe(const ServeArgs& args) {
  ServerOptions opt;
  if (Status st = ParseListen(args.listen, &opt); !st.ok()) {
    std::fprintf(stderr, "dateline serve: %s\n", st.message().c_str());
    return 2;
  }
  auto sync = ParseSyncPolicy(args.sync);
  if (!sync.ok()) {
    std::fprintf(stderr, "dateline serve: %s\n", sync.status().message().c_str());
    return 2;
  }
  opt.threads = args.threads;
  opt.stream_recheck_ms = args.stream_recheck_ms;
  opt.tls_cert = args.tls_cert;
  opt.tls_key = args.tls_key;
  opt.max_body_bytes = args.max_body_bytes;
  opt.stream_queue_frames = args.stream_queue_frames;
  opt.api.json.story.max_body_bytes = args.max_body_bytes;
  if (Status st = LoadWeb(args.web_dir, &opt.api); !st.ok()) {
    std::fprintf(stderr, "dateline serve: --web: %s\n", st.message().c_str());
    return 2;
  }

  StoreOptions store_opt;
  store_opt.dir = args.data_dir;
  store_opt.sync = *sync;
  RecoveryReport report;
  auto store = StoryStore::Open(store_opt, Clock::System(), &report);
  if (!store.ok()) {
    std::fprintf(stderr, "dateline serve: cannot open the story log: %s\n",
                 store.status().ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "story log: %llu story versions, last seq %llu, sync policy %s\n",
               static_cast<unsigned long long>(report.stories),
               static_cast<unsigned long long>(report.last_seq),
               std::string(SyncPolicyName(*sync)).c_str());

  auto metadata = MetadataDb::Open(args.data_dir + "/metadata.db");
  if (!metadata.ok()) {
    std::fprintf(stderr, "dateline serve: cannot open the metadata database: %s\n",
                 metadata.status().ToString().c_str());
    return 1;
  }
  // Commits of the serving connections never stop for a WAL checkpoint (an fsync): this
  // thread does them (store/wal_checkpointer.h).
  auto checkpointer =
      WalCheckpointer::Start(args.data_dir + "/metadata.db", std::chrono::milliseconds(1000));
  if (!checkpointer.ok()) {
    std::fprintf(stderr, "dateline serve: cannot open the metadata database: %s\n",
                 checkpointer.status().ToString().c_str());
    return 1;
  }
  if (Status s = (*metadata)->LeaveCheckpointsToBackground(); !s.ok()) {
    std::fprintf(stderr, "dateline serve: %s\n", s.ToString().c_str());
    return 1;
  }

  AuthOptions auth_opt;
  auth_opt.max_sessions_per_user = args.max_sessions;
  auth_opt.restrict_new_sources = args.restrict_new_sources;
  AuthService auth(**metadata, Clock::System(), auth_opt);
  auto first_admin = auth.EnsureFirstAdmin();
  if (!first_admin.ok()) {
    std::fprintf(stderr, "dateline serve: cannot create the first admin account: %s\n",
                 first_admin.status().ToString().c_str());
    return 1;
  }

  // Stories may have reached the log without the server (dateline ingest --data): make sure
  // every source is known to the entitlements, so its stories are visible as configured.
  for (const std::string& source : (*store)->Sources()) {
    if (Status st = auth.EnsureSource(source); !st.ok()) {
      std::fprintf(stderr, "dateline serve: %s\n", st.ToString().c_str());
      return 1;
    }
  }

  // The story log is the source of truth; the index catches up with it before serving.
  auto search_index = OpenSearchIndex(**store, SearchIndexDir(args.data_dir));
  if (!search_index.ok()) {
    std::fprintf(stderr,
                 "dateline serve: cannot open the search index: %s\n"
                 "  the index is rebuilt from the story log with: dateline reindex --data %s\n",
                 search_index.status().ToString().c_str(), args.data_dir.c_str());
    return 1;
  }

  // Alerts: the matcher, the service over its own database connection (it runs transactions),
  // the webhook dispatcher over another, and the worker thread that matches every new story.
  auto alerts_db = MetadataDb::Open(args.data_dir + "/metadata.db");
  auto webhooks_db = MetadataDb::Open(args.data_dir + "/metadata.db");
  if (!alerts_db.ok() || !webhooks_db.ok()) {
    std::fprintf(stderr, "dateline serve: cannot open the metadata database for alerts: %s\n",
                 (!alerts_db.ok() ? alerts_db.status() : webhooks_db.status()).ToString().c_str());
    return 1;
  }
  for (MetadataDb* db : {alerts_db->get(), webhooks_db->get()}) {
    if (Status s = db->LeaveCheckpointsToBackground(); !s.ok()) {
      std::fprintf(stderr, "dateline serve: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  match::Matcher matcher;
  alerts::WebhookDispatcher webhooks(**webhooks_db, Clock::System());
  alerts::AlertService alert_service(
      **alerts_db, matcher, Clock::System(),
      [&auth](std::int64_t user_id, std::string_view source) {
        Principal who;
        who.user_id = user_id;
        auto view = auth.ForPrincipal(who);
        return view.ok() && (*view)->CanSee(source);
      },
      &webhooks);
  auto loaded = alert_service.Load();
  if (!loaded.ok()) {
    std::fprintf(stderr, "dateline serve: cannot load the alerts: %s\n",
                 loaded.status().ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "alerts: %zu standing queries compiled in %.2f s\n", loaded->loaded,
               static_cast<double>(loaded->elapsed_us) / 1e6);
  for (std::int64_t id : loaded->failed) {
    std::fprintf(stderr, "alerts: alert %lld no longer compiles and is not matched\n",
                 static_cast<long long>(id));
  }
  if (Status s = webhooks.Start(); !s.ok()) {
    std::fprintf(stderr, "dateline serve: cannot start webhook delivery: %s\n", s.ToString().c_str());
    return 1;
  }
  alerts::AlertWorker alert_worker(alert_service, Clock::System());
  alert_worker.Start();

  // READ's counts, loaded from (and recorded in) the metadata database over their own connection.
  auto reads_db = MetadataDb::Open(args.data_dir + "/metadata.db");
  if (!reads_db.ok()) {
    std::fprintf(stderr, "dateline serve: cannot open the metadata database: %s\n",
                 reads_db.status().ToString().c_str());
    return 1;
  }
  if (Status s = (*reads_db)->LeaveCheckpointsToBackground(); !s.ok()) {
    std::fprintf(stderr, "dateline serve: %s\n", s.ToString().c_str());
    return 1;
  }
  auto reads = ReadCounts::Open(**reads_db);
  if (!reads.ok()) {
    std::fprintf(stderr, "dateline serve: cannot load the read counts: %s\n",
                 reads.status().ToString().c_str());
    return 1;
  }

  HttpServer server(
      opt, **store, auth,
      ServerServices{search_index->get(), &alert_service, &alert_worker, reads->get()});
  if (Status st = server.Start(); !st.ok()) {
    std::fprintf(stderr, "dateline serve: %s\n", st.message().c_str());
    return 1;
  }
  std::unique_ptr<DemoReplay> demo;
  if (!args.demo_dir.empty()) {
    demo = std::make_unique<DemoReplay>(
        **store, [&auth](std::string_view source) { return auth.EnsureSource(source); },
        args.demo_dir, args.demo_interval_ms);
    demo->Start();
  }
  if (!server.tls()) {
    std::fprintf(stderr,
                 "warning: serving plain HTTP; use --tls-cert/--tls-key or put a TLS-terminating "
                 "proxy in front of Dateline before exposing it beyond this machine\n");
  }
  if (*first_admin) {
    std::printf("first start: created the admin account\n  username: admin\n  password: %s\n"
                "  (a one-time password: you must change it when you first log in)\n",
                (*first_admin)->c_str());
  }
  std::printf("listening on %s\n", server.url().c_str());
  std::fflush(stdout);
  server.Run();
  if (demo) demo->Stop();
  (*store)->Close();
  alert_worker.Stop();  // matches what the log acknowledged before the close
  webhooks.Stop();
  // Not needed for correctness (start-up re-indexes from the log), but makes the next start fast.
  if (Status s = (*search_index)->Flush(); !s.ok()) {
    std::fprintf(stderr, "dateline: could not flush the search index: %s\n", s.ToString().c_str());
  }
  std::fprintf(stderr, "dateline: shut down cleanly (last seq %llu)\n",
               static_cast<unsigned long long>((*store)->LastDurableSeq()));
  return 0;
}

}  // namespace dateline
