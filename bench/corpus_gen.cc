#include "bench/corpus_gen.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <utility>

#include "bench/bench_util.h"
#include "ingest/bbc_text.h"
#include "ingest/reuters_sgml.h"

namespace dateline::bench {
namespace fs = std::filesystem;

namespace {

std::uint64_t SplitMix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Uniform in [0, n), n > 0.
std::uint64_t Below(std::uint64_t& rng, std::uint64_t n) { return SplitMix(rng) % n; }

template <typename F>
void ForEachWord(std::string_view text, F&& f) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && static_cast<unsigned char>(text[i]) <= ' ') ++i;
    std::size_t j = i;
    while (j < text.size() && static_cast<unsigned char>(text[j]) > ' ') ++j;
    if (j > i) f(text.substr(i, j - i));
    i = j;
  }
}

// The sources of generated stories and their shares (percent).
constexpr std::array<std::pair<const char*, int>, 8> kSources = {{{"reuters", 30},
                                                                  {"bloomberg", 20},
                                                                  {"dowjones", 15},
                                                                  {"bbc", 10},
                                                                  {"ap", 10},
                                                                  {"afp", 8},
                                                                  {"nikkei", 4},
                                                                  {"ft", 3}}};

}  // namespace

const std::vector<std::string>& GeneratedSources() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> v;
    for (const auto& [name, share] : kSources) v.emplace_back(name);
    return v;
  }();
  return kNames;
}

RealCorpus LoadRealCorpus(const std::string& reuters_dir, const std::string& bbc_dir,
                          std::size_t max_reuters_files) {
  RealCorpus c;
  std::error_code ec;
  if (!fs::is_directory(reuters_dir, ec)) {
    throw BenchError("Reuters-21578 data folder not found: " + reuters_dir +
                     " (pass --data-dir DIR holding reut2-*.sgm)");
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(reuters_dir)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("reut2-") && name.ends_with(".sgm")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw BenchError("no reut2-*.sgm files in " + reuters_dir);
  if (max_reuters_files > 0 && files.size() > max_reuters_files) files.resize(max_reuters_files);
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) throw BenchError("cannot read " + f.string());
    std::stringstream ss;
    ss << in.rdbuf();
    Status st = ParseReutersSgml(ss.str(), [&](Story s) { c.stories.push_back(std::move(s)); });
    if (!st.ok()) throw BenchError("cannot parse " + f.string() + ": " + st.message());
  }
  c.reuters = c.stories.size();
  if (!fs::is_directory(bbc_dir, ec)) {
    throw BenchError("BBC News data folder not found: " + bbc_dir +
                     " (it is looked for beside the Reuters folder given by --data-dir)");
  }
  auto bbc = LoadBbcCorpus(bbc_dir);
  if (!bbc.ok()) throw BenchError("cannot load " + bbc_dir + ": " + bbc.status().ToString());
  c.bbc = bbc->size();
  for (auto& s : *bbc) c.stories.push_back(std::move(s));
  return c;
}

std::string PlainWord(std::string_view w) {
  auto is_alpha = [](char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); };
  std::size_t b = 0;
  std::size_t e = w.size();
  while (b < e && !is_alpha(w[b]) && (w[b] == '"' || w[b] == '(' || w[b] == '\'')) ++b;
  while (e > b && (w[e - 1] == '.' || w[e - 1] == ',' || w[e - 1] == ';' || w[e - 1] == ':' ||
                   w[e - 1] == '"' || w[e - 1] == ')' || w[e - 1] == '?' || w[e - 1] == '!' ||
                   w[e - 1] == '\'')) {
    --e;
  }
  if (e - b < 2) return {};
  std::string out;
  out.reserve(e - b);
  for (std::size_t i = b; i < e; ++i) {
    const char ch = w[i];
    if (!is_alpha(ch)) return {};
    out.push_back(ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch);
  }
  return out;
}

