// kanri user|role|token: the administrator's command line, through the same Directory as the
// API (validation, no-escalation rule, journal).
#include <pwd.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "auth/authenticator.h"
#include "auth/directory.h"
#include "cli/app.h"

namespace kanri::cli {

using nlohmann::json;

namespace {

// Everything the account commands need, built over the App.
struct Accounts {
  explicit Accounts(App& app)
      : app(app), auth(*app.db, *app.catalogue, app.clock, app.config.auth), directory(*app.db, *app.catalogue, app.clock, auth) {
    actor = command_line_principal();
  }
  App& app;
  auth::Authenticator auth;
  auth::Directory directory;
  engine::Principal actor;

  // Prints the error as the API would say it (English), each field on its own line.
  int fail(const Error& e) {
    std::cerr << "kanri: " << app.messages.text("en", e.code, e.args) << "\n";
    for (auto& f : e.fields) {
      MessageArgs args = f.args;
      args["label"] = f.field;
      std::cerr << "  " << f.field << ": " << app.messages.text("en", f.code, args) << "\n";
    }
    return 2;
  }
};

// One line from standard input; without echo when it is a terminal.
std::string read_secret(const std::string& prompt) {
  bool tty = isatty(STDIN_FILENO);
  termios saved{};
  if (tty) {
    std::cerr << prompt << std::flush;
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (auto& i : items) out += (out.empty() ? "" : ",") + i;
  return or_dash(out);
}

}  // namespace

int run_user_add(App& app, const UserAddOptions& o) {
  Accounts a(app);
  json body{{"username", o.name}, {"kind", o.kind}, {"language", o.language}, {"organizations", o.orgs},
            {"roles", o.roles}, {"groups", o.groups}, {"auth_source", o.ldap ? "ldap" : "local"}};
  if (!o.display_name.empty()) body["display_name"] = o.display_name;
  if (!o.email.empty()) body["email"] = o.email;
  if (!o.ldap) body["password"] = read_secret("Password for " + o.name + ": ");
  auto u = a.directory.create_user(a.actor, body);
  if (!u) return a.fail(u.error());
  std::cout << "created user " << u->user.username << " (id " << u->user.id << ", " << u->user.kind << ")\n";
  return 0;
}

int run_user_list(App& app) {
  Accounts a(app);
  std::cout << std::left << std::setw(20) << "USERNAME" << std::setw(14) << "KIND" << std::setw(8) << "ACTIVE"
            << std::setw(7) << "TOTP" << std::setw(28) << "ORGANIZATIONS" << "ROLES\n";
  std::string after;
  for (;;) {
    auto page = a.directory.users(a.actor, after, 500);
    if (!page) return a.fail(page.error());
    for (auto& v : *page) {
      std::vector<std::string> orgs;
      for (auto& o : v.organizations) orgs.push_back(o.number.empty() ? std::to_string(o.id) : o.number);
      std::cout << std::setw(20) << v.user.username << std::setw(14) << v.user.kind << std::setw(8)
                << (v.user.active ? "yes" : "no") << std::setw(7) << (v.user.totp_secret.empty() ? "no" : "yes")
                << std::setw(28) << joined(orgs) << joined(v.roles) << "\n";
    }
    if (page->size() < 500) return 0;
    after = page->back().user.username;
  }
}

int run_user_set_active(App& app, const std::string& name, bool active) {
  Accounts a(app);
  auto u = a.directory.update_user(a.actor, name, json{{"active", active}}, std::nullopt);
  if (!u) return a.fail(u.error());
  std::cout << (active ? "enabled " : "disabled ") << u->user.username << (active ? "" : "; their sessions have ended") << "\n";
  return 0;
}

int run_user_reset_password(App& app, const std::string& name) {
  Accounts a(app);
  std::string password = read_secret("New password for " + name + ": ");
  if (auto s = a.directory.reset_password(a.actor, name, password); !s) return a.fail(s.error());
  std::cout << "password of " << name << " reset; their sessions have ended\n";
  return 0;
}

int run_role_list(App& app) {
  Accounts a(app);
  auto roles = a.directory.roles(a.actor);
  if (!roles) return a.fail(roles.error());
  for (auto& r : *roles) {
    std::cout << r.role.name << "  " << r.role.label_en << " / " << r.role.label_ja << (r.role.builtin ? "  (built-in)" : "")
              << "  held by " << r.holders << "\n";
    for (auto& p : r.permissions) std::cout << "    " << std::setw(14) << p.type << std::setw(16) << p.action << p.scope << "\n";
  }
  return 0;
}

int run_role_grant(App& app, const std::string& user, const std::string& role, bool grant) {
  Accounts a(app);
  if (auto s = a.directory.grant_role(a.actor, user, role, grant); !s) return a.fail(s.error());
  std::cout << (grant ? "granted " : "revoked ") << role << (grant ? " to " : " from ") << user << "\n";
  return 0;
}

int run_token_create(App& app, const std::string& username, const std::string& label, int expires_days) {
  Accounts a(app);
  json body{{"label", label}, {"user", username}};
  if (expires_days > 0) body["expires_in_days"] = expires_days;
  auto made = a.directory.create_token(a.actor, body);
  if (!made) return a.fail(made.error());
  std::cout << made->secret << "\n";
  return 0;
}

int run_token_list(App& app, const std::string& username) {
  Accounts a(app);
  auto tokens = a.directory.tokens(a.actor, username, username.empty());
  if (!tokens) return a.fail(tokens.error());
  std::cout << std::left << std::setw(6) << "ID" << std::setw(18) << "USER" << std::setw(22) << "LABEL" << std::setw(26)
            << "EXPIRES" << "STATE\n";
  for (auto& t : *tokens) {
    std::string state = t.token.revoked_at ? "revoked" : "active";
    if (!t.token.revoked_at && t.token.expires_at && *t.token.expires_at <= app.clock.now_ms()) state = "expired";
    std::cout << std::setw(6) << t.token.id << std::setw(18) << t.username << std::setw(22) << t.token.label << std::setw(26)
              << (t.token.expires_at ? format_timestamp(*t.token.expires_at) : "never") << state << "\n";
  }
  return 0;
}

int run_token_revoke(App& app, std::int64_t id) {
  Accounts a(app);
  if (auto s = a.directory.revoke_token(a.actor, id); !s) return a.fail(s.error());
  std::cout << "revoked token " << id << "\n";
  return 0;
}

}  // namespace kanri::cli
