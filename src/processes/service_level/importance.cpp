#include "processes/service_level/importance.h"

#include <set>

#include "engine/record_service.h"
#include "processes/record_fields.h"
#include "processes/scheme_levels.h"

namespace kanri::processes::service_level {

using json = nlohmann::json;

namespace {

constexpr const char* kLevels = "levels";
const std::vector<std::string> kCiaFields = {"confidentiality_level", "integrity_level", "availability_level"};
const std::vector<std::string> kClassField = {"importance_class"};
const std::vector<std::string> kAllFields = {"importance_class", "confidentiality_level", "integrity_level",
                                             "availability_level"};

// "C3 I2 A1" for a C/I/A rating, the class itself otherwise.
std::string summary_of(const store::Record& service, const std::string& kind) {
  if (kind != "cia") return text(service, "importance_class");
  return "C" + text(service, "confidentiality_level") + " I" + text(service, "integrity_level") + " A" +
         text(service, "availability_level");
}

Status scheme_write(engine::WriteContext& w) {
  store::Record& r = w.after;
  const std::string kind = text(r, "kind");
  const json levels = json_value(r, kLevels);
  std::vector<FieldError> errors = check_importance_levels(kind, levels);
  if (!errors.empty()) return Error::invalid(std::move(errors));
  if (!w.before) return ok_status();
  // A service must stay inside its scheme: a level in use cannot be removed, nor the kind changed.
  const std::vector<std::string> names = importance_level_names(levels);
  const model::TypeDef* service_t = w.catalogue.type("service");
  if (!service_t || !service_t->field("importance_scheme")) return ok_status();
  store::ListQuery q;
  q.where = {store::Condition{"importance_scheme", store::Condition::Op::eq, {Value(r.id)}}};
  q.limit = 500;
  for (;;) {
    store::ListPage page = w.records->store().list(w.connection, *service_t, q);
    for (auto& s : page.records) {
      if (text(*w.before, "kind") != kind)
        return Error::invalid({{"kind", "importance.kind_in_use", {{"service", s.number}}}});
      for (auto& f : importance_fields(kind)) {
        const std::string value = text(s, f.c_str());
        if (value.empty()) continue;
        if (auto e = level_outside(names, value, kLevels, "importance.level_in_use", {{"service", s.number}}))
          return Error::invalid({std::move(*e)});
      }
    }
    if (!page.more) return ok_status();
    q.after = page.last_key;
  }
}

Status service_write(engine::WriteContext& w) {
  store::Record& r = w.after;
  if (!r.type->field("importance_scheme")) return ok_status();
  std::vector<FieldError> errors;
  auto scheme_id = opt_int(r, "importance_scheme");
  const model::TypeDef* scheme_t = w.catalogue.type("importance_scheme");
  std::optional<store::Record> scheme;
  if (scheme_id && scheme_t) scheme = w.records->store().find(w.connection, *scheme_t, *scheme_id);
  if (!scheme) {
    // A class without a scheme says nothing: which scheme it is a class of must be named.
    for (auto& f : kAllFields)
      if (!text(r, f.c_str()).empty()) errors.push_back({"importance_scheme", "importance.scheme_required", {{"field", f}}});
    if (!errors.empty()) return Error::invalid({errors.front()});
    set(r, "importance", Value());
    return ok_status();
  }
  const std::string kind = text(*scheme, "kind");
  const std::vector<std::string> names = importance_level_names(json_value(*scheme, kLevels));
  const std::vector<std::string>& wanted = importance_fields(kind);
  const MessageArgs about{{"scheme", scheme->number + " " + text(*scheme, "name")}};
  for (auto& f : kAllFields) {
    const std::string value = text(r, f.c_str());
    const bool used = std::find(wanted.begin(), wanted.end(), f) != wanted.end();
    if (!used) {
      if (!value.empty())
        errors.push_back({f, kind == "cia" ? "importance.class_for_cia" : "importance.levels_not_cia", about});
    } else if (value.empty()) {
      errors.push_back({f, "importance.required", about});
    } else if (auto e = level_outside(names, value, f, "importance.not_in_scheme", about)) {
      errors.push_back(std::move(*e));
    }
  }
  if (!errors.empty()) return Error::invalid(std::move(errors));
  set(r, "importance", Value(summary_of(r, kind)));
  return ok_status();
}

}  // namespace

std::vector<FieldError> check_importance_levels(const std::string& kind, const json& levels) {
  std::vector<FieldError> errors;
  auto error = [&](const std::string& code, MessageArgs args = {}) { errors.push_back({kLevels, code, std::move(args)}); };
  if (!levels.is_array() || levels.empty()) {
    error("importance.levels_list");
    return errors;
  }
  std::set<std::string> seen;
  std::size_t index = 0;
  for (auto& l : levels) {
    ++index;
    const std::string at = std::to_string(index);
    if (!l.is_object()) {
      error("importance.level_object", {{"index", at}});
      continue;
    }
    for (auto& [k, _] : l.items())
      if (k != "name" && k != "en" && k != "ja" && k != "meaning") error("importance.level_key", {{"index", at}, {"key", k}});
    const json name = l.value("name", json());
    if (!name.is_string() || name.get<std::string>().empty() || name.get<std::string>().size() > 50) {
      error("importance.level_name", {{"index", at}});
      continue;
    }
    const std::string n = name.get<std::string>();
    if (!seen.insert(n).second) error("importance.level_repeated", {{"value", n}});
    for (const char* lang : {"en", "ja"})
      if (!l.contains(lang) || !l[lang].is_string() || l[lang].get<std::string>().empty())
        error("importance.level_label", {{"index", at}, {"value", n}, {"language", lang}});
    if (l.contains("meaning") && !l["meaning"].is_string()) error("importance.level_meaning", {{"value", n}});
    if (kind == "numbered" && n != at) error("importance.numbered_name", {{"index", at}, {"value", n}});
  }
  return errors;
}

std::vector<std::string> importance_level_names(const json& levels) {
  std::vector<std::string> out;
  if (!levels.is_array()) return out;
  for (auto& l : levels)
    if (l.is_object() && l.contains("name") && l["name"].is_string()) out.push_back(l["name"].get<std::string>());
  return out;
}

std::vector<std::string> importance_fields(const std::string& kind) { return kind == "cia" ? kCiaFields : kClassField; }

void register_importance_rules(engine::RuleRegistry& rules) {
  rules.add_write_rule("importance_scheme", scheme_write);
  rules.add_write_rule("service", service_write);
}

}  // namespace kanri::processes::service_level
