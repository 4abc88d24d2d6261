#include "tests/support/net_client.h"

#include <mutex>
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace dateline::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {
std::mutex token_mu;
std::string default_token;
}  // namespace

void SetDefaultBearerToken(const std::string& token) {
  std::lock_guard lock(token_mu);
  default_token = token;
}

const std::string& DefaultBearerToken() {
  std::lock_guard lock(token_mu);
  return default_token;
}

HttpResult HttpRequest(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body, const std::string& content_type,
                       const HttpOptions& options) {
  HttpResult out;
  try {
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    if (options.default_token && !DefaultBearerToken().empty()) {
      req.set(http::field::authorization, "Bearer " + DefaultBearerToken());
    }
    for (const auto& [name, value] : options.headers) req.set(name, value);
    req.body() = body;
    req.prepare_payload();
    beast::error_code write_ec;
    http::write(stream, req, write_ec);  // the server may answer early (413) and stop reading
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 30);
    beast::error_code ec;
    http::read(stream, buf, parser, ec);
    if (ec) {
      out.error = ec.message() + (write_ec ? " (write: " + write_ec.message() + ")" : "");
      return out;
    }
    auto res = parser.release();
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
      if (name == "set-cookie") out.set_cookies.emplace_back(f.value());
    }
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

struct WsClient::Impl {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buf;
  bool closed = false;
  int close_code = 0;
  std::string close_reason;
  std::string error;
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}
WsClient::~WsClient() = default;

bool WsClient::Connect(std::uint16_t port, const std::string& target, int receive_buffer,
                       const HttpOptions& options) {
  try {
    auto& sock = beast::get_lowest_layer(impl_->ws).socket();
    sock.open(tcp::v4());
    if (receive_buffer > 0) sock.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    std::map<std::string, std::string> headers = options.headers;
    if (options.default_token && !DefaultBearerToken().empty() && !headers.count("Cookie")) {
      headers["Authorization"] = "Bearer " + DefaultBearerToken();
    }
    impl_->ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& r) {
      for (const auto& [name, value] : headers) r.set(name, value);
    }));
    impl_->ws.handshake("127.0.0.1:" + std::to_string(port), target);
    return true;
  } catch (const std::exception& e) {
    impl_->error = e.what();
    return false;
  }
}

std::optional<std::string> WsClient::Read(std::chrono::milliseconds timeout) {
  if (impl_->closed) return std::nullopt;
  impl_->buf.clear();
  beast::error_code result = asio::error::would_block;
  bool done = false;
  beast::get_lowest_layer(impl_->ws).expires_never();
  impl_->ws.async_read(impl_->buf, [&](beast::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  impl_->ioc.restart();
  impl_->ioc.run_for(timeout);
  if (!done) {
    // Timed out: cancel the read and let it finish, keeping the stream usable... as far as
    // Beast allows; tests treat a timeout as the end of this client.
    beast::get_lowest_layer(impl_->ws).cancel();
    impl_->ioc.restart();
    impl_->ioc.run();
    impl_->error = "timeout";
    impl_->closed = true;
    return std::nullopt;
  }
  if (result) {
    impl_->closed = true;
    impl_->close_code = impl_->ws.reason().code;
    impl_->close_reason = std::string(impl_->ws.reason().reason.c_str());
    impl_->error = result.message();
    return std::nullopt;
  }
  return beast::buffers_to_string(impl_->buf.data());
}

void WsClient::Close() {
  if (impl_->closed) return;
  beast::error_code ec;
  impl_->ws.close(websocket::close_code::normal, ec);
  impl_->closed = true;
}

bool WsClient::closed() const { return impl_->closed; }
int WsClient::close_code() const { return impl_->close_code; }
std::string WsClient::close_reason() const { return impl_->close_reason; }
const std::string& WsClient::error() const { return impl_->error; }

}  // namespace dateline::testing
