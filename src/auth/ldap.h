// Signing in against an organization's directory (LDAP bind), for organizations that keep their
// people in LDAP or Active Directory rather than in Kanri's password table. Kanri never sees the
// directory's password hashes: a password is right exactly when the directory accepts a bind with
// it.
#pragma once

#include <string>
#include <string_view>

namespace kanri::auth {

// Where the directory is and how a username becomes the DN to bind as.
struct LdapConfig {
  std::string url;  // "ldap://127.0.0.1:3389" (ldaps:// also accepted)
  // Direct bind template: "uid={username},ou=people,dc=example,dc=org"; empty = search first.
  // The template and the filter must contain {username}; without it everyone would be one entry.
  std::string bind_dn;
  std::string search_base;  // search mode: where users live
  std::string search_filter = "(uid={username})";
  std::string service_dn, service_password;  // search mode: who searches (empty = anonymous search)
  bool start_tls = false;
  std::string display_name_attribute = "cn", email_attribute = "mail";
  int timeout_seconds = 5;  // network and operation timeout, for each step (connect, bind, search)
};

// Who the directory says the user is, read from their entry after the bind succeeded.
// `dn` is spelled as the directory stores it: map accounts by it rather than by the typed username,
// which the directory matched without regard to case or surrounding spaces.
struct LdapIdentity {
  std::string dn, display_name, email;
};

// `rejected`: the directory answered and the credentials are wrong (or the user does not exist, or
// is not unique). `unavailable`: no answer could be had — the server is down or too slow, TLS
// failed, the service account was refused, or the configuration is unusable (no {username}, a URL
// that is not ldap:// or ldaps://) — so the password was neither accepted nor refused.
enum class LdapOutcome { accepted, rejected, unavailable };

struct LdapResult {
  LdapOutcome outcome = LdapOutcome::rejected;
  LdapIdentity identity;  // filled only when accepted
  std::string detail;     // why it failed, for the server log only (never shown to users)
};

// Checks `password` for `username` by binding to the directory as that user (direct template, or
// search for the user's DN then bind). `detail` explains failures for the server log only (never
// shown to users). An empty password (or username) is rejected without contacting the server,
// because LDAP treats a simple bind with an empty password as an anonymous bind that succeeds. The
// username is escaped (RFC 4514 in a DN, RFC 4515 in a filter) so it cannot change the DN or the
// filter. After a successful bind, the user's display name and e-mail attributes are read (as the
// user); if that read fails the result is still accepted, with them empty and `detail` saying why.
// A search that finds zero or several entries is `rejected`. Each call has its own connection, so
// calls from several threads are safe.
LdapResult ldap_authenticate(const LdapConfig& config, const std::string& username,
                             const std::string& password);

// `value` as an RFC 4514 attribute value, safe to put after "uid=" in a DN: the characters that
// would end or restructure the RDN (, + ; " \ < > = and a leading # or space or trailing space) and
// control characters are escaped; other UTF-8 is kept as it is.
std::string ldap_escape_dn_value(std::string_view value);

// `value` as an RFC 4515 assertion value, safe to put in a filter: * ( ) \ NUL and every byte
// outside printable ASCII become \XX, so the value can only ever be compared, never widen the
// filter.
std::string ldap_escape_filter_value(std::string_view value);

}  // namespace kanri::auth
