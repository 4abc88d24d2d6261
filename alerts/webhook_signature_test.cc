#include "alerts/webhook_signature.h"

#include <gtest/gtest.h>

namespace dateline::alerts {
namespace {

TEST(WebhookSignatureTest, HmacSha256MatchesRfc4231) {
  // RFC 4231, test case 2.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WebhookSignatureTest, HeaderSignsTimeDotBody) {
  const std::string body = R"({"type":"alert"})";
  const std::string header = SignatureHeader("whsec_k", 1767225600, body);
  EXPECT_EQ(header, "t=1767225600,v1=" + HmacSha256Hex("whsec_k", "1767225600." + body));
  EXPECT_TRUE(VerifySignatureHeader(header, "whsec_k", body, 1767225600));
  EXPECT_TRUE(VerifySignatureHeader(header, "whsec_k", body, 1767225600 + 300));
  EXPECT_FALSE(VerifySignatureHeader(header, "whsec_k", body, 1767225600 + 301)) << "replayed";
  EXPECT_FALSE(VerifySignatureHeader(header, "other", body, 1767225600)) << "wrong secret";
  EXPECT_FALSE(VerifySignatureHeader(header, "whsec_k", body + " ", 1767225600)) << "body changed";
  EXPECT_FALSE(VerifySignatureHeader("t=1767225600", "whsec_k", body, 1767225600));
  EXPECT_FALSE(VerifySignatureHeader("", "whsec_k", body, 1767225600));
}

TEST(WebhookSignatureTest, GeneratedSecretsAreLongAndDistinct) {
  const std::string a = GenerateWebhookSecret();
  const std::string b = GenerateWebhookSecret();
  EXPECT_EQ(a.size(), 6u + 48u);
  EXPECT_EQ(a.substr(0, 6), "whsec_");
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace dateline::alerts
