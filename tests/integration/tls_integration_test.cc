// HTTPS and WSS served directly with --tls-cert/--tls-key (a throwaway self-signed certificate),
// checked with the curl and openssl command-line clients.
#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/dateline_process.h"

namespace dateline::testing {
namespace {

std::string Shell(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

TEST(TlsIntegration, ServesHttpsWithSecureCookiesAndWss) {
  TempDir dir;
  const std::string cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
  Shell("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " + key +
      " -out " + cert + " 2>&1");
  ASSERT_TRUE(std::ifstream(cert).good()) << "openssl could not make a certificate";

  auto server = DatelineProcess::Serve(dir.path() + "/data", {"--tls-cert", cert, "--tls-key", key});
  ASSERT_TRUE(server);
  ASSERT_EQ(server->url().rfind("https://", 0), 0u) << server->url();
  EXPECT_EQ(server->Log().find("serving plain HTTP"), std::string::npos);
  const std::string base = server->url();

  EXPECT_NE(Shell("curl -sk " + base + "/healthz").find("\"status\":\"ok\""), std::string::npos);
  // Plain HTTP on the TLS port gets nothing.
  EXPECT_EQ(Shell("curl -s --max-time 5 http://127.0.0.1:" + std::to_string(server->port()) +
                "/healthz").find("\"status\""),
            std::string::npos);

  // Login over HTTPS: the cookies are Secure.
  const std::string headers = Shell(
      "curl -sk -D - -o /dev/null -H 'Content-Type: application/json' -d "
      "'{\"username\":\"test-admin\",\"password\":\"correct horse battery staple\"}' " +
      base + "/api/v1/auth/login");
  EXPECT_NE(headers.find("200"), std::string::npos) << headers;
  EXPECT_NE(headers.find("dateline_session="), std::string::npos) << headers;
  std::size_t secure = 0;
  for (std::size_t p = headers.find("Set-Cookie"); p != std::string::npos;
       p = headers.find("Set-Cookie", p + 1)) {
    const std::string line = headers.substr(p, headers.find('\n', p) - p);
    if (line.find("; Secure") != std::string::npos) ++secure;
  }
  EXPECT_EQ(secure, 2u) << headers;

  // WSS: the WebSocket upgrade succeeds over TLS with the API token.
  const std::string upgrade =
      "GET /api/v1/stream HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nUpgrade: websocket\\r\\n"
      "Connection: Upgrade\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n"
      "Sec-WebSocket-Version: 13\\r\\nAuthorization: Bearer " + AdminToken(dir.path() + "/data") +
      "\\r\\n\\r\\n";
  const std::string answer =
      Shell("(printf '" + upgrade + "'; sleep 1) | timeout 3 openssl s_client -quiet -connect 127.0.0.1:" +
          std::to_string(server->port()) + " 2>/dev/null");
  EXPECT_NE(answer.find("101 Switching Protocols"), std::string::npos) << answer;
}

}  // namespace
}  // namespace dateline::testing
