// EntitlementView: which sources a principal may see, as an immutable snapshot.
//
// Built by AuthService::ForPrincipal from the principal's groups (always including `everyone`)
// and the grants of those groups. CanSee is a hash-set lookup, cheap enough to call for every
// story on every stream. The object never changes after construction, so a shared_ptr to it may
// be read from any number of threads without locking. It does not update itself: compare
// version() with AuthService::EntitlementsVersion() and fetch a fresh view when they differ.
//
// Admins are NOT exempt: an admin sees only the sources granted to one of their groups (an
// admin can grant themselves anything, which is audited).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

namespace dateline {

// Transparent hash so string_view lookups need no allocation.
struct SourceNameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using SourceSet = std::unordered_set<std::string, SourceNameHash, std::equal_to<>>;

class EntitlementView {
 public:
  EntitlementView(SourceSet sources, std::uint64_t version)
      : sources_(std::move(sources)), version_(version) {}

  // True when stories from `source` (Story::source) may be shown.
  bool CanSee(std::string_view source) const {
    return sources_.find(source) != sources_.end();
  }
  std::uint64_t version() const { return version_; }
  const SourceSet& sources() const { return sources_; }

 private:
  const SourceSet sources_;
  const std::uint64_t version_;
};

using EntitlementViewPtr = std::shared_ptr<const EntitlementView>;

}  // namespace dateline
