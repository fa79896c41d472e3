// The notification transports against real servers: tests/lib/smtp_sink.py (aiosmtpd) and
// tests/lib/http_sink.py run as subprocesses; what they received is checked byte for byte
// and decoded by Python's email package.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <thread>

#include "notify/smtp.h"
#include "notify/webhook.h"
#include "notify_test_support.h"

namespace kanri::notify {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the helpers of this test only

// HMAC-SHA256 with OpenSSL, to check the libsodium one.
std::string openssl_signature(const std::string& secret, const std::string& message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  static const char* hex = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[mac[i] >> 4];
    out += hex[mac[i] & 15];
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Fixtures

const std::string kJapaneseSubject =
    "【重大インシデント】INC-000123 基幹システム停止のお知らせ — 対応状況を更新しました";

MailMessage japanese_notification() {
  MailMessage m;
  m.from = "kanri@kanri.example.com";
  m.from_name = "Kanri サービスデスク（東京）";
  m.to = "yamada.taro@customer.example.jp";
  m.to_name = "山田 太郎 様 — 情報システム部 基盤グループ, 第二課";
  m.subject = kJapaneseSubject;
  m.body =
      "山田様\n\nインシデント INC-000123 の対応状況を更新しました。\n"
      ".この行はドットで始まります\n.\n..\n"
      "状態: 対応中 → 解決済み\n詳細: https://kanri.example.com/incidents/123\n";
  m.message_id = "<n42.x1@kanri.example.com>";
  m.in_reply_to = "<n41.x1@kanri.example.com>";
  m.references = {"<n40.x1@kanri.example.com>", "<n41.x1@kanri.example.com>",
                  "<customer-1@mail.customer.example.jp>"};
  m.headers = {{"X-Kanri-Record", "INC-000123"}, {"X-Kanri-Event", "incident.updated"}};
  m.date_ms = 1775001600123;  // 2026-04-01T00:00:00.123Z
  return m;
}

std::string crlf(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

// A throwaway self-signed certificate for "localhost", made once for all TLS tests.
class Certificate {
 public:
  static const Certificate& get() {
    static const Certificate c;
    return c;
  }
  std::string cert, key;

 private:
  Certificate() {
    cert = dir_ / "cert.pem";
    key = dir_ / "key.pem";
    auto [status, out] = run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                              "-subj", "/CN=localhost", "-days", "1", "-keyout", key, "-out", cert},
                             /*quiet=*/true);
    if (status != 0 || !fs::exists(cert)) throw std::runtime_error("openssl req failed");
  }
  TempDir dir_;
};

SmtpSettings sink_settings(std::uint16_t port) {
  SmtpSettings s;
  s.port = port;
  s.timeout_ms = 10000;
  return s;
}

// For a sink with the test certificate: trusted as the only CA, reached by its name.
SmtpSettings tls_settings(std::uint16_t port, SmtpSettings::Security security) {
  SmtpSettings s = sink_settings(port);
  s.host = "localhost";
  s.security = security;
  s.ca_file = Certificate::get().cert;
  return s;
}

const std::string kSinkCredentials = "kanri:s3cret";  // the sinks' --auth

void sign_in(SmtpSettings& s) {
  s.username = "kanri";
  s.password = "s3cret";
}

// A failure worth retrying, whose reply says `why`.
::testing::AssertionResult temporary_failure(const DeliveryResult& r, const std::string& why) {
  if (r.ok || r.permanent || r.reply.find(why) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "ok=" << r.ok << " permanent=" << r.permanent << " reply=\"" << r.reply
           << "\", wanted a temporary failure"
           << " saying \"" << why << "\"";
  }
  return ::testing::AssertionSuccess();
}

// `send` called `each` times on each of `threads` threads at once; the results in call order.
template <class Send>
std::vector<DeliveryResult> in_parallel(std::size_t threads, std::size_t each, Send send) {
  std::vector<DeliveryResult> results(threads * each);
  std::vector<std::thread> running;
  for (std::size_t t = 0; t < threads; ++t) {
    running.emplace_back([&, t] {
      for (std::size_t i = 0; i < each; ++i) results[t * each + i] = send();
    });
  }
  for (auto& t : running) t.join();
  return results;
}

// ---------------------------------------------------------------------------------------
// The message text

TEST(MailText, JapaneseHeadersDecodeExactlyAndFoldWithinLimits) {
  const MailMessage m = japanese_notification();
  const std::string text = render_message(m);
  expect_well_formed_lines(text);

  const json d = decode_message(text);
  EXPECT_EQ(d["defects"], json::array());
  EXPECT_EQ(d["subject"], kJapaneseSubject);
  EXPECT_EQ(d["from"]["display_name"], m.from_name);
  EXPECT_EQ(d["from"]["addr_spec"], m.from);
  EXPECT_EQ(d["to"]["display_name"], m.to_name);
  EXPECT_EQ(d["to"]["addr_spec"], m.to);
  EXPECT_EQ(d["body"], crlf(m.body));
  EXPECT_EQ(d["content_type"], "text/plain");
  EXPECT_EQ(d["charset"], "utf-8");
  EXPECT_EQ(header(d, "Content-Transfer-Encoding"), "base64");
  EXPECT_EQ(header(d, "MIME-Version"), "1.0");
  EXPECT_EQ(header(d, "Auto-Submitted"), "auto-generated");
  EXPECT_EQ(d["date"], 1775001600.0);

  // The subject needed more than one line, and no encoded word ends inside a character.
  const std::string headers = header_block(text);
  const std::size_t subject = headers.find("\r\nSubject: ");
  const std::size_t after = headers.find("\r\nDate: ");
  ASSERT_NE(subject, std::string::npos);
  const std::string subject_field = headers.substr(subject + 2, after - subject - 2);
  EXPECT_GE(lines_of(subject_field).size(), 3u) << subject_field;
  std::string joined;
  for (const auto& word : encoded_words(headers)) {
    EXPECT_TRUE(valid_utf8(word)) << "encoded word splits a character";
  }
  for (const auto& word : encoded_words(subject_field)) joined += word;
  EXPECT_EQ(joined, kJapaneseSubject);
}

TEST(MailText, DateIsRfc5322InUtc) {
  MailMessage m = japanese_notification();
  m.date_ms = 1700000000999;
  EXPECT_NE(render_message(m).find("\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n"),
            std::string::npos);
  m.date_ms = 951782400000;  // a leap day
  EXPECT_NE(render_message(m).find("\r\nDate: Tue, 29 Feb 2000 00:00:00 +0000\r\n"),
            std::string::npos);
}

TEST(MailText, PlainAsciiStaysReadableAndLongAsciiFoldsAtSpaces) {
  MailMessage m = japanese_notification();
  m.subject = "Weekly service report";
  m.from_name = "Kanri";
  m.to_name = "Service Desk, Tokyo";
  std::string text = render_message(m);
  EXPECT_TRUE(text.starts_with("From: Kanri <kanri@kanri.example.com>\r\n")) << text;
  EXPECT_NE(text.find("\r\nTo: \"Service Desk, Tokyo\" <yamada.taro@customer.example.jp>\r\n"),
            std::string::npos);
  EXPECT_NE(text.find("\r\nSubject: Weekly service report\r\n"), std::string::npos);

  m.subject.clear();
  for (int i = 0; i < 30; ++i) m.subject += "word" + std::to_string(i) + " ";
  m.subject += "end";
  text = render_message(m);
  expect_well_formed_lines(text);
  EXPECT_EQ(text.find("=?UTF-8?"), std::string::npos) << "plain ASCII should not be encoded";
  EXPECT_EQ(decode_message(text)["subject"], m.subject);
}

TEST(MailText, AwkwardSubjectsComeBackExactly) {
  MailMessage m = japanese_notification();
  for (const std::string& subject :
       {std::string("  leading and  double  spaces "),
        std::string("looks like =?UTF-8?B?eA==?= a word"), std::string(200, 'x'),
        std::string("tab\there"), std::string("混在 mixed テキスト ") + std::string(90, 'a'),
        std::string("\xF0\x9F\x93\x9E 絵文字 \xF0\x9F\x9A\xA8\xF0\x9F\x9A\xA8\xF0\x9F\x9A\xA8"),
        std::string()}) {
    m.subject = subject;
    const std::string text = render_message(m);
    expect_well_formed_lines(text);
    for (const auto& word : encoded_words(header_block(text))) EXPECT_TRUE(valid_utf8(word));
    EXPECT_EQ(decode_message(text)["subject"], subject) << text;
  }
}

TEST(MailText, HeaderValuesCannotInjectHeaders) {
  MailMessage m = japanese_notification();
  m.subject = "Hello\r\nBcc: victim@example.com";
  m.from_name = "Kanri\nBcc: a@example.com";
  m.to = "x@example.com>\r\nBcc: b@example.com";
  m.message_id = "<id@example.com>\r\nBcc: c@example.com";
  m.references = {"<r@example.com>\nBcc: d@example.com"};
  m.headers = {{"X-Note", "one\r\nBcc: e@example.com"},
               {"X-Bad Name", "dropped"},
               {"X-Evil\r\nBcc", "dropped"},
               {"Subject", "a second subject is dropped"},
               {"x-kanri-record", "kept"}};
  const std::string text = render_message(m);
  expect_well_formed_lines(text);
  for (const auto& line : lines_of(header_block(text))) {
    EXPECT_FALSE(line.starts_with("Bcc")) << line;
  }
  const json d = decode_message(text);
  std::size_t subjects = 0;
  for (const auto& h : d["headers"]) subjects += h[0] == "Subject";
  EXPECT_EQ(subjects, 1u);
  EXPECT_EQ(d["subject"], "Hello Bcc: victim@example.com");
  EXPECT_EQ(header(d, "X-Note"), "one Bcc: e@example.com");
  EXPECT_EQ(header(d, "x-kanri-record"), "kept");
  EXPECT_EQ(header(d, "X-Bad Name"), nullptr);
}

TEST(MailText, BodyIsBase64In76CharacterLinesWithCanonicalLineBreaks) {
  MailMessage m = japanese_notification();
  m.body = "unix\nwindows\r\nold mac\rend";
  EXPECT_EQ(decode_message(render_message(m))["body"], "unix\r\nwindows\r\nold mac\r\nend");

  m.body.clear();
  for (int i = 0; i < 3000; ++i) m.body += "行" + std::to_string(i) + " 障害対応の記録。\n";
  const std::string text = render_message(m);
  const auto body_lines = lines_of(text.substr(text.find("\r\n\r\n") + 4));
  ASSERT_GT(body_lines.size(), 100u);
  for (std::size_t i = 0; i + 1 < body_lines.size(); ++i) EXPECT_EQ(body_lines[i].size(), 76u);
  EXPECT_EQ(decode_message(text)["body"], crlf(m.body));
}

TEST(MailText, OptionalHeadersAreLeftOutWhenEmpty) {
  MailMessage m = japanese_notification();
  m.in_reply_to.clear();
  m.references.clear();
  m.from_name.clear();
  const std::string text = render_message(m);
  EXPECT_EQ(text.find("In-Reply-To:"), std::string::npos);
  EXPECT_EQ(text.find("References:"), std::string::npos);
  EXPECT_TRUE(text.starts_with("From: kanri@kanri.example.com\r\n"));
}

// ---------------------------------------------------------------------------------------
// SMTP delivery

TEST(Smtp, JapaneseNotificationArrivesAsRendered) {
  TempDir out;
  Sink sink("smtp_sink.py", {"--out", out.path().string()});
  const MailMessage m = japanese_notification();

  const DeliveryResult r = send_mail(sink_settings(sink.port()), m);
  ASSERT_TRUE(r.ok) << r.reply;
  EXPECT_EQ(r.code, 250);

  const json meta = json::parse(read_file(out / "1.json"));
  EXPECT_EQ(meta["mail_from"], m.from);
  EXPECT_EQ(meta["rcpt_tos"], json::array({m.to}));
  EXPECT_EQ(meta["tls"], false);
  // What arrived (dot-unstuffed by the server) is exactly what render_message made.
  const std::string received = read_file(out / "1.eml");
  EXPECT_EQ(received, render_message(m));

  const json d = decode_message_file(out / "1.eml");
  EXPECT_EQ(d["subject"], kJapaneseSubject);
  EXPECT_EQ(d["from"]["display_name"], m.from_name);
  EXPECT_EQ(d["to"]["display_name"], m.to_name);
  EXPECT_EQ(d["body"], crlf(m.body));
  EXPECT_EQ(header(d, "Message-ID"), m.message_id);
  EXPECT_EQ(header(d, "In-Reply-To"), m.in_reply_to);
  EXPECT_EQ(header(d, "References"),
            "<n40.x1@kanri.example.com> <n41.x1@kanri.example.com> "
            "<customer-1@mail.customer.example.jp>");
  EXPECT_EQ(header(d, "X-Kanri-Record"), "INC-000123");
  EXPECT_EQ(header(d, "X-Kanri-Event"), "incident.updated");
  expect_well_formed_lines(received);
}

TEST(Smtp, LinesStartingWithADotSurviveTransparency) {
  TempDir out;
  Sink sink("smtp_sink.py", {"--out", out.path().string()});
  // Raw text, so that lines really start with "." on the wire (base64 never does).
  const std::string text =
      ".first line of the data\r\n"
      "Subject: dots\r\n\r\n.\r\n..\r\n...\r\n.hidden\r\n. space\r\nend.\r\n.\r\n";
  DeliveryResult r =
      send_rendered(sink_settings(sink.port()), "a@example.com", "b@example.com", text);
  ASSERT_TRUE(r.ok) << r.reply;
  EXPECT_EQ(read_file(out / "1.eml"), text);

  // Text without a final line break still ends the DATA correctly.
  r = send_rendered(sink_settings(sink.port()), "a@example.com", "b@example.com",
                    "Subject: x\r\n\r\nno end");
  ASSERT_TRUE(r.ok) << r.reply;
  EXPECT_EQ(read_file(out / "2.eml"), "Subject: x\r\n\r\nno end\r\n");
}

TEST(Smtp, AuthPlainAndLoginWithTheRightPassword) {
  for (const char* mechanism : {"PLAIN", "LOGIN"}) {
    TempDir out;
    Sink sink("smtp_sink.py", {"--out", out.path().string(), "--auth", "kanri:s3cret pass",
                               "--auth-mech", mechanism});
    SmtpSettings s = sink_settings(sink.port());
    s.username = "kanri";
    s.password = "s3cret pass";
    const DeliveryResult r = send_mail(s, japanese_notification());
    ASSERT_TRUE(r.ok) << mechanism << ": " << r.reply;
    EXPECT_EQ(json::parse(read_file(out / "1.json"))["auth_login"], "kanri") << mechanism;
  }
}

TEST(Smtp, WrongPasswordIsPermanentWithTheServersReply) {
  for (const char* mechanism : {"PLAIN", "LOGIN"}) {
    TempDir out;
    Sink sink("smtp_sink.py",
              {"--out", out.path().string(), "--auth", kSinkCredentials, "--auth-mech", mechanism});
    SmtpSettings s = sink_settings(sink.port());
    s.username = "kanri";
    s.password = "wrong";
    const DeliveryResult r = send_mail(s, japanese_notification());
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.permanent) << r.reply;
    EXPECT_EQ(r.code, 535) << r.reply;
    EXPECT_TRUE(r.reply.starts_with("535 ")) << r.reply;
    EXPECT_EQ(count_messages(out.path()), 0u);
  }
}

