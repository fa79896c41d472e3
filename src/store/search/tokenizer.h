// Full-text search tokens shared by the SQLite and PostgreSQL stores. Both back ends index the
// same tokens and match queries against them, so a search finds the same records whichever
// database is configured.
//
// Text is NFKC-normalised (full-width and half-width forms become their ordinary forms), then
// case-folded with Unicode simple case folding: one code point maps to one code point, so "PC",
// "Pc" and "ＰＣ" are all "pc", while German ß stays ß (full folding would give "ss").
//
// The text is then split into runs. A word run (letters, digits and the combining marks that
// follow them, outside Chinese/Japanese/Korean) is one token. CJK text is written without spaces,
// so a CJK run (Han, Hiragana, Katakana, Hangul, plus ー, 々 and the kana iteration marks after
// them) becomes its overlapping two-character bigrams, or the character itself when the run is
// one character long. Everything else, and invalid UTF-8, separates runs.
//
// Tokens never contain spaces, quotes or backslashes, so callers may quote them verbatim.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kanri::search {

// Longest token in bytes. Longer words are cut at a character boundary: nobody searches for
// 65-byte words, and the cap bounds the size of the index.
inline constexpr std::size_t kMaxTokenBytes = 64;

// Index tokens of a document, in order of appearance, duplicates removed (first occurrence kept).
// Never throws; invalid UTF-8 separates tokens like punctuation does.
std::vector<std::string> tokenize(std::string_view utf8_text);

// The tokens of tokenize(utf8_text) joined by single spaces: what the store writes into the
// search column. Empty when the text has no tokens.
std::string index_text(std::string_view utf8_text);

struct QueryTerm {
  std::string token;
  bool prefix = false;  // also matches index tokens that merely start with `token`

  bool operator==(const QueryTerm&) const = default;
};

// The terms of a user query, tokenized like documents; a record matches when it has every term
// (AND). A lone CJK character is a prefix term, so "障" finds the bigram 障害 as well as the
// unigram 障. Duplicates are removed; a query without tokens gives an empty vector.
std::vector<QueryTerm> parse_query(std::string_view utf8_query);

}  // namespace kanri::search
