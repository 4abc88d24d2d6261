// DetectLanguage on real stories, and its English shortcut against CLD2.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "text/analyzer.h"
#include "text/language_id.h"
#include "text/test_data.h"

namespace dateline::text {
namespace {

TEST(LanguageCorpusTest, BbcStoriesAreEnglish) {
  const std::vector<std::string> stories = BbcStories();
  ASSERT_GE(stories.size(), 2000u) << "missing " DATELINE_SHARED_DATA "/bbc";
  for (const std::string& story : stories) {
    ASSERT_EQ(DetectLanguage(story), "en") << story.substr(0, 200);
  }
}

TEST(LanguageCorpusTest, ReutersStoriesAreEnglish) {
  const std::vector<std::string> bodies = ReutersBodies();
  ASSERT_GE(bodies.size(), 900u) << "missing " DATELINE_SHARED_DATA "/reuters21578";
  std::size_t english = 0;
  std::size_t und = 0;
  for (const std::string& body : bodies) {
    const std::string lang = DetectLanguage(body);
    english += lang == "en";
    und += lang == "und";
  }
  // A handful of bodies are tables of numbers and place names ("saudi arabia 3013.00 - 3023.00
  // france 1865.00"), where no language can be told; every story in prose is English.
  EXPECT_GE(english + und, bodies.size() - 2);
  EXPECT_GE(english, bodies.size() * 99 / 100);
}

TEST(LanguageCorpusTest, EnglishShortcutAgreesWithCld2) {
  std::vector<std::string> texts = ReutersBodies();
  for (std::string& story : BbcStories()) texts.push_back(std::move(story));
  ASSERT_GE(texts.size(), 2900u);
  std::size_t shortcut = 0;
  for (const std::string& text : texts) {
    if (LooksEnglish(text)) {
      ++shortcut;
      ASSERT_EQ(DetectLanguageWithCld2(text), "en") << text.substr(0, 200);
    }
  }
  EXPECT_GE(shortcut, texts.size() * 8 / 10);  // the shortcut answers most stories
}

TEST(LanguageCorpusTest, EnglishShortcutStaysOffOtherLanguages) {
  for (const char* text :
       {"Die Europäische Zentralbank hat den Leitzins am Donnerstag unverändert gelassen. Das "
        "teilte die Notenbank in Frankfurt mit. Die Inflation in der Eurozone war zuletzt "
        "deutlich gesunken, und die Wirtschaft wächst nur langsam. Was die Bank im Sommer tun "
        "will, ist offen.",
        "La Banque centrale européenne a laissé ses taux directeurs inchangés jeudi, a annoncé "
        "l'institution à Francfort. L'inflation dans la zone euro a nettement reculé ces "
        "derniers mois, et la croissance reste faible selon les économistes interrogés.",
        "De Europese Centrale Bank heeft de rente donderdag ongewijzigd gelaten, zo maakte de "
        "bank in Frankfurt bekend. De inflatie in de eurozone is de afgelopen maanden sterk "
        "gedaald en de economie groeit maar langzaam, zeggen economen van de banken.",
        "Den europeiske sentralbanken holdt renten uendret torsdag, opplyste banken i "
        "Frankfurt. Inflasjonen i eurosonen har falt kraftig de siste månedene, og veksten er "
        "svak, sier økonomer til nyhetsbyrået. Det er ventet at renten holdes for en tid."}) {
    EXPECT_FALSE(LooksEnglish(text)) << text;
    EXPECT_NE(DetectLanguage(text), "en") << text;
  }
}

}  // namespace
}  // namespace dateline::text
