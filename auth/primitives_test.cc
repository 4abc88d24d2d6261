// Tests of the pure parts of auth: encodings, TOTP/HOTP (RFC vectors), password hashing and
// policy, credentials formats, scopes and QR rendering.
#include <sodium.h>

#include <string>

#include <gtest/gtest.h>

#include "auth/credentials.h"
#include "auth/encoding.h"
#include "auth/password_hash.h"
#include "auth/principal.h"
#include "auth/qr_svg.h"
#include "auth/secrets.h"
#include "auth/totp.h"

namespace dateline {
namespace {

TEST(Base32, Rfc4648Vectors) {
  const std::pair<std::string, std::string> kCases[] = {
      {"", ""},          {"f", "MY"},           {"fo", "MZXQ"},          {"foo", "MZXW6"},
      {"foob", "MZXW6YQ"}, {"fooba", "MZXW6YTB"}, {"foobar", "MZXW6YTBOI"},
  };
  for (const auto& [plain, enc] : kCases) {
    EXPECT_EQ(Base32Encode(plain), enc);
    auto dec = Base32Decode(enc);
    ASSERT_TRUE(dec.ok()) << enc;
    EXPECT_EQ(*dec, plain);
  }
}

TEST(Base32, DecodeIsLenientAboutCaseSpacesAndPadding) {
  auto dec = Base32Decode("mzxw 6ytb oi======");
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ(*dec, "foobar");
}

TEST(Base32, DecodeRejectsBadInput) {
  for (const char* bad : {"MZXW6YTB0I", "M", "MZX", "MZXW6Y", "MZ!", "MZ=XQ", "MF"}) {
    auto dec = Base32Decode(bad);
    EXPECT_FALSE(dec.ok()) << bad;
    if (!dec.ok()) {
      EXPECT_EQ(dec.status().field(), "secret");
    }
  }
}

TEST(Base32, RoundTripsRandomSecrets) {
  for (int i = 0; i < 50; ++i) {
    std::string secret = RandomBytes(static_cast<std::size_t>(i));
    auto dec = Base32Decode(Base32Encode(secret));
    ASSERT_TRUE(dec.ok());
    EXPECT_EQ(*dec, secret);
  }
}

TEST(Encoding, Base64UrlAndHex) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(HexEncode("\x01\xab"), "01ab");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hotp, Rfc4226AppendixD) {
  const std::string key = "12345678901234567890";
  const char* kExpected[] = {"755224", "287082", "359152", "969429", "338314",
                             "254676", "287922", "162583", "399871", "520489"};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(Hotp(key, static_cast<std::uint64_t>(i), 6), kExpected[i]) << i;
}

TEST(Totp, Rfc6238AppendixB) {
  const std::string sha1 = "12345678901234567890";
  const std::string sha256 = "12345678901234567890123456789012";
  const std::string sha512 =
      "1234567890123456789012345678901234567890123456789012345678901234";
  struct Row {
    std::int64_t t;
    const char* sha1;
    const char* sha256;
    const char* sha512;
  };
  const Row kRows[] = {
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000LL, "65353130", "77737706", "47863826"},
  };
  for (const Row& r : kRows) {
    EXPECT_EQ(TotpAt(sha1, r.t, {TotpAlgorithm::kSha1, 8, 30}), r.sha1) << r.t;
    EXPECT_EQ(TotpAt(sha256, r.t, {TotpAlgorithm::kSha256, 8, 30}), r.sha256) << r.t;
    EXPECT_EQ(TotpAt(sha512, r.t, {TotpAlgorithm::kSha512, 8, 30}), r.sha512) << r.t;
  }
  // The 6-digit form is the last six digits.
  EXPECT_EQ(TotpAt(sha1, 59), "287082");
}

TEST(Totp, StepsAndParsing) {
  EXPECT_EQ(TotpStep(59), 1);
  EXPECT_EQ(TotpStep(60), 2);
  EXPECT_EQ(TotpStep(-5), 0);
  EXPECT_EQ(ParseTotpCode("123456"), "123456");
  EXPECT_EQ(ParseTotpCode("123 456"), "123456");
  EXPECT_EQ(ParseTotpCode("123-456"), "123456");
  EXPECT_EQ(ParseTotpCode("12345678", 8), "12345678");
  EXPECT_FALSE(ParseTotpCode("12345"));
  EXPECT_FALSE(ParseTotpCode("1234567"));
  EXPECT_FALSE(ParseTotpCode("12345a"));
  EXPECT_FALSE(ParseTotpCode(""));
  EXPECT_FALSE(ParseTotpCode("１２３４５６"));  // full-width digits are not digits here
}

