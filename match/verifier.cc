#include "match/verifier.h"

#include <algorithm>

namespace dateline::match {
namespace {

// The language document's distance: the gap between the end of the earlier occurrence and the
// start of the later one (negative when they overlap). `a` is the one chosen first, and is the
// earlier one on equal starts, as in the reference evaluator.
template <typename S>
std::int64_t Gap(const S& a, const S& b) {
  const S& earlier = a.first <= b.first ? a : b;
  const S& later = a.first <= b.first ? b : a;
  return static_cast<std::int64_t>(later.first) - static_cast<std::int64_t>(earlier.last);
}

}  // namespace

std::vector<Verifier::Span>& Verifier::Scratch() {
  if (depth_ == scratch_.size()) scratch_.emplace_back();
  std::vector<Span>& v = scratch_[depth_++];
  v.clear();
  return v;
}

Verifier::Window Verifier::Narrow(Window w, query::Scope scope) const {
  Window n;
  if (scope == query::Scope::kHeadline) {
    n = {0, s_->headline_words};
  } else if (scope == query::Scope::kLead) {
    n = {s_->headline_words, s_->headline_words + 50};
  }
  return {std::max(w.lo, n.lo), std::min(w.hi, n.hi)};
}

void Verifier::SequenceSpans(const CompiledNode& n, std::vector<Span>& raw) {
  std::uint32_t off = n.data;
  const std::uint32_t count = q_.U32(&off);
  if (count == 0) return;
  const bool exact = (n.flags & kExact) != 0;
  // Resolve every word to the story's id for it; a word the story lacks means no occurrence.
  ids_.clear();
  std::size_t rarest = 0;
  std::uint32_t rarest_count = UINT32_MAX;
  for (std::uint32_t j = 0; j < count; ++j) {
    const std::uint64_t hash = q_.U64(&off);
    const std::string_view w = q_.Str(&off);
    std::uint32_t id;
    std::uint32_t occurrences;
    if (exact) {
      id = s_->exacts.Find(w, hash);
      if (id == WordTable::kMissing) return;
      occurrences = s_->exact_offsets[id + 1] - s_->exact_offsets[id];
    } else {
      const std::uint64_t en_hash = q_.U64(&off);
      const std::string_view en_stem = q_.Str(&off);
      id = english_ ? s_->stems.Find(en_stem, en_hash) : s_->stems.Find(CachedStem(w, s_->language));
      if (id == WordTable::kMissing) return;
      occurrences = s_->stem_offsets[id + 1] - s_->stem_offsets[id];
    }
    ids_.push_back(id);
    if (occurrences < rarest_count) {
      rarest_count = occurrences;
      rarest = j;
    }
  }
  const std::vector<std::uint32_t>& offsets = exact ? s_->exact_offsets : s_->stem_offsets;
  const std::vector<std::uint32_t>& positions = exact ? s_->exact_positions : s_->stem_positions;
  const std::vector<std::uint32_t>& id_of = exact ? s_->exact_of : s_->stem_of;
  const std::uint32_t id = ids_[rarest];
  work_ += offsets[id + 1] - offsets[id];
  for (std::uint32_t k = offsets[id]; k < offsets[id + 1]; ++k) {
    const std::uint32_t p = positions[k];
    if (p < rarest) continue;
    const std::uint32_t start = p - static_cast<std::uint32_t>(rarest);
    if (start + count > s_->size()) break;
    bool ok = true;
    for (std::uint32_t j = 0; j < count && ok; ++j) ok = id_of[start + j] == ids_[j];
    if (ok) raw.push_back({start, start + count - 1});
  }
}

void Verifier::Spans(std::uint32_t i, Window w, std::vector<Span>& out) {
  using query::Kind;
  const CompiledNode& n = q_.nodes()[i];
  const Window win = Narrow(w, n.scope);
  ++work_;
  const std::size_t before = out.size();
  switch (n.kind) {
    case Kind::kTerm:
    case Kind::kPhrase:
      SequenceSpans(n, out);
      break;
    case Kind::kPrefix: {
      std::uint32_t off = n.data;
      const std::string_view p = q_.Str(&off);
      for (std::uint32_t id = 0; id < s_->exacts.size(); ++id) {
        if (std::string_view(s_->exacts.word(id)).substr(0, p.size()) != p) continue;
        for (std::uint32_t k = s_->exact_offsets[id]; k < s_->exact_offsets[id + 1]; ++k) {
          out.push_back({s_->exact_positions[k], s_->exact_positions[k]});
        }
      }
      work_ += s_->exacts.size();
      break;
    }
    case Kind::kOr:
      for (std::uint32_t c = i + 1; c < n.end; c = q_.nodes()[c].end) Spans(c, win, out);
      return;
    case Kind::kNear:
    case Kind::kWithin:
    case Kind::kSame:
      ProximitySpans(i, w, out);
      return;
    default:
      return;
  }
  // Keep the occurrences wholly inside the window.
  std::size_t kept = before;
  for (std::size_t k = before; k < out.size(); ++k) {
    if (out[k].first >= win.lo && out[k].last < win.hi) out[kept++] = out[k];
  }
  out.resize(kept);
}

// A proximity expression used as an operand ((a NEAR/5 b) W/3 c): one occurrence per combination
// of its operands' occurrences that satisfies it, from the earliest start to the latest end.
void Verifier::ProximitySpans(std::uint32_t i, Window w, std::vector<Span>& out) {
  using query::Kind;
  const CompiledNode& n = q_.nodes()[i];
  const Window win = Narrow(w, n.scope);
  const std::size_t base = depth_;
  std::vector<std::vector<Span>*> lists;
  for (std::uint32_t c = i + 1; c < n.end; c = q_.nodes()[c].end) {
    std::vector<Span>& occ = Scratch();
    Spans(c, win, occ);
    lists.push_back(&occ);
    if (occ.empty()) {
      depth_ = base;
      return;
    }
  }
  if (lists.empty()) return;
  std::vector<std::size_t> at(lists.size(), 0);
  std::vector<Span> found;
  for (;;) {
    ++work_;
    bool ok = true;
    for (std::size_t a = 0; a < lists.size() && ok; ++a) {
      const Span& x = (*lists[a])[at[a]];
      for (std::size_t b = a + 1; b < lists.size() && ok; ++b) {
        const Span& y = (*lists[b])[at[b]];
        if (n.kind == Kind::kSame) {
          ok = s_->paragraph_of[x.first] == s_->paragraph_of[y.first];
        } else {
          ok = Gap(x, y) <= static_cast<std::int64_t>(n.arg) && (n.kind != Kind::kWithin || x.first < y.first);
        }
      }
    }
    if (ok) {
      Span sp = (*lists[0])[at[0]];
      for (std::size_t a = 1; a < lists.size(); ++a) {
        sp.first = std::min(sp.first, (*lists[a])[at[a]].first);
        sp.last = std::max(sp.last, (*lists[a])[at[a]].last);
      }
      found.push_back(sp);
    }
    std::size_t a = 0;
    while (a < lists.size() && ++at[a] == lists[a]->size()) at[a++] = 0;
    if (a == lists.size()) break;
  }
  depth_ = base;
  std::sort(found.begin(), found.end(),
            [](const Span& x, const Span& y) { return x.first != y.first ? x.first < y.first : x.last < y.last; });
  found.erase(std::unique(found.begin(), found.end(),
                          [](const Span& x, const Span& y) { return x.first == y.first && x.last == y.last; }),
              found.end());
  out.insert(out.end(), found.begin(), found.end());
}

bool Verifier::AnyCombination(std::size_t k, std::uint32_t distance, bool ordered) {
  if (k == occ_.size()) return true;
  for (const Span& sp : *occ_[k]) {
    ++work_;
    bool ok = true;
    for (const Span& c : chosen_) {
      if (Gap(c, sp) > static_cast<std::int64_t>(distance)) {
        ok = false;
        break;
      }
    }
    if (ordered && !chosen_.empty() && !(chosen_.back().first < sp.first)) ok = false;
    if (!ok) continue;
    chosen_.push_back(sp);
    if (AnyCombination(k + 1, distance, ordered)) return true;
    chosen_.pop_back();
  }
  return false;
}

bool Verifier::FieldMatches(const CompiledNode& n) {
  std::uint32_t off = n.data;
  const std::string_view field = q_.Str(&off);
  const auto& fields = s_->fields;
  auto lo = std::lower_bound(fields.begin(), fields.end(), field,
                             [](const auto& f, std::string_view name) { return f.first < name; });
  if (n.flags & kAuthorWords) {
    const std::uint32_t count = q_.U32(&off);
    if (count == 0) return false;
    for (std::uint32_t j = 0; j < count; ++j) {
      const std::string_view w = q_.Str(&off);
      bool found = false;
      for (auto it = lo; it != fields.end() && it->first == field && !found; ++it) found = it->second == w;
      if (!found) return false;
    }
    return true;
  }
  const std::string_view value = q_.Str(&off);
  const bool prefix = (n.flags & kFieldPrefix) != 0;
  for (auto it = lo; it != fields.end() && it->first == field; ++it) {
    ++work_;
    if (prefix ? std::string_view(it->second).substr(0, value.size()) == value : it->second == value) {
      return true;
    }
  }
  return false;
}

bool Verifier::Eval(std::uint32_t i) {
  using query::Kind;
  const CompiledNode& n = q_.nodes()[i];
  ++work_;
  switch (n.kind) {
    case Kind::kMatchAll:
      return true;
    case Kind::kTerm:
    case Kind::kPhrase:
    case Kind::kPrefix: {
      if (n.scope == query::Scope::kAll && n.kind == Kind::kTerm) {
        // One word anywhere: a lookup, no positions (the common leaf of ANDs and long ORs).
        std::uint32_t off = n.data;
        if (q_.U32(&off) == 1) {
          const std::uint64_t hash = q_.U64(&off);
          const std::string_view w = q_.Str(&off);
          if (n.flags & kExact) return s_->exacts.Find(w, hash) != WordTable::kMissing;
          const std::uint64_t en_hash = q_.U64(&off);
          const std::string_view en_stem = q_.Str(&off);
          return (english_ ? s_->stems.Find(en_stem, en_hash) : s_->stems.Find(CachedStem(w, s_->language))) !=
                 WordTable::kMissing;
        }
      }
      std::vector<Span>& out = Scratch();
      Spans(i, Window{}, out);
      --depth_;
      return !out.empty();
    }
    case Kind::kAnd:
      for (std::uint32_t c = i + 1; c < n.end; c = q_.nodes()[c].end) {
        if (!Eval(c)) return false;
      }
      return true;
    case Kind::kOr:
      for (std::uint32_t c = i + 1; c < n.end; c = q_.nodes()[c].end) {
        if (Eval(c)) return true;
      }
      return false;
    case Kind::kNot:
      return i + 1 >= n.end || !Eval(i + 1);
    case Kind::kNear:
    case Kind::kWithin:
    case Kind::kSame: {
      if (i + 1 >= n.end) return false;
      const Window win = Narrow(Window{}, n.scope);
      const std::size_t base = depth_;
      bool result = true;
      // Eval does not nest inside a proximity node's operands (they go through Spans), so one
      // reused list serves every proximity node evaluated here.
      std::vector<std::vector<Span>*>& lists = eval_lists_;
      lists.clear();
      for (std::uint32_t c = i + 1; c < n.end; c = q_.nodes()[c].end) {
        std::vector<Span>& occ = Scratch();
        Spans(c, win, occ);
        lists.push_back(&occ);
        if (occ.empty()) {
          result = false;
          break;
        }
      }
      if (result && n.kind != Kind::kSame) {
        occ_ = lists;
        chosen_.clear();
        result = AnyCombination(0, n.arg, n.kind == Kind::kWithin);
      } else if (result) {
        // Some paragraph holds an occurrence of every operand.
        std::vector<std::uint32_t> common, paras, both;
        for (std::size_t k = 0; k < lists.size(); ++k) {
          paras.clear();
          for (const Span& sp : *lists[k]) paras.push_back(s_->paragraph_of[sp.first]);
          std::sort(paras.begin(), paras.end());
          paras.erase(std::unique(paras.begin(), paras.end()), paras.end());
          if (k == 0) {
            common = paras;
          } else {
            both.clear();
            std::set_intersection(common.begin(), common.end(), paras.begin(), paras.end(),
                                  std::back_inserter(both));
            common.swap(both);
          }
          work_ += paras.size();
        }
        result = !common.empty();
      }
      depth_ = base;
      return result;
    }
    case Kind::kAtLeast: {
      if (i + 1 >= n.end) return false;
      std::vector<Span>& out = Scratch();
      Spans(i + 1, Narrow(Window{}, n.scope), out);
      --depth_;
      return out.size() >= n.arg;
    }
    case Kind::kField:
      return FieldMatches(n);
    case Kind::kRange: {
      std::uint32_t off = n.data;
      const std::int64_t from = q_.I64(&off);
      const std::int64_t to = q_.I64(&off);
      return s_->time_us >= from && s_->time_us <= to;
    }
    case Kind::kSince: {
      std::uint32_t off = n.data;
      const std::int64_t seconds = q_.I64(&off);
      return s_->time_us >= now_us_ - seconds * 1000000;
    }
  }
  return false;
}

bool Verifier::Matches(QueryView q, std::uint32_t node, std::uint64_t* work) {
  q_ = q;
  work_ = 0;
  depth_ = 0;
  const bool m = node < q.node_count() && Eval(node);
  if (work != nullptr) *work += work_;
  return m;
}

void Verifier::CollectTerms(std::uint32_t i, std::vector<std::uint32_t>& out) {
  using query::Kind;
  const CompiledNode& n = q_.nodes()[i];
  switch (n.kind) {
    case Kind::kNot:
      return;  // negated words are not what matched
    case Kind::kTerm:
    case Kind::kPhrase:
    case Kind::kPrefix: {
      std::vector<Span>& spans = Scratch();
      Spans(i, Window{}, spans);
      for (const Span& sp : spans) {
        for (std::uint32_t p = sp.first; p <= sp.last; ++p) out.push_back(s_->exact_of[p]);
      }
      --depth_;
      return;
    }
    default:
      for (std::uint32_t c = i + 1; c < n.end; c = q_.nodes()[c].end) CollectTerms(c, out);
  }
}

void Verifier::AppendMatchedTermIds(QueryView q, std::vector<std::uint32_t>& out) {
  q_ = q;
  depth_ = 0;
  if (q.node_count() > 0) CollectTerms(0, out);
}

std::vector<std::string> Verifier::MatchedTerms(QueryView q) {
  q_ = q;
  depth_ = 0;
  // Word ids first: a word occurring many times is copied once.
  term_ids_.clear();
  if (q.node_count() > 0) CollectTerms(0, term_ids_);
  std::sort(term_ids_.begin(), term_ids_.end());
  term_ids_.erase(std::unique(term_ids_.begin(), term_ids_.end()), term_ids_.end());
  std::vector<std::string> out;
  out.reserve(term_ids_.size());
  for (std::uint32_t id : term_ids_) out.push_back(s_->exacts.word(id));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace dateline::match
