// send_mail / send_rendered: one SMTP conversation per message over POCO's client session.
//
// POCO gives the connection, the command/reply exchange and the DATA transparency
// (MailOutputStream doubles a leading "." and appends the final "."), but the conversation is
// driven here, because SMTPClientSession's helpers fall short for an outbox:
//  - startTLS() attaches TLS without the server's name (no SNI; the certificate is checked
//    against the peer's IP address instead of the configured host);
//  - login(AUTH_LOGIN) recognises only a "Username:" challenge and silently skips the login
//    with servers that say something else (aiosmtpd says "User Name");
//  - open()/close() make the destructor send QUIT and wait for its reply, a second full
//    timeout after a server that stopped answering;
//  - errors come as exceptions whose text mixes POCO's words with the server's reply, where
//    the outbox wants the reply code and text as the server sent them.
#include "notify/smtp.h"

#include <Poco/Net/MailStream.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/SocketStream.h>
#include <Poco/Net/StreamSocket.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <sstream>
#include <string_view>

#include "notify/base64.h"
#include "notify/connection.h"

namespace kanri::notify {
namespace {

using Poco::Net::SecureStreamSocket;
using Poco::Net::SocketAddress;
using Poco::Net::StreamSocket;

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

// A reply as one line for the outbox: multi-line replies joined by spaces.
std::string one_line_reply(std::string reply) {
  std::replace(reply.begin(), reply.end(), '\r', ' ');
  std::replace(reply.begin(), reply.end(), '\n', ' ');
  return reply;
}

// An address that can go between <> in MAIL FROM / RCPT TO without changing the command:
// visible ASCII without brackets, with an @. (No SMTPUTF8: the message is 7-bit anyway.)
bool is_envelope_address(std::string_view a) {
  if (a.empty() || a.find('@') == std::string_view::npos) return false;
  return std::all_of(a.begin(), a.end(),
                     [](char c) { return c > 0x20 && c < 0x7F && c != '<' && c != '>'; });
}

// What an EHLO reply announces that this conversation can use.
struct Extensions {
  bool starttls = false;
  bool auth_plain = false;
  bool auth_login = false;
};

Extensions parse_ehlo(const std::string& reply) {
  Extensions ext;
  std::istringstream lines(reply);
  std::string line;
  bool first = true;
  while (std::getline(lines, line)) {
    if (first) {
      first = false;  // "250-hostname greeting"
      continue;
    }
    if (line.size() < 4) continue;
    std::istringstream words(upper(line.substr(4)));
    std::string keyword, parameters;
    words >> keyword;
    std::getline(words, parameters);
    if (keyword == "STARTTLS") ext.starttls = true;
    // "AUTH=LOGIN" is the pre-standard form some servers still announce.
    if (keyword.rfind("AUTH=", 0) == 0) {
      parameters.insert(0, keyword.substr(5) + " ");
      keyword = "AUTH";
    }
    if (keyword == "AUTH") {
      std::istringstream mechanisms(parameters);
      std::string mechanism;
      while (mechanisms >> mechanism) {
        if (mechanism == "PLAIN") ext.auth_plain = true;
        if (mechanism == "LOGIN") ext.auth_login = true;
      }
    }
  }
  return ext;
}

// SMTPClientSession with access to its socket, so that TLS, AUTH and DATA can be driven here.
class Conversation : public Poco::Net::SMTPClientSession {
 public:
  explicit Conversation(const StreamSocket& socket) : SMTPClientSession(socket) {}

  int read_reply(std::string& reply) { return socket().receiveStatusMessage(reply); }

  int command(const std::string& line, std::string& reply) { return sendCommand(line, reply); }

  void start_tls(const std::string& host, const Poco::Net::Context::Ptr& context,
                 const Poco::Timespan& timeout) {
    socket() = SecureStreamSocket::attach(socket(), host, context);  // handshake happens here
    socket().setReceiveTimeout(timeout);
    socket().setSendTimeout(timeout);
  }

  // The message after a 354: POCO's MailOutputStream does the dot-stuffing and the end mark.
  int send_data(const std::string& text, std::string& reply) {
    Poco::Net::SocketOutputStream out(socket());
    out.exceptions(std::ios::badbit);
    Poco::Net::MailOutputStream mail(out);
    mail.exceptions(std::ios::badbit);
    mail.write(text.data(), static_cast<std::streamsize>(text.size()));
    mail.close();
    out.flush();
    return read_reply(reply);
  }

