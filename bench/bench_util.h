// Shared pieces of dateline-bench: the corpus, the server subprocess, statistics, printing.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/story.h"

namespace dateline::bench {

using Clock = std::chrono::steady_clock;

// Thrown for anything that makes a measurement meaningless; main() prints it and exits 1.
struct BenchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reuters-21578 as the stories and their NDJSON lines (StoryToJson, no trailing newline).
struct Corpus {
  std::vector<Story> stories;
  std::vector<std::string> lines;
  std::size_t json_bytes = 0;  // sum of line sizes + one newline each
  std::size_t files = 0;
};
// Loads reut2-*.sgm from `dir` (sorted); `max_files` 0 means all, `limit` 0 means every story.
Corpus LoadReuters(const std::string& dir, std::size_t max_files, std::size_t limit);

// A fresh temporary folder under `parent` (default: $TMPDIR or /tmp), removed by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& parent);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs `binary args...` with `input` on stdin; returns its stdout and stderr, throws on failure.
std::string RunTool(const std::string& binary, std::vector<std::string> args, const std::string& input);
// `dateline token create USER --scope S...` in `data_dir`; returns the token (dl_...).
std::string CreateToken(const std::string& binary, const std::string& data_dir, const std::string& user,
                        const std::vector<std::string>& scopes);

// `dateline serve --data DIR --listen 127.0.0.1:0 ARGS...` as a subprocess.
class ServerProcess {
 public:
  // Waits for "listening on http://127.0.0.1:PORT"; throws BenchError (with the log) if it does
  // not appear within 60 s.
  // `prepare`, when given, runs on the data folder after the bench account exists and before
  // the server starts (more accounts, tokens: RunTool / CreateToken).
  ServerProcess(const std::string& binary, const std::string& data_dir,
                const std::vector<std::string>& args,
                const std::function<void(const std::string&)>& prepare = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // An API token with every scope for the account `bench` (created in the data folder first).
  const std::string& token() const { return token_; }
  // VmHWM of the process in KiB (its peak resident set so far), 0 if unreadable.
  std::uint64_t PeakRssKiB() const;
  // User + system CPU time the process has used so far, seconds.
  double CpuSeconds() const;
  // SIGTERM and wait (SIGKILL after 15 s); returns the exit status.
  int Stop();
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::uint16_t port_ = 0;
  std::string log_path_;
  std::string token_;
};

// Percentiles of a sample (sorted in place). q in [0, 1]; nearest-rank.
double Percentile(std::vector<double>& sorted_values, double q);
void SortSample(std::vector<double>& v);
double Median(std::vector<double> v);

double Seconds(Clock::duration d);
// CPU time (user + system) of the calling thread, seconds.
double ThreadCpuSeconds();
double Millis(Clock::duration d);

// GET path on 127.0.0.1:port (blocking, its own connection); returns the body; throws on
// failure or a status other than 200.
std::string HttpGetBody(std::uint16_t port, const std::string& target, const std::string& token);

// Raises RLIMIT_NOFILE's soft limit to at least `want` (up to the hard limit); returns the
// resulting soft limit.
std::uint64_t RaiseFileLimit(std::uint64_t want);

// "nproc=2, CPU: AMD EPYC, ..." lines for the header.
std::string MachineDescription();
// The file system type of `path` ("ext4", "tmpfs", ...).
std::string FileSystemType(const std::string& path);

// printf into a std::string.
std::string Format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace dateline::bench
