#include "core/config.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <toml++/toml.h>

namespace kanri {

namespace {
const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}
template <class T>
void set(const toml::node_view<toml::node>& n, T& out) {
  if constexpr (std::is_same_v<T, std::uint64_t>) {
    if (auto v = n.value<int64_t>()) out = static_cast<std::uint64_t>(*v);
  } else {
    out = n.value_or(out);
  }
}

std::vector<std::string> strings(const toml::node_view<toml::node>& n, std::vector<std::string> fallback) {
  const toml::array* a = n.as_array();
  if (!a) return fallback;
  std::vector<std::string> out;
  for (auto& v : *a)
    if (auto s = v.value<std::string>()) out.push_back(*s);
  return out;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    if (comma == std::string::npos) comma = s.size();
    std::string item = s.substr(pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
    pos = comma + 1;
  }
  return out;
}

void read_auth(toml::table& t, AuthSettings& a) {
  auto s = t["auth"];
  set(s["session_idle_minutes"], a.session_idle_minutes);
  set(s["session_absolute_hours"], a.session_absolute_hours);
  set(s["secure_cookie"], a.secure_cookie);
  a.trusted_proxies = strings(s["trusted_proxies"], a.trusted_proxies);
  set(s["password_min_length"], a.password_min_length);
  set(s["password_opslimit"], a.password_opslimit);
  set(s["password_memlimit"], a.password_memlimit);
  set(s["login_max_failures_per_account"], a.login_max_failures_per_account);
  set(s["login_max_failures_per_address"], a.login_max_failures_per_address);
  set(s["login_window_seconds"], a.login_window_seconds);
  set(s["login_lock_seconds"], a.login_lock_seconds);
  set(s["login_lock_max_seconds"], a.login_lock_max_seconds);
  set(s["totp"], a.totp);
  set(s["totp_issuer"], a.totp_issuer);
  auto l = s["ldap"];
  set(l["url"], a.ldap_url);
  set(l["bind_dn"], a.ldap_bind_dn);
  set(l["search_base"], a.ldap_search_base);
  set(l["search_filter"], a.ldap_search_filter);
  set(l["service_dn"], a.ldap_service_dn);
  set(l["service_password"], a.ldap_service_password);
  set(l["start_tls"], a.ldap_start_tls);
  set(l["display_name_attribute"], a.ldap_display_name_attribute);
  set(l["email_attribute"], a.ldap_email_attribute);
  set(l["timeout_seconds"], a.ldap_timeout_seconds);
  set(l["create_users"], a.ldap_create_users);
  set(l["default_kind"], a.ldap_default_kind);
  set(l["default_org"], a.ldap_default_org);
  a.ldap_default_roles = strings(l["default_roles"], a.ldap_default_roles);
}

void read_auth_env(AuthSettings& a) {
  if (auto v = env("KANRI_SESSION_IDLE_MINUTES")) a.session_idle_minutes = std::atoi(v);
  if (auto v = env("KANRI_SESSION_ABSOLUTE_HOURS")) a.session_absolute_hours = std::atoi(v);
  if (auto v = env("KANRI_SECURE_COOKIE")) a.secure_cookie = v;
  if (auto v = env("KANRI_TRUSTED_PROXIES")) a.trusted_proxies = split_list(v);
  if (auto v = env("KANRI_PASSWORD_MIN_LENGTH")) a.password_min_length = std::atoi(v);
  if (auto v = env("KANRI_PASSWORD_OPSLIMIT")) a.password_opslimit = std::strtoull(v, nullptr, 10);
  if (auto v = env("KANRI_PASSWORD_MEMLIMIT")) a.password_memlimit = std::strtoull(v, nullptr, 10);
  if (auto v = env("KANRI_LOGIN_MAX_FAILURES_PER_ACCOUNT")) a.login_max_failures_per_account = std::atoi(v);
  if (auto v = env("KANRI_LOGIN_MAX_FAILURES_PER_ADDRESS")) a.login_max_failures_per_address = std::atoi(v);
  if (auto v = env("KANRI_LOGIN_WINDOW_SECONDS")) a.login_window_seconds = std::atoi(v);
  if (auto v = env("KANRI_LOGIN_LOCK_SECONDS")) a.login_lock_seconds = std::atoi(v);
  if (auto v = env("KANRI_LOGIN_LOCK_MAX_SECONDS")) a.login_lock_max_seconds = std::atoi(v);
  if (auto v = env("KANRI_TOTP")) a.totp = v;
  if (auto v = env("KANRI_LDAP_URL")) a.ldap_url = v;
  if (auto v = env("KANRI_LDAP_BIND_DN")) a.ldap_bind_dn = v;
  if (auto v = env("KANRI_LDAP_SEARCH_BASE")) a.ldap_search_base = v;
  if (auto v = env("KANRI_LDAP_SERVICE_DN")) a.ldap_service_dn = v;
  if (auto v = env("KANRI_LDAP_SERVICE_PASSWORD")) a.ldap_service_password = v;
  if (auto v = env("KANRI_LDAP_CREATE_USERS")) a.ldap_create_users = std::string(v) == "true" || std::string(v) == "1";
  if (auto v = env("KANRI_LDAP_DEFAULT_KIND")) a.ldap_default_kind = v;
  if (auto v = env("KANRI_LDAP_DEFAULT_ORG")) a.ldap_default_org = v;
  if (auto v = env("KANRI_LDAP_DEFAULT_ROLES")) a.ldap_default_roles = split_list(v);
}

void read_work(toml::table& t, Config& c) {
  auto j = t["jobs"];
  set(j["workers"], c.jobs.workers);
  set(j["poll_ms"], c.jobs.poll_ms);
  set(j["lease_ms"], c.jobs.lease_ms);
  set(j["retention_days"], c.jobs.retention_days);
  set(j["backoff_ms"], c.jobs.backoff_ms);
  auto m = t["mail"];
  set(m["smtp_host"], c.mail.smtp_host);
  set(m["smtp_port"], c.mail.smtp_port);
  set(m["security"], c.mail.security);
  set(m["verify_certificate"], c.mail.verify_certificate);
  set(m["ca_file"], c.mail.ca_file);
  set(m["username"], c.mail.username);
  set(m["password"], c.mail.password);
  set(m["from"], c.mail.from);
  set(m["from_name"], c.mail.from_name);
  set(m["timeout_seconds"], c.mail.timeout_seconds);
  set(m["webhook_timeout_seconds"], c.mail.webhook_timeout_seconds);
  set(t["site"]["name"], c.site.name);
  set(t["site"]["url"], c.site.url);
}

void read_work_env(Config& c) {
  if (auto v = env("KANRI_JOB_WORKERS")) c.jobs.workers = std::atoi(v);
  if (auto v = env("KANRI_JOB_POLL_MS")) c.jobs.poll_ms = std::atoi(v);
  if (auto v = env("KANRI_JOB_LEASE_MS")) c.jobs.lease_ms = std::atoll(v);
  if (auto v = env("KANRI_JOB_BACKOFF_MS")) c.jobs.backoff_ms = std::atoll(v);
  if (auto v = env("KANRI_SMTP_HOST")) c.mail.smtp_host = v;
  if (auto v = env("KANRI_SMTP_PORT")) c.mail.smtp_port = std::atoi(v);
  if (auto v = env("KANRI_SMTP_SECURITY")) c.mail.security = v;
  if (auto v = env("KANRI_SMTP_VERIFY")) c.mail.verify_certificate = std::string(v) != "false" && std::string(v) != "0";
  if (auto v = env("KANRI_SMTP_USERNAME")) c.mail.username = v;
  if (auto v = env("KANRI_SMTP_PASSWORD")) c.mail.password = v;
  if (auto v = env("KANRI_MAIL_FROM")) c.mail.from = v;
  if (auto v = env("KANRI_SITE_NAME")) c.site.name = v;
  if (auto v = env("KANRI_PUBLIC_URL")) c.site.url = v;
  while (!c.site.url.empty() && c.site.url.back() == '/') c.site.url.pop_back();
  auto fail = [](const std::string& what) { throw std::runtime_error("configuration: " + what); };
  if (c.jobs.workers < 0 || c.jobs.poll_ms < 10 || c.jobs.lease_ms < 1000 || c.jobs.retention_days < 1)
    fail("[jobs] workers >= 0, poll_ms >= 10, lease_ms >= 1000 and retention_days >= 1");
  if (c.mail.security != "none" && c.mail.security != "starttls" && c.mail.security != "tls")
    fail("[mail] security must be none, starttls or tls");
  if (c.mail.smtp_port < 1 || c.mail.smtp_port > 65535) fail("[mail] smtp_port must be 1..65535");
  if (c.mail.from.find('@') == std::string::npos) fail("[mail] from must be an e-mail address");
}

void check_auth(const AuthSettings& a) {
  auto fail = [](const std::string& what) { throw std::runtime_error("configuration [auth]: " + what); };
  if (a.session_idle_minutes < 1 || a.session_absolute_hours < 1)
    fail("session_idle_minutes and session_absolute_hours must be at least 1");
  if (a.secure_cookie != "auto" && a.secure_cookie != "always" && a.secure_cookie != "never")
    fail("secure_cookie must be auto, always or never");
  if (a.password_min_length < 8) fail("password_min_length must be at least 8");
  if (a.password_opslimit < 1 || a.password_memlimit < 8192) fail("password_opslimit >= 1 and password_memlimit >= 8192 bytes");
  if (a.login_max_failures_per_account < 1 || a.login_max_failures_per_address < 1 || a.login_window_seconds < 1 ||
      a.login_lock_seconds < 1 || a.login_lock_max_seconds < a.login_lock_seconds)
    fail("login limits must be positive, and login_lock_max_seconds >= login_lock_seconds");
  if (a.totp != "off" && a.totp != "optional" && a.totp != "required") fail("totp must be off, optional or required");
  if (!a.ldap_url.empty() && a.ldap_bind_dn.empty() && a.ldap_search_base.empty())
    fail("[auth.ldap] needs bind_dn (direct bind) or search_base (search, then bind)");
}

}  // namespace

