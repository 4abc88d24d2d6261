#include "index/segment_matcher.h"

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <string>

#include "index/analyzed_story.h"
#include "text/analyzer.h"

namespace dateline::index {
namespace {

using query::Kind;
using query::Node;

struct Span {
  std::uint32_t first;
  std::uint32_t last;
};

struct Window {
  std::uint32_t lo = 0;
  std::uint32_t hi = std::numeric_limits<std::uint32_t>::max();
};

DocList Intersect(const DocList& a, const DocList& b) {
  DocList out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}
DocList Union(const DocList& a, const DocList& b) {
  DocList out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}
DocList Difference(const DocList& a, const DocList& b) {
  DocList out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}


// One query word at one place of a sequence: which exact words count as it in a document.
struct WordSpec {
  std::string word;   // folded
  bool exact = true;  // false: any word with the same stem (in the document's language)
};

std::vector<WordSpec> SequenceOf(const Node& n) {
  std::vector<WordSpec> out;
  if (n.kind == Kind::kTerm) {
    for (std::string& w : QueryWords(n.text)) out.push_back({std::move(w), n.exact});
  } else if (n.kind == Kind::kPhrase) {
    for (const std::string& word : n.words) {
      for (std::string& w : QueryWords(word)) out.push_back({std::move(w), true});
    }
  }
  return out;
}

bool IsSpanNode(const Node& n) {
  if (n.kind == Kind::kTerm || n.kind == Kind::kPhrase || n.kind == Kind::kPrefix) return true;
  // An OR has its operands' occurrences; a proximity expression one per satisfying combination.
  return n.kind == Kind::kOr || n.kind == Kind::kNear || n.kind == Kind::kWithin ||
         n.kind == Kind::kSame;
}

class Matcher {
 public:
  Matcher(const Segment& seg, std::int64_t now_us, std::uint32_t lo, std::uint32_t hi)
      : seg_(seg), now_us_(now_us), lo_(lo), hi_(std::min(hi, seg.doc_count())) {}

