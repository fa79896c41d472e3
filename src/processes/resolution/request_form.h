// A request type's form (ISO/IEC 20000-1 8.6.2): the questions a requester answers when
// ordering it, read from the type's `form` JSON, and the check of a request's answers against
// them. The write rule of service requests and the portal's order page read the form here.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace kanri::processes::resolution {

struct Question {
  std::string name;
  std::string en, ja;   // the label in each language (the name when not given)
  std::string kind;     // text, longtext, enum, date, bool, int
  bool required = false;
  std::vector<std::string> values;  // the choices of an enum
  const std::string& label(const std::string& lang) const { return lang == "ja" ? ja : en; }
};

// The questions of a form in their order; entries without a string name are skipped, and a
// form that is not a JSON array has none.
std::vector<Question> questions_of(const std::string& form);

// The problems of `answers` (the request's `answers` field as stored, "" for none) against the
// questions, each an error on the field `answers` whose argument `question` names the
// question: required and unanswered, not of its kind, or not a question of the form.
void check_answers(const std::vector<Question>& questions, const std::string& answers, std::vector<FieldError>& errors);

}  // namespace kanri::processes::resolution