bool IsStopword(std::string_view w) {
  static constexpr std::string_view kStop[] = {
      "a",     "about", "after", "again", "all",   "also",  "an",    "and",   "any",   "are",
      "as",    "at",    "be",    "been",  "before", "being", "between", "both", "but",   "by",
      "can",   "could", "did",   "do",    "does",  "down",  "during", "each", "few",   "for",
      "from",  "further", "had", "has",   "have",  "having", "he",   "her",   "here",  "hers",
      "him",   "his",   "how",   "if",    "in",    "into",  "is",    "it",    "its",   "itself",
      "just",  "last",  "more",  "most",  "mr",    "mrs",   "ms",    "much",  "must",  "my",
      "no",    "nor",   "not",   "now",   "of",    "off",   "on",    "once",  "only",  "or",
      "other", "our",   "out",   "over",  "own",   "said",  "same",  "says",  "she",   "should",
      "so",    "some",  "such",  "than",  "that",  "the",   "their", "them",  "then",  "there",
      "these", "they",  "this",  "those", "through", "to",  "too",   "under", "until", "up",
      "very",  "was",   "we",    "were",  "what",  "when",  "where", "which", "while", "who",
      "whom",  "why",   "will",  "with",  "would", "year",  "you",   "your",  "reuter", "one",
      "two",   "three", "new",   "may",   "per",   "pct",   "mln",   "dlrs",  "cts",   "vs",
      "shr",   "net",   "qtr",   "told",  "since", "against", "because", "around", "made",
  };
  for (auto s : kStop) {
    if (s == w) return true;
  }
  return false;
}

CorpusGenerator::CorpusGenerator(const RealCorpus& real, GeneratorOptions options)
    : real_(real), options_(options) {
  if (real.stories.empty()) throw BenchError("the generator needs real stories to learn from");
  if (options_.total < real.stories.size()) options_.total = real.stories.size();
  std::unordered_map<std::string_view, std::uint32_t> ids;
  ids.reserve(1 << 18);
  words_.reserve(1 << 18);
  words_.emplace_back();  // 0: start/end of a headline or paragraph
  // The map's keys point into the real stories' text, which outlives the constructor.
  auto intern = [&](std::string_view w) -> std::uint32_t {
    auto [it, inserted] = ids.try_emplace(w, static_cast<std::uint32_t>(words_.size()));
    if (inserted) words_.emplace_back(w);
    return it->second;
  };
  std::vector<std::uint64_t> body_pairs;
  std::vector<std::uint64_t> headline_pairs;
  body_pairs.reserve(8'000'000);
  auto learn = [&](std::string_view text, std::vector<std::uint64_t>& pairs) {
    std::uint64_t prev = 0;
    std::size_t n = 0;
    ForEachWord(text, [&](std::string_view w) {
      const std::uint64_t id = intern(w);
      pairs.push_back(prev << 32 | id);
      prev = id;
      ++n;
    });
    if (n > 0) pairs.push_back(prev << 32);
    return n;
  };
  shapes_.reserve(real.stories.size());
  for (std::size_t k = 0; k < real.stories.size(); ++k) {
    const Story& s = real.stories[k];
    Shape shape;
    shape.story = static_cast<std::uint32_t>(k);
    shape.headline_words = static_cast<std::uint16_t>(
        std::min<std::size_t>(learn(s.headline, headline_pairs), 60));
    for (const Block& b : s.body) {
      const std::size_t n = learn(b.text, body_pairs);
      if (n > 0) shape.paragraph_words.push_back(static_cast<std::uint16_t>(std::min<std::size_t>(n, 2000)));
    }
    if (shape.headline_words > 0) shapes_.push_back(std::move(shape));
  }
  if (shapes_.empty()) throw BenchError("no real story has a headline");
  body_ = Build(body_pairs, words_.size());
  headline_ = Build(headline_pairs, words_.size());
}

