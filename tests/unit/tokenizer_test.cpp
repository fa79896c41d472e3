#include "store/search/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace kanri::search {
namespace {

using Tokens = std::vector<std::string>;

bool contains(const Tokens& tokens, std::string_view token) {
  return std::find(tokens.begin(), tokens.end(), token) != tokens.end();
}

// Strict UTF-8 check written out here so the test does not trust the code under test.
bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    char32_t c = 0;
    if (lead < 0x80) {
      length = 1, c = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2, c = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, c = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, c = lead & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      c = (c << 6) | (next & 0x3F);
    }
    static constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < kSmallest[length] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

// What every token must satisfy for the stores to quote it and index it.
void expect_well_formed(const std::string& token, std::string_view input) {
  EXPECT_FALSE(token.empty()) << "input: " << testing::PrintToString(std::string(input));
  EXPECT_LE(token.size(), kMaxTokenBytes);
  EXPECT_EQ(token.find_first_of(" \"'\\"), std::string::npos)
      << "token: " << testing::PrintToString(token);
  EXPECT_TRUE(is_valid_utf8(token)) << "token: " << testing::PrintToString(token);
}

TEST(Tokenize, LatinWordsAreCaseFoldedAndPunctuationSeparates) {
  EXPECT_EQ(tokenize("Hello, World_42! (again)"), (Tokens{"hello", "world", "42", "again"}));
}

TEST(Tokenize, TicketNumberSplitsAtHyphen) {
  EXPECT_EQ(tokenize("INC-000123"), (Tokens{"inc", "000123"}));
}

TEST(Tokenize, CjkRunBecomesOverlappingBigrams) {
  EXPECT_EQ(tokenize("障害対応"), (Tokens{"障害", "害対", "対応"}));
}

TEST(Tokenize, SingleCjkCharacterIsAUnigram) {
  EXPECT_EQ(tokenize("障"), (Tokens{"障"}));
  EXPECT_EQ(tokenize("第3回"), (Tokens{"第", "3", "回"}));
}

TEST(Tokenize, LettersNextToCjkStartAWordRun) {
  EXPECT_EQ(tokenize("Windows10の障害"), (Tokens{"windows10", "の障", "障害"}));
  EXPECT_EQ(tokenize("障害はDNSが原因"), (Tokens{"障害", "害は", "dns", "が原", "原因"}));
}

TEST(Tokenize, JapanesePunctuationSeparatesRuns) {
  EXPECT_EQ(tokenize("「障害」・対応。完了、"), (Tokens{"障害", "対応", "完了"}));
}

TEST(Tokenize, TwoCharacterWordInsideSentenceIsAToken) {
  const Tokens tokens = tokenize("システム障害が発生");
  EXPECT_TRUE(contains(tokens, "障害"));
  EXPECT_TRUE(contains(tokens, "発生"));
  EXPECT_TRUE(contains(tokens, "シス"));
}

TEST(Tokenize, FullWidthFormsAreNormalised) {
  EXPECT_EQ(tokenize("ＡＢＣ１２３"), (Tokens{"abc123"}));
  EXPECT_EQ(tokenize("①"), (Tokens{"1"}));
  const Tokens tokens = tokenize("ＰＣが起動しない");
  EXPECT_TRUE(contains(tokens, "pc"));
  EXPECT_TRUE(contains(tokens, "起動"));
  EXPECT_EQ(tokens, (Tokens{"pc", "が起", "起動", "動し", "しな", "ない"}));
}

TEST(Tokenize, HalfWidthKatakanaIsNormalised) {
  EXPECT_EQ(tokenize("ｶﾅ"), (Tokens{"カナ"}));
  // The half-width voiced mark composes with its kana.
  EXPECT_EQ(tokenize("ｶﾞｲﾄﾞ"), tokenize("ガイド"));
}

TEST(Tokenize, ProlongedSoundMarkContinuesRun) {
  EXPECT_EQ(tokenize("サーバー"), (Tokens{"サー", "ーバ", "バー"}));
  EXPECT_EQ(tokenize("ｻｰﾊﾞｰ"), (Tokens{"サー", "ーバ", "バー"}));
}

TEST(Tokenize, IterationMarksContinueButNeverStartRun) {
  EXPECT_EQ(tokenize("時々"), (Tokens{"時々"}));
  EXPECT_EQ(tokenize("々"), Tokens{});
  EXPECT_EQ(tokenize("ー abc"), (Tokens{"abc"}));
}

TEST(Tokenize, HangulIsBigrammed) { EXPECT_EQ(tokenize("서버 장애"), (Tokens{"서버", "장애"})); }

TEST(Tokenize, CombiningMarkStaysWithItsCharacter) {
  // ア has no precomposed voiced form, so the mark survives NFKC and must not split the bigram.
  EXPECT_EQ(tokenize("ア\u3099イ"), (Tokens{"ア\u3099イ"}));
  EXPECT_EQ(tokenize("cafe\u0301"), (Tokens{"café"}));
  // A mark with no base before it is dropped rather than becoming a token.
  EXPECT_EQ(tokenize("\u0301abc"), (Tokens{"abc"}));
}

TEST(Tokenize, CaseFoldingCoversNonAsciiLetters) {
  EXPECT_EQ(tokenize("PC Pc ＰＣ pc"), (Tokens{"pc"}));
  EXPECT_EQ(tokenize("ÉCOLE"), (Tokens{"école"}));
  EXPECT_EQ(tokenize("ΣΟΦΙΑ σοφια"), (Tokens{"σοφια"}));
  EXPECT_EQ(tokenize("ДРАЙВЕР"), (Tokens{"драйвер"}));
  // Simple folding: ß is one code point and stays one, it does not become "ss".
  EXPECT_EQ(tokenize("STRAßE"), (Tokens{"straße"}));
}

TEST(Tokenize, DuplicatesRemovedKeepingFirstOccurrence) {
  EXPECT_EQ(tokenize("b a B c A"), (Tokens{"b", "a", "c"}));
  EXPECT_EQ(tokenize("障害 error 障害 ERROR"), (Tokens{"障害", "error"}));
  EXPECT_EQ(tokenize("障害障害"), (Tokens{"障害", "害障"}));
}

TEST(Tokenize, InvalidUtf8SeparatesTokens) {
  EXPECT_EQ(tokenize("\xff\xfe abc"), (Tokens{"abc"}));
  EXPECT_EQ(tokenize("ab\xff"
                     "cd"),
            (Tokens{"ab", "cd"}));
  EXPECT_EQ(tokenize("abc\xe3\x81"), (Tokens{"abc"}));                   // truncated sequence
  EXPECT_EQ(tokenize("\xed\xa0\x80x"), (Tokens{"x"}));                   // encoded surrogate
  EXPECT_EQ(tokenize(std::string_view("a\0b", 3)), (Tokens{"a", "b"}));  // embedded NUL
}

TEST(Tokenize, LongWordsAreCappedAtCharacterBoundary) {
  EXPECT_EQ(tokenize(std::string(100, 'a')), (Tokens{std::string(kMaxTokenBytes, 'a')}));

  std::string thai;  // ก is three bytes, so 64 bytes would cut a character in half
  for (int i = 0; i < 30; ++i) thai += "ก";
  const Tokens tokens = tokenize(thai);
  ASSERT_EQ(tokens.size(), 1U);
  EXPECT_EQ(tokens[0].size(), 63U);
  EXPECT_TRUE(is_valid_utf8(tokens[0]));
  EXPECT_EQ(tokens[0], thai.substr(0, 63));

  // The cut is a prefix: a shorter character after one that did not fit is not squeezed in.
  EXPECT_EQ(tokenize(std::string(63, 'x') + "éz"), (Tokens{std::string(63, 'x')}));
}

TEST(Tokenize, AsciiAndUnicodePathsAgree) {
  // The first input takes the pure-ASCII shortcut, the second goes through ICU.
  EXPECT_EQ(tokenize("Disk FULL on srv-01"), (Tokens{"disk", "full", "on", "srv", "01"}));
  EXPECT_EQ(tokenize("Disk FULL on srv-01 é"), (Tokens{"disk", "full", "on", "srv", "01", "é"}));
}

TEST(Tokenize, NothingToIndex) {
  EXPECT_EQ(tokenize(""), Tokens{});
  EXPECT_EQ(tokenize("  ・「」、。!? -- ★ "), Tokens{});
}

TEST(IndexText, JoinsTokensWithSingleSpaces) {
  EXPECT_EQ(index_text("Windows10の障害"), "windows10 の障 障害");
  EXPECT_EQ(index_text("  PC,  pc  "), "pc");
  EXPECT_EQ(index_text("!!!"), "");
}

TEST(ParseQuery, SingleCjkCharacterIsPrefixTerm) {
  EXPECT_EQ(parse_query("障"), (std::vector<QueryTerm>{{"障", true}}));
}

TEST(ParseQuery, WordsAndBigramsAreExactTerms) {
  EXPECT_EQ(parse_query("ＰＣ 障害"), (std::vector<QueryTerm>{{"pc", false}, {"障害", false}}));
  EXPECT_EQ(parse_query("障害対応"),
            (std::vector<QueryTerm>{{"障害", false}, {"害対", false}, {"対応", false}}));
  EXPECT_EQ(parse_query("a"), (std::vector<QueryTerm>{{"a", false}}));
}

TEST(ParseQuery, DuplicateTermsRemoved) {
  EXPECT_EQ(parse_query("PC pc 障 障 障害"),
            (std::vector<QueryTerm>{{"pc", false}, {"障", true}, {"障害", false}}));
}

TEST(ParseQuery, EmptyOrPunctuationOnlyGivesNoTerms) {
  EXPECT_TRUE(parse_query("").empty());
  EXPECT_TRUE(parse_query("   ").empty());
  EXPECT_TRUE(parse_query("「」、。・!?\"'\\").empty());
}

TEST(ParseQuery, TermsMatchTheIndexOfTheSameText) {
  const Tokens index = tokenize("サーバーの障害対応 INC-42");
  for (const QueryTerm& term : parse_query("ｻｰﾊﾞｰ 障害 inc-42")) {
    EXPECT_FALSE(term.prefix);
    EXPECT_TRUE(contains(index, term.token)) << term.token;
  }
}

// Random bytes, salted with fragments that exercise each rule, must never crash and never give a
// token the stores could not quote.
TEST(TokenizerProperty, RandomInputGivesWellFormedTokens) {
  static constexpr std::string_view kFragments[] = {
      " ",
      "\"",
      "'",
      "\\",
      "\t",
      "\n",
      "障害",
      "ー",
      "々",
      "ｶﾞ",
      "ＰＣ",
      "①",
      "é",
      "\u0301",
      "\u3099",
      "ß",
      "İ",
      "ﬁ",
      "\xf0\x9f\x98\x80",
      "\xe3\x81",
      "\xc0\x80",
      "A1",
  };
  std::mt19937 random(20240611);
  std::uniform_int_distribution<int> length_of(0, 80);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> fragment(0, std::size(kFragments) - 1);
  std::bernoulli_distribution use_fragment(0.5);

  for (int round = 0; round < 500; ++round) {
    std::string input;
    for (int i = length_of(random); i > 0; --i) {
      if (use_fragment(random)) {
        input += kFragments[fragment(random)];
      } else {
        input += static_cast<char>(byte(random));
      }
    }

    const Tokens tokens = tokenize(input);
    for (const std::string& token : tokens) expect_well_formed(token, input);
    EXPECT_EQ(std::set<std::string>(tokens.begin(), tokens.end()).size(), tokens.size());

    const std::string joined = index_text(input);
    std::string expected;
    for (const std::string& token : tokens) expected += (expected.empty() ? "" : " ") + token;
    EXPECT_EQ(joined, expected);

    std::set<std::string> seen;
    for (const QueryTerm& term : parse_query(input)) {
      expect_well_formed(term.token, input);
      EXPECT_TRUE(seen.insert(term.token).second) << "duplicate term " << term.token;
      // Every query term must be findable in the index of the same text.
      if (!term.prefix) {
        EXPECT_TRUE(contains(tokens, term.token)) << term.token;
      }
    }
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "first failing input: " << testing::PrintToString(input);
      break;
    }
  }
}

}  // namespace
}  // namespace kanri::search