TEST(Smtp, MissingCredentialsAreRefusedAtMailFrom) {
  Sink sink("smtp_sink.py", {"--auth", kSinkCredentials});
  const DeliveryResult r = send_mail(sink_settings(sink.port()), japanese_notification());
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.permanent);
  EXPECT_EQ(r.code, 530) << r.reply;
}

TEST(Smtp, StartTlsWithTheCertificateAsTrustAnchor) {
  const Certificate& c = Certificate::get();
  TempDir out;
  Sink sink("smtp_sink.py", {"--out", out.path().string(), "--starttls", c.cert, c.key,
                             "--require-starttls", "--auth", kSinkCredentials});
  SmtpSettings s = tls_settings(sink.port(), SmtpSettings::Security::starttls);
  sign_in(s);
  const DeliveryResult r = send_mail(s, japanese_notification());
  ASSERT_TRUE(r.ok) << r.reply;
  const json meta = json::parse(read_file(out / "1.json"));
  EXPECT_EQ(meta["tls"], true);
  EXPECT_EQ(meta["auth_login"], "kanri");
  EXPECT_EQ(read_file(out / "1.eml"), render_message(japanese_notification()));
}

TEST(Smtp, StartTlsWithoutVerification) {
  const Certificate& c = Certificate::get();
  TempDir out;
  Sink sink("smtp_sink.py",
            {"--out", out.path().string(), "--starttls", c.cert, c.key, "--require-starttls"});
  SmtpSettings s = sink_settings(sink.port());
  s.security = SmtpSettings::Security::starttls;
  s.verify_certificate = false;
  const DeliveryResult r = send_mail(s, japanese_notification());
  ASSERT_TRUE(r.ok) << r.reply;
  EXPECT_EQ(json::parse(read_file(out / "1.json"))["tls"], true);
}

