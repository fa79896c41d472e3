// The TOTP second factor (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps, the parameters
// every authenticator app assumes) and the QR code that carries its secret to the phone.
// The codes come from liboath and the QR code from libqrencode; this module only chooses the
// parameters, refuses replays and draws the SVG.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace kanri::auth {

// The widest verification window allowed, in steps either side of now. One step absorbs
// ordinary clock drift; each further step gives a guesser two more codes to hit.
inline constexpr int kMaxTotpWindow = 10;

// A new random TOTP secret: 20 raw bytes (the RFC 4226 recommended length) from libsodium's
// CSPRNG. Store it as a secret; show it to the user only as totp_uri / base32_encode.
std::string totp_new_secret();

// RFC 4648 base32 of `raw`: upper case and without '=' padding, the form authenticator apps
// expect in a key URI and users type from the screen.
std::string base32_encode(std::string_view raw);
// The bytes `text` encodes. Lower case, spaces and complete '=' padding are accepted, since
// users type secrets by hand; any other character or an impossible length gives nullopt.
std::optional<std::string> base32_decode(std::string_view text);

// The key URI an authenticator app scans to enrol `raw_secret`:
// otpauth://totp/<issuer>:<account>?secret=<BASE32>&issuer=<issuer>&algorithm=SHA1&digits=6&period=30
// `issuer` and `account` are percent-encoded as UTF-8 bytes (RFC 3986 unreserved kept), so
// Japanese names, '@', spaces and ':' survive the trip.
std::string totp_uri(std::string_view issuer, std::string_view account,
                     std::string_view raw_secret);

// The 6-digit code, zero-padded, that an authenticator shows for `raw_secret` at `now_ms`.
// Throws std::invalid_argument for a time before 1970, which has no TOTP step.
std::string totp_code(std::string_view raw_secret, EpochMs now_ms);

// Checks `code` (exactly 6 ASCII digits, anything else is refused) at `now_ms`, accepting the
// steps from `window` before to `window` after now's step. Returns the matched step
// (unix_seconds / 30) for the caller to store as `last_used_step` (-1 before first use): a
// match at a step <= last_used_step is refused, so one code cannot be used twice. Comparison
// is constant time and every step in the window is computed whatever matches. nullopt when
// refused; std::invalid_argument for a window outside 0..kMaxTotpWindow or a time before 1970.
std::optional<std::int64_t> totp_verify(std::string_view raw_secret, std::string_view code,
                                        EpochMs now_ms, int window, std::int64_t last_used_step);

// The QR code of `text` (8-bit mode, error correction level M, case sensitive) as a standalone
// SVG document: a white background, a 4-module quiet zone and one <path> of the dark modules,
// viewBox in modules, `pixels_per_module` pixels per module. No scripts and no external
// references, so it can be inlined in a page or served under a strict CSP.
// Throws std::runtime_error when libqrencode cannot encode `text` (empty, containing NUL, too
// long) and std::invalid_argument when pixels_per_module < 1.
std::string qr_svg(std::string_view text, int pixels_per_module = 4);

}  // namespace kanri::auth
