// The dateline subcommands. Each returns the process exit code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/story_files.h"
#include "store/story_store.h"

namespace dateline {

struct ServeArgs {
  std::string data_dir = ".dateline";
  std::string listen = "127.0.0.1:8080";
  std::string sync = "always";
  int threads = 0;
  std::uint64_t max_body_bytes = 16u << 20;
  std::size_t stream_queue_frames = 8192;
  std::string tls_cert;      // with tls_key: serve HTTPS and WSS directly
  std::string tls_key;
  int max_sessions = 0;      // per user; 0 = unlimited, 1 = one login at a time
  int stream_recheck_ms = 15000;
  bool restrict_new_sources = false;
  std::string demo_dir;      // empty: no demo replay
  // The browser terminal's built files. Empty: the folder this build made (scripts/build-web),
  // or the small built-in page when there is none; "none": always the built-in page.
  std::string web_dir;
  int demo_interval_ms = 3000;
};

struct IngestArgs {
  std::vector<std::string> files;
  std::string server_url;    // post to a running server (with an API token) ...
  std::string token;         // stories:write token; default: $DATELINE_TOKEN
  std::string data_dir;      // ... or write into a stopped server's data folder
  std::string format = "auto";
  std::string source;
  std::string reference_date;  // YYYY-MM-DD, for wire-text datelines without a year
  std::size_t batch = 500;
  std::string sync = "always";
};

int RunServe(const ServeArgs& args);
int RunIngest(const IngestArgs& args);
int RunRepair(const std::string& data_dir);
// Rebuilds DATA/index from the story log.
int RunReindex(const std::string& data_dir);

// `dateline user …` and `dateline token create` work on the data folder's metadata database
// (also while a server runs: SQLite coordinates the two processes).
struct UserArgs {
  std::string data_dir = ".dateline";
  std::string action;              // add, list, disable, enable, reset-password, reset-2fa
  std::string username;
  std::string role = "reader";
  std::vector<std::string> groups;
  bool password_stdin = false;     // add: read the password from standard input
};
int RunUser(const UserArgs& args);

struct TokenArgs {
  std::string data_dir = ".dateline";
  std::string username;
  std::string name = "cli";
  std::vector<std::string> scopes;
};
int RunTokenCreate(const TokenArgs& args);

// Posts NDJSON to SERVER/api/v1/stories; returns the number of new and duplicate stories.
struct PostResult {
  std::size_t added = 0;
  std::size_t duplicates = 0;
};
Result<PostResult> PostStories(const std::string& server_url, const std::string& token,
                               const std::vector<Story>& stories);

}  // namespace dateline