TEST(Smtp, UntrustedCertificateIsATemporaryTlsFailure) {
  const Certificate& c = Certificate::get();
  TempDir out;
  Sink sink("smtp_sink.py", {"--out", out.path().string(), "--starttls", c.cert, c.key});
  SmtpSettings s = tls_settings(sink.port(), SmtpSettings::Security::starttls);
  s.ca_file.clear();  // verify against the system CAs
  const DeliveryResult r = send_mail(s, japanese_notification());
  EXPECT_TRUE(temporary_failure(r, "TLS failed"));
  EXPECT_NE(r.reply.find("certificate"), std::string::npos) << r.reply;
  EXPECT_EQ(count_messages(out.path()), 0u);
}

TEST(Smtp, StartTlsRequiredButNotOfferedIsTemporary) {
  TempDir out;
  Sink sink("smtp_sink.py", {"--out", out.path().string()});
  SmtpSettings s = sink_settings(sink.port());
  s.security = SmtpSettings::Security::starttls;
  const DeliveryResult r = send_mail(s, japanese_notification());
  EXPECT_TRUE(temporary_failure(r, "STARTTLS"));
  EXPECT_EQ(count_messages(out.path()), 0u) << "nothing may go out in clear text";
}

TEST(Smtp, ImplicitTls) {
  const Certificate& c = Certificate::get();
  TempDir out;
  Sink sink("smtp_sink.py",
            {"--out", out.path().string(), "--tls", c.cert, c.key, "--auth", kSinkCredentials});
  SmtpSettings s = tls_settings(sink.port(), SmtpSettings::Security::tls);
  sign_in(s);
  const DeliveryResult r = send_mail(s, japanese_notification());
  ASSERT_TRUE(r.ok) << r.reply;
  EXPECT_EQ(json::parse(read_file(out / "1.json"))["tls"], true);

  // The same server spoken to in clear text: the client waits for a greeting that never comes.
  s.security = SmtpSettings::Security::none;
  s.timeout_ms = 500;
  const DeliveryResult clear = send_mail(s, japanese_notification());
  EXPECT_TRUE(temporary_failure(clear, "no answer within 500 ms"));
}

