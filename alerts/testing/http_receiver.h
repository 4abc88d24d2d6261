// A small blocking HTTP/1.1 receiver on 127.0.0.1:<free port> for the webhook tests: one thread
// accepts, one thread per connection reads a request (headers + Content-Length body), records it
// and answers as the test's handler says: a status, after a delay, or never (until Stop).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace dateline::alerts::testing {

struct ReceivedRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::chrono::steady_clock::time_point at;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct Reply {
  int status = 200;
  int delay_ms = 0;
  bool never = false;  // read the request, then answer nothing until Stop
};

class HttpReceiver {
 public:
  // `handler` sees each request and its 0-based number among all requests received.
  explicit HttpReceiver(std::function<Reply(const ReceivedRequest&, int)> handler =
                            [](const ReceivedRequest&, int) { return Reply{}; })
      : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 64);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~HttpReceiver() { Stop(); }

  std::string Url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  void Stop() {
    if (stop_.exchange(true)) return;
    accept_thread_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      threads.swap(connections_);
    }
    for (std::thread& t : threads) t.join();
    ::close(fd_);
  }

  std::vector<ReceivedRequest> Requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

  // Waits until at least `n` requests arrived; false on timeout.
  bool WaitFor(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }

 private:
  // Waits for the socket to be readable, checking Stop every 20 ms.
  bool Readable(int fd) {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      const int rc = ::poll(&p, 1, 20);
      if (rc > 0) return true;
      if (rc < 0) return false;
    }
    return false;
  }

  void AcceptLoop() {
    while (Readable(fd_)) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      std::lock_guard lock(mu_);
      connections_.emplace_back([this, c] { Serve(c); });
    }
  }

  void Serve(int c) {
    std::string data;
    char buf[4096];
    std::size_t header_end = std::string::npos;
    std::size_t need = 0;
    while (true) {
      if (header_end == std::string::npos) header_end = data.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        need = header_end + 4 + ContentLength(data.substr(0, header_end));
        if (data.size() >= need) break;
      }
      if (!Readable(c)) {
        ::close(c);
        return;
      }
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) {
        ::close(c);
        return;
      }
      data.append(buf, static_cast<std::size_t>(n));
    }
    ReceivedRequest req = Parse(data.substr(0, header_end));
    req.body = data.substr(header_end + 4, need - header_end - 4);
    req.at = std::chrono::steady_clock::now();
    int index = 0;
    {
      std::lock_guard lock(mu_);
      index = static_cast<int>(requests_.size());
      requests_.push_back(req);
    }
    cv_.notify_all();
    const Reply reply = handler_(req, index);
    if (reply.never) {
      while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ::close(c);
      return;
    }
    if (reply.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(reply.delay_ms));
    const std::string body = "ok";
    const std::string out = "HTTP/1.1 " + std::to_string(reply.status) +
                            " X\r\nContent-Length: " + std::to_string(body.size()) +
                            "\r\nConnection: close\r\n\r\n" + body;
    (void)!::send(c, out.data(), out.size(), MSG_NOSIGNAL);
    ::close(c);
  }

  static std::size_t ContentLength(const std::string& head) {
    const ReceivedRequest r = Parse(head);
    const std::string v = r.Header("content-length");
    return v.empty() ? 0 : static_cast<std::size_t>(std::stoul(v));
  }

  static ReceivedRequest Parse(const std::string& head) {
    ReceivedRequest r;
    std::size_t pos = head.find("\r\n");
    const std::string line = head.substr(0, pos);
    const std::size_t sp1 = line.find(' ');
    const std::size_t sp2 = line.find(' ', sp1 + 1);
    r.method = line.substr(0, sp1);
    r.path = line.substr(sp1 + 1, sp2 - sp1 - 1);
    while (pos != std::string::npos) {
      const std::size_t start = pos + 2;
      pos = head.find("\r\n", start);
      const std::string h =
          head.substr(start, pos == std::string::npos ? std::string::npos : pos - start);
      const std::size_t colon = h.find(':');
      if (colon == std::string::npos) continue;
      std::string name = h.substr(0, colon);
      for (char& ch : name) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
      std::size_t v = colon + 1;
      while (v < h.size() && h[v] == ' ') ++v;
      r.headers[name] = h.substr(v);
    }
    return r;
  }

  std::function<Reply(const ReceivedRequest&, int)> handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ReceivedRequest> requests_;
  std::vector<std::thread> connections_;
  std::thread accept_thread_;
};

}  // namespace dateline::alerts::testing
