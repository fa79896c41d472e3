#include "store/search/tokenizer.h"

#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <utility>

namespace kanri::search {
namespace {

// What a (normalised, folded) code point does to the run being built.
enum class CharRole {
  separator,         // ends the current run
  word,              // starts or continues a word run; ends a CJK run
  modifier_letter,   // continues a CJK run, otherwise behaves as a word letter
  cjk,               // starts or continues a CJK run; ends a word run
  cjk_continuation,  // continues a CJK run (ー, 々, ゝ...), meaningless anywhere else
  mark,              // belongs to the character before it, whatever run that is in
};

bool is_ascii_alnum(UChar32 c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_cjk_script(UChar32 c) {
  UErrorCode status = U_ZERO_ERROR;
  UScriptCode script = uscript_getScript(c, &status);
  return script == USCRIPT_HAN || script == USCRIPT_HIRAGANA || script == USCRIPT_KATAKANA ||
         script == USCRIPT_HANGUL;
}

CharRole role_of(UChar32 c) {
  if (c < 0x80) return is_ascii_alnum(c) ? CharRole::word : CharRole::separator;
  switch (c) {
    case 0x30FC:  // ー prolonged sound mark: its script is Common, yet it is part of the word
    case 0x3005:  // 々
    case 0x309D:  // ゝ
    case 0x309E:  // ゞ
    case 0x30FD:  // ヽ
    case 0x30FE:  // ヾ
      return CharRole::cjk_continuation;
  }
  const uint32_t category = U_GET_GC_MASK(c);
  // Marks are looked at before the script: most have the Inherited script of their base.
  if (category & U_GC_M_MASK) return CharRole::mark;
  if (!(category & (U_GC_L_MASK | U_GC_N_MASK))) return CharRole::separator;
  const bool cjk = is_cjk_script(c);
  if (category & U_GC_LM_MASK) return cjk ? CharRole::cjk_continuation : CharRole::modifier_letter;
  return cjk ? CharRole::cjk : CharRole::word;
}

void append_utf8(std::string& out, UChar32 c) {
  char bytes[U8_MAX_LENGTH];
  int32_t length = 0;
  U8_APPEND_UNSAFE(bytes, length, c);
  out.append(bytes, static_cast<std::size_t>(length));
}

// `token` is UTF-8 we encoded ourselves, so stepping back over continuation bytes finds a
// character boundary.
std::string_view capped(std::string_view token) {
  if (token.size() <= kMaxTokenBytes) return token;
  std::size_t end = kMaxTokenBytes;
  while (end > 0 && (static_cast<unsigned char>(token[end]) & 0xC0) == 0x80) --end;
  return token.substr(0, end);
}

// Feeds code points one at a time and hands each finished run to the sink:
//   sink.word(token)                  token already folded and capped
//   sink.cjk(run, unit_starts)        unit_starts holds the byte offset of each character of the
//                                     run (a character keeps its combining marks), then run.size()
// The buffers are reused from run to run so that splitting allocates only as runs grow.
template <class Sink>
class RunSplitter {
 public:
  explicit RunSplitter(Sink& sink) : sink_(sink) { word_.reserve(kMaxTokenBytes); }

  void add(UChar32 c) {
    if (c < 0x80) {  // inline: most text, even Japanese text, is mostly ASCII
      if (!is_ascii_alnum(c)) return end_run();
      if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
      if (state_ != State::word) start(State::word);
      return append_to_word(c);
    }
    c = u_foldCase(c, U_FOLD_CASE_DEFAULT);
    switch (role_of(c)) {
      case CharRole::separator:
        return end_run();
      case CharRole::word:
        if (state_ != State::word) start(State::word);
        return append_to_word(c);
      case CharRole::modifier_letter:
        if (state_ == State::cjk) return start_cjk_character(c);
        if (state_ != State::word) start(State::word);
        return append_to_word(c);
      case CharRole::cjk:
        if (state_ != State::cjk) start(State::cjk);
        return start_cjk_character(c);
      case CharRole::cjk_continuation:
        if (state_ == State::cjk) return start_cjk_character(c);
        return end_run();
      case CharRole::mark:
        // A mark with nothing before it has nothing to modify; it is dropped.
        if (state_ == State::word) return append_to_word(c);
        if (state_ == State::cjk) return append_utf8(cjk_, c);
        return;
    }
  }

  void finish() { end_run(); }

 private:
  enum class State { between_runs, word, cjk };

  void start(State state) {
    end_run();
    state_ = state;
  }

  void append_to_word(UChar32 c) {
    if (word_full_) return;
    if (word_.size() + static_cast<std::size_t>(U8_LENGTH(c)) > kMaxTokenBytes) {
      word_full_ = true;  // later, shorter characters must not fill the gap
      return;
    }
    append_utf8(word_, c);
  }

  void start_cjk_character(UChar32 c) {
    unit_starts_.push_back(static_cast<uint32_t>(cjk_.size()));
    append_utf8(cjk_, c);
  }

  void end_run() {
    if (state_ == State::word) {
      sink_.word(std::string_view(word_));
      word_.clear();
      word_full_ = false;
    } else if (state_ == State::cjk) {
      unit_starts_.push_back(static_cast<uint32_t>(cjk_.size()));
      sink_.cjk(std::string_view(cjk_), unit_starts_);
      cjk_.clear();
      unit_starts_.clear();
    }
    state_ = State::between_runs;
  }

  Sink& sink_;
  State state_ = State::between_runs;
  std::string word_;
  bool word_full_ = false;
  std::string cjk_;
  std::vector<uint32_t> unit_starts_;
};

const icu::Normalizer2* nfkc_normalizer() {
  // ICU owns the instance and keeps it for the life of the process; only the lookup is cached.
  static const icu::Normalizer2* const instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* normalizer = icu::Normalizer2::getNFKCInstance(status);
    return U_SUCCESS(status) ? normalizer : nullptr;
  }();
  return instance;
}

// Ill-formed UTF-8 becomes U+FFFD, a symbol, hence a separator. If ICU fails (out of memory, no
// data) the text is searched unnormalised rather than not at all.
icu::UnicodeString nfkc_utf16(std::string_view utf8) {
  const auto length =
      static_cast<int32_t>(std::min<std::size_t>(utf8.size(), std::numeric_limits<int32_t>::max()));
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), length));
  const icu::Normalizer2* nfkc = nfkc_normalizer();
  if (nfkc == nullptr) return text;
  UErrorCode status = U_ZERO_ERROR;
  // Most text is already normalised; only the part after the first offending character is
  // copied and normalised.
  const int32_t normalised_prefix = nfkc->spanQuickCheckYes(text, status);
  if (U_FAILURE(status) || normalised_prefix == text.length()) return text;
  icu::UnicodeString rest(text, normalised_prefix);
  icu::UnicodeString result(text, 0, normalised_prefix);
  nfkc->normalizeSecondAndAppend(result, rest, status);
  return U_SUCCESS(status) ? result : text;
}