std::string Config::attachments_dir() const {
  if (!attachments.dir.empty()) return attachments.dir;
  const std::string prefix = "sqlite://";
  if (database.rfind(prefix, 0) == 0) {
    std::string path = database.substr(prefix.size());
    size_t q = path.find('?');
    if (q != std::string::npos) path = path.substr(0, q);
    if (!path.empty() && path != ":memory:") return path + ".attachments";
  }
  return "./var/attachments";
}

Config Config::load() {
  Config c;
  c.share_dir = KANRI_DEFAULT_SHARE_DIR;
  std::string path = env("KANRI_CONFIG") ? env("KANRI_CONFIG") : "kanri.toml";
  if (std::filesystem::exists(path)) {
    toml::table t;
    try {
      t = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
      throw std::runtime_error(path + ":" + std::to_string(e.source().begin.line) + ": " +
                               std::string(e.description()));
    }
    c.database = t["database"]["url"].value_or(c.database);
    c.read_connections = t["database"]["read_connections"].value_or(c.read_connections);
    c.listen = t["server"]["listen"].value_or(c.listen);
    c.http_threads = t["server"]["threads"].value_or(c.http_threads);
    c.max_body_bytes = t["server"]["max_body_bytes"].value_or(static_cast<int64_t>(c.max_body_bytes));
    c.share_dir = t["paths"]["share"].value_or(c.share_dir);
    c.model_dir = t["paths"]["model"].value_or(c.model_dir);
    c.extra_model_file = t["paths"]["model_extra"].value_or(c.extra_model_file);
    c.log_level = t["log"]["level"].value_or(c.log_level);
    c.export_max_rows = t["server"]["export_max_rows"].value_or(static_cast<int64_t>(c.export_max_rows));
    read_auth(t, c.auth);
    read_work(t, c);
    c.attachments.dir = t["attachments"]["dir"].value_or(c.attachments.dir);
    c.attachments.max_bytes =
        t["attachments"]["max_bytes"].value_or(static_cast<int64_t>(c.attachments.max_bytes));
  } else if (env("KANRI_CONFIG")) {
    throw std::runtime_error(path + ": configuration file not found");
  }
  if (auto v = env("KANRI_DATABASE")) c.database = v;
  if (auto v = env("KANRI_LISTEN")) c.listen = v;
  if (auto v = env("KANRI_SHARE_DIR")) c.share_dir = v;
  if (auto v = env("KANRI_MODEL_DIR")) c.model_dir = v;
  if (auto v = env("KANRI_MODEL_EXTRA")) c.extra_model_file = v;
  if (auto v = env("KANRI_MAX_BODY_BYTES")) c.max_body_bytes = std::strtoull(v, nullptr, 10);
  if (auto v = env("KANRI_HTTP_THREADS")) c.http_threads = std::atoi(v);
  if (auto v = env("KANRI_READ_CONNECTIONS")) c.read_connections = std::atoi(v);
  if (auto v = env("KANRI_LOG_LEVEL")) c.log_level = v;
  if (auto v = env("KANRI_TEST_CLOCK")) c.test_clock = std::string_view(v) == "1";
  if (auto v = env("KANRI_EXPORT_MAX_ROWS")) c.export_max_rows = std::strtoull(v, nullptr, 10);
  if (auto v = env("KANRI_ATTACHMENTS_DIR")) c.attachments.dir = v;
  if (auto v = env("KANRI_ATTACHMENT_MAX_BYTES")) c.attachments.max_bytes = std::strtoull(v, nullptr, 10);
  if (c.attachments.max_bytes < 1)
    throw std::runtime_error("configuration: [attachments] max_bytes must be at least 1");
  read_auth_env(c.auth);
  check_auth(c.auth);
  read_work_env(c);
  if (c.model_dir.empty()) c.model_dir = c.share_dir + "/model";
  if (c.http_threads < 1 || c.read_connections < 1 || c.max_body_bytes < 1024)
    throw std::runtime_error("configuration: threads and connections must be >= 1, max_body_bytes >= 1024");
  return c;
}

}  // namespace kanri
