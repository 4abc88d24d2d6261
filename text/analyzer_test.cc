#include "text/analyzer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dateline::text {
namespace {

std::vector<Token> Tokens(std::string_view text) {
  std::vector<Token> out;
  std::uint32_t next = 0;
  Tokenize(text, out, &next);
  return out;
}

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  for (const Token& t : Tokens(text)) words.push_back(t.exact);
  return words;
}

using W = std::vector<std::string>;

// --- Fold ---

TEST(FoldTest, AsciiIsLowerCased) {
  EXPECT_EQ(Fold("Rates ROSE 3.5% in Q1"), "rates rose 3.5% in q1");
  EXPECT_EQ(Fold(""), "");
}

TEST(FoldTest, AsciiFastPathAgreesWithIcu) {
  // A non-ASCII character sends the string through ICU; the ASCII part must fold the same.
  for (int c = 0; c < 128; ++c) {
    const std::string ascii(1, static_cast<char>(c));
    EXPECT_EQ(Fold(ascii + "é"), Fold(ascii) + "é") << c;
  }
  EXPECT_EQ(Fold("THE U.S. RATE é"), "the u.s. rate é");
}

TEST(FoldTest, NfkcCasefold) {
  EXPECT_EQ(Fold("ＡＢＣ"), "abc");      // fullwidth
  EXPECT_EQ(Fold("Straße"), "strasse");  // ß folds to ss
  EXPECT_EQ(Fold("ÉCOLE Über"), "école über");
  EXPECT_EQ(Fold("e\xCC\x81"), "é");     // e + combining acute composes
  EXPECT_EQ(Fold("ﬁnance"), "finance");  // ligature
  EXPECT_EQ(Fold("ＭＯＳＣＯＷ Москва"), "moscow москва");
  EXPECT_EQ(Fold("ｶﾀｶﾅ"), "カタカナ");  // halfwidth katakana
}

TEST(FoldTest, TypographicApostrophesBecomeAscii) {
  EXPECT_EQ(Fold("Japan\u2019s"), "japan's");
  EXPECT_EQ(Fold("Japan\u02BCs"), "japan's");
  EXPECT_EQ(Fold("\u2018quoted\u2019 caf\u00E9\u2019s"), "\u2018quoted' caf\u00E9's");
  std::vector<Token> tokens;
  std::uint32_t next = 0;
  Tokenize("Japan\u2019s navy", tokens, &next);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].exact, "japan's");
  EXPECT_EQ(Stem(tokens[0].exact, "en"), "japan");
}

