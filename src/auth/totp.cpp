#include "auth/totp.h"

#include <liboath/oath.h>
#include <qrencode.h>
#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <stdexcept>

#include "core/crypto.h"

namespace kanri::auth {

namespace {

constexpr std::size_t kSecretBytes = 20;  // RFC 4226 §4 R6: 160 bits, the HMAC-SHA-1 key size
constexpr unsigned kDigits = 6;
constexpr unsigned kStepSeconds = OATH_TOTP_DEFAULT_TIME_STEP_SIZE;  // 30, as the URI promises
constexpr int kQuietZoneModules = 4;  // ISO/IEC 18004 asks for 4; scanners miss codes without it

void ensure_oath() {
  // liboath wants one oath_init per process before any other call; a static runs it once,
  // thread-safely.
  static const int ready = oath_init();
  if (ready != OATH_OK) throw std::runtime_error("liboath failed to initialise");
}

// liboath hands back malloc'ed buffers.
using OathBuffer = std::unique_ptr<char, decltype(&std::free)>;

std::int64_t step_at(EpochMs now_ms) {
  if (now_ms < 0) throw std::invalid_argument("TOTP has no time step before 1970");
  return now_ms / 1000 / kStepSeconds;
}

std::string code_at_step(std::string_view raw_secret, std::int64_t step) {
  ensure_oath();
  // Passing the step's first second makes liboath compute exactly this step.
  const auto at = static_cast<std::time_t>(step * kStepSeconds);
  char code[kDigits + 1] = {};
  const int rc = oath_totp_generate(raw_secret.data(), raw_secret.size(), at, kStepSeconds,
                                    OATH_TOTP_DEFAULT_START_TIME, kDigits, code);
  if (rc != OATH_OK)
    throw std::runtime_error(std::string("liboath could not compute a TOTP code: ") +
                             oath_strerror(rc));
  return std::string(code, kDigits);
}

bool is_six_digits(std::string_view code) {
  // Not std::isdigit: that one follows the locale.
  return code.size() == kDigits &&
         std::ranges::all_of(code, [](char c) { return c >= '0' && c <= '9'; });
}

// RFC 3986 §2.3 unreserved characters pass; every other byte, including each byte of a
// multi-byte UTF-8 character, becomes %XX.
std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                            (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' ||
                            byte == '_' || byte == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    }
  }
  return out;
}

}  // namespace

std::string totp_new_secret() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  std::string secret(kSecretBytes, '\0');
  randombytes_buf(secret.data(), secret.size());
  return secret;
}

std::string base32_encode(std::string_view raw) {
  ensure_oath();
  char* encoded = nullptr;
  std::size_t length = 0;
  const int rc = oath_base32_encode(raw.data(), raw.size(), &encoded, &length);
  const OathBuffer owner(encoded, &std::free);
  if (rc != OATH_OK)
    throw std::runtime_error(std::string("liboath could not encode base32: ") + oath_strerror(rc));
  std::string out(encoded != nullptr ? encoded : "", length);
  // Authenticator apps and the key URI format want the padding left off.
  const auto last = out.find_last_not_of('=');
  out.resize(last == std::string::npos ? 0 : last + 1);
  return out;
}

std::optional<std::string> base32_decode(std::string_view text) {
  ensure_oath();
  char* decoded = nullptr;
  std::size_t length = 0;
  const int rc = oath_base32_decode(text.data(), text.size(), &decoded, &length);
  const OathBuffer owner(decoded, &std::free);
  if (rc == OATH_INVALID_BASE32) return std::nullopt;
  if (rc != OATH_OK)
    throw std::runtime_error(std::string("liboath could not decode base32: ") + oath_strerror(rc));
  return std::string(decoded != nullptr ? decoded : "", length);
}

std::string totp_uri(std::string_view issuer, std::string_view account,
                     std::string_view raw_secret) {
  // The issuer appears twice on purpose: older apps read the label prefix, newer ones the
  // parameter, and the key URI format asks for both to agree.
  const std::string encoded_issuer = percent_encode(issuer);
  return "otpauth://totp/" + encoded_issuer + ":" + percent_encode(account) +
         "?secret=" + base32_encode(raw_secret) + "&issuer=" + encoded_issuer +
         "&algorithm=SHA1&digits=" + std::to_string(kDigits) +
         "&period=" + std::to_string(kStepSeconds);
}

std::string totp_code(std::string_view raw_secret, EpochMs now_ms) {
  return code_at_step(raw_secret, step_at(now_ms));
}

std::optional<std::int64_t> totp_verify(std::string_view raw_secret, std::string_view code,
                                        EpochMs now_ms, int window, std::int64_t last_used_step) {
  if (window < 0 || window > kMaxTotpWindow)
    throw std::invalid_argument("TOTP window must be between 0 and kMaxTotpWindow steps");
  const std::int64_t now_step = step_at(now_ms);
  if (!is_six_digits(code)) return std::nullopt;
  // Every step is computed and compared even after a match, so the time taken does not tell
  // which step (or whether an earlier one) matched. The earliest fresh match wins: it raises
  // last_used_step the least, so the user's next code is not refused by a chance collision.
  std::optional<std::int64_t> matched;
  for (std::int64_t step = now_step - window; step <= now_step + window; ++step) {
    if (step < 0) continue;
    const bool equal = constant_time_equal(code_at_step(raw_secret, step), code);
    if (equal && step > last_used_step && !matched) matched = step;
  }
  return matched;
}

std::string qr_svg(std::string_view text, int pixels_per_module) {
  if (pixels_per_module < 1) throw std::invalid_argument("pixels_per_module must be at least 1");
  // libqrencode reads a C string: an embedded NUL would silently cut the text short.
  if (text.find('\0') != std::string_view::npos)
    throw std::runtime_error("a QR code cannot be made of text containing NUL");
  const std::string terminated(text);
  const std::unique_ptr<QRcode, decltype(&QRcode_free)> qr(
      QRcode_encodeString(terminated.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), &QRcode_free);
  if (!qr) throw std::runtime_error("libqrencode could not encode the text (empty or too long)");

  const int modules = qr->width + 2 * kQuietZoneModules;
  const std::string side = std::to_string(static_cast<long long>(modules) * pixels_per_module);
  const std::string view = std::to_string(modules);
  std::string svg;
  svg.reserve(static_cast<std::size_t>(qr->width) * qr->width * 8 + 400);
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + side +
         "\" height=\"" + side + "\" viewBox=\"0 0 " + view + " " + view +
         "\" shape-rendering=\"crispEdges\">";
  // A light background of its own, so the code scans on a dark page too.
  svg += "<rect width=\"" + view + "\" height=\"" + view + "\" fill=\"#fff\"/>";
  svg += "<path fill=\"#000\" d=\"";
  for (int y = 0; y < qr->width; ++y) {
    for (int x = 0; x < qr->width; ++x) {
      // Bit 0 of each byte is the module's colour; the other bits are libqrencode's bookkeeping.
      if ((qr->data[y * qr->width + x] & 1) == 0) continue;
      svg += 'M';
      svg += std::to_string(x + kQuietZoneModules);
      svg += ' ';
      svg += std::to_string(y + kQuietZoneModules);
      svg += "h1v1h-1z";
    }
  }
  svg += "\"/></svg>\n";
  return svg;
}

}  // namespace kanri::auth