TEST(Totp, VerifyWindowAndReplay) {
  const std::string key = "12345678901234567890";
  const std::int64_t t = 1111111111;
  const std::int64_t step = TotpStep(t);
  // Current, previous and next step are accepted; two steps away is not.
  EXPECT_EQ(VerifyTotp(key, TotpAt(key, t), t, -1), step);
  EXPECT_EQ(VerifyTotp(key, TotpAt(key, t - 30), t, -1), step - 1);
  EXPECT_EQ(VerifyTotp(key, TotpAt(key, t + 30), t, -1), step + 1);
  EXPECT_FALSE(VerifyTotp(key, TotpAt(key, t - 60), t, -1));
  EXPECT_FALSE(VerifyTotp(key, TotpAt(key, t + 60), t, -1));
  // Replay: a code at or before the last accepted step is refused.
  EXPECT_FALSE(VerifyTotp(key, TotpAt(key, t), t, step));
  EXPECT_FALSE(VerifyTotp(key, TotpAt(key, t - 30), t, step));
  EXPECT_EQ(VerifyTotp(key, TotpAt(key, t + 30), t, step), step + 1);
  EXPECT_FALSE(VerifyTotp("other-key-other-key!", TotpAt(key, t), t, -1));
}

TEST(Totp, OtpauthUri) {
  EXPECT_EQ(OtpauthUri("alice", "JBSWY3DPEHPK3PXP"),
            "otpauth://totp/Dateline:alice?secret=JBSWY3DPEHPK3PXP&issuer=Dateline"
            "&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(OtpauthUri("a b", "X", {TotpAlgorithm::kSha256, 8, 30}),
            "otpauth://totp/Dateline:a%20b?secret=X&issuer=Dateline&algorithm=SHA256&digits=8"
            "&period=30");
  EXPECT_EQ(GenerateTotpSecret().size(), 20u);
}

TEST(PasswordHash, DefaultCostIsOwaspMinimum) {
  auto h = HashPassword("correct horse battery staple");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *h;
  EXPECT_TRUE(VerifyPassword(*h, "correct horse battery staple"));
  EXPECT_FALSE(NeedsRehash(*h));
  EXPECT_TRUE(NeedsRehash(*h, PasswordHashCost::Minimum()));
}

TEST(PasswordHash, VerifyAndRehash) {
  const auto cost = PasswordHashCost::Minimum();
  auto h = HashPassword("tr0ub4dor&3-but-longer", cost);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(VerifyPassword(*h, "tr0ub4dor&3-but-longer"));
  EXPECT_FALSE(VerifyPassword(*h, "tr0ub4dor&3-but-longeR"));
  EXPECT_FALSE(VerifyPassword(*h, ""));
  EXPECT_FALSE(VerifyPassword("", "x"));
  EXPECT_FALSE(VerifyPassword("$argon2id$garbage", "x"));
  EXPECT_FALSE(NeedsRehash(*h, cost));
  EXPECT_TRUE(NeedsRehash(*h));
  EXPECT_TRUE(NeedsRehash("$2b$10$bcrypthash", cost));
  auto h2 = HashPassword("tr0ub4dor&3-but-longer", cost);
  ASSERT_TRUE(h2.ok());
  EXPECT_NE(*h, *h2);  // fresh salt each time
}

TEST(PasswordPolicy, Rules) {
  EXPECT_TRUE(CheckPasswordPolicy("a perfectly fine passphrase", "alice").ok());
  auto expect_bad = [](std::string_view pw, std::string_view user, std::string_view why) {
    Status s = CheckPasswordPolicy(pw, user);
    ASSERT_FALSE(s.ok()) << pw;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.field(), "password");
    EXPECT_NE(s.message().find(why), std::string::npos) << s.message();
  };
  expect_bad("short", "alice", "too short");
  expect_bad("elevenchars", "alice", "too short");
  expect_bad(std::string(1025, 'x'), "alice", "too long");
  expect_bad("valid-length-\xff\xfe", "alice", "UTF-8");
  expect_bad("password1234", "alice", "common");
  expect_bad("PassWordPassWord", "alice", "common");
  expect_bad("QWERTY123456", "alice", "common");
  expect_bad("1q2w3e4r5t6y", "alice", "common");
  expect_bad("Administrator", "alice", "common");
  expect_bad("Robert.Tables42", "robert.tables42", "username");
  // Code points, not bytes: twelve 2-byte characters pass, eleven do not.
  std::string twelve, eleven;
  for (int i = 0; i < 12; ++i) twelve += "\xc3\xa9";
  for (int i = 0; i < 11; ++i) eleven += "\xc3\xa9";
  EXPECT_TRUE(CheckPasswordPolicy(twelve, "alice").ok());
  EXPECT_FALSE(CheckPasswordPolicy(eleven, "alice").ok());
  // The minimum is an option; common passwords are refused whatever the length rule.
  PasswordPolicy lax{4, 1024};
  EXPECT_TRUE(CheckPasswordPolicy("zebra", "alice", lax).ok());
  EXPECT_FALSE(CheckPasswordPolicy("letmein", "alice", lax).ok());
  EXPECT_FALSE(CheckPasswordPolicy("123456", "alice", lax).ok());
}

