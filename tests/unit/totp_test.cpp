// The TOTP second factor against the RFC vectors, its window and replay rules, the key URI an
// authenticator app scans, and the QR code that carries it.
#include "auth/totp.h"

#include <gtest/gtest.h>
#include <qrencode.h>

#include <charconv>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#ifdef KANRI_HAVE_RAPIDCHECK
#include <rapidcheck/gtest.h>
#endif

namespace kanri::auth {
namespace {

// RFC 6238 Appendix B: the SHA-1 key is the ASCII string itself.
const std::string kRfcSecret = "12345678901234567890";
constexpr std::int64_t kStepMs = 30 * 1000;

EpochMs at_seconds(std::int64_t unix_seconds) { return unix_seconds * 1000; }

// ---- totp_code ----------------------------------------------------------------------------

TEST(TotpCode, MatchesRfc6238Sha1VectorsTruncatedToSixDigits) {
  EXPECT_EQ(totp_code(kRfcSecret, at_seconds(59)), "287082");
  EXPECT_EQ(totp_code(kRfcSecret, at_seconds(1111111109)), "081804");
  EXPECT_EQ(totp_code(kRfcSecret, at_seconds(1111111111)), "050471");
  EXPECT_EQ(totp_code(kRfcSecret, at_seconds(1234567890)), "005924");
  EXPECT_EQ(totp_code(kRfcSecret, at_seconds(2000000000)), "279037");
  EXPECT_EQ(totp_code(kRfcSecret, at_seconds(20000000000)), "353130") << "beyond 2038";
}

TEST(TotpCode, MillisecondsWithinAStepShowTheSameCode) {
  // T=59 is step 1 (30..59 s); its last millisecond still belongs to it, 60 s starts step 2.
  EXPECT_EQ(totp_code(kRfcSecret, 30'000), "287082");
  EXPECT_EQ(totp_code(kRfcSecret, 59'999), "287082");
  EXPECT_NE(totp_code(kRfcSecret, 60'000), "287082");
  EXPECT_EQ(totp_code(kRfcSecret, at_seconds(1111111109) + 999), "081804");
}

TEST(TotpCode, RefusesTimesBefore1970) {
  EXPECT_THROW(totp_code(kRfcSecret, -1), std::invalid_argument);
}

// ---- totp_verify --------------------------------------------------------------------------

class TotpVerify : public ::testing::Test {
 protected:
  const EpochMs now = at_seconds(1111111111);
  const std::int64_t now_step = 1111111111 / 30;
  // The code an authenticator shows `offset` steps away from now.
  std::string code(int offset) const { return totp_code(kRfcSecret, now + offset * kStepMs); }
  std::optional<std::int64_t> verify(std::string_view c, int window, std::int64_t last = -1) const {
    return totp_verify(kRfcSecret, c, now, window, last);
  }
  void SetUp() override {
    // The window tests mean something only if the neighbouring codes differ.
    const std::set<std::string> distinct{code(-3), code(-2), code(-1), code(0),
                                         code(1),  code(2),  code(3)};
    ASSERT_EQ(distinct.size(), 7u);
  }
};

TEST_F(TotpVerify, AcceptsTheCurrentCodeAndReturnsItsStep) {
  ASSERT_EQ(code(0), "050471");
  EXPECT_EQ(verify("050471", 0), now_step);
  EXPECT_EQ(verify("050471", 1), now_step);
  EXPECT_EQ(totp_verify(kRfcSecret, "081804", at_seconds(1111111109), 0, 0), 1111111109 / 30);
}

TEST_F(TotpVerify, AcceptsCodesWithinTheWindowAndReturnsTheirStep) {
  EXPECT_EQ(verify(code(-1), 1), now_step - 1);
  EXPECT_EQ(verify(code(1), 1), now_step + 1);
  EXPECT_EQ(verify(code(-2), 2), now_step - 2);
  EXPECT_EQ(verify(code(2), 2), now_step + 2);
}

TEST_F(TotpVerify, RefusesCodesOutsideTheWindow) {
  EXPECT_FALSE(verify(code(-1), 0));
  EXPECT_FALSE(verify(code(1), 0));
  EXPECT_FALSE(verify(code(-2), 1));
  EXPECT_FALSE(verify(code(2), 1));
  EXPECT_FALSE(verify(code(3), 2));
  EXPECT_FALSE(verify(code(-3), 2));
}

TEST_F(TotpVerify, RefusesAWrongCode) {
  std::string wrong = code(0);
  wrong[5] = wrong[5] == '9' ? '0' : static_cast<char>(wrong[5] + 1);
  for (int offset = -2; offset <= 2; ++offset) ASSERT_NE(wrong, code(offset));
  EXPECT_FALSE(verify(wrong, 2));
  EXPECT_FALSE(totp_verify("another secret", code(0), now, 1, -1)) << "the code belongs to a key";
}

TEST_F(TotpVerify, RefusesReplayOfAUsedStepOrAnEarlierOne) {
  const auto first = verify(code(0), 1);
  ASSERT_EQ(first, now_step);
  EXPECT_FALSE(verify(code(0), 1, *first)) << "the same code twice";
  EXPECT_FALSE(verify(code(-1), 1, *first)) << "an older code after a newer one";
  EXPECT_EQ(verify(code(1), 1, *first), now_step + 1) << "the next code is still good";
  EXPECT_FALSE(verify(code(0), 1, now_step + 1));
  EXPECT_EQ(verify(code(0), 1, now_step - 1), now_step) << "only steps up to last_used are spent";
}

TEST_F(TotpVerify, RefusesAnythingButSixAsciiDigits) {
  const std::string good = code(0);
  EXPECT_FALSE(verify(good.substr(0, 5), 1));
  EXPECT_FALSE(verify(good + "0", 1));
  EXPECT_FALSE(verify("0" + good, 1));
  EXPECT_FALSE(verify(" " + good, 1));
  EXPECT_FALSE(verify(good + " ", 1));
  EXPECT_FALSE(verify(good.substr(0, 3) + " " + good.substr(3), 1));
  EXPECT_FALSE(verify("", 1));
  EXPECT_FALSE(verify("05047a", 1));
  EXPECT_FALSE(verify("+50471", 1));
  EXPECT_FALSE(verify("-50471", 1));
  EXPECT_FALSE(verify(std::string("05047\0", 6), 1));
  EXPECT_FALSE(verify("\xEF\xBC\x90\xEF\xBC\x95", 1)) << "full-width digits are not ASCII";
}

TEST_F(TotpVerify, NearTheEpochStepsBeforeZeroAreSkipped) {
  EXPECT_EQ(totp_verify(kRfcSecret, totp_code(kRfcSecret, 0), 0, 1, -1), 0);
  EXPECT_EQ(totp_verify(kRfcSecret, totp_code(kRfcSecret, 10'000), 10'000, 2, -1), 0);
}

TEST_F(TotpVerify, RefusesAWindowOutsideItsBoundsOrATimeBefore1970) {
  EXPECT_THROW(verify(code(0), -1), std::invalid_argument);
  EXPECT_THROW(verify(code(0), kMaxTotpWindow + 1), std::invalid_argument);
  EXPECT_EQ(verify(code(0), kMaxTotpWindow), now_step);
  EXPECT_THROW(totp_verify(kRfcSecret, code(0), -1, 1, -1), std::invalid_argument);
}

// ---- totp_new_secret ----------------------------------------------------------------------

TEST(TotpSecret, IsTwentyRandomBytes) {
  const std::string a = totp_new_secret(), b = totp_new_secret();
  EXPECT_EQ(a.size(), 20u);
  EXPECT_EQ(b.size(), 20u);
  EXPECT_NE(a, b);
  EXPECT_EQ(totp_code(a, 0).size(), 6u);
}

// ---- base32 -------------------------------------------------------------------------------

TEST(Base32, EncodesRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(base32_encode(""), "");
  EXPECT_EQ(base32_encode("f"), "MY");
  EXPECT_EQ(base32_encode("fo"), "MZXQ");
  EXPECT_EQ(base32_encode("foo"), "MZXW6");
  EXPECT_EQ(base32_encode("foob"), "MZXW6YQ");
  EXPECT_EQ(base32_encode("fooba"), "MZXW6YTB");
  EXPECT_EQ(base32_encode("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(base32_encode(kRfcSecret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  EXPECT_EQ(base32_encode(std::string("\0\xFF", 2)), "AD7Q") << "bytes, not text";
}

TEST(Base32, DecodesRfc4648Vectors) {
  EXPECT_EQ(base32_decode(""), "");
  EXPECT_EQ(base32_decode("MY"), "f");
  EXPECT_EQ(base32_decode("MZXQ"), "fo");
  EXPECT_EQ(base32_decode("MZXW6"), "foo");
  EXPECT_EQ(base32_decode("MZXW6YQ"), "foob");
  EXPECT_EQ(base32_decode("MZXW6YTB"), "fooba");
  EXPECT_EQ(base32_decode("MZXW6YTBOI"), "foobar");
  EXPECT_EQ(base32_decode("AD7Q"), std::string("\0\xFF", 2));
}

TEST(Base32, DecodesWhatUsersTypeLowerCaseSpacedOrPadded) {
  EXPECT_EQ(base32_decode("mzxw6ytboi"), "foobar");
  EXPECT_EQ(base32_decode("MzXw6YtBoI"), "foobar");
  EXPECT_EQ(base32_decode("MZXW 6YTB OI"), "foobar");
  EXPECT_EQ(base32_decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq"), kRfcSecret);
  EXPECT_EQ(base32_decode("MY======"), "f");
  EXPECT_EQ(base32_decode("MZXW6YQ="), "foob");
  EXPECT_EQ(base32_decode("MZXW6YTBOI======"), "foobar");
}

TEST(Base32, RefusesOtherCharactersAndImpossibleLengths) {
  EXPECT_FALSE(base32_decode("MZXW6YT1"));  // 0, 1, 8 and 9 are not in the alphabet
  EXPECT_FALSE(base32_decode("MZXW6YT0"));
  EXPECT_FALSE(base32_decode("MZXW6YT8"));
  EXPECT_FALSE(base32_decode("MZXW-6YTB"));
  EXPECT_FALSE(base32_decode("MZXW6YTB!"));
  EXPECT_FALSE(base32_decode(std::string("MY\0", 3)));
  EXPECT_FALSE(base32_decode("\xEF\xBC\xAD\xEF\xBC\xB9"));  // full-width "ＭＹ"
  EXPECT_FALSE(base32_decode("MY==MY"));
  EXPECT_FALSE(base32_decode("M"));    // 5 bits make no byte
  EXPECT_FALSE(base32_decode("MZX"));  // neither do 3 or 6 characters
  EXPECT_FALSE(base32_decode("MZXW6Y"));
}

#ifdef KANRI_HAVE_RAPIDCHECK

rc::Gen<std::string> any_bytes() {
  return rc::gen::container<std::string>(rc::gen::arbitrary<char>());
}

RC_GTEST_PROP(Base32Properties, RoundTripsAnyBytes, ()) {
  const std::string raw = *any_bytes();
  const std::string text = base32_encode(raw);
  RC_ASSERT(text.size() == (raw.size() * 8 + 4) / 5);  // ceil(8n/5): no padding
  RC_ASSERT(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == std::string::npos);
  RC_ASSERT(base32_decode(text) == std::optional<std::string>(raw));
}

RC_GTEST_PROP(TotpProperties, TheCurrentCodeVerifiesAtItsStepOnce, ()) {
  const std::string secret = *rc::gen::container<std::string>(20, rc::gen::arbitrary<char>());
  const EpochMs now = *rc::gen::inRange<EpochMs>(0, 4102444800000LL);  // 1970..2100
  const std::string code = totp_code(secret, now);
  RC_ASSERT(code.size() == 6u);
  RC_ASSERT(code.find_first_not_of("0123456789") == std::string::npos);
  const auto step = totp_verify(secret, code, now, 0, -1);  // window 0: no chance collision
  RC_ASSERT(step == std::optional<std::int64_t>(now / kStepMs));
  RC_ASSERT(!totp_verify(secret, code, now, 0, *step));
}

#endif

// ---- totp_uri -----------------------------------------------------------------------------

TEST(TotpUri, FollowsTheKeyUriFormat) {
  EXPECT_EQ(totp_uri("Kanri", "alice", kRfcSecret),
            "otpauth://totp/Kanri:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Kanri"
            "&algorithm=SHA1&digits=6&period=30");
}

TEST(TotpUri, PercentEncodesJapaneseAndReservedCharactersAsUtf8) {
  EXPECT_EQ(totp_uri("管理システム", "taro yamada@example.co.jp", "foobar"),
            "otpauth://totp/%E7%AE%A1%E7%90%86%E3%82%B7%E3%82%B9%E3%83%86%E3%83%A0:"
            "taro%20yamada%40example.co.jp?secret=MZXW6YTBOI"
            "&issuer=%E7%AE%A1%E7%90%86%E3%82%B7%E3%82%B9%E3%83%86%E3%83%A0"
            "&algorithm=SHA1&digits=6&period=30");
  // A ':' in the issuer must not read as the label's separator; '&' not as a new parameter.
  EXPECT_EQ(totp_uri("ACME: 本社", "山田 太郎", "f"),
            "otpauth://totp/ACME%3A%20%E6%9C%AC%E7%A4%BE:%E5%B1%B1%E7%94%B0%20%E5%A4%AA%E9%83%8E"
            "?secret=MY&issuer=ACME%3A%20%E6%9C%AC%E7%A4%BE&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(totp_uri("A&B=C", "x+y/z?", "f"),
            "otpauth://totp/A%26B%3DC:x%2By%2Fz%3F?secret=MY&issuer=A%26B%3DC"
            "&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(totp_uri("Az09-._~", "a", "f").substr(0, 26), "otpauth://totp/Az09-._~:a?");
}

// ---- qr_svg -------------------------------------------------------------------------------

// libqrencode's own reading of `text`, with the same options qr_svg promises.
std::unique_ptr<QRcode, decltype(&QRcode_free)> reference_qr(const std::string& text) {
  return {QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), &QRcode_free};
}

std::string attribute(const std::string& svg, const std::string& name) {
  const std::string key = " " + name + "=\"";
  const auto start = svg.find(key);
  if (start == std::string::npos) return {};
  const auto from = start + key.size();
  return svg.substr(from, svg.find('"', from) - from);
}

// The modules the single <path> draws, each written "M x y h1v1h-1z"; anything else in the
// path data fails the test, so nothing is drawn that is not counted.
std::set<std::pair<int, int>> drawn_modules(const std::string& svg) {
  const std::string d = attribute(svg.substr(svg.find("<path")), "d");
  std::set<std::pair<int, int>> out;
  std::size_t count = 0;
  const char* at = d.data();
  const char* const end = d.data() + d.size();
  const auto number = [&](int& value) {
    const auto [next, error] = std::from_chars(at, end, value);
    at = next;
    return error == std::errc();
  };
  const auto literal = [&](std::string_view text) {
    if (std::string_view(at, end - at).substr(0, text.size()) != text) return false;
    at += text.size();
    return true;
  };
  while (at != end) {
    int x = 0, y = 0;
    if (!(literal("M") && number(x) && literal(" ") && number(y) && literal("h1v1h-1z"))) {
      ADD_FAILURE() << "unexpected path data at offset " << (at - d.data());
      break;
    }
    out.emplace(x, y);
    ++count;
  }
  EXPECT_EQ(count, out.size()) << "a module drawn twice";
  return out;
}

std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

TEST(QrSvg, IsAStandaloneSvgSizedInModulesWithAQuietZone) {
  const std::string text = totp_uri("Kanri", "alice@example.com", kRfcSecret);
  const auto qr = reference_qr(text);
  ASSERT_TRUE(qr);
  const int n = qr->width + 8;
  const std::string svg = qr_svg(text);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(attribute(svg, "xmlns"), "http://www.w3.org/2000/svg");
  EXPECT_EQ(attribute(svg, "viewBox"), "0 0 " + std::to_string(n) + " " + std::to_string(n));
  EXPECT_EQ(attribute(svg, "width"), std::to_string(4 * n));
  EXPECT_EQ(attribute(svg, "height"), std::to_string(4 * n));
  EXPECT_EQ(attribute(svg, "shape-rendering"), "crispEdges");
  EXPECT_EQ(count_of(svg, "<path"), 1u);
  const std::string big = qr_svg(text, 10);
  EXPECT_EQ(attribute(big, "width"), std::to_string(10 * n));
  EXPECT_EQ(attribute(big, "viewBox"), "0 0 " + std::to_string(n) + " " + std::to_string(n));
}

TEST(QrSvg, HasNoScriptsOrExternalReferences) {
  const std::string svg = qr_svg(totp_uri("Kanri", "alice", kRfcSecret));
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(svg.find("href"), std::string::npos);
  EXPECT_EQ(svg.find("url("), std::string::npos);
  EXPECT_EQ(svg.find("<image"), std::string::npos);
  EXPECT_EQ(svg.find("<foreignObject"), std::string::npos);
  EXPECT_EQ(svg.find(" on"), std::string::npos) << "no event handler attributes";
  EXPECT_EQ(count_of(svg, "http"), 1u) << "only the SVG namespace name";
}

TEST(QrSvg, DrawsExactlyTheDarkModulesLibqrencodeReports) {
  for (const std::string& text :
       {totp_uri("Kanri", "alice", kRfcSecret),
        totp_uri("管理システム", "山田 太郎", totp_new_secret()), std::string("a")}) {
    SCOPED_TRACE(text);
    const auto qr = reference_qr(text);
    ASSERT_TRUE(qr);
    std::set<std::pair<int, int>> dark;
    for (int y = 0; y < qr->width; ++y)
      for (int x = 0; x < qr->width; ++x)
        if (qr->data[y * qr->width + x] & 1)
          dark.emplace(x + 4, y + 4);  // shifted by the quiet zone
    const auto drawn = drawn_modules(qr_svg(text));
    EXPECT_EQ(drawn.size(), dark.size());
    EXPECT_EQ(drawn, dark);
  }
}

TEST(QrSvg, RefusesWhatCannotBeEncoded) {
  EXPECT_THROW(qr_svg(""), std::runtime_error);
  EXPECT_THROW(qr_svg(std::string("otpauth\0://x", 12)), std::runtime_error);
  EXPECT_THROW(qr_svg(std::string(8000, 'x')), std::runtime_error) << "beyond version 40";
  EXPECT_THROW(qr_svg("x", 0), std::invalid_argument);
}

}  // namespace
}  // namespace kanri::auth
