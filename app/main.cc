// dateline: the command line. `dateline --help` lists the subcommands.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "app/commands.h"

int main(int argc, char** argv) {
  using namespace dateline;
  CLI::App app{"Dateline: a self-hosted real-time business and financial news terminal"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("dateline ") + DATELINE_VERSION);

  ServeArgs serve;
  auto* s = app.add_subcommand("serve", "Serve the API, the live stream and the web terminal");
  s->add_option("--data", serve.data_dir, "Data folder (story log, metadata)")->capture_default_str();
  s->add_option("--listen", serve.listen, "ADDRESS:PORT to listen on; port 0 picks a free one")
      ->capture_default_str();
  s->add_option("--sync", serve.sync,
                "When an ingest is acknowledged: always (after fsync), interval, never")
      ->check(CLI::IsMember({"always", "interval", "never"}))
      ->capture_default_str();
  s->add_option("--threads", serve.threads, "Network threads (0: one per core)")->capture_default_str();
  s->add_option("--max-body", serve.max_body_bytes, "Largest accepted request body, bytes")
      ->capture_default_str();
  s->add_option("--stream-queue", serve.stream_queue_frames,
                "Frames a live-stream client may fall behind before it is disconnected")
      ->capture_default_str();
  s->add_option("--tls-cert", serve.tls_cert, "PEM certificate chain: serve HTTPS and WSS")
      ->check(CLI::ExistingFile);
  s->add_option("--tls-key", serve.tls_key, "PEM private key for --tls-cert")
      ->check(CLI::ExistingFile);
  s->add_option("--max-sessions", serve.max_sessions,
                "Concurrent login sessions per user (0: unlimited; 1: one login at a time)")
      ->capture_default_str();
  s->add_option("--stream-recheck-ms", serve.stream_recheck_ms,
                "How often a live stream re-checks its API token or login session")
      ->check(CLI::Range(100, 3600000))
      ->capture_default_str();
  s->add_flag("--restrict-new-sources", serve.restrict_new_sources,
              "Do not grant newly seen sources to the group everyone");
  s->add_option("--web", serve.web_dir,
                 "Folder of the built web terminal (default: the one this build made; "
                 "\"none\": the small built-in page)");
  s->add_option("--demo", serve.demo_dir, "Replay the demo corpus in this folder (demo/fomc)");
  s->add_option("--demo-interval-ms", serve.demo_interval_ms, "Pause between replayed demo stories")
      ->capture_default_str();

  IngestArgs ingest;
  auto* i = app.add_subcommand("ingest", "Turn files into stories: wire text pages, Reuters-21578 "
                                         "SGML, FOMC statements, JSON, NDJSON");
  i->add_option("files", ingest.files, "Files or folders")->required();
  i->add_option("--server", ingest.server_url, "Post to this running server (http://HOST:PORT)");
  i->add_option("--token", ingest.token,
                "With --server: an API token with the stories:write scope (default: $DATELINE_TOKEN)");
  i->add_option("--data", ingest.data_dir, "Write into this stopped server's data folder");
  i->add_option("--format", ingest.format, "auto, wire, reuters, fomc, json, ndjson")
      ->capture_default_str();
  i->add_option("--source", ingest.source, "Source name to file the stories under");
  i->add_option("--reference-date", ingest.reference_date,
                "Date (YYYY-MM-DD) near which year-less wire datelines fall (default: today)");
  i->add_option("--batch", ingest.batch, "Stories per request or group commit")->capture_default_str();
  i->add_option("--sync", ingest.sync, "With --data: always, interval, never")->capture_default_str();

  std::string repair_dir;
  auto* r = app.add_subcommand("repair", "Salvage every good frame of a damaged story log");
  r->add_option("--data", repair_dir, "Data folder")->required();

  std::string reindex_dir;
  auto* ri = app.add_subcommand("reindex", "Rebuild the search index from the story log (server stopped)");
  ri->add_option("--data", reindex_dir, "Data folder")->required();

  UserArgs user;
  auto* u = app.add_subcommand("user", "Manage accounts in a data folder: add, list, disable, "
                                       "enable, reset-password, reset-2fa");
  u->add_option("action", user.action, "add, list, disable, enable, reset-password, reset-2fa")
      ->required()
      ->check(CLI::IsMember({"add", "list", "disable", "enable", "reset-password", "reset-2fa"}));
  u->add_option("username", user.username, "The account");
  u->add_option("--data", user.data_dir, "Data folder")->capture_default_str();
  u->add_option("--role", user.role, "add: admin, editor or reader")->capture_default_str();
  u->add_option("--group", user.groups, "add: a group to join (repeat for more)");
  u->add_flag("--password-stdin", user.password_stdin,
              "add: read the password from standard input (default: a one-time password is "
              "printed)");

  TokenArgs token;
  auto* t = app.add_subcommand("token", "API tokens for programs");
  t->require_subcommand(1);
  auto* tc = t->add_subcommand("create", "Print a new API token for USER (shown once)");
  tc->add_option("username", token.username, "The account the token acts for")->required();
  tc->add_option("--scope", token.scopes, "stories:read, stories:write, alerts, admin (repeat)")
      ->required();
  tc->add_option("--name", token.name, "A name to recognise the token by")->capture_default_str();
  tc->add_option("--data", token.data_dir, "Data folder")->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  if (u->parsed()) return RunUser(user);
  if (tc->parsed()) return RunTokenCreate(token);
  if (s->parsed()) return RunServe(serve);
  if (i->parsed()) return RunIngest(ingest);
  if (r->parsed()) return RunRepair(repair_dir);
  if (ri->parsed()) return RunReindex(reindex_dir);
  return 2;
}
