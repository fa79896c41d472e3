#include "engine/field_codec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace kanri::engine {
namespace {

using model::FieldDef;
using model::FieldType;
using nlohmann::json;

FieldDef field(FieldType type, const std::string& name = "f") {
  FieldDef f;
  f.name = name;
  f.type = type;
  f.label = {"F", "エフ"};
  f.max_length = type == FieldType::text ? 255 : type == FieldType::longtext ? 100000 : 0;
  return f;
}

// Decodes `in`; returns the value on success, fails the test on an error.
Value ok(const FieldDef& f, const json& in) {
  FieldInput out;
  auto e = decode_field(f, in, out);
  EXPECT_FALSE(e) << in.dump() << " rejected with " << (e ? e->code : "");
  EXPECT_TRUE(out.lookup.empty());
  return out.value;
}

// Decodes `in` expecting the error `code`; returns the error.
FieldError bad(const FieldDef& f, const json& in, const std::string& code) {
  FieldInput out;
  auto e = decode_field(f, in, out);
  if (!e) {
    ADD_FAILURE() << in.dump() << " was accepted for a " << model::field_type_name(f.type) << " field";
    return {};
  }
  EXPECT_EQ(e->code, code) << in.dump();
  EXPECT_EQ(e->field, f.name);
  return *e;
}

TEST(FieldCodec, NullClearsAnyField) {
  for (auto t : {FieldType::text, FieldType::integer, FieldType::enumeration, FieldType::ref, FieldType::date}) {
    FieldInput out;
    out.value = std::int64_t{7};
    EXPECT_FALSE(decode_field(field(t), nullptr, out));
    EXPECT_TRUE(is_null(out.value));
  }
}

TEST(FieldCodec, Text) {
  FieldDef f = field(FieldType::text);
  f.max_length = 5;
  EXPECT_EQ(ok(f, "hello"), Value(std::string("hello")));
  EXPECT_EQ(ok(f, ""), Value(std::string("")));
  bad(f, 5, "field.type_text");
  bad(f, true, "field.type_text");
  bad(f, json::array({"a"}), "field.type_text");
  auto e = bad(f, "hello!", "field.too_long");
  EXPECT_EQ(e.args["max"], "5");
}

TEST(FieldCodec, TextLengthCountsCodePointsNotBytes) {
  FieldDef f = field(FieldType::text);
  f.max_length = 5;
  EXPECT_EQ(ok(f, "障害対応中"), Value(std::string("障害対応中")));  // 5 characters, 15 bytes
  bad(f, "障害対応中です", "field.too_long");
  EXPECT_EQ(ok(f, "😀😀😀😀😀"), Value(std::string("😀😀😀😀😀")));  // 20 bytes
  bad(f, "😀😀😀😀😀😀", "field.too_long");
}

TEST(FieldCodec, TextRejectsControlCharactersIncludingNewline) {
  FieldDef f = field(FieldType::text);
  bad(f, "line1\nline2", "field.control_chars");
  bad(f, "tab\there", "field.control_chars");
  bad(f, "cr\r", "field.control_chars");
  bad(f, std::string("nul\0x", 5), "field.control_chars");
  bad(f, "bell\x07", "field.control_chars");
  bad(f, "del\x7f", "field.control_chars");
  bad(f, "esc\x1b[31m", "field.control_chars");
  EXPECT_EQ(ok(f, "spaces  and　全角スペース"), Value(std::string("spaces  and　全角スペース")));
}

TEST(FieldCodec, LongtextAllowsLineBreaksAndTabsOnly) {
  FieldDef f = field(FieldType::longtext);
  EXPECT_EQ(ok(f, "line1\nline2\r\n\tindented"), Value(std::string("line1\nline2\r\n\tindented")));
  bad(f, "bell\x07", "field.control_chars");
  bad(f, std::string("nul\0x", 5), "field.control_chars");
  bad(f, "del\x7f", "field.control_chars");
  f.max_length = 3;
  EXPECT_EQ(ok(f, "あ\nい"), Value(std::string("あ\nい")));
  bad(f, "あ\nいう", "field.too_long");
}

TEST(FieldCodec, Integer) {
  FieldDef f = field(FieldType::integer);
  EXPECT_EQ(ok(f, 42), Value(std::int64_t{42}));
  EXPECT_EQ(ok(f, -7), Value(std::int64_t{-7}));
  EXPECT_EQ(ok(f, 0), Value(std::int64_t{0}));
  EXPECT_EQ(ok(f, std::numeric_limits<std::int64_t>::max()), Value(std::numeric_limits<std::int64_t>::max()));
  EXPECT_EQ(ok(f, std::numeric_limits<std::int64_t>::min()), Value(std::numeric_limits<std::int64_t>::min()));
  EXPECT_EQ(ok(f, 3.0), Value(std::int64_t{3}));  // a whole number written with a point
  bad(f, 1.5, "field.type_int");
  bad(f, -0.25, "field.type_int");
  bad(f, 1e300, "field.type_int");
  bad(f, "42", "field.type_int");
  bad(f, true, "field.type_int");
  bad(f, json::object(), "field.type_int");
  bad(f, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1, "field.type_int");
  bad(f, std::numeric_limits<std::uint64_t>::max(), "field.type_int");
}

TEST(FieldCodec, IntegerBounds) {
  FieldDef f = field(FieldType::integer);
  f.min = 0;
  f.max = 100;
  EXPECT_EQ(ok(f, 0), Value(std::int64_t{0}));
  EXPECT_EQ(ok(f, 100), Value(std::int64_t{100}));
  auto lo = bad(f, -1, "field.min");
  EXPECT_NE(lo.args["min"].find('0'), std::string::npos);
  auto hi = bad(f, 101, "field.max");
  EXPECT_NE(hi.args["max"].find("100"), std::string::npos);
}

TEST(FieldCodec, Decimal) {
  FieldDef f = field(FieldType::decimal);
  EXPECT_EQ(ok(f, 99.5), Value(99.5));
  EXPECT_EQ(ok(f, 3), Value(3.0));  // an integer is a valid decimal and is stored as one
  EXPECT_TRUE(std::holds_alternative<double>(ok(f, 3)));
  bad(f, "99.5", "field.type_decimal");
  bad(f, false, "field.type_decimal");
}

TEST(FieldCodec, DecimalScaleAndBounds) {
  FieldDef f = field(FieldType::decimal);
  f.min = 0;
  f.max = 100;
  f.scale = 3;
  EXPECT_EQ(ok(f, 99.999), Value(99.999));
  EXPECT_EQ(ok(f, 99.95), Value(99.95));
  EXPECT_EQ(ok(f, 0.001), Value(0.001));
  EXPECT_EQ(ok(f, 100), Value(100.0));
  auto e = bad(f, 99.9999, "field.scale");
  EXPECT_EQ(e.args["scale"], "3");
  bad(f, 0.0005, "field.scale");
  bad(f, 100.001, "field.max");
  bad(f, -0.001, "field.min");
  f.scale = 0;
  EXPECT_EQ(ok(f, 42.0), Value(42.0));
  bad(f, 42.5, "field.scale");
}

TEST(FieldCodec, Boolean) {
  FieldDef f = field(FieldType::boolean);
  EXPECT_EQ(ok(f, true), Value(std::int64_t{1}));
  EXPECT_EQ(ok(f, false), Value(std::int64_t{0}));
  bad(f, "true", "field.type_bool");
  bad(f, "false", "field.type_bool");
  bad(f, 1, "field.type_bool");
  bad(f, 0, "field.type_bool");
}

TEST(FieldCodec, Date) {
  FieldDef f = field(FieldType::date);
  EXPECT_EQ(ok(f, "2026-04-01"), Value(std::string("2026-04-01")));
  EXPECT_EQ(ok(f, "2024-02-29"), Value(std::string("2024-02-29")));
  bad(f, "2026-02-29", "field.type_date");
  bad(f, "2026-02-30", "field.type_date");
  bad(f, "2026-4-1", "field.type_date");
  bad(f, "2026-04-01T00:00:00Z", "field.type_date");
  bad(f, "01/04/2026", "field.type_date");
  bad(f, 20260401, "field.type_date");
}

TEST(FieldCodec, DatetimeNeedsAZone) {
  FieldDef f = field(FieldType::datetime);
  const Value expected = Value(std::int64_t{1775001600000});  // 2026-04-01T00:00:00Z
  EXPECT_EQ(ok(f, "2026-04-01T00:00:00Z"), expected);
  EXPECT_EQ(ok(f, "2026-04-01T09:00:00+09:00"), expected);
  EXPECT_EQ(ok(f, "2026-04-01T09:00:00.000+09:00"), expected);
  bad(f, "2026-04-01T09:00:00", "field.type_datetime");
  bad(f, "2026-04-01", "field.type_datetime");
  bad(f, "2026-02-30T09:00:00Z", "field.type_datetime");
  bad(f, 1775001600000, "field.type_datetime");
}

TEST(FieldCodec, Duration) {
  FieldDef f = field(FieldType::duration);
  EXPECT_EQ(ok(f, "PT4H"), Value(std::int64_t{4 * 3600000}));
  EXPECT_EQ(ok(f, "P3D"), Value(std::int64_t{3 * 86400000}));
  EXPECT_EQ(ok(f, "P1W"), Value(std::int64_t{7 * 86400000}));
  bad(f, "P1M", "field.type_duration");
  bad(f, "4h", "field.type_duration");
  bad(f, "", "field.type_duration");
  bad(f, 3600000, "field.type_duration");
}

TEST(FieldCodec, EnumListsAllowedValues) {
  FieldDef f = field(FieldType::enumeration);
  f.values = {{"critical", {"Critical", "最重要"}}, {"high", {"High", "高"}}, {"low", {"Low", "低"}}};
  EXPECT_EQ(ok(f, "high"), Value(std::string("high")));
  auto e = bad(f, "urgent", "field.enum");
  EXPECT_EQ(e.args["allowed"], "critical, high, low");
  bad(f, "High", "field.enum");   // names are exact
  bad(f, "高", "field.enum");     // labels are not values
  bad(f, 1, "field.enum");
  bad(f, "", "field.enum");
}

TEST(FieldCodec, ReferencesById) {
  for (auto t : {FieldType::ref, FieldType::org, FieldType::user}) {
    SCOPED_TRACE(std::string(model::field_type_name(t)));
    FieldDef f = field(t);
    f.target = "organization";
    EXPECT_EQ(ok(f, 12), Value(std::int64_t{12}));
    EXPECT_EQ(ok(f, json{{"id", 12}}), Value(std::int64_t{12}));
    const std::string code = t == FieldType::user ? "field.type_user" : "field.type_ref";
    bad(f, 0, code);
    bad(f, -3, code);
    bad(f, 1.5, code);
    bad(f, true, code);
    bad(f, "", code);
    bad(f, json::array({1}), code);
    bad(f, json{{"number", "ORG-000001"}}, code);
    bad(f, std::string(201, 'x'), code);
  }
}

TEST(FieldCodec, ReferencesByNumberLeaveALookup) {
  FieldDef f = field(FieldType::ref);
  f.target = "organization";
  for (const json& in : {json("ORG-000012"), json{{"id", "ORG-000012"}}}) {
    FieldInput out;
    ASSERT_FALSE(decode_field(f, in, out)) << in.dump();
    EXPECT_EQ(out.lookup, "ORG-000012");
    EXPECT_TRUE(is_null(out.value));  // resolved by the caller in the database
  }
  FieldDef u = field(FieldType::user);
  FieldInput out;
  ASSERT_FALSE(decode_field(u, "yamada", out));
  EXPECT_EQ(out.lookup, "yamada");
  EXPECT_TRUE(is_null(out.value));
  // A previous lookup never leaks into the next decode.
  ASSERT_FALSE(decode_field(u, 5, out));
  EXPECT_TRUE(out.lookup.empty());
  EXPECT_EQ(out.value, Value(std::int64_t{5}));
}

TEST(FieldCodec, JsonFieldSizeLimit) {
  FieldDef f = field(FieldType::json);
  Value v = ok(f, json{{"tier", "gold"}, {"regions", {"jp", "us"}}});
  ASSERT_TRUE(std::holds_alternative<std::string>(v));
  EXPECT_EQ(json::parse(std::get<std::string>(v)), (json{{"tier", "gold"}, {"regions", {"jp", "us"}}}));
  ok(f, json(std::string(99990, 'a')));  // 99,992 characters of JSON
  bad(f, json(std::string(100000, 'a')), "field.json_too_large");
  json big = json::array();
  for (int i = 0; i < 30000; ++i) big.push_back(i);
  bad(f, big, "field.json_too_large");
  EXPECT_EQ(ok(f, 5), Value(std::string("5")));
}

TEST(FieldCodec, EncodeRoundTrips) {
  struct Case {
    FieldType type;
    json in;
  };
  FieldDef level = field(FieldType::enumeration);
  level.values = {{"low", {"Low", "低"}}};
  const std::vector<Case> cases = {
      {FieldType::text, "障害対応"},
      {FieldType::longtext, "a\nb"},
      {FieldType::integer, -42},
      {FieldType::integer, std::numeric_limits<std::int64_t>::max()},
      {FieldType::decimal, 99.95},
      {FieldType::boolean, true},
      {FieldType::boolean, false},
      {FieldType::date, "2024-02-29"},
      {FieldType::datetime, "2026-04-01T09:30:15.250Z"},
      {FieldType::duration, "P2DT4H30M"},
      {FieldType::duration, "PT0S"},
      {FieldType::enumeration, "low"},
      {FieldType::ref, 12},
      {FieldType::user, 3},
      {FieldType::json, json{{"a", json::array({1, 2.5, "x", nullptr})}}},
  };
  for (auto& c : cases) {
    SCOPED_TRACE(std::string(model::field_type_name(c.type)) + " " + c.in.dump());
    FieldDef f = c.type == FieldType::enumeration ? level : field(c.type);
    f.target = "organization";
    Value v = ok(f, c.in);
    EXPECT_EQ(encode_field(f, v), c.in);
    // Encoding then decoding gives the stored value back.
    FieldInput again;
    ASSERT_FALSE(decode_field(f, encode_field(f, v), again));
    EXPECT_EQ(again.value, v);
  }
}

TEST(FieldCodec, EncodeNormalizesAndHandlesNull) {
  EXPECT_EQ(encode_field(field(FieldType::datetime), Value(std::int64_t{1775001600000})), "2026-04-01T00:00:00.000Z");
  EXPECT_EQ(encode_field(field(FieldType::duration), Value(std::int64_t{7 * 86400000})), "P7D");
  EXPECT_EQ(encode_field(field(FieldType::boolean), Value(std::int64_t{1})), json(true));
  for (auto t : {FieldType::text, FieldType::integer, FieldType::datetime, FieldType::json, FieldType::ref})
    EXPECT_TRUE(encode_field(field(t), Value()).is_null());
}

TEST(FieldCodec, IsBlank) {
  EXPECT_TRUE(is_blank(Value()));
  EXPECT_TRUE(is_blank(Value(std::string())));
  EXPECT_FALSE(is_blank(Value(std::string(" "))));
  EXPECT_FALSE(is_blank(Value(std::int64_t{0})));
  EXPECT_FALSE(is_blank(Value(0.0)));
}

}  // namespace
}  // namespace kanri::engine