bool is_ascii(std::string_view text) {
  unsigned char seen = 0;  // branch-free so the compiler can vectorise it
  for (char ch : text) seen |= static_cast<unsigned char>(ch);
  return seen < 0x80;
}

template <class Sink>
void split_runs(std::string_view utf8, Sink& sink) {
  RunSplitter<Sink> splitter(sink);
  if (is_ascii(utf8)) {
    // NFKC leaves ASCII unchanged, so the ICU round trip can be skipped.
    for (char ch : utf8) splitter.add(static_cast<UChar32>(ch));
  } else {
    const icu::UnicodeString text = nfkc_utf16(utf8);
    const char16_t* units = text.getBuffer();
    const int32_t length = text.length();
    for (int32_t i = 0; i < length;) {
      UChar32 c;
      U16_NEXT(units, i, length, c);
      splitter.add(c);
    }
  }
  splitter.finish();
}

// Keeps the first of each group of items with equal keys, in their original order. Sorting
// indices avoids copying the strings into a hash set.
template <class T, class KeyOf>
void remove_duplicates(std::vector<T>& items, KeyOf key_of) {
  if (items.size() < 2) return;
  std::vector<uint32_t> by_key(items.size());
  std::iota(by_key.begin(), by_key.end(), 0U);
  std::stable_sort(by_key.begin(), by_key.end(),
                   [&](uint32_t a, uint32_t b) { return key_of(items[a]) < key_of(items[b]); });
  std::vector<bool> duplicate(items.size(), false);
  for (std::size_t i = 1; i < by_key.size(); ++i) {
    if (key_of(items[by_key[i]]) == key_of(items[by_key[i - 1]])) duplicate[by_key[i]] = true;
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (duplicate[i]) continue;
    if (kept != i) items[kept] = std::move(items[i]);
    ++kept;
  }
  items.resize(kept);
}

// Calls emit(token, is_single_character) for each token of a CJK run.
template <class Emit>
void cjk_tokens(std::string_view run, const std::vector<uint32_t>& unit_starts, Emit emit) {
  const std::size_t characters = unit_starts.size() - 1;
  if (characters == 1) return emit(capped(run), true);
  for (std::size_t i = 0; i + 2 < unit_starts.size(); ++i) {
    emit(capped(run.substr(unit_starts[i], unit_starts[i + 2] - unit_starts[i])), false);
  }
}

struct DocumentTokens {
  std::vector<std::string> tokens;

  void word(std::string_view token) { tokens.emplace_back(token); }
  void cjk(std::string_view run, const std::vector<uint32_t>& unit_starts) {
    cjk_tokens(run, unit_starts, [&](std::string_view token, bool) { tokens.emplace_back(token); });
  }
};

struct QueryTerms {
  std::vector<QueryTerm> terms;

  void word(std::string_view token) { terms.push_back(QueryTerm{std::string(token), false}); }
  void cjk(std::string_view run, const std::vector<uint32_t>& unit_starts) {
    // A lone character cannot match a bigram exactly, so it matches bigrams by prefix.
    cjk_tokens(run, unit_starts, [&](std::string_view token, bool single_character) {
      terms.push_back(QueryTerm{std::string(token), single_character});
    });
  }
};

}  // namespace

std::vector<std::string> tokenize(std::string_view utf8_text) {
  DocumentTokens document;
  split_runs(utf8_text, document);
  remove_duplicates(document.tokens,
                    [](const std::string& token) -> const std::string& { return token; });
  return std::move(document.tokens);
}

std::string index_text(std::string_view utf8_text) {
  const std::vector<std::string> tokens = tokenize(utf8_text);
  std::size_t size = tokens.size();
  for (const std::string& token : tokens) size += token.size();
  std::string joined;
  joined.reserve(size);
  for (const std::string& token : tokens) {
    if (!joined.empty()) joined += ' ';
    joined += token;
  }
  return joined;
}

std::vector<QueryTerm> parse_query(std::string_view utf8_query) {
  QueryTerms query;
  split_runs(utf8_query, query);
  // A prefix term holds one CJK character and an exact term two or none, so the token alone
  // identifies a term.
  remove_duplicates(query.terms,
                    [](const QueryTerm& term) -> const std::string& { return term.token; });
  return std::move(query.terms);
}

}  // namespace kanri::search
