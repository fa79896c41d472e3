#include "notify/webhook.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/URI.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <memory>
#include <mutex>

#include "notify/connection.h"

#ifdef KANRI_VERSION
#define KANRI_WEBHOOK_USER_AGENT "Kanri/" KANRI_VERSION
#else
#define KANRI_WEBHOOK_USER_AGENT "Kanri/dev"
#endif

namespace kanri::notify {
namespace {

constexpr std::size_t kReplyBodyBytes = 300;

void initialize_sodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium cannot be initialized");
  });
}

std::int64_t epoch_seconds(std::int64_t epoch_ms) {
  if (epoch_ms == 0) {
    epoch_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  }
  return epoch_ms / 1000 - (epoch_ms % 1000 < 0);  // floor, also before 1970
}

std::string signature_for_seconds(const std::string& secret, std::int64_t seconds,
                                  const std::string& body) {
  initialize_sodium();
  const std::string prefix = std::to_string(seconds) + ".";
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(prefix.data()),
                                prefix.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_final(&state, mac.data());
  std::array<char, crypto_auth_hmacsha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
  sodium_memzero(&state, sizeof state);
  return "sha256=" + std::string(hex.data());
}

// Header values from the caller must not break the request's header block.
std::string header_value(std::string v) {
  std::replace_if(
      v.begin(), v.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return v;
}

// The start of a response body for the outbox: at most 300 bytes, never half a UTF-8
// character, on one line.
std::string excerpt(std::string body) {
  if (body.size() > kReplyBodyBytes) {
    std::size_t end = kReplyBodyBytes;
    while (end > 0 && (static_cast<unsigned char>(body[end]) & 0xC0) == 0x80) --end;
    body.resize(end);
  }
  std::replace_if(
      body.begin(), body.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  while (!body.empty() && (body.back() == ' ' || body.back() == '\t')) body.pop_back();
  return body;
}

DeliveryResult invalid_url(const std::string& why) {
  DeliveryResult r;
  r.permanent = true;
  r.reply = "invalid webhook URL: " + why;  // the URL itself may carry a token; not repeated
  return r;
}

DeliveryResult from_status(const Poco::Net::HTTPResponse& response, const std::string& body) {
  DeliveryResult r;
  r.code = static_cast<int>(response.getStatus());
  r.ok = r.code >= 200 && r.code < 300;
  r.reply = "HTTP " + std::to_string(r.code) + " ";
  if (r.code >= 300 && r.code < 400) {
    r.permanent = true;
    r.reply += "redirect to " + response.get("Location", "(no Location)") + " not followed";
    return r;
  }
  r.permanent = r.code >= 400 && r.code < 500 && r.code != 408 && r.code != 429;
  const std::string text = excerpt(body);
  r.reply += text.empty() ? response.getReason() : text;
  return r;
}

DeliveryResult post(const WebhookRequest& r, const Poco::URI& uri, bool https) {
  const std::string& host = uri.getHost();
  const std::uint16_t port = uri.getPort();
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (https) {
    session =
        std::make_unique<Poco::Net::HTTPSClientSession>(host, port, client_tls_context(true, ""));
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(host, port);
  }
  session->setTimeout(
      Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(std::max(r.timeout_ms, 1)) * 1000));
  session->setKeepAlive(false);

  std::string target = uri.getPathAndQuery();
  if (target.empty() || target.front() != '/') target.insert(0, "/");
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, target,
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  request.setContentType("application/json; charset=utf-8");
  request.setContentLength64(static_cast<Poco::Int64>(r.body.size()));
  request.set("User-Agent", KANRI_WEBHOOK_USER_AGENT);
  const std::int64_t seconds = epoch_seconds(r.timestamp_ms);
  request.set("X-Kanri-Event", header_value(r.event));
  request.set("X-Kanri-Delivery", header_value(r.delivery_id));
  request.set("X-Kanri-Timestamp", std::to_string(seconds));
  if (!r.secret.empty())
    request.set("X-Kanri-Signature", signature_for_seconds(r.secret, seconds, r.body));
  if (const std::string& info = uri.getUserInfo(); !info.empty()) {
    const std::size_t colon = info.find(':');
    Poco::Net::HTTPBasicCredentials(info.substr(0, colon),
                                    colon == std::string::npos ? "" : info.substr(colon + 1))
        .authenticate(request);
  }

  std::ostream& out = session->sendRequest(request);
  out.write(r.body.data(), static_cast<std::streamsize>(r.body.size()));
  out.flush();

  Poco::Net::HTTPResponse response;
  std::istream& in = session->receiveResponse(response);
  std::string body(kReplyBodyBytes + 4, '\0');  // a little more, to cut at a character boundary
  try {
    in.read(body.data(), static_cast<std::streamsize>(body.size()));
    body.resize(static_cast<std::size_t>(in.gcount()));
  } catch (...) {
    body.clear();  // the status decides; a body cut off by a timeout or reset is not needed
  }
  return from_status(response, body);
}

}  // namespace

std::string webhook_signature(const std::string& secret, std::int64_t timestamp_ms,
                              const std::string& body) {
  return signature_for_seconds(secret, epoch_seconds(timestamp_ms), body);
}

DeliveryResult post_webhook(const WebhookRequest& r) {
  Poco::URI uri;
  try {
    uri = Poco::URI(r.url);
  } catch (const Poco::Exception&) {
    return invalid_url("not a URL");
  }
  std::string scheme = uri.getScheme();
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (scheme != "http" && scheme != "https") return invalid_url("the scheme must be http or https");
  if (uri.getHost().empty()) return invalid_url("no host");
  try {
    return post(r, uri, scheme == "https");
  } catch (...) {
    DeliveryResult failed;
    failed.reply =
        describe_connection_error(endpoint_name(uri.getHost(), uri.getPort()), r.timeout_ms);
    return failed;
  }
}

}  // namespace kanri::notify
