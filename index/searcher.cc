#include "index/searcher.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>
#include <limits>
#include <optional>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "index/analyzed_story.h"
#include "index/bit_count.h"
#include "index/bm25.h"
#include "index/page_cursor.h"
#include "index/segment_matcher.h"
#include "index/word_topk.h"
#include "query/parser.h"
#include "text/analyzer.h"

namespace dateline::index {
namespace {

using query::Kind;
using query::Node;

constexpr double kK1 = kBm25K1;

// One positive text word of the query, scored with BM25.
struct ScoredWord {
  std::string word;
  bool exact = false;
  bool required = false;  // every match holds the word (top-k skips ranges without it)
  double exact_idf = 0;
  std::map<std::string, double> idf_by_language;  // bare words
};

// Exact-word keys a query word counts as in documents of `language` of one segment, ascending.
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

// `required`: every match of `n` holds every word of `n` (AND, proximity and ATLEAST pass it
// down; OR does not).
void CollectScoredWords(const Node& n, std::vector<ScoredWord>& out, bool required) {
  switch (n.kind) {
    case Kind::kNot:
      return;  // negated words do not score
    case Kind::kTerm:
      for (std::string& w : QueryWords(n.text)) {
        ScoredWord s;
        s.word = std::move(w);
        s.exact = n.exact;
        s.required = required;
        out.push_back(std::move(s));
      }
      return;
    case Kind::kPhrase:
      for (const std::string& word : n.words) {
        for (std::string& w : QueryWords(word)) {
          ScoredWord s;
          s.word = std::move(w);
          s.exact = true;
          s.required = required;
          out.push_back(std::move(s));
        }
      }
      return;
    case Kind::kAnd:
    case Kind::kNear:
    case Kind::kWithin:
    case Kind::kSame:
      for (const auto& c : n.children) CollectScoredWords(*c, out, required);
      return;
    case Kind::kAtLeast:
      for (const auto& c : n.children) CollectScoredWords(*c, out, required && n.count > 0);
      return;
    default:
      for (const auto& c : n.children) CollectScoredWords(*c, out, false);
  }
}

// A query that RunWordTopK runs: a single word, or a flat AND or OR of single words (bare or
// exact, no hd:/lead: scope); an AND may also hold filters (children without scored words:
// fields, time ranges, prefixes) and NOT operands. Its words are the query's scored words in
// the same order.
// Without the total and facets, a phrase or proximity node (PositionalWords), alone or as an
// AND operand, runs as the AND of its words whose candidates are checked against it (`checks`,
// PositionCheck) once their score may reach the k-th best: a match is scored from the same
// words either way, and only the candidates that may be among the hits have their positions
// read.
struct WordPlan {
  bool conjunctive = true;
  std::vector<const Node*> filters;
  std::vector<const Node*> negated;
  std::vector<const Node*> checks;
};

// A phrase, or a NEAR, W or SAME of words and phrases (any scope), of two scored words: each is
// in every document it matches. Returns how many scored words it has (0: not such a node).
// Phrases of three words match a much smaller part of their words' common documents, so that
// most candidates would have their positions read one by one (measured at a million stories:
// two-word phrases took 0.64 of the time, geometric mean; three-word ones 1.16).
constexpr std::size_t kMaxCheckedWords = 2;
std::size_t PositionalWords(const Node& n) {
  const bool proximity = n.kind == Kind::kNear || n.kind == Kind::kWithin || n.kind == Kind::kSame;
  if (n.kind != Kind::kPhrase && !proximity) return 0;
  if (proximity) {
    if (n.children.empty()) return 0;
    for (const auto& c : n.children) {
      if (c->kind != Kind::kTerm && c->kind != Kind::kPhrase) return 0;
    }
  }
  std::vector<ScoredWord> scored;
  CollectScoredWords(n, scored, true);
  return scored.size() <= kMaxCheckedWords ? scored.size() : 0;
}

std::optional<WordPlan> PlanWords(const Node& q, std::size_t scored_words) {
  auto single_word = [](const Node& n) {
    return n.kind == Kind::kTerm && n.scope == query::Scope::kAll && QueryWords(n.text).size() == 1;
  };
  WordPlan plan;
  std::size_t count = 0;
  if (single_word(q)) {
    count = 1;
  } else if (const std::size_t positional = PositionalWords(q)) {
    count = positional;
    plan.checks.push_back(&q);
  } else if (q.kind == Kind::kOr) {
    plan.conjunctive = false;
    for (const auto& c : q.children) {
      if (!single_word(*c)) return std::nullopt;
      ++count;
    }
  } else if (q.kind == Kind::kAnd) {
    for (const auto& c : q.children) {
      if (single_word(*c)) {
        ++count;
      } else if (const std::size_t positional = PositionalWords(*c)) {
        count += positional;
        plan.checks.push_back(c.get());
      } else if (c->kind == Kind::kNot) {
        if (!c->children.empty()) plan.negated.push_back(c->children[0].get());
      } else {
        std::vector<ScoredWord> scored;
        CollectScoredWords(*c, scored, true);
        if (!scored.empty()) return std::nullopt;
        plan.filters.push_back(c.get());
      }
    }
  } else {
    return std::nullopt;
  }
  if (count == 0 || count != scored_words) return std::nullopt;
  return plan;
}

// An AND of several words with the exact total or facets scores every match of a segment
// where it has at most this many: the top-k's set-up costs more (measured at 200,000 and
// 1,000,000 stories).
constexpr std::size_t kScoreAllMatches = 256;

// A time filter's inclusive range on the story's time (the matcher's semantics), or nullopt
// for any other filter.
std::optional<std::pair<std::int64_t, std::int64_t>> TimeRangeOf(const Node& f,
                                                                  std::int64_t now_us) {
  if (f.kind == Kind::kRange) return std::pair{f.from_us, f.to_us};
  if (f.kind == Kind::kSince) {
    return std::pair{now_us - f.seconds * 1000000, std::numeric_limits<std::int64_t>::max()};
  }
  return std::nullopt;
}

// The documents of any of `negated` (sorted).
DocList NegatedDocs(const Segment& seg, const std::vector<const Node*>& negated,
                    std::int64_t now_us) {
  DocList out;
  for (const Node* x : negated) {
    DocList docs = MatchSegment(seg, *x, now_us);
    DocList merged;
    std::set_union(out.begin(), out.end(), docs.begin(), docs.end(), std::back_inserter(merged));
    out = std::move(merged);
  }
  return out;
}

// A match that may be among the hits. Its seq (the order of equal scores or times) is read
// from the segment's record only when a tie asks for it: a kept match's record read missed
// the cache (a tenth of a word's top-10 at 200,000 stories in four segments).
struct Candidate {
  std::int64_t time_us;
  double score;
  const Segment* segment;
  std::uint32_t doc;
  std::uint64_t seq() const { return segment->doc(doc).seq; }
};

}  // namespace

Status CheckExpansions(const std::vector<const Segment*>& segments, const Node& n,
                       std::size_t max_expansion) {
  std::string prefix;
  if (n.kind == Kind::kPrefix) prefix = ExactKey(text::Fold(n.text));
  if (n.kind == Kind::kField && n.prefix) {
    prefix = FieldKey(text::Fold(n.field), text::Fold(n.text));
  }
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
  // The exact forms of each scored word per segment and language ("" for an exact word) with
  // their document frequencies, looked up once for the idf and again used by the top-k.
  std::map<std::tuple<const Segment*, std::size_t, std::string>, std::vector<TopKWord::Form>>
      forms_found;
  if (relevance) {
    CollectScoredWords(*request.query, words, true);
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
    for (std::size_t i = 0; i < words.size(); ++i) {
      ScoredWord& w = words[i];
      if (w.exact) {
        std::uint64_t df = 0;
        for (const Segment* seg : segments) {
          std::string key = ExactKey(w.word);
          const TermRef t = seg->Lookup(key);
          forms_found[{seg, i, std::string()}].push_back({std::move(key), -1, t.doc_freq, t});
          df += t.doc_freq;
        }
        w.exact_idf = idf(df);
        continue;
      }
      for (const std::string& lang : languages) {
        std::uint64_t df = 0;
        for (const Segment* seg : segments) {
          auto& found = forms_found[{seg, i, lang}];
          std::vector<std::string> keys = FormsOf(*seg, w, lang);
          const std::vector<TermRef> terms = seg->LookupAscending(keys);
          for (std::size_t f = 0; f < keys.size(); ++f) {
            found.push_back({std::move(keys[f]), 0, terms[f].doc_freq, terms[f]});
            df += terms[f].doc_freq;
          }
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
    return a.seq() > b.seq();
  };
  auto cmp = [&](const Candidate& a, const Candidate& b) { return better(a, b, relevance); };
  Candidate bar{};
  bool have_bar = false;
  double threshold = -std::numeric_limits<double>::infinity();  // bar.score once have_bar
  // Keeps the `keep` best; `bar` becomes the worst of them: a candidate that is not better can
  // never be among the final `keep`.
  auto trim = [&] {
    if (best.size() < keep) return;
    std::nth_element(best.begin(), best.begin() + keep - 1, best.end(), cmp);
    best.resize(keep);
    bar = best[keep - 1];
    have_bar = true;
    threshold = bar.score;
  };
  std::vector<std::map<std::string, std::uint64_t>> facet_counts(request.facets.size());
  // Without an exact total (and facets), top-k matches a segment in docid ranges and leaves out
  // the ranges that cannot hold a better hit than the k-th best so far.
  // Newest first with the exact total and no facets, a word's or an OR's matches are counted
  // apart in each segment (CountSegment: from stored counts and bitmaps, no list built) and the
  // hits are found as without the total, from the newest runs.
  const bool count_apart = !relevance && request.count_total && request.facets.empty() &&
                           !request.exhaustive && CountsApart(*request.query);
  const bool prune =
      (!request.count_total || count_apart) && request.facets.empty() && !request.exhaustive;
  // Before there is a bar, a pruning relevance top-k starts from the known one, if any.
  if (relevance && prune) threshold = request.known_bar;
  // Relevance top-k of a flat AND or OR of words runs document-at-a-time (word_topk.h). With an
  // exact total or facets, a separate pass matches each segment set-at-a-time and counts the
  // matches without scoring them (block-at-a-time matching costs a fraction of scoring every
  // match), and the hits still come from the top-k.
  // An AND of several words with the exact total or facets needs no counting pass where its
  // words meet in a bitmap (below): its matches are the met documents in its filters and time
  // ranges, which the top-k visits anyway. A single word with filters or a NOT keeps the
  // set-at-a-time path: its matches are few, and scoring those the counting pass found costs
  // less than the top-k on top of it (measured at 200,000 stories).
  // A single word with a field filter keeps that path without the total too: matching the
  // word, the filter and any time range together and scoring the matches (by runs of docids,
  // those that may beat the bar) took 0.39 of the word top-k's time at 1,000,000 stories and
  // 0.48 at 200,000 (the bench's filtered class: a word, a source or topic, a time range).
  // With time ranges alone the top-k stays: the other path took 1.4-1.7 times as long.
  std::optional<WordPlan> plan;
  if (relevance && !request.exhaustive) plan = PlanWords(*request.query, words.size());
  auto field = [&](const Node* f) { return !TimeRangeOf(*f, now_us); };
  if (plan && plan->conjunctive && words.size() == 1 &&
      (std::any_of(plan->filters.begin(), plan->filters.end(), field) ||
       (!prune && (!plan->filters.empty() || !plan->negated.empty())))) {
    plan.reset();
  }
  // Checked candidates are for the hits alone (a total or facets match every document anyway),
  // and for an AND of several words (its candidates come in docid order).
  if (plan && !plan->checks.empty() && (!prune || words.size() < 2)) plan.reset();
  const bool word_topk = plan.has_value();
  const bool count_pass = word_topk && !prune;
  // The word top-k meets an AND's words in one bitmap (below).
  const bool meet = word_topk && plan->conjunctive && words.size() > 1;
  const bool all_exact =
      std::all_of(words.begin(), words.end(), [](const ScoredWord& w) { return w.exact; });

  // Newest first, and the word top-k: later segments hold the newer stories (the larger recency
  // boosts) and raise the bar soonest.
  std::vector<const Segment*> order(segments.begin(), segments.end());
  if ((prune && !relevance) || word_topk) std::reverse(order.begin(), order.end());

  // A single word's top-k without the total and facets goes over the segments twice: first
  // each segment's piece of highest bound is scored (SeedWordTopK), then each segment's pass
  // steps over it. Every pass then starts near the final k-th best instead of at the k-th best
  // of the segments before it, and skips more of its pieces by their bounds. (Seeding an AND
  // this way, its candidates of highest bound, cost more than it saved: measured.)
  const bool seeding = word_topk && prune && words.size() == 1 && order.size() > 1 &&
                       plan->filters.empty() && plan->negated.empty();
  std::vector<TopKSegmentQuery::Seed> seeds(seeding ? order.size() : 0);
  const std::size_t steps = seeding ? 2 * order.size() : order.size();
  for (std::size_t step = 0; step < steps; ++step) {
    const bool seed_phase = seeding && step < order.size();
    const Segment* seg = order[step % order.size()];
    const std::uint32_t n = seg->doc_count();
    // Liveness and entitlement: the entitlement of each source of the segment is asked once,
    // and a segment whose documents are all live and visible needs no check per document.
    const bool all_live = seg->dead == 0 && seg->live.size() >= n;
    std::vector<bool> visible;
    bool all_visible = true;
    if (request.source_visible) {
      visible.resize(seg->sources().size());
      for (std::size_t src = 0; src < visible.size(); ++src) {
        visible[src] = request.source_visible(seg->sources()[src]);
        all_visible = all_visible && visible[src];
      }
    }
    // An AND of several words: its documents met in one bitmap cost less than the rarest
    // word's documents visited and the others moved to each (measured at 200,000 stories).
    // Only where every form counts in every document (a bare word's forms in a segment of
    // several languages count in their own language only), and not when a word is rare
    // (MeetWords: nullopt).
    const bool plain = all_exact || seg->languages().size() <= 1;
    std::optional<DocList> excluded;  // the documents of the AND's NOT operands, when met
    std::optional<DocList> candidates;
    TermBits candidate_bits;
    if (meet && plain) {
      std::vector<std::vector<TermRef>> word_terms;
      std::uint64_t rarest = std::numeric_limits<std::uint64_t>::max();  // its documents
      for (std::size_t i = 0; i < words.size(); ++i) {
        std::vector<TermRef>& terms = word_terms.emplace_back();
        auto add = [&](const std::string& lang) {
          for (const TopKWord::Form& f : forms_found[{seg, i, lang}]) terms.push_back(f.term);
        };
        if (words[i].exact) {
          add(std::string());
        } else {
          for (const std::string& lang : seg->languages()) add(lang);
        }
        std::uint64_t df = 0;
        for (const TermRef& t : terms) df += t.doc_freq;
        rarest = std::min(rarest, df);
      }
      // A phrase's or proximity's checked AND (WordPlan::checks) only where its rarest word is
      // not too rare in the segment (SearchRequest::checked_min_docs); matched whole otherwise,
      // as other positional queries, and decided before the words meet.
      if (plan->checks.empty() || rarest > request.checked_min_docs) {
        excluded = NegatedDocs(*seg, plan->negated, now_us);
        candidates = MeetWords(*seg, word_terms, *excluded, &candidate_bits);
      }
    }
    // With the exact total or facets, an AND whose documents are not met is matched
    // set-at-a-time and every match scored: its matches are few (a rare word), or the bitmap
    // cannot be made, and scoring them costs less than a counting pass and the top-k. A
    // checked AND needs the met documents: without them the query is matched whole.
    const bool unchecked = word_topk && !plan->checks.empty() && !candidates;
    const bool seg_topk =
        word_topk && !unchecked && (!meet || !count_pass || candidates.has_value());
    if (seed_phase && !seg_topk) continue;
    if (count_apart) {
      result.total += CountSegment(*seg, *request.query, now_us, all_visible ? nullptr : &visible);
    }

    // Scoring data for this segment, per word and document language (slot 0 for exact words):
    // the idf and one cursor per exact form, made when first needed, with the tfs the match
    // read for the form's term (or null). Cursors and the places in those lists only move
    // forward: a document before the last one scored starts them again.
    struct Slot {
      bool ready = false;
      double idf = 0;
      std::vector<std::unique_ptr<PostingCursor>> cursors;
      std::vector<const MatchTfs::List*> known;  // per cursor
      std::vector<std::size_t> known_at;
    };
    MatchTfs match_tfs;  // the set-at-a-time match's (below)
    const std::size_t nlang = std::max<std::size_t>(1, seg->languages().size());
    std::vector<Slot> slots(relevance ? words.size() * nlang : 0);
    std::uint32_t last_scored = 0;
    auto slot = [&](std::size_t i, std::uint8_t language) -> Slot& {
      const ScoredWord& w = words[i];
      Slot& s = slots[i * nlang + (w.exact ? 0 : language)];
      if (!s.ready) {
        s.ready = true;
        const std::string& lang = seg->languages()[language];
        s.idf = w.exact ? w.exact_idf : w.idf_by_language.at(lang);
        for (const TopKWord::Form& f : forms_found[{seg, i, w.exact ? std::string() : lang}]) {
          if (auto cur = seg->PostingsOf(f.term)) {
            s.cursors.push_back(std::move(cur));
            s.known.push_back(match_tfs.Of(f.term));
          }
        }
        s.known_at.assign(s.known.size(), 0);
      }
      return s;
    };
    // Form k's tf in document d as the match read it; 0 when it did not.
    auto known_tf = [](Slot& s, std::size_t k, std::uint32_t d) -> std::uint32_t {
      const MatchTfs::List* list = s.known[k];
      if (list == nullptr) return 0;
      std::size_t& at = s.known_at[k];
      while (at < list->docs.size() && list->docs[at].first < d) ++at;
      return at < list->docs.size() && list->docs[at].first == d ? list->docs[at].second : 0;
    };

    const std::int64_t* time_col = seg->TimeColumn();
    const std::uint16_t* source_col = seg->SourceColumn();
    auto source_of = [&](std::uint32_t d) {
      return source_col != nullptr ? source_col[d] : seg->doc(d).source;
    };
    const std::uint32_t* length_col = seg->LengthColumn();
    const bool one_language = seg->languages().size() <= 1;
    // Keeps a scored (or, newest first, timed) match when it may be among the hits.
    auto consider = [&](Candidate c) {
      if (have_bar) {
        // Cannot pass the bar whatever its seq: decided without the record.
        if (relevance ? c.score < bar.score : c.time_us < bar.time_us) return;
      }
      if (after) {
        const bool is_after =
            relevance
                ? (c.score < after->score || (c.score == after->score && c.seq() < after->seq))
                : (c.time_us < after->time_us ||
                   (c.time_us == after->time_us && c.seq() < after->seq));
        if (!is_after) return;
      }
      if (have_bar && !cmp(c, bar)) return;
      best.push_back(c);
      // Document-at-a-time top-k trims at every match kept once it has `keep`: its bounds skip
      // more with the bar at the k-th best so far than with a bar left behind by later matches
      // (a trim of keep + 1 candidates costs less than the matches it spares).
      if (best.size() >= (seg_topk ? keep + 1 : keep * 2 + 64)) trim();
    };

    // Scores one match and keeps it when it may be among the hits.
    auto take = [&](std::uint32_t d) {
      if (relevance && d < last_scored) {
        for (Slot& s : slots) s = Slot{};
      }
      // The dense columns first: the record is read only for a match that may be kept.
      const std::int64_t time_us = time_col != nullptr ? time_col[d] : seg->doc(d).time_us;
      if (!relevance && have_bar && time_us < bar.time_us) return;
      Candidate c{time_us, 0, seg, d};
      if (relevance) {
        last_scored = d;
        const std::uint32_t length = length_col != nullptr ? length_col[d] : seg->doc(d).length;
        const std::uint8_t language = one_language ? 0 : seg->doc(d).language;
        const double norm = DocNorm(length, avg_length);
        const double boost = RecencyBoost(now_us, time_us);
        // A match whose every form's tf the match read (a phrase's, a NEAR's of quoted words)
        // is scored from those, with no bound and no cursor moved.
        bool known = true;
        double known_bm25 = 0;
        for (std::size_t i = 0; i < words.size() && known; ++i) {
          Slot& s = slot(i, language);
          double tf = 0;
          for (std::size_t k = 0; k < s.cursors.size() && known; ++k) {
            const std::uint32_t t = known_tf(s, k, d);
            known = t != 0;
            tf += t;
          }
          if (tf > 0) known_bm25 += WordScore(s.idf, tf, norm);
        }
        if (known) {
          c.score = known_bm25 * boost;
          consider(c);
          return;
        }
        if (have_bar && !request.exhaustive) {
          // Block-max bound: the score with each word at the largest term frequency of its
          // block. A document that cannot beat the k-th best is counted but not scored.
          double bound = 0;
          for (std::size_t i = 0; i < words.size(); ++i) {
            Slot& s = slot(i, language);
            double tf = 0;
            for (auto& cur : s.cursors) tf += cur->MaxTf(d);
            if (tf == 0) continue;
            bound += s.idf * tf * (kK1 + 1) / (tf + norm);
          }
          if (bound * boost * (1 + 1e-9) < bar.score) return;
        }
        double bm25 = 0;
        for (std::size_t i = 0; i < words.size(); ++i) {
          Slot& s = slot(i, language);
          double tf = 0;
          for (std::size_t k = 0; k < s.cursors.size(); ++k) {
            if (const std::uint32_t t = known_tf(s, k, d)) {
              tf += t;
            } else if (s.cursors[k]->Advance(d) == d) {
              tf += s.cursors[k]->tf();
            }
          }
          if (tf == 0) continue;
          bm25 += WordScore(s.idf, tf, norm);
        }
        c.score = bm25 * boost;
      }
      consider(c);
    };

    // Takes the matches docs[from, to) in order. Their columns' entries are fetched a few
    // matches ahead: matches lie far apart, and each read of a column would otherwise wait
    // on memory.
    auto take_range = [&](const DocList& docs, std::size_t from, std::size_t to) {
      constexpr std::size_t kAhead = 8;
      for (std::size_t i = from; i < to; ++i) {
        if (i + kAhead < to) {
          const std::uint32_t ahead = docs[i + kAhead];
          if (time_col != nullptr) __builtin_prefetch(time_col + ahead);
          if (relevance && length_col != nullptr) __builtin_prefetch(length_col + ahead);
        }
        take(docs[i]);
      }
    };

    // Drops the matches that are not live or not visible, and counts the rest.
    auto filter_count = [&](DocList& docs) {
      if (!all_live || !all_visible) {
        std::erase_if(docs, [&](std::uint32_t d) {
          if (!all_live && (d >= seg->live.size() || seg->live[d] == 0)) return true;
          if (!all_visible) {
            const std::uint16_t src = source_of(d);
            if (src >= visible.size() || !visible[src]) return true;
          }
          return false;
        });
      }
      if (!count_apart) result.total += docs.size();
    };

    // Adds the matches' values of each asked facet field. The source facet counts each match's
    // source ordinal (every story has exactly one source, indexed as its folded name) in one
    // pass; any other field intersects each value's postings with the matches, the shorter side
    // leading: a value much rarer than the matches walks its own postings and gallops through
    // the matches, instead of advancing its cursor once per match.
    auto count_facets = [&](const DocList& docs) {
      if (docs.empty()) return;
      for (std::size_t f = 0; f < request.facets.size(); ++f) {
        const std::string field = text::Fold(request.facets[f]);
        if (field == "source") {
          std::vector<std::uint64_t> per_source(seg->sources().size());
          for (std::uint32_t d : docs) {
            const std::uint16_t src = source_of(d);
            if (src < per_source.size()) ++per_source[src];
          }
          for (std::size_t src = 0; src < per_source.size(); ++src) {
            if (per_source[src] > 0) {
              facet_counts[f][text::Fold(seg->sources()[src])] += per_source[src];
            }
          }
          continue;
        }
        const std::string prefix = FieldKey(field, "");
        seg->ForEachKey(prefix, [&](std::string_view key) {
          const TermRef term = seg->Lookup(key);
          if (term.doc_freq == 0) return true;
          auto cur = seg->PostingsOf(term);
          if (!cur) return true;
          std::uint64_t count = 0;
          if (std::uint64_t{term.doc_freq} * 8 < docs.size()) {
            auto at = docs.begin();
            for (std::uint32_t d = cur->Next(); d != kNoDoc && at != docs.end(); d = cur->Next()) {
              // Gallop from the last place, then binary search the bracket.
              std::size_t step = 1;
              auto hi = at;
              while (hi != docs.end() && *hi < d) {
                at = hi;
                hi = static_cast<std::size_t>(docs.end() - hi) > step
                         ? hi + static_cast<std::ptrdiff_t>(step)
                         : docs.end();
                step *= 2;
              }
              at = std::lower_bound(at, hi, d);
              if (at != docs.end() && *at == d) ++count;
            }
          } else {
            for (std::uint32_t d : docs) {
              const std::uint32_t at = cur->Advance(d);
              if (at == kNoDoc) break;
              if (at == d) ++count;
            }
          }
          if (count > 0) facet_counts[f][std::string(key.substr(prefix.size()))] += count;
          return true;
        });
      }
    };

    // A word or a flat AND / OR of words: document-at-a-time with block-max bounds, the matches
    // that cannot reach the k-th best never scored (and, without the count pass, not counted:
    // the total is not exact).
    if (seg_topk) {
      // The counting pass: matches the segment apart from the top-k.
      if (count_pass && !meet && request.facets.empty()) {
        result.total +=
            CountSegment(*seg, *request.query, now_us, all_visible ? nullptr : &visible);
      } else if (count_pass && !meet) {
        DocList docs = MatchSegment(*seg, *request.query, now_us);
        filter_count(docs);
        count_facets(docs);
      }
      TopKSegmentQuery tq;
      tq.segment = seg;
      tq.conjunctive = plan->conjunctive;
      for (const Node* f : plan->filters) {
        // Time filters are checked per candidate on the time column instead of scanning the
        // segment's records.
        if (const auto range = TimeRangeOf(*f, now_us)) {
          tq.time_ranges.push_back(*range);
        } else {
          tq.filters.push_back(MatchSegment(*seg, *f, now_us));
        }
      }
      tq.excluded = excluded ? std::move(*excluded) : NegatedDocs(*seg, plan->negated, now_us);
      if (candidates) {
        tq.candidates = &*candidates;
        tq.candidate_bits = &candidate_bits;
      }
      if (count_pass && meet) {
        // The matches are the met documents in every filter and time range. Few of them are
        // all scored (kScoreAllMatches).
        if (tq.filters.empty() && tq.time_ranges.empty() && all_live && all_visible &&
            request.facets.empty() && candidates->size() > kScoreAllMatches) {
          result.total += candidates->size();
        } else {
          DocList docs = MatchesAmong(*candidates, tq);
          filter_count(docs);
          count_facets(docs);
          if (docs.size() <= kScoreAllMatches) {
            take_range(docs, 0, docs.size());
            RecycleTermBits(candidate_bits);
            continue;
          }
        }
      }
      // The words last: a segment whose matches are all scored above needs none of this.
      const std::vector<std::string>& languages = seg->languages();
      for (std::size_t i = 0; i < words.size(); ++i) {
        const ScoredWord& w = words[i];
        TopKWord& tw = tq.words.emplace_back();
        if (w.exact) {
          tw.forms = forms_found[{seg, i, std::string()}];
          tw.idf.assign(std::max<std::size_t>(1, languages.size()), w.exact_idf);
          continue;
        }
        for (std::size_t l = 0; l < languages.size(); ++l) {
          tw.idf.push_back(w.idf_by_language.at(languages[l]));
          const std::vector<TopKWord::Form>& found = forms_found[{seg, i, languages[l]}];
          // No lookup where the segment cannot keep the stem's bounds (a sixth of the lookups
          // on news; a lookup misses the cache a few times).
          std::uint64_t most_docs = 0;
          for (const TopKWord::Form& f : found) {
            most_docs = std::max<std::uint64_t>(most_docs, f.doc_freq);
          }
          if (StemBoundsKept(found.size(), most_docs)) {
            const TermRef stem =
                seg->Lookup(StemBoundKey(languages[l], CachedStem(w.word, languages[l])));
            if (stem.doc_freq != 0) tw.stems.push_back({static_cast<int>(l), stem});
          }
          for (const TopKWord::Form& f : found) {
            tw.forms.push_back({f.key, static_cast<int>(l), f.doc_freq, f.term});
          }
        }
      }
      tq.avg_length = avg_length;
      tq.now_us = now_us;
      tq.threshold = &threshold;
      std::optional<PositionCheck> check;
      if (!plan->checks.empty()) check.emplace(*seg, plan->checks, now_us);
      tq.offer = [&](std::uint32_t d, std::int64_t time_us, double score) {
        if (!all_visible) {
          const std::uint16_t src = source_of(d);
          if (src >= visible.size() || !visible[src]) return;
        }
        if (check && !check->Matches(d)) return;
        if (!count_pass) ++result.total;  // the matches visited
        consider(Candidate{time_us, score, seg, d});
      };
      if (seeding) tq.seed = &seeds[step % order.size()];
      if (seed_phase) {
        SeedWordTopK(tq);
        continue;
      }
      RunWordTopK(tq);
      RecycleTermBits(candidate_bits);
      continue;
    }

    const RunStat* run_stats = seg->Runs();
    const std::uint32_t runs = (n + kTimeRun - 1) / kTimeRun;
    const bool have_runs = run_stats != nullptr && runs > 1 && !request.exhaustive;
    std::vector<double> run_bound;
    std::vector<std::uint8_t> possible;
    // Relevance: an upper bound of the score of every run; false when a word's postings keep no
    // bounds. A run without a word every match holds is not possible. A word's weight in a run
    // is at most the least of
    //  - the sum over its exact forms of their block weight bounds (the weight is concave in tf),
    //    each raised from the segment's average length to the index's, and
    //  - the weight of the sum of the forms' block maxima of tf in the run's shortest document;
    // the boost is at most that of the run's newest story.
    auto compute_bounds = [&]() -> bool {
      run_bound.assign(runs, 0);
      possible.assign(runs, 1);
      const double seg_avg =
          n == 0 ? 1 : std::max(1.0, static_cast<double>(seg->total_length()) / n);
      // Stored weights use the segment's average; with a larger average a weight w grows to at
      // most w / (q (1 - r) + r), q = w / (k1 + 1), r = segment average / index average.
      const double r_avg = std::min(1.0, seg_avg / avg_length);
      auto raise = [&](double w) {
        if (r_avg >= 1) return w;
        const double q = w / (kK1 + 1);
        return w / (q * (1 - r_avg) + r_avg);
      };
      std::vector<WeightBound> wb;
      std::vector<double> key_w(runs), key_tf(runs), lang_w(runs), lang_tf(runs), word_bound(runs);
      for (std::size_t i = 0; i < words.size(); ++i) {
        const ScoredWord& w = words[i];
        std::fill(word_bound.begin(), word_bound.end(), 0.0);
        const std::size_t nl = w.exact ? 1 : seg->languages().size();
        for (std::size_t l = 0; l < nl; ++l) {
          const std::string& lang = w.exact ? std::string() : seg->languages()[l];
          const double idf = w.exact ? w.exact_idf : w.idf_by_language.at(lang);
          std::fill(lang_w.begin(), lang_w.end(), 0.0);
          std::fill(lang_tf.begin(), lang_tf.end(), 0.0);
          for (const TopKWord::Form& f : forms_found[{seg, i, lang}]) {
            if (!seg->WeightBoundsOf(f.term, Segment::OneBlock::kExactLength, wb)) return false;
            std::fill(key_w.begin(), key_w.end(), 0.0);
            std::fill(key_tf.begin(), key_tf.end(), 0.0);
            for (const WeightBound& b : wb) {
              const std::uint32_t last = std::min(b.last_doc, n - 1) / kTimeRun;
              for (std::uint32_t r = std::min(b.first_doc, n - 1) / kTimeRun; r <= last; ++r) {
                key_w[r] = std::max<double>(key_w[r], b.weight);
                key_tf[r] = std::max<double>(key_tf[r], b.max_tf);
              }
            }
            for (std::uint32_t r = 0; r < runs; ++r) {
              if (key_w[r] == 0) continue;
              lang_w[r] += raise(key_w[r]);
              lang_tf[r] += key_tf[r];
            }
          }
          for (std::uint32_t r = 0; r < runs; ++r) {
            if (lang_tf[r] == 0) continue;
            const double by_tf = TermWeight(lang_tf[r], run_stats[r].min_length, avg_length);
            word_bound[r] = std::max(word_bound[r], idf * std::min(lang_w[r], by_tf));
          }
        }
        for (std::uint32_t r = 0; r < runs; ++r) {
          run_bound[r] += word_bound[r];
          if (w.required && word_bound[r] == 0) possible[r] = 0;
        }
      }
      for (std::uint32_t r = 0; r < runs; ++r) {
        const double age_days =
            std::max<std::int64_t>(0, now_us - run_stats[r].max_time) / kMicrosPerDay;
        run_bound[r] *= (1 + 0.5 * std::exp2(-age_days)) * (1 + 1e-6);
      }
      return true;
    };
    // The possible runs in the order relevance visits them: the few of highest bound first
    // (ties: later runs, higher seqs), which raise the bar soonest, then the others in docid
    // order, so that cursors move forward and neighbouring runs are matched together.
    constexpr std::size_t kLeadRuns = 4;
    std::size_t lead = 0;
    auto relevance_order = [&]() {
      std::vector<std::uint32_t> order;
      order.reserve(runs);
      for (std::uint32_t r = 0; r < runs; ++r) {
        if (possible[r]) order.push_back(r);
      }
      lead = std::min(kLeadRuns, order.size());
      auto by_bound = [&](std::uint32_t a, std::uint32_t b) {
        return run_bound[a] != run_bound[b] ? run_bound[a] > run_bound[b] : a > b;
      };
      std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(lead),
                        order.end(), by_bound);
      std::sort(order.begin() + static_cast<std::ptrdiff_t>(lead), order.end());
      return order;
    };
    // No match of run r can beat the bar.
    auto run_below_bar = [&](std::uint32_t r) {
      if (!have_bar) return false;
      if (!relevance) return run_stats[r].max_time < bar.time_us;
      if (run_bound[r] < bar.score) return true;
      // Every score of a run without scored words is 0: only a higher seq can pass the bar.
      const auto last =
          static_cast<std::uint32_t>(std::min<std::uint64_t>(n, (r + 1ull) * kTimeRun) - 1);
      return run_bound[r] == 0 && bar.score == 0 && seg->doc(last).seq < bar.seq();
    };

    // Other relevance queries (phrases, proximity, nested trees) match the whole segment at once
    // even without the total: matching costs little next to scoring, and one pass beats many
    // small ones when few runs fall below the bar.
    if (!prune || relevance) {
      // Newest first, an AND of words whose matches are all visible, without facets: they stay
      // a bitmap, counted 64 at a time, and only the runs that may beat the bar are read from
      // it (a list of every match took a sixth of an AND's count at a million stories).
      if (!relevance && have_runs && all_visible && request.facets.empty()) {
        if (const auto bits = MatchSegmentBits(*seg, *request.query, now_us)) {
          const std::vector<std::uint64_t>& w = bits->words;
          if (bits->last > bits->first) result.total += OnesIn(w.data() + bits->first,
                                                               bits->last - bits->first);
          constexpr std::size_t kRunWords = kTimeRun / 64;
          DocList run_docs;
          for (std::uint32_t r = runs; r-- > 0;) {
            const std::size_t from = std::max<std::size_t>(bits->first, r * kRunWords);
            const std::size_t to = std::min<std::size_t>(bits->last, (r + 1) * kRunWords);
            if (from >= to || run_below_bar(r)) continue;
            run_docs.clear();
            AppendSetBits(w.data(), from, to, 0, run_docs);
            take_range(run_docs, 0, run_docs.size());
            trim();
          }
          continue;
        }
      }
      // The tfs the match reads (not for an exhaustive search: scoring from cursors checks
      // them there).
      DocList docs = MatchSegment(*seg, *request.query, now_us,
                                  relevance && !request.exhaustive ? &match_tfs : nullptr);
      filter_count(docs);
      // Relevance skips runs for one-word queries only (a one-word query reaches this only with
      // a hd:/lead: scope or several query words in one term): with several
      // words the run bounds (a sum over words of per-run maxima) rarely fall below the bar, and
      // computing them and visiting runs out of order cost more than they save (measured at
      // 200,000 stories).
      if (have_runs && (!relevance || (words.size() == 1 && compute_bounds()))) {
        // Every match is counted; only the runs that may beat the bar are scored, the newest
        // (or best bound) first so that the bar rises soon.
        std::vector<std::pair<std::size_t, std::size_t>> spans(runs, {0, 0});
        for (std::size_t i = 0; i < docs.size();) {
          const std::uint32_t r = docs[i] / kTimeRun;
          std::size_t j = i;
          while (j < docs.size() && docs[j] / kTimeRun == r) ++j;
          spans[r] = {i, j};
          i = j;
        }
        std::vector<std::uint32_t> order;
        if (relevance) {
          order = relevance_order();
        } else {
          for (std::uint32_t r = runs; r-- > 0;) order.push_back(r);
        }
        for (std::uint32_t r : order) {
          if (spans[r].first == spans[r].second) continue;
          if (run_below_bar(r)) continue;
          take_range(docs, spans[r].first, spans[r].second);
          trim();
        }
      } else {
        take_range(docs, 0, docs.size());
      }
      count_facets(docs);
      continue;
    }

    auto match_range = [&](std::uint32_t lo, std::uint32_t hi) {
      DocList docs = MatchSegment(*seg, *request.query, now_us, lo, hi);
      filter_count(docs);
      take_range(docs, 0, docs.size());
      trim();
    };
    if (!have_runs) {
      match_range(0, n);
      continue;
    }

    {
      // Newest first: ranges of runs from the end of the segment (docids follow the log, so
      // mostly time), doubling in size, until no earlier run holds a story as new as the bar.
      std::vector<std::int64_t> prefix_max(runs);
      for (std::uint32_t r = 0; r < runs; ++r) {
        prefix_max[r] = r == 0 ? run_stats[0].max_time
                               : std::max(prefix_max[r - 1], run_stats[r].max_time);
      }
      std::uint32_t end = runs;
      std::uint32_t width = 1;
      while (end > 0) {
        if (have_bar && prefix_max[end - 1] < bar.time_us) break;
        const std::uint32_t begin = end > width ? end - width : 0;
        match_range(begin * kTimeRun,
                    static_cast<std::uint32_t>(std::min<std::uint64_t>(
                        std::uint64_t{end} * kTimeRun, n)));
        end = begin;
        width = std::min<std::uint32_t>(width * 2, 256);
      }
    }
  }

  std::sort(best.begin(), best.end(), cmp);
  const bool more = best.size() > request.limit;
  if (more) best.resize(request.limit);
  for (const Candidate& c : best) {
    Hit h;
    h.seq = c.seq();
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
    k.seq = best.back().seq();
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
