#include "tests/support/dateline_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/net_client.h"

namespace dateline::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "dateline-test-XXXXXX").string();
  char* p = ::mkdtemp(tmpl.data());
  if (!p) std::abort();
  path_ = p;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {

std::vector<char*> Argv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

}  // namespace

std::string AdminToken(const std::string& data_dir) {
  static std::mutex mu;
  static std::map<std::string, std::string> tokens;
  std::lock_guard lock(mu);
  if (auto it = tokens.find(data_dir); it != tokens.end()) return it->second;
  std::string out;
  if (RunDateline({"user", "add", "test-admin", "--role", "admin", "--password-stdin", "--data",
                   data_dir},
                  &out, "correct horse battery staple\n") != 0) {
    ADD_FAILURE() << "cannot add the test admin: " << out;
    return {};
  }
  out.clear();
  if (RunDateline({"token", "create", "test-admin", "--scope", "stories:read", "--scope",
                   "stories:write", "--scope", "alerts", "--scope", "admin", "--data", data_dir},
                  &out) != 0) {
    ADD_FAILURE() << "cannot create the test token: " << out;
    return {};
  }
  auto pos = out.find("dl_");
  std::string token = out.substr(pos, out.find('\n', pos) - pos);
  tokens[data_dir] = token;
  return token;
}

std::unique_ptr<DatelineProcess> DatelineProcess::Serve(const std::string& data_dir,
                                                        const std::vector<std::string>& extra,
                                                        bool with_admin_token) {
  if (with_admin_token) {
    std::string token = AdminToken(data_dir);
    if (token.empty()) return nullptr;
    SetDefaultBearerToken(token);
  } else {
    SetDefaultBearerToken("");
  }
  auto proc = std::unique_ptr<DatelineProcess>(new DatelineProcess());
  proc->log_path_ = data_dir + ".log";
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe failed";
    return nullptr;
  }
  std::vector<std::string> args = {DATELINE_BINARY, "serve", "--data", data_dir, "--listen",
                                   "127.0.0.1:0", "--threads", "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    int err = ::open(proc->log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (err >= 0) ::dup2(err, 2);
    auto argv = Argv(args);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  proc->pid_ = pid;
  // Wait for "listening on http://127.0.0.1:PORT".
  std::string buf;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{out[0], POLLIN, 0};
    if (::poll(&pfd, 1, 200) > 0) {
      char c[256];
      ssize_t n = ::read(out[0], c, sizeof c);
      if (n <= 0) break;
      buf.append(c, static_cast<std::size_t>(n));
      auto pos = buf.find("listening on http");
      auto eol = buf.find('\n', pos == std::string::npos ? 0 : pos);
      if (pos != std::string::npos && eol != std::string::npos) {
        proc->banner_ = buf.substr(0, pos);
        proc->url_ = buf.substr(pos + 13, eol - pos - 13);
        proc->port_ = static_cast<std::uint16_t>(std::stoi(proc->url_.substr(proc->url_.rfind(':') + 1)));
        // Keep the pipe drained in the background so the server never blocks on stdout.
        std::thread([fd = out[0]] {
          char sink[256];
          while (::read(fd, sink, sizeof sink) > 0) {
          }
          ::close(fd);
        }).detach();
        return proc;
      }
    }
    int status;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      proc->pid_ = -1;
      break;
    }
  }
  ::close(out[0]);
  ADD_FAILURE() << "dateline serve did not start; its log:\n" << proc->Log();
  return nullptr;
}

DatelineProcess::~DatelineProcess() {
  if (pid_ > 0) Kill9();
}

std::string DatelineProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int DatelineProcess::Terminate(int timeout_ms) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Kill9();
  return -1;
}

void DatelineProcess::Kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

int RunDateline(const std::vector<std::string>& extra, std::string* output,
                const std::string& input) {
  std::vector<std::string> args = {DATELINE_BINARY};
  args.insert(args.end(), extra.begin(), extra.end());
  ::signal(SIGPIPE, SIG_IGN);  // a child that exits early must not kill the test
  int out[2];
  int in[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(in, O_CLOEXEC) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    auto argv = Argv(args);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(in[0]);
  if (!input.empty() && ::write(in[1], input.data(), input.size()) < 0) {
    // The child exited without reading; its output says why.
  }
  ::close(in[1]);
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof buf)) > 0) {
    if (output) output->append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace dateline::testing
