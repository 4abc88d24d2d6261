#include "bench/bench_util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "ingest/reuters_sgml.h"
#include "ingest/story_json.h"

namespace dateline::bench {

namespace fs = std::filesystem;

std::string Format(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char buf[1024];
  int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return {};
  if (static_cast<std::size_t>(n) < sizeof buf) return std::string(buf, static_cast<std::size_t>(n));
  std::string out(static_cast<std::size_t>(n) + 1, '\0');
  va_start(ap, fmt);
  std::vsnprintf(out.data(), out.size(), fmt, ap);
  va_end(ap);
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Corpus LoadReuters(const std::string& dir, std::size_t max_files, std::size_t limit) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw BenchError("Reuters-21578 data folder not found: " + dir +
                     " (pass --data-dir DIR holding reut2-*.sgm)");
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("reut2-") && name.ends_with(".sgm")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw BenchError("no reut2-*.sgm files in " + dir);
  if (max_files > 0 && files.size() > max_files) files.resize(max_files);

  Corpus c;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) throw BenchError("cannot read " + f.string());
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    Status st = ParseReutersSgml(text, [&](Story s) {
      if (limit > 0 && c.stories.size() >= limit) return;
      c.stories.push_back(std::move(s));
    });
    if (!st.ok()) throw BenchError("cannot parse " + f.string() + ": " + st.message());
    ++c.files;
    if (limit > 0 && c.stories.size() >= limit) break;
  }
  c.lines.reserve(c.stories.size());
  for (const auto& s : c.stories) {
    c.lines.push_back(StoryToJson(s));
    c.json_bytes += c.lines.back().size() + 1;
  }
  return c;
}

TempDir::TempDir(const std::string& parent) {
  std::string base = parent;
  if (base.empty()) {
    const char* t = std::getenv("TMPDIR");
    base = t && *t ? t : "/tmp";
  }
  std::string tmpl = (fs::path(base) / "dateline-bench-XXXXXX").string();
  char* p = ::mkdtemp(tmpl.data());
  if (!p) throw BenchError("cannot create a temporary folder in " + base);
  path_ = p;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string RunTool(const std::string& binary, std::vector<std::string> args,
                    const std::string& input) {
  args.insert(args.begin(), binary);
  int out[2], in[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(in, O_CLOEXEC) != 0) throw BenchError("pipe failed");
  pid_t pid = ::fork();
  if (pid < 0) throw BenchError("fork failed");
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);  // its notes go into `output` (shown only on failure)
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(in[0]);
  if (!input.empty() && ::write(in[1], input.data(), input.size()) < 0) {
    // the tool exited early; its status says why
  }
  ::close(in[1]);
  std::string output;
  char buf[1024];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof buf)) > 0) output.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw BenchError("dateline " + args[1] + " failed: " + output);
  }
  return output;
}

std::string CreateToken(const std::string& binary, const std::string& data_dir, const std::string& user,
                        const std::vector<std::string>& scopes) {
  std::vector<std::string> args = {"token", "create", user, "--data", data_dir};
  for (const std::string& s : scopes) {
    args.push_back("--scope");
    args.push_back(s);
  }
  const std::string created = RunTool(binary, args, "");
  const auto at = created.find("dl_");
  if (at == std::string::npos) throw BenchError("no token in: " + created);
  return created.substr(at, created.find_first_of("\r\n ", at) - at);
}

