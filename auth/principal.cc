#include "auth/principal.h"

namespace dateline {

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kAdmin: return "admin";
    case Role::kEditor: return "editor";
    case Role::kReader: break;
  }
  return "reader";
}

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "admin") return Role::kAdmin;
  if (name == "editor") return Role::kEditor;
  if (name == "reader") return Role::kReader;
  return std::nullopt;
}

std::string_view ScopeName(Scope s) {
  switch (s) {
    case Scope::kStoriesRead: return "stories:read";
    case Scope::kStoriesWrite: return "stories:write";
    case Scope::kAlerts: return "alerts";
    case Scope::kAdmin: return "admin";
  }
  return "";
}

std::optional<Scope> ParseScope(std::string_view name) {
  for (Scope s : {Scope::kStoriesRead, Scope::kStoriesWrite, Scope::kAlerts, Scope::kAdmin}) {
    if (ScopeName(s) == name) return s;
  }
  return std::nullopt;
}

std::optional<ScopeSet> ParseScopes(std::string_view list) {
  ScopeSet set = 0;
  std::size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && (list[i] == ' ' || list[i] == ',')) ++i;
    std::size_t j = i;
    while (j < list.size() && list[j] != ' ' && list[j] != ',') ++j;
    if (j > i) {
      auto s = ParseScope(list.substr(i, j - i));
      if (!s) return std::nullopt;
      set |= static_cast<ScopeSet>(*s);
    }
    i = j;
  }
  return set;
}

std::string ScopesToString(ScopeSet set) {
  std::string out;
  for (Scope s : {Scope::kStoriesRead, Scope::kStoriesWrite, Scope::kAlerts, Scope::kAdmin}) {
    if (set & static_cast<ScopeSet>(s)) {
      if (!out.empty()) out += ' ';
      out += ScopeName(s);
    }
  }
  return out;
}

ScopeSet ScopesAllowedFor(Role role) {
  switch (role) {
    case Role::kAdmin: return kAllScopes;
    case Role::kEditor:
      return static_cast<ScopeSet>(Scope::kStoriesRead) | static_cast<ScopeSet>(Scope::kStoriesWrite) |
             static_cast<ScopeSet>(Scope::kAlerts);
    case Role::kReader: break;
  }
  return static_cast<ScopeSet>(Scope::kStoriesRead) | static_cast<ScopeSet>(Scope::kAlerts);
}

bool HasScope(const Principal& p, Scope scope) {
  if (p.restricted()) return false;
  const auto bit = static_cast<ScopeSet>(scope);
  if ((ScopesAllowedFor(p.role) & bit) == 0) return false;
  return (p.scopes & bit) != 0;
}

}  // namespace dateline
