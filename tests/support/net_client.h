// Blocking HTTP and WebSocket clients for integration tests (Boost.Beast, kept out of the tests).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dateline::testing {

struct HttpResult {
  int status = 0;             // 0 when the request failed at the network level
  std::string body;
  std::map<std::string, std::string> headers;  // lowercase names (the last one of each)
  std::vector<std::string> set_cookies;        // every Set-Cookie header
  std::string error;          // network error, if any
};

// The bearer token every request carries unless told otherwise (DatelineProcess::Serve sets an
// admin token for its server).
void SetDefaultBearerToken(const std::string& token);
const std::string& DefaultBearerToken();

struct HttpOptions {
  std::map<std::string, std::string> headers;  // extra request headers
  bool default_token = true;                   // send DefaultBearerToken() when set
};

HttpResult HttpRequest(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body = {}, const std::string& content_type = {},
                       const HttpOptions& options = {});
inline HttpResult HttpGet(std::uint16_t port, const std::string& target) {
  return HttpRequest(port, "GET", target);
}
inline HttpResult PostJson(std::uint16_t port, const std::string& body) {
  return HttpRequest(port, "POST", "/api/v1/stories", body, "application/json");
}

class WsClient {
 public:
  WsClient();
  ~WsClient();
  // Connects to ws://127.0.0.1:PORT/TARGET; false (and error()) when the handshake fails.
  // receive_buffer > 0 sets SO_RCVBUF (a small one makes a slow reader).
  bool Connect(std::uint16_t port, const std::string& target, int receive_buffer = 0,
               const HttpOptions& options = {});
  // The next text message, or nullopt on timeout or close (then closed() / close_code()).
  std::optional<std::string> Read(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void Close();
  bool closed() const;
  int close_code() const;
  std::string close_reason() const;
  const std::string& error() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dateline::testing
