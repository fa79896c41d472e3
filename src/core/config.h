// Settings of one Kanri installation: from kanri.toml, then overridden by KANRI_* variables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kanri {

// Sign-in, sessions and the optional directory and second factor ([auth] in kanri.toml).
struct AuthSettings {
  int session_idle_minutes = 60;         // KANRI_SESSION_IDLE_MINUTES: signed out after this long unused
  int session_absolute_hours = 12;       // KANRI_SESSION_ABSOLUTE_HOURS: signed out this long after sign-in
  std::string secure_cookie = "auto";    // KANRI_SECURE_COOKIE: auto (when X-Forwarded-Proto is https), always, never
  std::vector<std::string> trusted_proxies;  // KANRI_TRUSTED_PROXIES: addresses whose X-Forwarded-For is believed
  int password_min_length = 12;          // KANRI_PASSWORD_MIN_LENGTH
  std::uint64_t password_opslimit = 2;   // argon2id passes (libsodium INTERACTIVE); raising it rehashes at sign-in
  std::uint64_t password_memlimit = 67108864;  // argon2id memory in bytes (64 MiB)
  int login_max_failures_per_account = 5;  // then the account waits before the next try
  int login_max_failures_per_address = 20;  // the same for one source address, whatever the accounts
  int login_window_seconds = 900;        // failures older than this are forgotten
  int login_lock_seconds = 30;           // first wait; it doubles with each further failure
  int login_lock_max_seconds = 900;
  std::string totp = "optional";         // KANRI_TOTP: off, optional (users may enrol), required
  std::string totp_issuer = "Kanri";     // the name authenticator apps show
  // LDAP bind authentication ([auth.ldap]); off unless a URL is set.
  std::string ldap_url;                  // KANRI_LDAP_URL
  std::string ldap_bind_dn;              // "uid={username},ou=people,dc=example,dc=org"
  std::string ldap_search_base, ldap_search_filter = "(uid={username})";
  std::string ldap_service_dn, ldap_service_password;
  bool ldap_start_tls = false;
  std::string ldap_display_name_attribute = "cn", ldap_email_attribute = "mail";
  int ldap_timeout_seconds = 5;
  bool ldap_create_users = false;        // a first LDAP sign-in creates the local account
  std::string ldap_default_kind = "agent";
  std::string ldap_default_org;          // number or name of the organization new accounts join
  std::vector<std::string> ldap_default_roles;
};

// Background work ([jobs]).
struct JobSettings {
  int workers = 2;                 // KANRI_JOB_WORKERS: jobs run at once per process; 0 = no scheduler here
  int poll_ms = 500;               // KANRI_JOB_POLL_MS: look for jobs other nodes enqueued at least this often
  std::int64_t lease_ms = 300000;  // KANRI_JOB_LEASE_MS: a claimed job returns to the queue after this
  int retention_days = 7;          // done and cancelled jobs are deleted after this
  std::int64_t backoff_ms = 0;     // KANRI_JOB_BACKOFF_MS: first retry delay of every kind; 0 = each kind's own
};

// Outbound notifications ([mail], [site]).
struct MailSettings {
  std::string smtp_host;           // KANRI_SMTP_HOST; empty = e-mail is not sent (notifications wait)
  int smtp_port = 25;              // KANRI_SMTP_PORT
  std::string security = "none";   // KANRI_SMTP_SECURITY: none, starttls, tls
  bool verify_certificate = true;  // KANRI_SMTP_VERIFY
  std::string ca_file;
  std::string username;            // KANRI_SMTP_USERNAME
  std::string password;            // KANRI_SMTP_PASSWORD
  std::string from = "kanri@localhost";  // KANRI_MAIL_FROM
  std::string from_name = "Kanri";
  int timeout_seconds = 30;
  int webhook_timeout_seconds = 10;
};

struct SiteSettings {
  std::string name = "Kanri";                 // KANRI_SITE_NAME: in subjects and bodies
  std::string url = "http://127.0.0.1:8080";  // KANRI_PUBLIC_URL: links in notifications
};

// Files attached to records ([attachments]).
struct AttachmentConfig {
  std::string dir;                            // KANRI_ATTACHMENTS_DIR; empty = the default (attachments_dir())
  std::size_t max_bytes = 20 * 1024 * 1024;   // KANRI_ATTACHMENT_MAX_BYTES: larger files get 413
};

struct Config {
  std::string database = "sqlite://./var/kanri.db";  // KANRI_DATABASE
  std::string listen = "127.0.0.1:8080";              // KANRI_LISTEN
  std::string share_dir;                              // KANRI_SHARE_DIR: holds model/ and i18n/
  std::string model_dir;                              // KANRI_MODEL_DIR, default share_dir/model
  std::string extra_model_file;                       // KANRI_MODEL_EXTRA: an organization's additions
  std::size_t max_body_bytes = 1 << 20;               // KANRI_MAX_BODY_BYTES
  int http_threads = 32;                              // KANRI_HTTP_THREADS
  int read_connections = 4;                           // KANRI_READ_CONNECTIONS
  std::string log_level = "info";                     // KANRI_LOG_LEVEL
  std::size_t export_max_rows = 100000;               // KANRI_EXPORT_MAX_ROWS
  // KANRI_TEST_CLOCK=1: administrators may hold the server's clock at a chosen time
  // (PUT /api/v1/test/clock) so API scenarios can show calendars; loopback servers only.
  bool test_clock = false;
  AuthSettings auth;
  JobSettings jobs;
  MailSettings mail;
  SiteSettings site;
  AttachmentConfig attachments;

  // Reads `path` (KANRI_CONFIG, default ./kanri.toml) when it exists, then the environment.
  // Throws std::runtime_error naming the file and line for a malformed file.
  static Config load();
  std::string i18n_dir() const { return share_dir + "/i18n"; }
  // Where attachments live: [attachments] dir, else beside an SQLite database file as
  // "<file>.attachments", else ./var/attachments (PostgreSQL).
  std::string attachments_dir() const;
};

}  // namespace kanri