TEST(CommonPasswords, ListIsLargeAndCaseInsensitive) {
  int found = 0;
  for (const char* p : {"123456", "password", "qwerty123", "letmein", "iloveyou", "monkey",
                        "dragon", "trustno1", "LetMeIn", "P@SSW0RD", "welcome", "admin"}) {
    found += IsCommonPassword(p) ? 1 : 0;
  }
  EXPECT_EQ(found, 12);
  EXPECT_FALSE(IsCommonPassword("a perfectly fine passphrase"));
}

TEST(Credentials, Formats) {
  std::string session = NewSessionToken();
  EXPECT_EQ(session.size(), 43u);
  EXPECT_TRUE(LooksLikeSessionToken(session));
  EXPECT_NE(session, NewSessionToken());
  std::string token = NewApiToken();
  EXPECT_EQ(token.size(), 46u);
  EXPECT_EQ(token.rfind("dl_", 0), 0u);
  EXPECT_TRUE(ParseApiToken(token));
  EXPECT_FALSE(ParseApiToken(session));
  EXPECT_FALSE(ParseApiToken("dl_" + session.substr(1)));
  EXPECT_FALSE(ParseApiToken("dl_" + session.substr(1) + "="));
  EXPECT_FALSE(ParseApiToken(" " + token.substr(1)));

  std::string code = NewRecoveryCode();
  ASSERT_EQ(code.size(), 14u);
  EXPECT_EQ(code[4], '-');
  EXPECT_EQ(code[9], '-');
  EXPECT_EQ(NormalizeRecoveryCode(code), code);
  EXPECT_EQ(NormalizeRecoveryCode("ABCD EFGH JKMN"), "abcd-efgh-jkmn");
  EXPECT_EQ(NormalizeRecoveryCode("abcdefghjkmn"), "abcd-efgh-jkmn");
  EXPECT_FALSE(NormalizeRecoveryCode("abcd-efgh-jkm"));
  EXPECT_FALSE(NormalizeRecoveryCode("abcd-efgh-jkml"));  // 'l' is not in the alphabet
  EXPECT_FALSE(NormalizeRecoveryCode("abcd-efgh-jkmn-p"));
}

TEST(Scopes, RolesAndTokens) {
  EXPECT_EQ(ParseScopes("stories:read, alerts"),
            static_cast<ScopeSet>(static_cast<ScopeSet>(Scope::kStoriesRead) |
                                  static_cast<ScopeSet>(Scope::kAlerts)));
  EXPECT_FALSE(ParseScopes("stories:read root"));
  EXPECT_EQ(ScopesToString(kAllScopes), "stories:read stories:write alerts admin");
  Principal reader;
  reader.role = Role::kReader;
  EXPECT_TRUE(HasScope(reader, Scope::kStoriesRead));
  EXPECT_TRUE(HasScope(reader, Scope::kAlerts));
  EXPECT_FALSE(HasScope(reader, Scope::kStoriesWrite));
  EXPECT_FALSE(HasScope(reader, Scope::kAdmin));
  Principal editor = reader;
  editor.role = Role::kEditor;
  EXPECT_TRUE(HasScope(editor, Scope::kStoriesWrite));
  EXPECT_FALSE(HasScope(editor, Scope::kAdmin));
  Principal admin = reader;
  admin.role = Role::kAdmin;
  EXPECT_TRUE(HasScope(admin, Scope::kAdmin));
  admin.must_change_password = true;
  EXPECT_FALSE(HasScope(admin, Scope::kStoriesRead));
  Principal token = editor;
  token.via_token = true;
  token.scopes = static_cast<ScopeSet>(Scope::kStoriesRead);
  EXPECT_TRUE(HasScope(token, Scope::kStoriesRead));
  EXPECT_FALSE(HasScope(token, Scope::kStoriesWrite));
}

TEST(QrSvg, RendersStandaloneSvgThatGrowsWithInput) {
  auto small = QrSvg("otpauth://totp/Dateline:a?secret=AAAA");
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(small->rfind("<?xml version=\"1.0\"", 0), 0u);
  EXPECT_NE(small->find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_NE(small->find("<path fill=\"#000\" d=\"M"), std::string::npos);
  EXPECT_NE(small->find("</svg>"), std::string::npos);
  // Version 1 is 21 modules + 2 * 4 quiet zone = 29 (this input needs a larger version).
  auto big = QrSvg(std::string(600, 'x'));
  ASSERT_TRUE(big.ok());
  EXPECT_GT(big->size(), small->size());
  auto tiny = QrSvg("a");
  ASSERT_TRUE(tiny.ok());
  EXPECT_NE(tiny->find("viewBox=\"0 0 29 29\""), std::string::npos);
  EXPECT_FALSE(QrSvg(std::string(5000, 'x')).ok());
}

}  // namespace
}  // namespace dateline