ServerProcess::ServerProcess(const std::string& binary, const std::string& data_dir,
                             const std::vector<std::string>& extra,
                             const std::function<void(const std::string&)>& prepare) {
  log_path_ = data_dir + ".log";
  ::signal(SIGPIPE, SIG_IGN);
  RunTool(binary, {"user", "add", "bench", "--role", "admin", "--password-stdin", "--data", data_dir},
          "bench password, long enough\n");
  token_ = CreateToken(binary, data_dir, "bench", {"stories:read", "stories:write", "alerts", "admin"});
  if (prepare) prepare(data_dir);
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw BenchError("pipe failed");
  std::vector<std::string> args = {binary, "serve", "--data", data_dir, "--listen", "127.0.0.1:0"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw BenchError("fork failed");
  if (pid == 0) {
    ::dup2(out[1], 1);
    int err = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (err >= 0) ::dup2(err, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  pid_ = pid;
  stdout_fd_ = out[0];
  std::string buf;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    pollfd pfd{stdout_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 100) > 0) {
      char c[256];
      ssize_t n = ::read(stdout_fd_, c, sizeof c);
      if (n <= 0) break;
      buf.append(c, static_cast<std::size_t>(n));
      auto pos = buf.find("listening on http://");
      if (pos != std::string::npos) {
        auto eol = buf.find('\n', pos);
        if (eol != std::string::npos) {
          std::string url = buf.substr(pos + 13, eol - pos - 13);
          port_ = static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
          // Keep stdout drained so the server never blocks on it.
          std::thread([fd = stdout_fd_] {
            char sink[256];
            while (::read(fd, sink, sizeof sink) > 0) {
            }
            ::close(fd);
          }).detach();
          stdout_fd_ = -1;
          return;
        }
      }
    }
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
  }
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
  std::string log = Log();
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  throw BenchError("dateline serve did not start (" + binary + "); its log:\n" + log);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status;
    ::waitpid(pid_, &status, 0);
  }
  std::error_code ec;
  fs::remove(log_path_, ec);
}

std::uint64_t ServerProcess::PeakRssKiB() const {
  if (pid_ <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmHWM:")) return std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

double ServerProcess::CpuSeconds() const {
  if (pid_ <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {  // field 3 is the state; 14 utime, 15 stime
    if (i == 14) utime = std::strtoull(f.c_str(), nullptr, 10);
    if (i == 15) stime = std::strtoull(f.c_str(), nullptr, 10);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double ThreadCpuSeconds() {
  rusage ru{};
  ::getrusage(RUSAGE_THREAD, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int ServerProcess::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  int status = 0;
  while (Clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return -1;
}

std::string ServerProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void SortSample(std::vector<double>& v) { std::sort(v.begin(), v.end()); }

double Percentile(std::vector<double>& v, double q) {
  if (v.empty()) return std::nan("");
  std::size_t rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  if (rank == 0) rank = 1;
  if (rank > v.size()) rank = v.size();
  return v[rank - 1];
}

double Median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string HttpGetBody(std::uint16_t port, const std::string& target, const std::string& token) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  try {
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    req.keep_alive(false);
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    if (res.result_int() != 200) {
      throw BenchError("GET " + target + ": HTTP " + std::to_string(res.result_int()) + " " +
                       res.body());
    }
    return res.body();
  } catch (const boost::system::system_error& e) {
    throw BenchError("GET " + target + ": " + e.what());
  }
}

std::uint64_t RaiseFileLimit(std::uint64_t want) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
  if (rl.rlim_cur < want) {
    rl.rlim_cur = std::min<rlim_t>(want, rl.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &rl);
    ::getrlimit(RLIMIT_NOFILE, &rl);
  }
  return rl.rlim_cur;
}

std::string MachineDescription() {
  std::string model = "unknown";
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("model name")) {
      auto colon = line.find(':');
      if (colon != std::string::npos) model = line.substr(colon + 2);
      break;
    }
  }
  std::string mem;
  std::ifstream mi("/proc/meminfo");
  while (std::getline(mi, line)) {
    if (line.starts_with("MemTotal:")) {
      mem = Format("%.1f GiB", static_cast<double>(std::strtoull(line.c_str() + 9, nullptr, 10)) /
                                   (1024.0 * 1024.0));
      break;
    }
  }
  double load[3] = {0, 0, 0};
  ::getloadavg(load, 3);
  return Format("nproc=%ld, CPU: %s, RAM: %s, load average at start: %.2f %.2f %.2f",
                ::sysconf(_SC_NPROCESSORS_ONLN), model.c_str(), mem.c_str(), load[0], load[1],
                load[2]);
}

std::string FileSystemType(const std::string& path) {
  struct statfs sf {};
  if (::statfs(path.c_str(), &sf) != 0) return "unknown";
  switch (static_cast<unsigned long>(sf.f_type)) {
    case 0xEF53: return "ext4";
    case 0x01021994: return "tmpfs";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x794c7630: return "overlayfs";
    default: return Format("fs magic 0x%lx", static_cast<unsigned long>(sf.f_type));
  }
}

}  // namespace dateline::bench