TEST(Smtp, RejectedRecipientIsPermanentAndBusyIsTemporary) {
  {
    Sink sink("smtp_sink.py", {"--reject", "550"});
    const DeliveryResult r = send_mail(sink_settings(sink.port()), japanese_notification());
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.permanent);
    EXPECT_EQ(r.code, 550);
    EXPECT_EQ(r.reply, "550 5.1.1 mailbox unavailable");
  }
  {
    Sink sink("smtp_sink.py", {"--reject", "451"});
    const DeliveryResult r = send_mail(sink_settings(sink.port()), japanese_notification());
    EXPECT_TRUE(temporary_failure(r, "451 4.3.0"));
    EXPECT_EQ(r.code, 451);
  }
}

TEST(Smtp, ConnectionRefusedIsTemporary) {
  SmtpSettings s = sink_settings(closed_port());
  const DeliveryResult r = send_mail(s, japanese_notification());
  EXPECT_TRUE(
      temporary_failure(r, "connection refused (127.0.0.1:" + std::to_string(s.port) + ")"));
  EXPECT_EQ(r.code, 0);
}

TEST(Smtp, SilentServerTimesOutTemporarily) {
  SilentServer server;
  SmtpSettings s = sink_settings(server.port());
  s.timeout_ms = 300;
  const auto started = std::chrono::steady_clock::now();
  const DeliveryResult r = send_mail(s, japanese_notification());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  EXPECT_TRUE(temporary_failure(r, "no answer within 300 ms"));
}

