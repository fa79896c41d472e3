// E-mail notifications: the message text Kanri sends (RFC 5322 + MIME, Japanese-safe) and
// its delivery to one SMTP server (a relay or smart host), one message per connection.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "notify/delivery.h"

namespace kanri::notify {

struct SmtpSettings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 25;
  // starttls: STARTTLS is required (no fallback to clear text); tls: implicit TLS (port 465).
  enum class Security { none, starttls, tls } security = Security::none;
  bool verify_certificate = true;  // for starttls/tls: chain and host name
  std::string ca_file;             // PEM bundle to trust instead of the system CAs
  std::string username, password;  // AUTH PLAIN (or LOGIN) when username is not empty
  std::string helo = "kanri";      // the name given in EHLO
  int timeout_ms = 30000;          // for connecting and for each reply
};

struct MailMessage {
  std::string from;                     // bare address kanri@example.com
  std::string from_name;                // display name, may be Japanese
  std::string to;                       // bare address
  std::string to_name;                  // display name, may be Japanese
  std::string subject;                  // UTF-8, may be Japanese
  std::string body;                     // UTF-8 plain text, any length
  std::string message_id;               // with angle brackets, e.g. "<n42.x1@kanri.example.com>"
  std::string in_reply_to;              // optional, with brackets
  std::vector<std::string> references;  // optional, each with brackets
  std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. X-Kanri-Record
  std::int64_t date_ms = 0;  // epoch ms for the Date header; 0 means now
};

// The complete message text, CRLF line ends, no line longer than 78 characters, 7-bit only:
// From/To with display names (RFC 2047 encoded words unless plain ASCII), Subject (encoded
// words when not plain ASCII, each word whole UTF-8 characters), Date in UTC "+0000",
// Message-ID, In-Reply-To, References (each left out when empty), MIME-Version,
// Content-Type: text/plain; charset=UTF-8, Content-Transfer-Encoding: base64,
// Auto-Submitted: auto-generated, the extra headers, then the body as base64 of its text
// with line breaks in MIME's canonical CRLF form. CR/LF in any header value becomes a space,
// so values cannot start new headers. Extra headers whose name is not a valid field name or
// is one of the headers above are left out.
std::string render_message(const MailMessage& m);

// Sends render_message(m) with envelope MAIL FROM m.from and RCPT TO m.to; see send_rendered.
DeliveryResult send_mail(const SmtpSettings& s, const MailMessage& m);

// Sends `text` (a complete message with CRLF line ends, as render_message makes and an outbox
// keeps for retries) to one recipient. ok when the server accepts the data. permanent only
// for a 5xx reply to AUTH, MAIL, RCPT or DATA, or an address that cannot go into an SMTP
// command; 4xx replies, timeouts, refused connections and TLS failures are temporary.
// `reply` is the server's reply ("550 5.1.1 mailbox unavailable") or what went wrong with
// the connection ("connection refused (127.0.0.1:2525)"). Never throws; safe to call from
// several threads at once (each call has its own connection and TLS context).
DeliveryResult send_rendered(const SmtpSettings& s, const std::string& mail_from,
                             const std::string& rcpt_to, const std::string& text);

}  // namespace kanri::notify
