// Who is acting: a user through a session or token, or the system itself (scheduler, init,
// the command line). A user's powers come only from the permissions of their roles.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/access.h"

namespace kanri::engine {

struct Principal {
  std::optional<std::int64_t> user_id;  // empty for the system
  std::string username = "system";
  std::string display_name = "System";
  std::string kind;                      // agent, requester, auditor, administrator
  std::vector<std::string> roles;        // directly and through groups
  std::vector<std::int64_t> orgs;        // organizations the user belongs to
  std::optional<std::int64_t> primary_org;
  std::vector<std::int64_t> groups;
  std::string language = "en";
  std::string time_zone = "Asia/Tokyo";
  std::string ip;
  // How the caller proved who they are; which credential, so "this session" can be named.
  std::string auth_method;               // password, password+totp, ldap, token, system
  std::optional<std::int64_t> session_id, token_id;
  bool enrolment_only = false;           // must enrol a second factor before anything else
  std::shared_ptr<const AccessPolicy> access;  // null only for the system

  static Principal system() {
    Principal p;
    p.auth_method = "system";
    return p;
  }
  bool is_system() const { return !access; }
  bool has_role(const std::string& role) const {
    return std::find(roles.begin(), roles.end(), role) != roles.end();
  }
  bool in_org(std::int64_t org) const { return std::find(orgs.begin(), orgs.end(), org) != orgs.end(); }
  // The widest scope granted for `action` on `type`; the system may do everything.
  Scope scope(std::string_view type, std::string_view action) const {
    return access ? access->scope(type, action) : Scope::all;
  }
};

}  // namespace kanri::engine