TEST(Smtp, AddressesThatWouldChangeTheCommandArePermanentFailures) {
  SmtpSettings s = sink_settings(closed_port());  // never reached
  MailMessage m = japanese_notification();
  m.to = "victim@example.com>\r\nRCPT TO:<other@example.com";
  DeliveryResult r = send_mail(s, m);
  EXPECT_TRUE(r.permanent);
  EXPECT_NE(r.reply.find("invalid recipient address"), std::string::npos) << r.reply;
  m = japanese_notification();
  m.from = "";
  r = send_mail(s, m);
  EXPECT_TRUE(r.permanent);
  EXPECT_NE(r.reply.find("invalid sender address"), std::string::npos) << r.reply;
}

TEST(Smtp, ConcurrentSendersOverTls) {
  const Certificate& c = Certificate::get();
  TempDir out;
  Sink sink("smtp_sink.py",
            {"--out", out.path().string(), "--starttls", c.cert, c.key, "--require-starttls"});
  const SmtpSettings s = tls_settings(sink.port(), SmtpSettings::Security::starttls);
  const auto results = in_parallel(4, 5, [&] { return send_mail(s, japanese_notification()); });
  for (const auto& r : results) EXPECT_TRUE(r.ok) << r.reply;
  EXPECT_EQ(count_messages(out.path()), results.size());
}

