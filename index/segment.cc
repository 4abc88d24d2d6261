#include "index/segment.h"

#include "core/hash.h"

namespace dateline::index {

std::uint64_t StoryIdHash(std::string_view id) { return Hash64(id, 0x1d5e9a11ull); }

void PostingCursor::PositionsByBits(const std::uint32_t* docs, std::size_t n,
                                    const std::uint64_t* bits, std::uint32_t lo,
                                    std::vector<std::uint32_t>& positions,
                                    std::vector<std::uint32_t>& ends) {
  std::vector<std::uint32_t> one;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t d = docs[i];
    const std::uint32_t bit = d - lo;
    if (d >= lo && ((bits[bit >> 6] >> (bit & 63)) & 1) != 0 &&
        (MoveByBits(d, bits, lo) || Advance(d) == d)) {
      Positions(one);
      positions.insert(positions.end(), one.begin(), one.end());
    }
    ends.push_back(static_cast<std::uint32_t>(positions.size()));
  }
}

}  // namespace dateline::index