  // Polite end of a conversation that went well enough to have one.
  void quit() {
    try {
      std::string reply;
      command("QUIT", reply);
    } catch (...) {
      // The message is already accepted or refused; how QUIT ends changes nothing.
    }
  }
};

DeliveryResult refused(int code, const std::string& reply, bool permanent_if_5xx) {
  DeliveryResult r;
  r.code = code;
  r.reply = one_line_reply(reply);
  r.permanent = permanent_if_5xx && code >= 500 && code < 600;
  return r;
}

DeliveryResult temporary(const std::string& reply) {
  DeliveryResult r;
  r.reply = reply;
  return r;
}

bool positive(int code) { return code >= 200 && code < 400; }

// AUTH with what the server offers, PLAIN first; a result only when it did not succeed.
std::optional<DeliveryResult> authenticate(Conversation& c, const SmtpSettings& s,
                                           const Extensions& ext) {
  std::string reply;
  int code = 0;
  if (ext.auth_plain) {
    code = c.command("AUTH PLAIN " + base64(std::string(1, '\0') + s.username + '\0' + s.password),
                     reply);
  } else if (ext.auth_login) {
    code = c.command("AUTH LOGIN", reply);
    if (code == 334) code = c.command(base64(s.username), reply);
    if (code == 334) code = c.command(base64(s.password), reply);
  } else {
    return temporary(
        "the server offers no AUTH PLAIN or LOGIN (" + endpoint_name(s.host, s.port) +
        (s.security == SmtpSettings::Security::none ? "; it may want TLS first)" : ")"));
  }
  if (code < 200 || code >= 300) return refused(code, reply, true);
  return std::nullopt;
}

// EHLO (HELO for a server that does not know it); a result only when neither is accepted.
std::optional<DeliveryResult> ehlo(Conversation& c, const std::string& helo, Extensions& ext) {
  std::string reply;
  int code = c.command("EHLO " + helo, reply);
  if (code >= 500) code = c.command("HELO " + helo, reply);  // a server from before ESMTP
  if (code < 200 || code >= 300) return refused(code, reply, false);
  ext = parse_ehlo(reply);
  return std::nullopt;
}

DeliveryResult converse(const SmtpSettings& s, const std::string& mail_from,
                        const std::string& rcpt_to, const std::string& text) {
  using Security = SmtpSettings::Security;
  const Poco::Timespan timeout(static_cast<Poco::Timespan::TimeDiff>(std::max(s.timeout_ms, 1)) *
                               1000);
  const SocketAddress address(s.host, s.port);

  StreamSocket socket;
  if (s.security == Security::tls) {
    SecureStreamSocket secure(client_tls_context(s.verify_certificate, s.ca_file));
    secure.setPeerHostName(s.host);
    socket = secure;
  }
  socket.connect(address, timeout);  // with implicit TLS, the handshake too
  socket.setReceiveTimeout(timeout);
  socket.setSendTimeout(timeout);
  Conversation c(socket);

  std::string reply;
  int code = c.read_reply(reply);
  if (code < 200 || code >= 300) return refused(code, reply, false);

  std::string helo;
  for (char ch : s.helo) {
    if (ch > 0x20 && ch < 0x7F) helo += ch;
  }
  if (helo.empty()) helo = "kanri";

  Extensions ext;
  if (auto end = ehlo(c, helo, ext)) return *end;
  if (s.security == Security::starttls) {
    if (!ext.starttls) {
      c.quit();
      return temporary("STARTTLS is required but the server does not offer it (" +
                       endpoint_name(s.host, s.port) + ")");
    }
    code = c.command("STARTTLS", reply);
    if (code != 220) return refused(code, reply, false);
    c.start_tls(s.host, client_tls_context(s.verify_certificate, s.ca_file), timeout);
    if (auto end = ehlo(c, helo, ext)) return *end;  // RFC 3207: forget what was said before TLS
  }
  if (!s.username.empty()) {
    if (auto end = authenticate(c, s, ext)) {
      c.quit();
      return *end;
    }
  }

  for (const std::string& line :
       {"MAIL FROM:<" + mail_from + ">", "RCPT TO:<" + rcpt_to + ">", std::string("DATA")}) {
    code = c.command(line, reply);
    if (!positive(code)) {
      c.quit();
      return refused(code, reply, true);
    }
  }
  code = c.send_data(text, reply);
  if (!positive(code)) {
    c.quit();
    return refused(code, reply, true);
  }
  c.quit();
  DeliveryResult ok;
  ok.ok = true;
  ok.code = code;
  ok.reply = one_line_reply(reply);
  return ok;
}

}  // namespace

DeliveryResult send_rendered(const SmtpSettings& s, const std::string& mail_from,
                             const std::string& rcpt_to, const std::string& text) {
  for (const std::string* a : {&mail_from, &rcpt_to}) {
    if (!is_envelope_address(*a)) {
      DeliveryResult r;
      r.permanent = true;
      r.reply = "invalid " + std::string(a == &mail_from ? "sender" : "recipient") + " address \"" +
                one_line_reply(*a) + "\"";
      return r;
    }
  }
  try {
    return converse(s, mail_from, rcpt_to, text);
  } catch (...) {
    return temporary(describe_connection_error(endpoint_name(s.host, s.port), s.timeout_ms));
  }
}

DeliveryResult send_mail(const SmtpSettings& s, const MailMessage& m) {
  std::string text;
  try {
    text = render_message(m);
  } catch (const std::exception& e) {  // only allocation can fail here
    return temporary(std::string("cannot render the message: ") + e.what());
  }
  return send_rendered(s, m.from, m.to, text);
}

}  // namespace kanri::notify
