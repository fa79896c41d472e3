#include "processes/resolution/request_form.h"

#include <algorithm>

#include "core/time.h"

namespace kanri::processes::resolution {

using json = nlohmann::json;

std::vector<Question> questions_of(const std::string& form) {
  std::vector<Question> out;
  json parsed = json::parse(form.empty() ? "[]" : form, nullptr, false);
  if (!parsed.is_array()) return out;
  for (auto& q : parsed) {
    if (!q.is_object() || !q.contains("name") || !q["name"].is_string()) continue;
    Question question;
    question.name = q["name"];
    auto text = [&](const char* key) { return q.contains(key) && q[key].is_string() ? q[key].get<std::string>() : question.name; };
    question.en = text("en");
    question.ja = text("ja");
    question.kind = q.contains("type") && q["type"].is_string() ? q["type"].get<std::string>() : "text";
    question.required = q.contains("required") && q["required"].is_boolean() && q["required"].get<bool>();
    if (q.contains("values") && q["values"].is_array())
      for (auto& v : q["values"])
        if (v.is_string()) question.values.push_back(v);
    out.push_back(std::move(question));
  }
  return out;
}

void check_answers(const std::vector<Question>& questions, const std::string& answers_text, std::vector<FieldError>& errors) {
  json answers = answers_text.empty() ? json::object() : json::parse(answers_text, nullptr, false);
  if (!answers.is_object()) {
    errors.push_back({"answers", "request.answers_object", {}});
    return;
  }
  for (auto& q : questions) {
    const json* a = answers.contains(q.name) ? &answers[q.name] : nullptr;
    const bool blank = !a || a->is_null() || (a->is_string() && a->get<std::string>().empty());
    if (blank) {
      if (q.required) errors.push_back({"answers", "request.answer_required", {{"question", q.name}}});
      continue;
    }
    bool ok = true;
    if (q.kind == "bool") ok = a->is_boolean();
    else if (q.kind == "int") ok = a->is_number_integer();
    else if (q.kind == "date") ok = a->is_string() && is_valid_date(a->get<std::string>());
    else if (q.kind == "enum") ok = a->is_string() && std::find(q.values.begin(), q.values.end(), a->get<std::string>()) != q.values.end();
    else ok = a->is_string();
    if (!ok) errors.push_back({"answers", "request.answer_type", {{"question", q.name}, {"kind", q.kind}}});
  }
  for (auto& [k, _] : answers.items())
    if (std::none_of(questions.begin(), questions.end(), [&](auto& q) { return q.name == k; }))
      errors.push_back({"answers", "request.answer_unknown", {{"question", k}}});
}

}  // namespace kanri::processes::resolution
