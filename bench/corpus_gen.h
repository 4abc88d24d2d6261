// A synthetic newswire corpus of any size, learnt from real stories (Reuters-21578 and BBC News),
// for the `search` scenario of dateline-bench.
//
// The generator keeps the real stories as they are (with new publication times) and makes the
// rest from a word-bigram (Markov) model of the real text: headlines from a model of the real
// headlines, body paragraphs from a model of the real paragraphs. Each generated story copies the
// shape of one real "template" story (headline length, number and lengths of paragraphs, topic and
// place tags), so lengths and tag frequencies follow the real distributions and term frequencies
// follow real newswire vocabulary. Story i is a pure function of (seed, i): any process can make
// any story without the others.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/story.h"

namespace dateline::bench {

// The real stories: Reuters-21578 first (sorted reut2-*.sgm), then BBC News.
struct RealCorpus {
  std::vector<Story> stories;
  std::size_t reuters = 0;
  std::size_t bbc = 0;
};

// Loads `reuters_dir` (reut2-*.sgm; `max_reuters_files` 0 = all) and `bbc_dir` (LoadBbcCorpus).
// Throws BenchError when a folder is missing or a file does not parse.
RealCorpus LoadRealCorpus(const std::string& reuters_dir, const std::string& bbc_dir,
                          std::size_t max_reuters_files);

// Lower-case ASCII form of a whitespace-separated word with surrounding punctuation removed, or
// "" when what remains is not a plain word of letters ("U.S.", "1.5", "year-earlier").
std::string PlainWord(std::string_view surface);

// True for the common English function words that queries leave out.
bool IsStopword(std::string_view plain_word);

// The sources of generated stories (the real ones are "reuters" and "bbc").
const std::vector<std::string>& GeneratedSources();

struct GeneratorOptions {
  std::uint64_t seed = 20250101;
  std::size_t total = 1'000'000;                       // stories, real ones included
  std::int64_t start_us = 1'735'689'600'000'000;       // 2025-01-01T00:00:00Z
  std::int64_t span_us = 365LL * 86'400'000'000LL;     // one year
};

class CorpusGenerator {
 public:
  // Learns the models from `real` (which must outlive the generator).
  CorpusGenerator(const RealCorpus& real, GeneratorOptions options);

  std::size_t size() const { return options_.total; }
  const GeneratorOptions& options() const { return options_; }

  // Story i (0 <= i < size()): a real story while i < real count, then generated ones. Times
  // increase with i across the year (story i is published in slot i of `total` equal slots), so
  // log order is time order; seq = i + 1, version 1, language "en".
  Story Make(std::size_t i) const;

  // Model size, for the report.
  std::size_t vocabulary() const { return words_.size(); }
  std::size_t body_bigrams() const { return body_.next.size(); }
  std::size_t headline_bigrams() const { return headline_.next.size(); }

 private:
  // Successors of each word in CSR form: next[offset[w] .. offset[w+1]) with cumulative counts.
  struct Bigrams {
    std::vector<std::uint32_t> offset;
    std::vector<std::uint32_t> next;
    std::vector<std::uint32_t> cumulative;
  };
  struct Shape {
    std::uint32_t story = 0;                 // index into the real corpus (for its tags)
    std::uint16_t headline_words = 0;
    std::vector<std::uint16_t> paragraph_words;
  };

  static Bigrams Build(std::vector<std::uint64_t>& pairs, std::size_t vocabulary);
  // Appends a walk of about `target` words to `out` (words separated by spaces).
  void Walk(const Bigrams& model, std::size_t target, bool sentence_end, std::uint64_t& rng,
            std::string& out) const;

  const RealCorpus& real_;
  GeneratorOptions options_;
  std::vector<std::string> words_;  // id -> surface word; id 0 is the start/end marker
  Bigrams body_;
  Bigrams headline_;
  std::vector<Shape> shapes_;
};

}  // namespace dateline::bench
