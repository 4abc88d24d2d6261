#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "app/commands.h"
#include "auth/auth_service.h"
#include "core/time_format.h"
#include "store/metadata_db.h"

namespace dateline {
namespace {

Result<std::unique_ptr<MetadataDb>> OpenMetadata(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create data folder " + dir + ": " + ec.message());
  return MetadataDb::Open(dir + "/metadata.db");
}

int Fail(const char* what, const Status& st) {
  std::fprintf(stderr, "dateline %s: %s\n", what, st.message().c_str());
  return 1;
}

}  // namespace

int RunUser(const UserArgs& args) {
  auto db = OpenMetadata(args.data_dir);
  if (!db.ok()) return Fail("user", db.status());
  AuthService auth(**db, Clock::System());
  const Actor cli = Actor::System();

  if (args.action == "list") {
    auto users = auth.ListUsers();
    if (!users.ok()) return Fail("user", users.status());
    std::printf("%-24s %-7s %-8s %-4s %s\n", "USERNAME", "ROLE", "STATE", "2FA", "GROUPS");
    for (const auto& u : *users) {
      std::string groups;
      for (const auto& g : u.groups) groups += (groups.empty() ? "" : ",") + g;
      std::printf("%-24s %-7s %-8s %-4s %s\n", u.username.c_str(),
                  std::string(RoleName(u.role)).c_str(), u.disabled ? "disabled" : "active",
                  u.totp_enabled ? "on" : "off", groups.c_str());
    }
    return 0;
  }
  if (args.username.empty()) {
    std::fprintf(stderr, "dateline user %s: a USERNAME is needed\n", args.action.c_str());
    return 2;
  }
  if (args.action == "add") {
    auto role = ParseRole(args.role);
    if (!role) {
      std::fprintf(stderr, "dateline user add: --role must be admin, editor or reader\n");
      return 2;
    }
    NewUser nu;
    nu.username = args.username;
    nu.role = *role;
    nu.groups = args.groups;
    std::string shown;
    if (args.password_stdin) {
      std::getline(std::cin, nu.password);
      if (!nu.password.empty() && nu.password.back() == '\r') nu.password.pop_back();
      nu.must_change_password = false;
    } else {
      // A random one-time password, changed at first login.
      nu.password = "Initial-" + std::to_string(Clock::System().NowMicros()) + "-pass!";
    }
    auto added = auth.AddUser(cli, nu);
    if (!added.ok()) return Fail("user add", added.status());
    if (!args.password_stdin) {
      auto pw = auth.ResetPassword(cli, args.username);
      if (!pw.ok()) return Fail("user add", pw.status());
      shown = *pw;
    }
    std::printf("added %s (%s)\n", args.username.c_str(), std::string(RoleName(*role)).c_str());
    if (!shown.empty()) {
      std::printf("one-time password: %s (to be changed at first login)\n", shown.c_str());
    }
    return 0;
  }
  if (args.action == "disable" || args.action == "enable") {
    Status st = auth.SetUserDisabled(cli, args.username, args.action == "disable");
    if (!st.ok()) return Fail(("user " + args.action).c_str(), st);
    std::printf("%s %s\n", args.action == "disable" ? "disabled" : "enabled", args.username.c_str());
    return 0;
  }
  if (args.action == "reset-password") {
    auto pw = auth.ResetPassword(cli, args.username);
    if (!pw.ok()) return Fail("user reset-password", pw.status());
    std::printf("one-time password for %s: %s (to be changed at first login)\n",
                args.username.c_str(), pw->c_str());
    return 0;
  }
  if (args.action == "reset-2fa") {
    Status st = auth.ResetTotp(cli, args.username);
    if (!st.ok()) return Fail("user reset-2fa", st);
    std::printf("two-factor authentication of %s is off; they can enrol again\n",
                args.username.c_str());
    return 0;
  }
  std::fprintf(stderr, "dateline user: unknown action %s\n", args.action.c_str());
  return 2;
}

int RunTokenCreate(const TokenArgs& args) {
  ScopeSet scopes = 0;
  for (const auto& s : args.scopes) {
    auto scope = ParseScope(s);
    if (!scope) {
      std::fprintf(stderr,
                   "dateline token create: unknown scope %s (stories:read, stories:write, "
                   "alerts, admin)\n",
                   s.c_str());
      return 2;
    }
    scopes |= static_cast<ScopeSet>(*scope);
  }
  auto db = OpenMetadata(args.data_dir);
  if (!db.ok()) return Fail("token create", db.status());
  AuthService auth(**db, Clock::System());
  auto token = auth.CreateTokenForUser(Actor::System(), args.username, args.name, scopes);
  if (!token.ok()) return Fail("token create", token.status());
  // The token alone on stdout, so scripts can capture it; it is shown only this once.
  std::printf("%s\n", token->token.c_str());
  std::fprintf(stderr, "token %s for %s with scopes %s (shown once; store it safely)\n",
               token->id.c_str(), args.username.c_str(), ScopesToString(scopes).c_str());
  return 0;
}

}  // namespace dateline
