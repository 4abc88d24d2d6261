// Starts the real `dateline` binary for integration tests and stops it (SIGTERM or kill -9).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dateline::testing {

// A fresh temporary folder, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class DatelineProcess {
 public:
  // Runs `dateline serve --data DIR --listen 127.0.0.1:0 EXTRA...` and waits for its
  // "listening on http://..." line. Fails the current test (ADD_FAILURE) when it does not start.
  // Unless `with_admin_token` is false, first creates the account `test-admin` (role admin) in
  // DIR and an API token with every scope, and makes it the default bearer token of the
  // net_client requests.
  static std::unique_ptr<DatelineProcess> Serve(const std::string& data_dir,
                                                const std::vector<std::string>& extra = {},
                                                bool with_admin_token = true);
  ~DatelineProcess();

  std::uint16_t port() const { return port_; }
  const std::string& url() const { return url_; }
  pid_t pid() const { return pid_; }
  // stderr of the process so far (for failure messages).
  std::string Log() const;
  // What the server printed on stdout before "listening on" (the first-run admin password).
  const std::string& Banner() const { return banner_; }

  // SIGTERM and wait; returns the exit status (-1 if it had to be killed).
  int Terminate(int timeout_ms = 15000);
  void Kill9();

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string url_;
  std::string log_path_;
  std::string banner_;
};

// Creates (once per data folder) the admin account `test-admin` and returns an API token with
// every scope for it.
std::string AdminToken(const std::string& data_dir);

// Runs `dateline ARGS...` to completion; returns the exit code and captures stdout+stderr.
int RunDateline(const std::vector<std::string>& args, std::string* output,
                const std::string& input = {});

}  // namespace dateline::testing