// ---------------------------------------------------------------------------------------
// Webhooks

WebhookRequest hook(std::uint16_t port, const std::string& path = "/hooks/kanri?tenant=7") {
  WebhookRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(port) + path;
  r.secret = "whsec_テスト_0123456789";
  r.body =
      R"({"event":"incident.updated","number":"INC-000123","subject":"基幹システム停止のお知らせ"})";
  r.event = "incident.updated";
  r.delivery_id = "d-000042";
  r.timestamp_ms = 1775001600999;
  r.timeout_ms = 5000;
  return r;
}

TEST(Webhook, SignatureMatchesAnIndependentHmac) {
  EXPECT_EQ(webhook_signature("secret", 1775001600999, "{}"),
            openssl_signature("secret", "1775001600.{}"));
  const std::string long_key(200, 'k');  // longer than a SHA-256 block: hashed first
  EXPECT_EQ(webhook_signature(long_key, 5000, ""), openssl_signature(long_key, "5."));
  EXPECT_EQ(webhook_signature("", 0 + 1000, "x"), openssl_signature("", "1.x"));
  EXPECT_TRUE(webhook_signature("s", 1000, "b").starts_with("sha256="));
  EXPECT_EQ(webhook_signature("s", 1000, "b").size(), 7u + 64u);
}

TEST(Webhook, BodyAndHeadersArriveAndTheSignatureVerifies) {
  TempDir dir;
  const WebhookRequest req = hook(0);
  Sink sink("http_sink.py", {"--out", dir / "requests.jsonl", "--secret", req.secret});
  WebhookRequest r = hook(sink.port());

  const DeliveryResult result = post_webhook(r);
  ASSERT_TRUE(result.ok) << result.reply;
  EXPECT_EQ(result.code, 200);
  EXPECT_EQ(result.reply, "HTTP 200 http_sink answers 200 to request 1");

  const auto lines = read_json_lines(dir / "requests.jsonl");
  ASSERT_EQ(lines.size(), 1u);
  const json& got = lines[0];
  EXPECT_EQ(got["method"], "POST");
  EXPECT_EQ(got["path"], "/hooks/kanri?tenant=7");
  EXPECT_EQ(got["body"], r.body);
  const json& h = got["headers"];
  EXPECT_EQ(h["Content-Type"], "application/json; charset=utf-8");
  EXPECT_TRUE(h["User-Agent"].get<std::string>().starts_with("Kanri/")) << h["User-Agent"];
  EXPECT_EQ(h["X-Kanri-Event"], "incident.updated");
  EXPECT_EQ(h["X-Kanri-Delivery"], "d-000042");
  EXPECT_EQ(h["X-Kanri-Timestamp"], "1775001600");
  EXPECT_EQ(h["X-Kanri-Signature"], openssl_signature(r.secret, "1775001600." + r.body));
  EXPECT_EQ(got["signature_valid"], true);
}

TEST(Webhook, TheSinkNoticesAWrongSignature) {
  TempDir dir;
  Sink sink("http_sink.py", {"--out", dir / "requests.jsonl", "--secret", "another secret"});
  ASSERT_TRUE(post_webhook(hook(sink.port())).ok);
  WebhookRequest unsigned_request = hook(sink.port());
  unsigned_request.secret.clear();
  ASSERT_TRUE(post_webhook(unsigned_request).ok);
  const auto lines = read_json_lines(dir / "requests.jsonl");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["signature_valid"], false);
  EXPECT_FALSE(lines[1]["headers"].contains("X-Kanri-Signature"));
}

