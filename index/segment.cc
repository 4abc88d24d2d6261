#include "index/segment.h"

#include "core/hash.h"

namespace dateline::index {

std::uint64_t StoryIdHash(std::string_view id) { return Hash64(id, 0x1d5e9a11ull); }

}  // namespace dateline::index
