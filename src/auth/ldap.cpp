#include "auth/ldap.h"

#include <ldap.h>
#include <sys/time.h>

#include <cstdio>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kanri::auth {
namespace {

constexpr std::string_view kUsernamePlaceholder = "{username}";

struct Unbind {
  void operator()(LDAP* ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
using Connection = std::unique_ptr<LDAP, Unbind>;

struct FreeMessages {
  void operator()(LDAPMessage* message) const { ldap_msgfree(message); }
};
using Messages = std::unique_ptr<LDAPMessage, FreeMessages>;

LdapResult rejected(std::string detail) {
  return LdapResult{LdapOutcome::rejected, {}, std::move(detail)};
}

LdapResult unavailable(std::string detail) {
  return LdapResult{LdapOutcome::unavailable, {}, std::move(detail)};
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

std::string with_username(std::string_view pattern, std::string_view escaped_username) {
  std::string out;
  size_t from = 0;
  for (size_t at; (at = pattern.find(kUsernamePlaceholder, from)) != std::string_view::npos;) {
    out.append(pattern.substr(from, at - from)).append(escaped_username);
    from = at + kUsernamePlaceholder.size();
  }
  out.append(pattern.substr(from));
  return out;
}

// The server's words for a failure: the result code's text plus its diagnostic message, which is
// where directories say *which* rule refused (account locked, password expired...).
std::string describe(LDAP* ld, int code) {
  std::string text = ldap_err2string(code);
  text += " (" + std::to_string(code) + ")";
  char* diagnostic = nullptr;
  if (ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diagnostic) == LDAP_OPT_SUCCESS &&
      diagnostic != nullptr) {
    if (*diagnostic != '\0') text += ": " + std::string(diagnostic);
    ldap_memfree(diagnostic);
  }
  return text;
}

// Result codes with which a directory refuses these credentials, as opposed to failing to answer.
// Lockouts and expired passwords (UNWILLING_TO_PERFORM, CONSTRAINT_VIOLATION, INSUFFICIENT_ACCESS
// in common password policies) are refusals too: retrying will not help the user.
bool is_refusal(int code) {
  switch (code) {
    case LDAP_INVALID_CREDENTIALS:
    case LDAP_INVALID_DN_SYNTAX:
    case LDAP_NO_SUCH_OBJECT:
    case LDAP_INAPPROPRIATE_AUTH:
    case LDAP_UNWILLING_TO_PERFORM:
    case LDAP_CONSTRAINT_VIOLATION:
    case LDAP_INSUFFICIENT_ACCESS:
      return true;
    default:
      return false;
  }
}

int simple_bind(LDAP* ld, const std::string& dn, const std::string& password) {
  berval credentials{static_cast<ber_len_t>(password.size()), const_cast<char*>(password.data())};
  return ldap_sasl_bind_s(ld, dn.c_str(), LDAP_SASL_SIMPLE, &credentials, nullptr, nullptr,
                          nullptr);
}

// Why `config` cannot be used for anyone, or nothing. These are the administrator's mistakes, so
// they come back as `unavailable`, never as a wrong password.
std::optional<std::string> configuration_problem(const LdapConfig& config) {
  if (!starts_with_ignoring_case(config.url, "ldap://") &&
      !starts_with_ignoring_case(config.url, "ldaps://")) {
    return "configuration: url must start with ldap:// or ldaps://, got \"" + config.url + "\"";
  }
  if (config.start_tls && starts_with_ignoring_case(config.url, "ldaps://")) {
    return "configuration: start_tls with an ldaps:// url (TLS is already on)";
  }
  if (config.timeout_seconds <= 0) return "configuration: timeout_seconds must be positive";
  if (!config.bind_dn.empty()) {
    // Without the placeholder every username would bind as the same entry.
    if (config.bind_dn.find(kUsernamePlaceholder) == std::string::npos) {
      return "configuration: bind_dn has no {username}";
    }
    return std::nullopt;
  }
  if (config.search_base.empty()) return "configuration: neither bind_dn nor search_base is set";
  if (config.search_filter.find(kUsernamePlaceholder) == std::string::npos) {
    return "configuration: search_filter has no {username}";
  }
  if (!config.service_dn.empty() && config.service_password.empty()) {
    // It would be an anonymous bind under the service account's name.
    return "configuration: service_dn is set but service_password is empty";
  }
  return std::nullopt;
}

// libldap sets up its global defaults (ldap.conf, environment) on first use, and two threads making
// that first use at once race (ThreadSanitizer shows it in ldap_create). A function-local static
// makes it happen exactly once, before any connection.
void initialize_library_once() {
  static const bool initialized = [] {
    int version = 0;
    ldap_get_option(nullptr, LDAP_OPT_PROTOCOL_VERSION, &version);
    return true;
  }();
  (void)initialized;
}

// A connection with the protocol, timeouts and referral policy set, TLS started if asked; or why
// not. libldap connects lazily, so an unreachable server shows up at the first operation, not here.
std::optional<std::string> open_connection(const LdapConfig& config, Connection& connection) {
  initialize_library_once();
  LDAP* raw = nullptr;
  int code = ldap_initialize(&raw, config.url.c_str());
  connection.reset(raw);
  if (code != LDAP_SUCCESS) return "cannot use url " + config.url + ": " + ldap_err2string(code);

  const int version = LDAP_VERSION3;
  const timeval timeout{config.timeout_seconds, 0};
  // Referrals would be followed anonymously, to servers the configuration never named.
  if (ldap_set_option(raw, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS ||
      ldap_set_option(raw, LDAP_OPT_NETWORK_TIMEOUT, &timeout) != LDAP_OPT_SUCCESS ||
      ldap_set_option(raw, LDAP_OPT_TIMEOUT, &timeout) != LDAP_OPT_SUCCESS ||
      ldap_set_option(raw, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS) {
    return "cannot set the connection options";
  }
  if (config.start_tls) {
    code = ldap_start_tls_s(raw, nullptr, nullptr);
    if (code != LDAP_SUCCESS) {
      return "StartTLS with " + config.url + " failed: " + describe(raw, code);
    }
  }
  return std::nullopt;
}

// Sets `dn` to the one entry that `search_filter` finds for this username, searching as the service
// account (or anonymously); or returns why there is not exactly one.
std::optional<LdapResult> find_user_dn(LDAP* ld, const LdapConfig& config,
                                       std::string_view username, std::string& dn) {
  if (!config.service_dn.empty()) {
    const int code = simple_bind(ld, config.service_dn, config.service_password);
    if (code != LDAP_SUCCESS) {
      return unavailable("bind as service account " + config.service_dn +
                         " failed: " + describe(ld, code));
    }
  }
  const std::string filter =
      with_username(config.search_filter, ldap_escape_filter_value(username));
  char no_attributes[] = LDAP_NO_ATTRS;
  char* attributes[] = {no_attributes, nullptr};
  timeval timeout{config.timeout_seconds, 0};
  LDAPMessage* raw = nullptr;
  // A size limit of 2 is enough to tell "exactly one" from "several" without reading a whole
  // department when the filter is too broad.
  const int code =
      ldap_search_ext_s(ld, config.search_base.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(),
                        attributes, 0, nullptr, nullptr, &timeout, 2, &raw);
  Messages messages(raw);
  if (code == LDAP_SIZELIMIT_EXCEEDED) return rejected("several entries match " + filter);
  if (code != LDAP_SUCCESS) {
    return unavailable("search for " + filter + " under " + config.search_base +
                       " failed: " + describe(ld, code));
  }
  const int count = ldap_count_entries(ld, messages.get());
  if (count == 0) return rejected("no entry matches " + filter + " under " + config.search_base);
  if (count != 1) {
    return rejected("several entries (" + std::to_string(count) + ") match " + filter);
  }
  char* found = ldap_get_dn(ld, ldap_first_entry(ld, messages.get()));
  if (found == nullptr) return unavailable("the entry matching " + filter + " has no DN");
  dn = found;
  ldap_memfree(found);
  return std::nullopt;
}

std::string first_value(LDAP* ld, LDAPMessage* entry, const std::string& attribute) {
  if (attribute.empty()) return {};
  berval** values = ldap_get_values_len(ld, entry, attribute.c_str());
  if (values == nullptr) return {};
  std::string value;
  if (values[0] != nullptr) value.assign(values[0]->bv_val, values[0]->bv_len);
  ldap_value_free_len(values);
  return value;
}

// Fills `identity` from the user's own entry, read with the user's rights; `detail` says why if it
// could not be read. The entry's DN as the directory spells it replaces the one we bound with.
void read_identity(LDAP* ld, const LdapConfig& config, LdapResult& result) {
  std::vector<std::string> names;
  for (const std::string* name : {&config.display_name_attribute, &config.email_attribute}) {
    if (!name->empty()) names.push_back(*name);
  }
  char no_attributes[] = LDAP_NO_ATTRS;
  std::vector<char*> attributes;
  for (std::string& name : names) attributes.push_back(name.data());
  if (attributes.empty()) attributes.push_back(no_attributes);
  attributes.push_back(nullptr);
  char any_entry[] = "(objectClass=*)";
  timeval timeout{config.timeout_seconds, 0};
  LDAPMessage* raw = nullptr;
  const int code = ldap_search_ext_s(ld, result.identity.dn.c_str(), LDAP_SCOPE_BASE, any_entry,
                                     attributes.data(), 0, nullptr, nullptr, &timeout, 1, &raw);
  Messages messages(raw);
  LDAPMessage* entry = code == LDAP_SUCCESS ? ldap_first_entry(ld, messages.get()) : nullptr;
  if (entry == nullptr) {
    result.detail = "signed in, but reading " + result.identity.dn +
                    " failed: " + (code == LDAP_SUCCESS ? "no entry returned" : describe(ld, code));
    return;
  }
  if (char* dn = ldap_get_dn(ld, entry)) {
    result.identity.dn = dn;
    ldap_memfree(dn);
  }
  result.identity.display_name = first_value(ld, entry, config.display_name_attribute);
  result.identity.email = first_value(ld, entry, config.email_attribute);
}

}  // namespace

LdapResult ldap_authenticate(const LdapConfig& config, const std::string& username,
                             const std::string& password) {
  if (password.empty()) {
    return rejected(
        "empty password refused without asking the directory: a simple bind with "
        "no password is an anonymous bind, which succeeds");
  }
  if (username.empty()) return rejected("empty username refused without asking the directory");
  if (auto problem = configuration_problem(config)) return unavailable(*problem);

  Connection connection;
  if (auto problem = open_connection(config, connection)) return unavailable(*problem);
  LDAP* ld = connection.get();

  LdapResult result{LdapOutcome::accepted, {}, {}};
  if (!config.bind_dn.empty()) {
    result.identity.dn = with_username(config.bind_dn, ldap_escape_dn_value(username));
  } else {
    if (auto failure = find_user_dn(ld, config, username, result.identity.dn)) return *failure;
  }

  const int code = simple_bind(ld, result.identity.dn, password);
  if (code != LDAP_SUCCESS) {
    std::string detail = "bind as " + result.identity.dn + " failed: " + describe(ld, code);
    return is_refusal(code) ? rejected(std::move(detail)) : unavailable(std::move(detail));
  }
  read_identity(ld, config, result);
  return result;
}

std::string ldap_escape_dn_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      char hex[4];
      std::snprintf(hex, sizeof hex, "\\%02X", byte);
      out += hex;
      continue;
    }
    const bool special = c == ',' || c == '+' || c == ';' || c == '"' || c == '\\' || c == '<' ||
                         c == '>' || c == '=';
    const bool at_start = i == 0 && (c == ' ' || c == '#');
    const bool at_end = i + 1 == value.size() && c == ' ';
    if (special || at_start || at_end) out += '\\';
    out += c;
  }
  return out;
}

std::string ldap_escape_filter_value(std::string_view value) {
  berval in{static_cast<ber_len_t>(value.size()), const_cast<char*>(value.data())};
  berval out{0, nullptr};
  if (ldap_bv2escaped_filter_value(&in, &out) != 0) throw std::bad_alloc();
  if (out.bv_val == nullptr) return {};
  std::string escaped(out.bv_val, out.bv_len);
  ber_memfree(out.bv_val);
  return escaped;
}

}  // namespace kanri::auth
