// The message catalogue: every user-visible sentence, in Japanese and English, by key.
// Loaded once at start-up from i18n/<lang>.toml; read-only afterwards, so safe to share.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace kanri {

class MessageCatalogue {
 public:
  // Loads every i18n/*.toml under `dir`. Throws std::runtime_error naming the file on a
  // syntax error; a catalogue is part of the program, not user input.
  static MessageCatalogue load(const std::string& dir);

  // The text for `key` in `lang` with {name} placeholders filled from `args`. Falls back to
  // English, then to the key itself, so a missing translation never hides an error.
  std::string text(std::string_view lang, std::string_view key, const MessageArgs& args = {}) const;

  // The supported language that best matches an Accept-Language header ("ja-JP,ja;q=0.9").
  std::string pick_language(std::string_view accept_language) const;

  std::vector<std::string> languages() const;
  const std::map<std::string, std::string>* table(std::string_view lang) const;

 private:
  std::map<std::string, std::map<std::string, std::string>, std::less<>> by_lang_;
};

}  // namespace kanri
