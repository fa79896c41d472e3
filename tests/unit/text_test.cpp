#include "core/text.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace kanri {
namespace {

using namespace std::string_view_literals;

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ASCII, with punctuation!"));
  EXPECT_TRUE(is_valid_utf8("a\0b"sv));                         // NUL is a valid code point
  EXPECT_TRUE(is_valid_utf8("\xC2\x80"));                       // U+0080, smallest 2-byte
  EXPECT_TRUE(is_valid_utf8("\xDF\xBF"));                       // U+07FF
  EXPECT_TRUE(is_valid_utf8("\xE0\xA0\x80"));                   // U+0800, smallest 3-byte
  EXPECT_TRUE(is_valid_utf8("障害対応"));
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));                   // U+D7FF, just below surrogates
  EXPECT_TRUE(is_valid_utf8("\xEE\x80\x80"));                   // U+E000, just above surrogates
  EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBF"));                   // U+FFFF
  EXPECT_TRUE(is_valid_utf8("\xF0\x90\x80\x80"));               // U+10000, smallest 4-byte
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));               // U+1F600 😀
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));               // U+10FFFF, the last code point
  EXPECT_TRUE(is_valid_utf8("x😀y障z"));
}

TEST(Utf8, RejectsOverlongForms) {
  EXPECT_FALSE(is_valid_utf8("\xC0\x80"));          // NUL in two bytes
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // '/' in two bytes
  EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));          // U+007F in two bytes
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // '/' in three bytes
  EXPECT_FALSE(is_valid_utf8("\xE0\x9F\xBF"));      // U+07FF in three bytes
  EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));  // '/' in four bytes
  EXPECT_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));  // U+FFFF in four bytes
}

TEST(Utf8, RejectsSurrogates) {
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));              // U+D800
  EXPECT_FALSE(is_valid_utf8("\xED\xAD\xBF"));              // U+DB7F
  EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));              // U+DFFF
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\xBD\xED\xB8\x80"));  // CESU-8 pair for U+1F600
}

TEST(Utf8, RejectsCodePointsAboveUnicode) {
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xF7\xBF\xBF\xBF"));
  EXPECT_FALSE(is_valid_utf8("\xF8\x88\x80\x80\x80"));  // old 5-byte form
  EXPECT_FALSE(is_valid_utf8("\xFC\x84\x80\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xFE"));
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(Utf8, RejectsTruncatedAndBrokenSequences) {
  EXPECT_FALSE(is_valid_utf8("\xC3"));                 // lead byte at the end
  EXPECT_FALSE(is_valid_utf8("\xE3\x81"));             // 2 of 3 bytes of あ
  EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98"));         // 3 of 4 bytes of 😀
  EXPECT_FALSE(is_valid_utf8("abc\xE3\x81"));          // truncated after valid text
  EXPECT_FALSE(is_valid_utf8("\xE3\x81" "a"));         // continuation replaced by ASCII
  EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98" "abc"));   // missing last byte, more text follows
  EXPECT_FALSE(is_valid_utf8("\x80"));                 // lone continuation byte
  EXPECT_FALSE(is_valid_utf8("a\xBF" "b"));
  EXPECT_FALSE(is_valid_utf8("\xE3\x81\x82\x82"));     // あ plus a stray continuation
  EXPECT_FALSE(is_valid_utf8("\xC3\xC3\xA9"));         // a lead byte where a continuation belongs
  // A truncated sequence at the very end must not read past the view: take a prefix of a
  // longer buffer whose next byte would complete the character.
  const std::string buffer = "ok\xE3\x81\x82";
  EXPECT_FALSE(is_valid_utf8(std::string_view(buffer).substr(0, buffer.size() - 1)));
  EXPECT_TRUE(is_valid_utf8(buffer));
}

TEST(Utf8, LengthCountsCodePoints) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("日本語"), 3u);        // 9 bytes
  EXPECT_EQ(utf8_length("😀"), 1u);            // 4 bytes
  EXPECT_EQ(utf8_length("a😀b障"), 4u);
  EXPECT_EQ(utf8_length("\xC2\x80\xDF\xBF"), 2u);
  EXPECT_EQ(utf8_length("a\0b"sv), 3u);
  EXPECT_EQ(utf8_length(std::string(200, 'x')), 200u);
  std::string kanji;
  for (int i = 0; i < 100; ++i) kanji += "漢";
  EXPECT_EQ(utf8_length(kanji), 100u);
}

TEST(Identifier, AcceptsLowerSnakeCase) {
  EXPECT_TRUE(is_identifier("a"));
  EXPECT_TRUE(is_identifier("service"));
  EXPECT_TRUE(is_identifier("next_review_on"));
  EXPECT_TRUE(is_identifier("field2"));
  EXPECT_TRUE(is_identifier("a_"));
  EXPECT_TRUE(is_identifier("x" + std::string(62, 'y')));  // 63 characters
}

TEST(Identifier, RejectsEverythingElse) {
  EXPECT_FALSE(is_identifier(""));
  EXPECT_FALSE(is_identifier("x" + std::string(63, 'y')));  // 64 characters
  EXPECT_FALSE(is_identifier("1field"));
  EXPECT_FALSE(is_identifier("_field"));
  EXPECT_FALSE(is_identifier("Field"));
  EXPECT_FALSE(is_identifier("fieldName"));
  EXPECT_FALSE(is_identifier("field-name"));
  EXPECT_FALSE(is_identifier("field name"));
  EXPECT_FALSE(is_identifier("field.name"));
  EXPECT_FALSE(is_identifier("café"));
  EXPECT_FALSE(is_identifier("名前"));
  EXPECT_FALSE(is_identifier("a\0b"sv));
  EXPECT_FALSE(is_identifier("name\""));
}

}  // namespace
}  // namespace kanri

namespace kanri {

TEST(ParseInt, TakesWholeDecimalIntegersOnly) {
  EXPECT_EQ(parse_int("42"), 42);
  EXPECT_EQ(parse_int("-7"), -7);
  EXPECT_FALSE(parse_int(""));
  EXPECT_FALSE(parse_int("4x"));
  EXPECT_FALSE(parse_int(" 4"));
  EXPECT_FALSE(parse_int("99999999999999999999"));
}

}  // namespace kanri