CorpusGenerator::Bigrams CorpusGenerator::Build(std::vector<std::uint64_t>& pairs,
                                                std::size_t vocabulary) {
  std::sort(pairs.begin(), pairs.end());
  Bigrams m;
  m.offset.assign(vocabulary + 1, 0);
  std::uint32_t cumulative = 0;
  std::uint64_t current = ~0ULL;
  for (std::size_t i = 0; i < pairs.size();) {
    std::size_t j = i;
    while (j < pairs.size() && pairs[j] == pairs[i]) ++j;
    const std::uint64_t from = pairs[i] >> 32;
    if (from != current) {
      cumulative = 0;
      current = from;
    }
    cumulative += static_cast<std::uint32_t>(j - i);
    m.next.push_back(static_cast<std::uint32_t>(pairs[i] & 0xFFFFFFFFu));
    m.cumulative.push_back(cumulative);
    ++m.offset[from + 1];
    i = j;
  }
  for (std::size_t w = 0; w < vocabulary; ++w) m.offset[w + 1] += m.offset[w];
  std::vector<std::uint64_t>().swap(pairs);
  return m;
}

void CorpusGenerator::Walk(const Bigrams& m, std::size_t target, bool sentence_end,
                           std::uint64_t& rng, std::string& out) const {
  if (target == 0) return;
  std::uint32_t cur = 0;
  std::size_t words = 0;
  for (std::size_t steps = 0; steps < 4 * target + 100; ++steps) {
    const std::uint32_t b = m.offset[cur];
    const std::uint32_t e = m.offset[cur + 1];
    std::uint32_t next = 0;
    if (e > b) {
      const std::uint32_t total = m.cumulative[e - 1];
      const auto pick = static_cast<std::uint32_t>(Below(rng, total));
      const auto it = std::upper_bound(m.cumulative.begin() + b, m.cumulative.begin() + e, pick);
      next = m.next[static_cast<std::size_t>(it - m.cumulative.begin())];
    }
    if (next == 0) {               // the real text ended here
      if (2 * words >= target) return;
      cur = 0;                     // too short: go on with a new sentence
      continue;
    }
    if (words > 0) out.push_back(' ');
    out += words_[next];
    ++words;
    cur = next;
    if (words >= target) {
      if (!sentence_end) return;
      const char last = out.back();
      if (last == '.' || last == '?' || last == '!' || words >= target + 25) return;
    }
  }
}

Story CorpusGenerator::Make(std::size_t i) const {
  std::uint64_t rng = options_.seed ^ (0xD1B54A32D192ED03ULL * (i + 1));
  SplitMix(rng);
  const std::int64_t slot =
      std::max<std::int64_t>(1, options_.span_us / static_cast<std::int64_t>(options_.total));
  const std::int64_t published = options_.start_us + slot * static_cast<std::int64_t>(i) +
                                 static_cast<std::int64_t>(Below(rng, static_cast<std::uint64_t>(slot)));
  Story s;
  if (i < real_.stories.size()) {
    s = real_.stories[i];
    if (s.id.empty()) CompleteIdentity(s);
  } else {
    const Shape& shape = shapes_[Below(rng, shapes_.size())];
    int pick = static_cast<int>(Below(rng, 100));
    const char* source = kSources.back().first;
    for (const auto& [name, share] : kSources) {
      if (pick < share) {
        source = name;
        break;
      }
      pick -= share;
    }
    s.source = source;
    s.source_id = "g" + std::to_string(i);
    s.id = MakeStoryId(s.source, s.source_id);
    Walk(headline_, shape.headline_words, false, rng, s.headline);
    if (s.headline.empty()) s.headline = words_[1];
    s.body.reserve(shape.paragraph_words.size());
    for (std::uint16_t n : shape.paragraph_words) {
      Block b;
      Walk(body_, n, true, rng, b.text);
      if (!b.text.empty()) s.body.push_back(std::move(b));
    }
    s.tags = real_.stories[shape.story].tags;
  }
  s.published_us = published;
  s.received_us = published;
  s.language = "en";
  s.version = 1;
  s.seq = i + 1;
  s.previous_seq = 0;
  return s;
}

}  // namespace dateline::bench
