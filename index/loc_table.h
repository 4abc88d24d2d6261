// Open-addressing hash table from a story id hash to where the latest version of the story is:
// one probe in a flat array instead of a node per story, which makes opening a large index (one
// insert per document) and every Add cheaper. Entries are never removed, only overwritten.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dateline::index {

template <typename Loc>
class LocTable {
 public:
  // The value stored under `hash`, nullptr when none. Valid until the next Insert.
  Loc* Find(std::uint64_t hash) {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = Start(hash);; i = (i + 1) & (slots_.size() - 1)) {
      Slot& s = slots_[i];
      if (!s.used) return nullptr;
      if (s.hash == hash) return &s.loc;
    }
  }

  // Stores `loc` under `hash` unless a value is there already; returns the value under `hash`
  // and whether it was stored now.
  std::pair<Loc*, bool> Insert(std::uint64_t hash, const Loc& loc) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Grow(slots_.size() * 2);
    for (std::size_t i = Start(hash);; i = (i + 1) & (slots_.size() - 1)) {
      Slot& s = slots_[i];
      if (!s.used) {
        s = {hash, loc, true};
        ++size_;
        return {&s.loc, true};
      }
      if (s.hash == hash) return {&s.loc, false};
    }
  }

  // Makes room for `n` entries without growing.
  void Reserve(std::size_t n) {
    std::size_t want = 16;
    while (want * 3 < n * 4 + 4) want *= 2;
    if (want > slots_.size()) Grow(want);
  }

  std::size_t size() const { return size_; }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    Loc loc{};
    bool used = false;
  };
  std::size_t Start(std::uint64_t hash) const {
    // The hash is already well mixed (StoryIdHash); the high bits spread runs of close values.
    return static_cast<std::size_t>((hash ^ (hash >> 29)) & (slots_.size() - 1));
  }
  void Grow(std::size_t n) {
    if (n < 16) n = 16;
    std::vector<Slot> old(n);
    old.swap(slots_);
    size_ = 0;
    for (const Slot& s : old) {
      if (s.used) Insert(s.hash, s.loc);
    }
  }

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

}  // namespace dateline::index