  DocList Eval(const Node& n) {
    switch (n.kind) {
      case Kind::kMatchAll:
        return All();
      case Kind::kTerm:
      case Kind::kPhrase:
      case Kind::kPrefix: {
        DocList cand = LeafDocs(n);
        const bool simple = n.scope == query::Scope::kAll &&
                            (n.kind == Kind::kPrefix || SequenceOf(n).size() == 1);
        if (simple) return cand;
        return Verify(cand, [&](std::uint32_t d) {
          std::vector<Span> spans;
          Spans(n, d, Window{}, spans);
          return !spans.empty();
        });
      }
      case Kind::kAnd: {
        DocList pos, neg;
        bool have_pos = false;
        // Single words are checked last, by moving their cursors over the candidates left
        // (skipping whole blocks) instead of reading their full posting lists.
        std::vector<std::pair<std::uint64_t, WordSpec>> words;
        for (const auto& c : n.children) {
          if (c->kind == Kind::kNot) {
            if (!c->children.empty()) neg = Union(neg, Eval(*c->children[0]));
            continue;
          }
          if (c->kind == Kind::kTerm && c->scope == query::Scope::kAll) {
            std::vector<WordSpec> seq = SequenceOf(*c);
            if (seq.size() == 1) {
              words.emplace_back(EstimateDocs(seq[0]), std::move(seq[0]));
              continue;
            }
          }
          DocList d = Eval(*c);
          pos = have_pos ? Intersect(pos, d) : std::move(d);
          have_pos = true;
          if (pos.empty()) return pos;
        }
        std::sort(words.begin(), words.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        for (const auto& [estimate, word] : words) {
          if (!have_pos) {
            pos = WordDocs(word);
            have_pos = true;
          } else {
            pos = FilterByWord(pos, word);
          }
          if (pos.empty()) return pos;
        }
        if (!have_pos) pos = All();
        return Difference(pos, neg);
      }
      case Kind::kOr: {
        DocList out;
        for (const auto& c : n.children) out = Union(out, Eval(*c));
        return out;
      }
      case Kind::kNot:
        if (n.children.empty()) return All();
        return Difference(All(), Eval(*n.children[0]));
      case Kind::kNear:
      case Kind::kWithin:
      case Kind::kSame: {
        if (n.children.empty()) return {};
        DocList cand;
        for (std::size_t i = 0; i < n.children.size(); ++i) {
          if (!IsSpanNode(*n.children[i])) return {};
          DocList d = CandidateDocs(*n.children[i]);
          cand = i == 0 ? std::move(d) : Intersect(cand, d);
        }
        return Verify(cand, [&](std::uint32_t d) { return CheckProximity(n, d); });
      }
      case Kind::kAtLeast: {
        if (n.children.empty()) return {};
        if (n.count == 0) return All();
        if (!IsSpanNode(*n.children[0])) return {};
        DocList cand = CandidateDocs(*n.children[0]);
        return Verify(cand, [&](std::uint32_t d) {
          std::vector<Span> spans;
          Spans(*n.children[0], d, Narrow(Window{}, n.scope, d), spans);
          return spans.size() >= n.count;
        });
      }
      case Kind::kField:
        return FieldDocs(n);
      case Kind::kRange:
        return TimeDocs(n.from_us, n.to_us);
      case Kind::kSince:
        return TimeDocs(now_us_ - n.seconds * 1000000, std::numeric_limits<std::int64_t>::max());
    }
    return {};
  }

 private:
  DocList All() const {
    DocList out(hi_ > lo_ ? hi_ - lo_ : 0);
    for (std::uint32_t i = 0; i < out.size(); ++i) out[i] = lo_ + i;
    return out;
  }

  // The documents of `key` in the range.
  DocList ReadDocs(std::string_view key) const {
    DocList out;
    if (lo_ >= hi_) return out;
    auto cur = seg_.Postings(key);
    if (!cur) return out;
    if (lo_ == 0 && hi_ == seg_.doc_count()) {
      out.reserve(std::min(seg_.DocFreq(key), seg_.doc_count()));
    }
    cur->AppendRange(lo_, hi_, out);
    return out;
  }

  template <typename Pred>
  DocList Verify(const DocList& cand, Pred&& pred) {
    DocList out;
    for (std::uint32_t d : cand) {
      if (pred(d)) out.push_back(d);
    }
    return out;
  }

  DocList TimeDocs(std::int64_t from, std::int64_t to) const {
    DocList out;
    for (std::uint32_t d = lo_; d < hi_; ++d) {
      const std::int64_t t = seg_.doc(d).time_us;
      if (t >= from && t <= to) out.push_back(d);
    }
    return out;
  }

  DocList FieldDocs(const Node& n) const {
    const std::string field = text::Fold(n.field);
    if (field == "author" && !n.prefix) {
      const std::vector<std::string> words = QueryWords(n.text);
      if (words.empty()) return {};
      DocList out;
      for (std::size_t i = 0; i < words.size(); ++i) {
        DocList d = ReadDocs(FieldKey(field, words[i]));
        out = i == 0 ? std::move(d) : Intersect(out, d);
      }
      return out;
    }
    const std::string key =
        FieldKey(field, field == "lang" ? text::PrimaryLanguage(n.text) : text::Fold(n.text));
    if (!n.prefix) return ReadDocs(key);
    DocList out;
    seg_.ForEachKey(key, [&](std::string_view k) {
      out = Union(out, ReadDocs(k));
      return true;
    });
    return out;
  }

  // Documents a word's postings hold (an upper bound for a bare word: forms may overlap).
  std::uint64_t EstimateDocs(const WordSpec& w) {
    if (w.exact) return seg_.DocFreq(ExactKey(w.word));
    std::uint64_t n = 0;
    for (const std::string& lang : seg_.languages()) {
      for (const std::string& key : ExactForms(lang, w.word)) n += seg_.DocFreq(key);
    }
    return n;
  }

  // The candidates that hold word `w`, found by advancing cursors (skip entries let them jump
  // over blocks without candidates).
  DocList FilterByWord(const DocList& cand, const WordSpec& w) {
    DocList out;
    std::map<std::uint8_t, std::vector<std::unique_ptr<PostingCursor>>> by_language;
    for (std::uint32_t d : cand) {
      const std::uint8_t lang = w.exact ? 0 : seg_.doc(d).language;
      auto it = by_language.find(lang);
      if (it == by_language.end()) {
        std::vector<std::unique_ptr<PostingCursor>> cursors;
        const std::vector<std::string> keys =
            w.exact ? std::vector<std::string>{ExactKey(w.word)}
                    : ExactForms(seg_.languages()[lang], w.word);
        for (const std::string& key : keys) {
          if (auto cur = seg_.Postings(key)) cursors.push_back(std::move(cur));
        }
        it = by_language.emplace(lang, std::move(cursors)).first;
      }
      for (auto& cur : it->second) {
        if (cur->Advance(d) == d) {
          out.push_back(d);
          break;
        }
      }
    }
    return out;
  }

  // Documents holding a query word: the exact word, or for a bare word any exact word with its
  // stem in the document's language.
  DocList WordDocs(const WordSpec& w) {
    if (w.exact) return ReadDocs(ExactKey(w.word));
    DocList out;
    const std::vector<std::string>& languages = seg_.languages();
    for (std::size_t l = 0; l < languages.size(); ++l) {
      DocList docs;
      for (const std::string& key : ExactForms(languages[l], w.word)) {
        docs = Union(docs, ReadDocs(key));
      }
      if (languages.size() > 1) {
        std::erase_if(docs, [&](std::uint32_t d) { return seg_.doc(d).language != l; });
      }
      out = Union(out, docs);
    }
    return out;
  }

  DocList LeafDocs(const Node& n) {
    if (n.kind == Kind::kPrefix) {
      DocList out;
      seg_.ForEachKey(ExactKey(text::Fold(n.text)), [&](std::string_view k) {
        out = Union(out, ReadDocs(k));
        return true;
      });
      return out;
    }
    const std::vector<WordSpec> seq = SequenceOf(n);
    if (seq.empty()) return {};
    if (seq.size() == 1) return WordDocs(seq[0]);
    // The rarest word's documents, then the others checked by moving their cursors over the
    // candidates left (skipping whole blocks) instead of reading their full posting lists.
    std::vector<std::pair<std::uint64_t, std::size_t>> order;
    for (std::size_t i = 0; i < seq.size(); ++i) order.emplace_back(EstimateDocs(seq[i]), i);
    std::sort(order.begin(), order.end());
    DocList out = WordDocs(seq[order[0].second]);
    for (std::size_t k = 1; k < order.size() && !out.empty(); ++k) {
      out = FilterByWord(out, seq[order[k].second]);
    }
    return out;
  }

  // Documents that may hold an occurrence of a span operand (a word, phrase, prefix or OR).
  DocList CandidateDocs(const Node& n) {
    if (!IsSpanNode(n)) return {};
    if (n.kind == Kind::kTerm || n.kind == Kind::kPhrase || n.kind == Kind::kPrefix) {
      return LeafDocs(n);
    }
    DocList out;
    for (std::size_t i = 0; i < n.children.size(); ++i) {
      if (n.kind == Kind::kOr) {
        out = Union(out, CandidateDocs(*n.children[i]));
      } else {
        DocList d = CandidateDocs(*n.children[i]);
        out = i == 0 ? std::move(d) : Intersect(out, d);
      }
    }
    return out;
  }

  Window Narrow(Window w, query::Scope scope, std::uint32_t d) const {
    const std::uint32_t h = seg_.doc(d).headline_words;
    Window n;
    if (scope == query::Scope::kHeadline) n = {0, h};
    if (scope == query::Scope::kLead) n = {h, h + 50};
    return {std::max(w.lo, n.lo), std::min(w.hi, n.hi)};
  }

  // Positions of document d held by the postings of `key`; cursors are kept per key and only
  // move forward, as candidates come in docid order.
  void KeyPositions(const std::string& key, std::uint32_t d, std::vector<std::uint32_t>& out) {
    auto it = cursors_.find(key);
    if (it == cursors_.end()) it = cursors_.emplace(key, seg_.Postings(key)).first;
    PostingCursor* cur = it->second.get();
    if (cur != nullptr && cur->doc() != kNoDoc && cur->doc() > d) {
      it->second = seg_.Postings(key);  // asked out of order: start again
      cur = it->second.get();
    }
    if (cur == nullptr || cur->Advance(d) != d) return;
    cur->Positions(scratch_);
    out.insert(out.end(), scratch_.begin(), scratch_.end());
  }

  const std::vector<std::string>& ExactForms(const std::string& lang, const std::string& word) {
    std::string key = StemFormPrefix(lang, CachedStem(word, lang));
    auto it = forms_.find(key);
    if (it != forms_.end()) return it->second;
    std::vector<std::string> forms;
    seg_.ForEachKey(key, [&](std::string_view k) {
      forms.push_back(ExactKey(k.substr(key.size())));
      return true;
    });
    return forms_.emplace(std::move(key), std::move(forms)).first->second;
  }

  const std::vector<std::string>& PrefixForms(const std::string& prefix) {
    auto it = forms_.find(prefix);
    if (it != forms_.end()) return it->second;
    std::vector<std::string> forms;
    seg_.ForEachKey(prefix, [&](std::string_view k) {
      forms.emplace_back(k);
      return true;
    });
    return forms_.emplace(prefix, std::move(forms)).first->second;
  }

  void WordPositions(const WordSpec& w, std::uint32_t d, std::vector<std::uint32_t>& out) {
    out.clear();
    if (w.exact) {
      KeyPositions(ExactKey(w.word), d, out);
      return;
    }
    const std::string& lang = seg_.languages()[seg_.doc(d).language];
    for (const std::string& key : ExactForms(lang, w.word)) KeyPositions(key, d, out);
    std::sort(out.begin(), out.end());
  }

  void Spans(const Node& n, std::uint32_t d, Window w, std::vector<Span>& out) {
    const Window win = Narrow(w, n.scope, d);
    auto emit = [&](Span s) {
      if (s.first >= win.lo && s.last < win.hi) out.push_back(s);
    };
    if (n.kind == Kind::kOr) {
      for (const auto& c : n.children) Spans(*c, d, win, out);
      return;
    }
    if (n.kind == Kind::kNear || n.kind == Kind::kWithin || n.kind == Kind::kSame) {
      NestedSpans(n, d, win, out);
      return;
    }
    if (n.kind == Kind::kPrefix) {
      std::vector<std::uint32_t> pos;
      for (const std::string& key : PrefixForms(ExactKey(text::Fold(n.text)))) {
        KeyPositions(key, d, pos);
      }
      std::sort(pos.begin(), pos.end());
      for (std::uint32_t p : pos) emit({p, p});
      return;
    }
    const std::vector<WordSpec> seq = SequenceOf(n);
    if (seq.empty()) return;
    std::vector<std::vector<std::uint32_t>> lists(seq.size());
    for (std::size_t i = 0; i < seq.size(); ++i) {
      WordPositions(seq[i], d, lists[i]);
      if (lists[i].empty()) return;
    }
    const auto len = static_cast<std::uint32_t>(seq.size());
    for (std::uint32_t p : lists[0]) {
      bool ok = true;
      for (std::uint32_t i = 1; i < len && ok; ++i) {
        ok = std::binary_search(lists[i].begin(), lists[i].end(), p + i);
      }
      if (ok) emit({p, p + len - 1});
    }
  }

  // A proximity expression used as an operand: one occurrence [first start, last end] per
  // combination of its operands' occurrences that satisfies it. Partial combinations that
  // already fail are cut: a larger one can only fail too.
  void NestedSpans(const Node& n, std::uint32_t d, Window win, std::vector<Span>& out) {
    if (n.children.empty()) return;
    std::vector<std::vector<Span>> occ(n.children.size());
    for (std::size_t i = 0; i < n.children.size(); ++i) {
      Spans(*n.children[i], d, win, occ[i]);
      if (occ[i].empty()) return;
    }
    std::vector<Span> found;
    Enumerate(n, d, occ, 0, {}, found);
    std::sort(found.begin(), found.end(), [](const Span& a, const Span& b) {
      return a.first != b.first ? a.first < b.first : a.last < b.last;
    });
    for (std::size_t i = 0; i < found.size(); ++i) {
      if (i == 0 || found[i].first != found[i - 1].first || found[i].last != found[i - 1].last) {
        out.push_back(found[i]);
      }
    }
  }

  struct Partial {
    std::int64_t max_first = -1;
    std::int64_t min_last = std::numeric_limits<std::int64_t>::max();
    std::int64_t prev_first = -1;   // W/n: the previous operand's start
    std::uint32_t first = std::numeric_limits<std::uint32_t>::max();
    std::uint32_t last = 0;
    std::uint32_t paragraph = std::numeric_limits<std::uint32_t>::max();
  };

  void Enumerate(const Node& n, std::uint32_t d, const std::vector<std::vector<Span>>& occ,
                 std::size_t k, Partial p, std::vector<Span>& found) {
    if (k == occ.size()) {
      found.push_back({p.first, p.last});
      return;
    }
    for (const Span& s : occ[k]) {
      Partial q = p;
      q.max_first = std::max<std::int64_t>(q.max_first, s.first);
      q.min_last = std::min<std::int64_t>(q.min_last, s.last);
      q.first = std::min(q.first, s.first);
      q.last = std::max(q.last, s.last);
      if (n.kind == Kind::kSame) {
        const std::uint32_t para = Paragraph(d, s.first);
        if (k > 0 && para != p.paragraph) continue;
        q.paragraph = para;
      } else {
        if (q.max_first - q.min_last > static_cast<std::int64_t>(n.distance)) continue;
        if (n.kind == Kind::kWithin) {
          if (static_cast<std::int64_t>(s.first) <= p.prev_first) continue;
          q.prev_first = s.first;
        }
      }
      Enumerate(n, d, occ, k + 1, q, found);
    }
  }

  std::uint32_t Paragraph(std::uint32_t d, std::uint32_t position) const {
    const std::uint32_t* starts = seg_.paragraphs(d);
    const std::uint32_t count = seg_.doc(d).para_count;
    return static_cast<std::uint32_t>(std::upper_bound(starts, starts + count, position) - starts);
  }

  bool CheckProximity(const Node& n, std::uint32_t d) {
    const Window win = Narrow(Window{}, n.scope, d);
    std::vector<std::vector<Span>> occ(n.children.size());
    for (std::size_t i = 0; i < n.children.size(); ++i) {
      Spans(*n.children[i], d, win, occ[i]);
      if (occ[i].empty()) return false;
      std::sort(occ[i].begin(), occ[i].end(),
                [](const Span& a, const Span& b) { return a.first < b.first; });
    }
    if (n.kind == Kind::kSame) {
      std::vector<std::uint32_t> common;
      for (std::size_t i = 0; i < occ.size(); ++i) {
        std::vector<std::uint32_t> paras;
        for (const Span& s : occ[i]) paras.push_back(Paragraph(d, s.first));
        std::sort(paras.begin(), paras.end());
        paras.erase(std::unique(paras.begin(), paras.end()), paras.end());
        common = i == 0 ? std::move(paras) : Intersect(common, paras);
        if (common.empty()) return false;
      }
      return true;
    }
    if (n.kind == Kind::kNear) return NearAny(occ, n.distance);
    return WithinFrom(occ, 0, 0, std::numeric_limits<std::int64_t>::max(), n.distance);
  }

  // Every pair within n <=> (largest first) - (smallest last) <= n. Take each occurrence as the
  // one with the largest start; every other operand then does best with the occurrence that
  // starts no later and ends last.
  static bool NearAny(const std::vector<std::vector<Span>>& occ, std::uint32_t n) {
    for (std::size_t a = 0; a < occ.size(); ++a) {
      for (const Span& anchor : occ[a]) {
        std::int64_t min_last = anchor.last;
        bool ok = true;
        for (std::size_t b = 0; b < occ.size() && ok; ++b) {
          if (b == a) continue;
          std::int64_t best = -1;
          for (const Span& s : occ[b]) {
            if (s.first > anchor.first) break;
            best = std::max<std::int64_t>(best, s.last);
          }
          if (best < 0) ok = false;
          min_last = std::min(min_last, best);
        }
        if (ok && static_cast<std::int64_t>(anchor.first) - min_last <= n) return true;
      }
    }
    return false;
  }

  // W/n: starts strictly increasing in operand order and (last start) - (smallest last) <= n.
  static bool WithinFrom(const std::vector<std::vector<Span>>& occ, std::size_t k,
                         std::int64_t min_first, std::int64_t min_last, std::uint32_t n) {
    if (k == occ.size()) return true;
    for (const Span& s : occ[k]) {
      if (static_cast<std::int64_t>(s.first) < min_first) continue;
      if (k > 0 && static_cast<std::int64_t>(s.first) - min_last > n) break;
      const std::int64_t ml = std::min<std::int64_t>(min_last, s.last);
      if (WithinFrom(occ, k + 1, std::int64_t{s.first} + 1, ml, n)) return true;
    }
    return false;
  }

  const Segment& seg_;
  std::int64_t now_us_;
  std::uint32_t lo_;  // the documents [lo_, hi_) are matched
  std::uint32_t hi_;
  std::map<std::string, std::unique_ptr<PostingCursor>> cursors_;
  std::map<std::string, std::vector<std::string>> forms_;
  std::vector<std::uint32_t> scratch_;
};

}  // namespace

DocList MatchSegment(const Segment& segment, const Node& query, std::int64_t now_us) {
  return MatchSegment(segment, query, now_us, 0, segment.doc_count());
}

DocList MatchSegment(const Segment& segment, const Node& query, std::int64_t now_us,
                     std::uint32_t lo, std::uint32_t hi) {
  Matcher m(segment, now_us, lo, hi);
  return m.Eval(query);
}

}  // namespace dateline::index
