#include "index/searcher.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "index/analyzed_story.h"
#include "index/page_cursor.h"
#include "index/segment_matcher.h"
#include "query/parser.h"
#include "text/analyzer.h"

namespace dateline::index {
namespace {

using query::Kind;
using query::Node;

constexpr double kK1 = 1.2;
constexpr double kB = 0.75;

// One positive text word of the query, scored with BM25.
struct ScoredWord {
  std::string word;
  bool exact = false;
  double exact_idf = 0;
  std::map<std::string, double> idf_by_language;  // bare words
};

// Exact-word keys a query word counts as in documents of `language` of one segment.
std::vector<std::string> FormsOf(const Segment& seg, const ScoredWord& w,
                                 const std::string& language) {
  if (w.exact) return {ExactKey(w.word)};
  std::vector<std::string> out;
  const std::string prefix = StemFormPrefix(language, CachedStem(w.word, language));
  seg.ForEachKey(prefix, [&](std::string_view k) {
    out.push_back(ExactKey(k.substr(prefix.size())));
    return true;
  });
  return out;
}

void CollectScoredWords(const Node& n, std::vector<ScoredWord>& out) {
  switch (n.kind) {
    case Kind::kNot:
      return;  // negated words do not score
    case Kind::kTerm:
      for (std::string& w : QueryWords(n.text)) {
        ScoredWord s;
        s.word = std::move(w);
        s.exact = n.exact;
        out.push_back(std::move(s));
      }
      return;
    case Kind::kPhrase:
      for (const std::string& word : n.words) {
        for (std::string& w : QueryWords(word)) {
          ScoredWord s;
          s.word = std::move(w);
          s.exact = true;
          out.push_back(std::move(s));
        }
      }
      return;
    default:
      for (const auto& c : n.children) CollectScoredWords(*c, out);
  }
}

struct Candidate {
  std::int64_t time_us;
  double score;
  std::uint64_t seq;
  const Segment* segment;
  std::uint32_t doc;
};

}  // namespace

Status CheckExpansions(const std::vector<const Segment*>& segments, const Node& n,
                       std::size_t max_expansion) {
  std::string prefix;
  if (n.kind == Kind::kPrefix) prefix = ExactKey(text::Fold(n.text));
  if (n.kind == Kind::kField && n.prefix) prefix = FieldKey(text::Fold(n.field), text::Fold(n.text));
  if (!prefix.empty()) {
    std::set<std::string> words;
    for (const Segment* seg : segments) {
      seg->ForEachKey(prefix, [&](std::string_view k) {
        if (seg->DocFreq(k) > 0) words.emplace(k);
        return words.size() <= max_expansion;
      });
      if (words.size() > max_expansion) {
        const std::string shown = n.kind == Kind::kField ? n.field + ":" + n.text : n.text;
        return Status::TooLarge("prefix '" + shown + "*' matches more than " +
                                    std::to_string(max_expansion) + " words",
                                "q");
      }
    }
  }
  for (const auto& c : n.children) {
    Status s = CheckExpansions(segments, *c, max_expansion);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Result<SearchResult> RunSearch(const std::vector<const Segment*>& segments,
                               const SearchRequest& request) {
  if (request.query == nullptr) return Status::InvalidArgument("a query is required", "q");
  if (request.limit < 1 || request.limit > 1000) {
    return Status::InvalidArgument("limit must be between 1 and 1000", "limit");
  }
  std::optional<PageKey> after;
  if (!request.cursor.empty()) {
    auto k = DecodeCursor(request.cursor, request.sort);
    if (!k.ok()) return k.status();
    after = *k;
  }
  const std::int64_t now_us =
      request.now_us != 0
          ? request.now_us
          : std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  Status s = CheckExpansions(segments, *request.query, query::Limits{}.max_expansion);
  if (!s.ok()) return s;

  const bool relevance = request.sort == Sort::kRelevance;
  std::vector<ScoredWord> words;
  double avg_length = 1;
  if (relevance) {
    CollectScoredWords(*request.query, words);
    std::uint64_t n = 0, total_length = 0;
    std::set<std::string> languages;
    for (const Segment* seg : segments) {
      n += seg->doc_count();
      total_length += seg->total_length();
      languages.insert(seg->languages().begin(), seg->languages().end());
    }
    avg_length = n == 0 ? 1 : std::max(1.0, static_cast<double>(total_length) / n);
    // The document frequency of a bare word is approximated by the sum over its exact forms.
    auto idf = [&](std::uint64_t df) {
      return std::log(1 + (static_cast<double>(n) - static_cast<double>(df) + 0.5) / (df + 0.5));
    };
    for (ScoredWord& w : words) {
      if (w.exact) {
        std::uint64_t df = 0;
        for (const Segment* seg : segments) df += seg->DocFreq(ExactKey(w.word));
        w.exact_idf = idf(df);
        continue;
      }
      for (const std::string& lang : languages) {
        std::uint64_t df = 0;
        for (const Segment* seg : segments) {
          for (const std::string& key : FormsOf(*seg, w, lang)) df += seg->DocFreq(key);
        }
        w.idf_by_language[lang] = idf(std::min<std::uint64_t>(df, n));
      }
    }
  }

  SearchResult result;
  std::vector<Candidate> best;
  const std::size_t keep = request.limit + 1;
  auto better = [](const Candidate& a, const Candidate& b, bool rel) {
    if (rel) {
      if (a.score != b.score) return a.score > b.score;
    } else if (a.time_us != b.time_us) {
      return a.time_us > b.time_us;
    }
    return a.seq > b.seq;
  };
  auto cmp = [&](const Candidate& a, const Candidate& b) { return better(a, b, relevance); };
  Candidate bar{};
  bool have_bar = false;
  std::vector<std::map<std::string, std::uint64_t>> facet_counts(request.facets.size());

  for (const Segment* seg : segments) {
    DocList docs = MatchSegment(*seg, *request.query, now_us);
    // Liveness and entitlement: the entitlement of each source of the segment is asked once,
    // and a segment whose documents are all live and visible needs no check per document.
    const bool all_live = seg->dead == 0 && seg->live.size() >= seg->doc_count();
    std::vector<bool> visible;
    bool all_visible = true;
    if (request.source_visible && !docs.empty()) {
      visible.resize(seg->sources().size());
      for (std::size_t src = 0; src < visible.size(); ++src) {
        visible[src] = request.source_visible(seg->sources()[src]);
        all_visible = all_visible && visible[src];
      }
    }
    DocList kept;
    if (all_live && all_visible) {
      kept = std::move(docs);
    } else {
      kept.reserve(docs.size());
      for (std::uint32_t d : docs) {
        if (!all_live && (d >= seg->live.size() || seg->live[d] == 0)) continue;
        if (!all_visible) {
          const std::uint16_t src = seg->doc(d).source;
          if (src >= visible.size() || !visible[src]) continue;
        }
        kept.push_back(d);
      }
    }
    result.total += kept.size();

    // Scoring data for this segment, per word and document language (slot 0 for exact words):
    // the idf and one cursor per exact form, made when first needed.
    struct Slot {
      bool ready = false;
      double idf = 0;
      std::vector<std::unique_ptr<PostingCursor>> cursors;
    };
    const std::size_t nlang = std::max<std::size_t>(1, seg->languages().size());
    std::vector<Slot> slots(relevance ? words.size() * nlang : 0);
    auto slot = [&](std::size_t i, std::uint8_t language) -> Slot& {
      const ScoredWord& w = words[i];
      Slot& s = slots[i * nlang + (w.exact ? 0 : language)];
      if (!s.ready) {
        s.ready = true;
        const std::string& lang = seg->languages()[language];
        s.idf = w.exact ? w.exact_idf : w.idf_by_language.at(lang);
        for (const std::string& key : FormsOf(*seg, w, lang)) {
          if (auto cur = seg->Postings(key)) s.cursors.push_back(std::move(cur));
        }
      }
      return s;
    };
    for (std::uint32_t d : kept) {
      const DocRecord& r = seg->doc(d);
      Candidate c{r.time_us, 0, r.seq, seg, d};
      if (relevance) {
        const double norm = kK1 * (1 - kB + kB * r.length / avg_length);
        // Recency boost: up to +50% for a story published now, halving every day of age.
        const double age_days =
            std::max<std::int64_t>(0, now_us - r.time_us) / (86400.0 * 1e6);
        const double boost = 1 + 0.5 * std::exp2(-age_days);
        if (have_bar) {
          // Block-max bound: the score with each word at the largest term frequency of its
          // block. A document that cannot beat the k-th best is counted but not scored.
          double bound = 0;
          for (std::size_t i = 0; i < words.size(); ++i) {
            Slot& s = slot(i, r.language);
            double tf = 0;
            for (auto& cur : s.cursors) tf += cur->MaxTf(d);
            if (tf == 0) continue;
            bound += s.idf * tf * (kK1 + 1) / (tf + norm);
          }
          if (bound * boost * (1 + 1e-9) < bar.score) continue;
        }
        double bm25 = 0;
        for (std::size_t i = 0; i < words.size(); ++i) {
          Slot& s = slot(i, r.language);
          double tf = 0;
          for (auto& cur : s.cursors) {
            if (cur->Advance(d) == d) tf += cur->tf();
          }
          if (tf == 0) continue;
          bm25 += s.idf * tf * (kK1 + 1) / (tf + norm);
        }
        c.score = bm25 * boost;
      }
      if (after) {
        const bool is_after =
            relevance ? (c.score < after->score || (c.score == after->score && c.seq < after->seq))
                      : (c.time_us < after->time_us ||
                         (c.time_us == after->time_us && c.seq < after->seq));
        if (!is_after) continue;
      }
      // `bar` is the worst of the `keep` best candidates at the last trim: a candidate that is
      // not better can never be among the final `keep`.
      if (have_bar && !cmp(c, bar)) continue;
      best.push_back(c);
      if (best.size() >= keep * 2 + 64) {
        std::nth_element(best.begin(), best.begin() + keep - 1, best.end(), cmp);
        best.resize(keep);
        bar = best[keep - 1];
        have_bar = true;
      }
    }

    for (std::size_t f = 0; f < request.facets.size(); ++f) {
      const std::string prefix = FieldKey(text::Fold(request.facets[f]), "");
      seg->ForEachKey(prefix, [&](std::string_view key) {
        auto cur = seg->Postings(key);
        if (!cur) return true;
        std::uint64_t count = 0;
        for (std::uint32_t d : kept) {
          const std::uint32_t at = cur->Advance(d);
          if (at == kNoDoc) break;
          if (at == d) ++count;
        }
        if (count > 0) facet_counts[f][std::string(key.substr(prefix.size()))] += count;
        return true;
      });
    }
  }

  std::sort(best.begin(), best.end(), cmp);
  const bool more = best.size() > request.limit;
  if (more) best.resize(request.limit);
  for (const Candidate& c : best) {
    Hit h;
    h.seq = c.seq;
    h.story_id = std::string(c.segment->story_id(c.doc));
    h.source = c.segment->sources()[c.segment->doc(c.doc).source];
    h.published_us = c.time_us;
    h.score = relevance ? c.score : 0;
    result.hits.push_back(std::move(h));
  }
  if (more && !best.empty()) {
    PageKey k;
    k.sort = request.sort;
    k.time_us = best.back().time_us;
    k.score = best.back().score;
    k.seq = best.back().seq;
    result.next_cursor = EncodeCursor(k);
  }
  for (std::size_t f = 0; f < request.facets.size(); ++f) {
    Facet facet;
    facet.field = request.facets[f];
    for (const auto& [value, count] : facet_counts[f]) facet.values.push_back({value, count});
    std::stable_sort(facet.values.begin(), facet.values.end(),
                     [](const FacetValue& a, const FacetValue& b) { return a.count > b.count; });
    if (facet.values.size() > request.facet_limit) facet.values.resize(request.facet_limit);
    result.facets.push_back(std::move(facet));
  }
  return result;
}

}  // namespace dateline::index