TEST(Webhook, StatusDecidesOkPermanentOrTemporary) {
  struct Case {
    int status;
    bool ok, permanent;
  };
  for (const Case c : {Case{200, true, false}, Case{204, true, false}, Case{400, false, true},
                       Case{404, false, true}, Case{410, false, true}, Case{408, false, false},
                       Case{429, false, false}, Case{500, false, false}, Case{503, false, false},
                       Case{302, false, true}}) {
    Sink sink("http_sink.py", {"--status", std::to_string(c.status)});
    const DeliveryResult r = post_webhook(hook(sink.port()));
    EXPECT_EQ(r.code, c.status);
    EXPECT_EQ(r.ok, c.ok) << c.status << " " << r.reply;
    EXPECT_EQ(r.permanent, c.permanent) << c.status << " " << r.reply;
    EXPECT_TRUE(r.reply.starts_with("HTTP " + std::to_string(c.status))) << r.reply;
    if (c.status == 302) {
      EXPECT_NE(r.reply.find("http://127.0.0.1:9/moved-here"), std::string::npos) << r.reply;
    }
  }
}

TEST(Webhook, UnavailableThenAcceptedOnRetry) {
  TempDir dir;
  Sink sink("http_sink.py", {"--out", dir / "requests.jsonl", "--fail-first", "2"});
  for (int attempt = 1; attempt <= 2; ++attempt) {
    const DeliveryResult r = post_webhook(hook(sink.port()));
    EXPECT_TRUE(temporary_failure(
        r, "HTTP 503 http_sink answers 503 to request " + std::to_string(attempt)));
    EXPECT_EQ(r.code, 503);
  }
  EXPECT_TRUE(post_webhook(hook(sink.port())).ok);
  EXPECT_EQ(read_json_lines(dir / "requests.jsonl").size(), 3u);
}

TEST(Webhook, SlowReceiverTimesOutTemporarily) {
  Sink sink("http_sink.py", {"--delay", "3"});
  WebhookRequest r = hook(sink.port());
  r.timeout_ms = 500;
  const auto started = std::chrono::steady_clock::now();
  const DeliveryResult result = post_webhook(r);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(2500));
  EXPECT_TRUE(temporary_failure(result, "no answer within 500 ms"));
}

TEST(Webhook, InvalidUrlsArePermanent) {
  for (const char* url : {"", "not a url", "ftp://example.com/hook", "mailto:ops@example.com",
                          "http:///no-host", "http://example.com:99999/", "https://"}) {
    WebhookRequest r = hook(0);
    r.url = url;
    const DeliveryResult result = post_webhook(r);
    EXPECT_FALSE(result.ok) << url;
    EXPECT_TRUE(result.permanent) << url << ": " << result.reply;
    EXPECT_TRUE(result.reply.starts_with("invalid webhook URL")) << url << ": " << result.reply;
  }
}

TEST(Webhook, ConnectionRefusedAndBadTlsAreTemporary) {
  const std::uint16_t port = closed_port();
  DeliveryResult r = post_webhook(hook(port));
  EXPECT_TRUE(temporary_failure(r, "connection refused (127.0.0.1:" + std::to_string(port) + ")"));

  Sink sink("http_sink.py", {});  // speaks plain HTTP to a TLS client
  WebhookRequest tls = hook(sink.port());
  tls.url = "https://127.0.0.1:" + std::to_string(sink.port()) + "/hook";
  r = post_webhook(tls);
  EXPECT_TRUE(temporary_failure(r, "TLS failed"));
}

TEST(Webhook, ConcurrentPosts) {
  TempDir dir;
  const WebhookRequest req = hook(0);
  Sink sink("http_sink.py", {"--out", dir / "requests.jsonl", "--secret", req.secret});
  const auto results = in_parallel(4, 10, [&] { return post_webhook(hook(sink.port())); });
  for (const auto& r : results) EXPECT_TRUE(r.ok) << r.reply;
  const auto lines = read_json_lines(dir / "requests.jsonl");
  ASSERT_EQ(lines.size(), results.size());
  for (const auto& line : lines) EXPECT_EQ(line["signature_valid"], true);
}

}  // namespace
}  // namespace kanri::notify
