#include "bench/search_queries.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "bench/bench_util.h"
#include "core/time_format.h"

namespace dateline::bench {
namespace {

constexpr std::int64_t kDayUs = 86'400'000'000LL;

std::uint64_t Next(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
std::size_t Below(std::uint64_t& rng, std::size_t n) {
  return static_cast<std::size_t>(Next(rng) % n);
}

// One real paragraph as words: the plain form ("" when not a plain word) and whether the
// surface word is exactly the plain word (no punctuation attached, so it can sit inside a phrase).
struct Word {
  std::uint32_t id = 0;  // into the plain vocabulary; 0 = not a plain word
  bool bare = false;
};

struct Vocabulary {
  std::vector<std::string> words{""};
  std::unordered_map<std::string, std::uint32_t> ids;
  std::vector<std::uint32_t> df{0};
  std::uint32_t Intern(const std::string& w) {
    auto [it, inserted] = ids.try_emplace(w, static_cast<std::uint32_t>(words.size()));
    if (inserted) {
      words.push_back(w);
      df.push_back(0);
    }
    return it->second;
  }
};

struct RealText {
  Vocabulary vocab;
  std::vector<std::vector<std::vector<Word>>> stories;  // story -> paragraph (headline first)
  std::vector<std::uint32_t> occurrences;                // every content-word token (frequency)
  std::vector<bool> content;                             // id -> not a stopword, df >= 5
};

void Split(std::string_view text, Vocabulary& v, std::vector<Word>& out) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && static_cast<unsigned char>(text[i]) <= ' ') ++i;
    std::size_t j = i;
    while (j < text.size() && static_cast<unsigned char>(text[j]) > ' ') ++j;
    if (j > i) {
      const std::string_view surface = text.substr(i, j - i);
      const std::string plain = PlainWord(surface);
      Word w;
      if (!plain.empty()) {
        w.id = v.Intern(plain);
        bool bare = surface.size() == plain.size();
        for (char ch : surface) bare &= (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
        w.bare = bare;
      }
      out.push_back(w);
    }
    i = j;
  }
}

RealText Analyse(const RealCorpus& real) {
  RealText t;
  t.stories.resize(real.stories.size());
  for (std::size_t k = 0; k < real.stories.size(); ++k) {
    const Story& s = real.stories[k];
    auto& paras = t.stories[k];
    paras.emplace_back();
    Split(s.headline, t.vocab, paras.back());
    for (const Block& b : s.body) {
      paras.emplace_back();
      Split(b.text, t.vocab, paras.back());
    }
    std::vector<std::uint32_t> seen;
    for (const auto& p : paras) {
      for (const Word& w : p) {
        if (w.id != 0) seen.push_back(w.id);
      }
    }
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    for (std::uint32_t id : seen) ++t.vocab.df[id];
  }
  t.content.resize(t.vocab.words.size());
  for (std::size_t id = 1; id < t.vocab.words.size(); ++id) {
    t.content[id] = t.vocab.df[id] >= 5 && t.vocab.words[id].size() >= 3 &&
                    !IsStopword(t.vocab.words[id]);
  }
  for (const auto& paras : t.stories) {
    for (const auto& p : paras) {
      for (const Word& w : p) {
        if (w.id != 0 && t.content[w.id]) t.occurrences.push_back(w.id);
      }
    }
  }
  if (t.occurrences.empty()) throw BenchError("the real corpus has no content words");
  return t;
}

// Distinct content words of story k.
std::vector<std::uint32_t> ContentWords(const RealText& t, std::size_t k) {
  std::vector<std::uint32_t> out;
  for (const auto& p : t.stories[k]) {
    for (const Word& w : p) {
      if (w.id != 0 && t.content[w.id]) out.push_back(w.id);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// `n` distinct content words of one random real story with at least `n` of them.
std::vector<std::string> WordsOfOneStory(const RealText& t, std::size_t n, std::uint64_t& rng) {
  for (int attempt = 0; attempt < 10000; ++attempt) {
    auto words = ContentWords(t, Below(rng, t.stories.size()));
    if (words.size() < n) continue;
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t j = i + Below(rng, words.size() - i);
      std::swap(words[i], words[j]);
      out.push_back(t.vocab.words[words[i]]);
    }
    return out;
  }
  throw BenchError("no real story has enough content words for a query");
}

std::vector<std::string> Phrase(const RealText& t, std::size_t n, std::uint64_t& rng) {
  for (int attempt = 0; attempt < 100000; ++attempt) {
    const auto& paras = t.stories[Below(rng, t.stories.size())];
    const auto& p = paras[Below(rng, paras.size())];
    if (p.size() < n) continue;
    const std::size_t at = Below(rng, p.size() - n + 1);
    bool ok = t.content[p[at].id] && t.content[p[at + n - 1].id];
    for (std::size_t i = 0; ok && i < n; ++i) {
      ok = p[at + i].id != 0 && (i + 1 == n || p[at + i].bare);
    }
    if (!ok) continue;
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(t.vocab.words[p[at + i].id]);
    return out;
  }
  throw BenchError("no phrase found in the real corpus");
}

std::vector<std::string> NearPair(const RealText& t, std::uint32_t distance, std::uint64_t& rng) {
  for (int attempt = 0; attempt < 100000; ++attempt) {
    const auto& paras = t.stories[Below(rng, t.stories.size())];
    const auto& p = paras[Below(rng, paras.size())];
    if (p.size() < 3) continue;
    const std::size_t a = Below(rng, p.size());
    const std::size_t b = a + 2 + Below(rng, distance - 1);  // 2..distance words apart
    if (b >= p.size()) continue;
    if (!t.content[p[a].id] || !t.content[p[b].id] || p[a].id == p[b].id) continue;
    return {t.vocab.words[p[a].id], t.vocab.words[p[b].id]};
  }
  throw BenchError("no NEAR pair found in the real corpus");
}

std::string Day(std::int64_t us) { return FormatRfc3339(us).substr(0, 10); }

}  // namespace

const char* QueryClassName(QueryClass c) {
  switch (c) {
    case QueryClass::kTerm: return "term";
    case QueryClass::kAnd: return "and";
    case QueryClass::kOr: return "or";
    case QueryClass::kPhrase: return "phrase";
    case QueryClass::kNear: return "near";
    case QueryClass::kFiltered: return "filtered";
  }
  return "?";
}

std::vector<BenchQuery> MakeQueries(const RealCorpus& real, const GeneratorOptions& corpus,
                                    std::size_t per_class, std::uint64_t seed) {
  const RealText t = Analyse(real);
  std::uint64_t rng = seed ^ 0x5EA7C4B3E9C1A2D1ULL;
  std::vector<BenchQuery> out;
  const std::int64_t days = std::max<std::int64_t>(1, corpus.span_us / kDayUs);
  for (std::size_t c = 0; c < kQueryClassCount; ++c) {
    for (std::size_t n = 0; n < per_class; ++n) {
      BenchQuery q;
      q.cls = static_cast<QueryClass>(c);
      switch (q.cls) {
        case QueryClass::kTerm:
          if (n % 2 == 0) {
            q.words = {t.vocab.words[t.occurrences[Below(rng, t.occurrences.size())]]};
          } else {
            q.words = WordsOfOneStory(t, 1, rng);
          }
          break;
        case QueryClass::kAnd:
          q.words = WordsOfOneStory(t, 2 + Below(rng, 2), rng);
          break;
        case QueryClass::kOr:
          q.words = WordsOfOneStory(t, 2 + Below(rng, 3), rng);
          break;
        case QueryClass::kPhrase:
          q.words = Phrase(t, Below(rng, 10) < 7 ? 2 : 3, rng);
          break;
        case QueryClass::kNear:
          q.distance = 5;
          q.words = NearPair(t, q.distance, rng);
          break;
        case QueryClass::kFiltered: {
          const std::size_t k = Below(rng, real.stories.size());
          std::string topic;
          for (const Tag& tag : real.stories[k].tags) {
            bool plain = tag.field == "topic" && !tag.value.empty();
            for (char ch : tag.value) plain &= (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
            if (plain) {
              topic = tag.value;
              break;
            }
          }
          auto words = ContentWords(t, k);
          if (words.empty()) {
            --n;
            continue;
          }
          q.words = {t.vocab.words[words[Below(rng, words.size())]]};
          if (n % 2 == 0 || topic.empty()) {
            const auto& sources = GeneratedSources();
            q.field = "source";
            q.value = sources[Below(rng, std::min<std::size_t>(5, sources.size()))];
          } else {
            q.field = "topic";
            q.value = topic;
          }
          const std::int64_t length = 7 + static_cast<std::int64_t>(Below(rng, 84));  // 1-12 weeks
          const std::int64_t first =
              static_cast<std::int64_t>(Below(rng, static_cast<std::size_t>(std::max<std::int64_t>(1, days - length))));
          q.from_us = corpus.start_us + first * kDayUs;
          q.to_us = q.from_us + length * kDayUs - 1;
          q.from_day = Day(q.from_us);
          q.to_day = Day(q.to_us);
          break;
        }
      }
      out.push_back(std::move(q));
    }
  }
  return out;
}

std::string ToDatelineQuery(const BenchQuery& q) {
  std::string s;
  auto join = [&](const char* op) {
    for (std::size_t i = 0; i < q.words.size(); ++i) {
      if (i > 0) s += op;
      s += q.words[i];
    }
  };
  switch (q.cls) {
    case QueryClass::kTerm:
      s = q.words.at(0);
      break;
    case QueryClass::kAnd:
      join(" AND ");
      break;
    case QueryClass::kOr:
      join(" OR ");
      break;
    case QueryClass::kPhrase:
      s = "\"";
      join(" ");
      s += "\"";
      break;
    case QueryClass::kNear:
      s = Format("\"%s\" NEAR/%u \"%s\"", q.words.at(0).c_str(), q.distance, q.words.at(1).c_str());
      break;
    case QueryClass::kFiltered:
      s = Format("%s %s:%s published:[%s TO %s]", q.words.at(0).c_str(), q.field.c_str(),
                 q.value.c_str(), q.from_day.c_str(), q.to_day.c_str());
      break;
  }
  return s;
}

}  // namespace dateline::bench