TEST(FoldTest, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(Fold("A\xFF"
                 "B"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(Fold("\xC3"), "\xEF\xBF\xBD");  // truncated at the end: not read past
  EXPECT_EQ(Fold("\xED\xA0\x80x"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDx");  // surrogate
}

// --- Tokenize ---

TEST(TokenizeTest, NewsCasesFollowUax29) {
  EXPECT_EQ(Words("The U.S. economy"), (W{"the", "u.s", "economy"}));
  EXPECT_EQ(Words("Japan's exports"), (W{"japan's", "exports"}));
  EXPECT_EQ(Words("rose 3.5% to 1,000 dlrs"), (W{"rose", "3.5", "to", "1,000", "dlrs"}));
  EXPECT_EQ(Words("e-mail"), (W{"e", "mail"}));
  EXPECT_EQ(Words("  --  ... $ % "), W{});
  EXPECT_EQ(Words("foo_bar ___ _x1"), (W{"foo_bar", "_x1"}));
  EXPECT_EQ(Words("'quoted' end."), (W{"quoted", "end"}));
  EXPECT_EQ(Words("1987/88 Q3"), (W{"1987", "88", "q3"}));
}

TEST(TokenizeTest, OffsetsPointAtTheOriginalWord) {
  const std::string text = "BONN, March 3 - Die Straße über ＡＢＣ; Japan's \"U.S.\" 日本銀行";
  std::vector<Token> tokens = Tokens(text);
  ASSERT_GE(tokens.size(), 10u);
  for (const Token& t : tokens) {
    ASSERT_LT(t.begin, t.end);
    ASSERT_LE(t.end, text.size());
    EXPECT_EQ(Fold(text.substr(t.begin, t.end - t.begin)), t.exact);
  }
  EXPECT_EQ(text.substr(tokens[0].begin, tokens[0].end - tokens[0].begin), "BONN");
  EXPECT_EQ(tokens[4].exact, "strasse");
  EXPECT_EQ(text.substr(tokens[4].begin, tokens[4].end - tokens[4].begin), "Straße");
}

TEST(TokenizeTest, PositionsContinueFromNextPosition) {
  std::vector<Token> out;
  std::uint32_t next = 7;
  Tokenize("Fed raises rates", out, &next);
  Tokenize("über — 日本銀行", out, &next);
  ASSERT_EQ(out.size(), 6u);
  for (std::size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i].position, 7 + i);
  EXPECT_EQ(next, 13u);
}

TEST(TokenizeTest, LatinWithAccents) {
  EXPECT_EQ(Words("Nestlé's café, Müller-Straße. GROẞ"),
            (W{"nestlé's", "café", "müller", "strasse", "gross"}));
  EXPECT_EQ(Words("ＡＢＣ Corp"), (W{"abc", "corp"}));
}

TEST(TokenizeTest, JapaneseUsesDictionaryWords) {
  const W words = Words("日本銀行は金融政策を決定した");
  auto has = [&](const std::string& w) {
    return std::find(words.begin(), words.end(), w) != words.end();
  };
  EXPECT_TRUE(has("日本")) << ::testing::PrintToString(words);
  EXPECT_TRUE(has("銀行")) << ::testing::PrintToString(words);
  EXPECT_TRUE(has("金融")) << ::testing::PrintToString(words);
  EXPECT_TRUE(has("政策")) << ::testing::PrintToString(words);
  EXPECT_GE(words.size(), 6u);
}

TEST(TokenizeTest, ChineseUsesDictionaryWords) {
  const W words = Words("中国人民银行宣布降息。");
  auto has = [&](const std::string& w) {
    return std::find(words.begin(), words.end(), w) != words.end();
  };
  EXPECT_TRUE(has("银行") || has("人民银行")) << ::testing::PrintToString(words);
  EXPECT_TRUE(has("宣布")) << ::testing::PrintToString(words);
  for (const std::string& w : words) EXPECT_NE(w, "。");
}

TEST(TokenizeTest, CyrillicAndGreek) {
  EXPECT_EQ(Words("Банк России повысил ставку"), (W{"банк", "россии", "повысил", "ставку"}));
  EXPECT_EQ(Words("ΚΕΝΤΡΙΚΉ Τράπεζα"), (W{"κεντρική", "τράπεζα"}));
}

TEST(TokenizeTest, InvalidUtf8IsASeparator) {
  const std::string text =
      "abc\xFF"
      "def caf\xC3 \xE6\x97\xA5\xE6\x9C"
      "x \xF0\x9F\x98";
  std::vector<Token> tokens = Tokens(text);
  EXPECT_EQ(Words(text), (W{"abc", "def", "caf", "日", "x"}));
  for (const Token& t : tokens) ASSERT_LE(t.end, text.size());
  EXPECT_EQ(Words(std::string("\xC3")), W{});
  EXPECT_EQ(Words(std::string("a\0b", 3)), (W{"a", "b"}));
  EXPECT_EQ(Words("\xE3\x85\xA4 x"), W{"x"});  // U+3164 folds to nothing: no empty word
}

// --- Stem ---

TEST(StemTest, English) {
  EXPECT_EQ(Stem("rates", "en"), "rate");
  EXPECT_EQ(Stem("rate", "en"), "rate");
  EXPECT_EQ(Stem("inflation", "en"), Stem("inflations", "en"));
  EXPECT_EQ(Stem("inflation", "en"), Stem("inflated", "en"));
  // Snowball's English stemmer keeps the adjective apart ("inflationari"); a query for either
  // form therefore does not match the other through stemming.
  EXPECT_EQ(Stem("inflationary", "en"), "inflationari");
  EXPECT_EQ(Stem("raising", "en"), Stem("raised", "en"));
  EXPECT_NE(Stem("bank", "en"), Stem("banana", "en"));
}

TEST(StemTest, OtherLanguages) {
  EXPECT_EQ(Stem("häuser", "de"), "haus");
  EXPECT_EQ(Stem("banken", "de"), "bank");
  EXPECT_EQ(Stem("wirtschaftlichen", "de"), Stem("wirtschaftlich", "de"));
  EXPECT_EQ(Stem("économiques", "fr"), Stem("économique", "fr"));
  EXPECT_EQ(Stem("ставки", "ru"), Stem("ставка", "ru"));
}

TEST(StemTest, EveryMappedLanguageHasAWorkingStemmer) {
  for (const char* lang :
       {"ar", "ca", "da", "de", "el", "en", "es", "eu", "fi", "fr", "ga", "hi", "hu", "hy", "id",
        "it", "lt", "nb", "ne", "nl", "nn", "no", "pt", "ro", "ru", "sr", "sv", "ta", "tr", "yi"}) {
    EXPECT_TRUE(HasStemmer(lang)) << lang;
  }
  // A stemmer that failed to load would give the word back unchanged.
  EXPECT_EQ(Stem("bankerna", "sv"), "bank");
  EXPECT_EQ(Stem("bancos", "es"), "banc");
  EXPECT_EQ(Stem("banche", "it"), "banc");
  EXPECT_EQ(Stem("bancos", "pt"), "banc");
  EXPECT_EQ(Stem("banken", "nl"), "bank");
  EXPECT_EQ(Stem("bankene", "no"), "bank");
  EXPECT_EQ(Stem("bankerne", "da"), "bank");
  EXPECT_EQ(Stem("pankit", "fi"), "pank");
}

TEST(StemTest, IdentityWithoutStemmer) {
  EXPECT_FALSE(HasStemmer("ja"));
  EXPECT_FALSE(HasStemmer(""));
  EXPECT_FALSE(HasStemmer("und"));
  EXPECT_FALSE(HasStemmer("EN"));  // codes are lower-case (PrimaryLanguage)
  EXPECT_EQ(Stem("銀行", "ja"), "銀行");
  EXPECT_EQ(Stem("rates", "und"), "rates");
  EXPECT_EQ(Stem("", "en"), "");
  EXPECT_EQ(Stem("ab\xFF", "en"), "ab\xFF");
}

// --- Language ---

TEST(LanguageTest, PrimaryLanguage) {
  EXPECT_EQ(PrimaryLanguage("en-GB"), "en");
  EXPECT_EQ(PrimaryLanguage("EN"), "en");
  EXPECT_EQ(PrimaryLanguage("zh_Hant_TW"), "zh");
  EXPECT_EQ(PrimaryLanguage(""), "");
}

TEST(LanguageTest, ShortParagraphs) {
  EXPECT_EQ(DetectLanguage("The Federal Reserve left interest rates unchanged on Wednesday, "
                           "saying the economy continued to grow at a moderate pace."),
            "en");
  EXPECT_EQ(DetectLanguage("Die Europäische Zentralbank hat den Leitzins am Donnerstag "
                           "unverändert gelassen, teilte die Notenbank in Frankfurt mit."),
            "de");
  EXPECT_EQ(DetectLanguage("La Banque centrale européenne a laissé ses taux directeurs "
                           "inchangés jeudi, a annoncé l'institution à Francfort."),
            "fr");
  EXPECT_EQ(DetectLanguage("El Banco Central Europeo mantuvo sin cambios los tipos de interés "
                           "este jueves, según informó la entidad en Fráncfort."),
            "es");
  EXPECT_EQ(DetectLanguage("La Banca centrale europea ha lasciato invariati i tassi di "
                           "interesse giovedì, ha comunicato l'istituto a Francoforte."),
            "it");
  EXPECT_EQ(DetectLanguage("Центральный банк России в пятницу сохранил ключевую ставку на "
                           "прежнем уровне, сообщил регулятор."),
            "ru");
  EXPECT_EQ(DetectLanguage(
                "日本銀行は金融政策決定会合で、短期金利をマイナス０．１％に据え置くことを決めた。"),
            "ja");
  EXPECT_EQ(DetectLanguage("中国人民银行周五宣布下调存款准备金率，以支持实体经济发展。"), "zh");
  EXPECT_EQ(DetectLanguage("中國人民銀行週五宣布下調存款準備金率，以支持實體經濟發展。"), "zh");
}

TEST(LanguageTest, UndeterminedWhenTooShort) {
  EXPECT_EQ(DetectLanguage(""), "und");
  EXPECT_EQ(DetectLanguage("   \n "), "und");
  EXPECT_EQ(DetectLanguage("OK"), "und");
  EXPECT_EQ(DetectLanguage("12,345.67 -- 8.9%"), "und");
  EXPECT_EQ(DetectLanguage("\xFF\xFE\xC3"), "und");
}

}  // namespace
}  // namespace dateline::text
