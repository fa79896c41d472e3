#include "model/catalogue.h"

#include <array>

#include <nlohmann/json.hpp>

namespace kanri::model {

namespace {
constexpr std::array<std::pair<FieldType, std::string_view>, 13> kTypeNames{{
    {FieldType::text, "text"},         {FieldType::longtext, "longtext"},
    {FieldType::integer, "int"},       {FieldType::decimal, "decimal"},
    {FieldType::boolean, "bool"},      {FieldType::date, "date"},
    {FieldType::datetime, "datetime"}, {FieldType::duration, "duration"},
    {FieldType::enumeration, "enum"},  {FieldType::ref, "ref"},
    {FieldType::user, "user"},         {FieldType::org, "org"},
    {FieldType::json, "json"},
}};

nlohmann::json label_json(const Label& l) { return {{"en", l.en}, {"ja", l.ja}}; }
}  // namespace

std::string_view field_type_name(FieldType t) {
  for (auto& [type, name] : kTypeNames)
    if (type == t) return name;
  return "text";
}

std::optional<FieldType> parse_field_type(std::string_view s) {
  for (auto& [type, name] : kTypeNames)
    if (name == s) return type;
  return std::nullopt;
}

const EnumValue* FieldDef::enum_value(std::string_view n) const {
  for (auto& v : values)
    if (v.name == n) return &v;
  return nullptr;
}

const StateDef* Lifecycle::state(std::string_view n) const {
  for (auto& s : states)
    if (s.name == n) return &s;
  return nullptr;
}

const TransitionDef* Lifecycle::transition(std::string_view n) const {
  for (auto& t : transitions)
    if (t.name == n) return &t;
  return nullptr;
}

const FieldDef* TypeDef::field(std::string_view n) const {
  for (auto& f : fields)
    if (f.name == n) return &f;
  return nullptr;
}

const RelationDef* TypeDef::relation(std::string_view n) const {
  for (auto& r : relations)
    if (r.name == n) return &r;
  return nullptr;
}

const TypeDef* Catalogue::type(std::string_view n) const {
  for (auto& t : types_)
    if (t->name == n) return t.get();
  return nullptr;
}

const TypeDef* Catalogue::by_collection(std::string_view c) const {
  for (auto& t : types_)
    if (t->collection == c) return t.get();
  return nullptr;
}

bool is_system_column(std::string_view n) {
  static constexpr std::string_view names[] = {
      "id",         "number",     "state",      "version",     "org_id",
      "created_at", "updated_at", "created_by", "updated_by",  "deleted_at",
      "search",     "search_text", "type",      "links",       "history"};
  for (auto s : names)
    if (s == n) return true;
  return false;
}

const std::vector<std::string>& platform_resource_names() {
  static const std::vector<std::string> names = {"user",      "group",     "role",         "session",
                                                 "token",     "journal",   "dashboard",    "report",
                                                 "job",       "notification", "subscription", "view"};
  return names;
}

bool is_reserved_collection(std::string_view n) {
  static constexpr std::string_view names[] = {"types", "openapi", "session", "sessions", "me", "users", "groups",
                                               "roles", "tokens", "journal", "permissions", "login", "logout",
                                               "jobs", "queues", "notifications", "subscriptions",
                                               "views", "attachments", "comments"};
  for (auto s : names)
    if (s == n) return true;
  return false;
}

const std::vector<std::string>& areas() {
  // Clause groups of ISO/IEC 20000-1 and 27001, as a service provider's staff think of them.
  static const std::vector<std::string> a{"work",     "resolution", "control",    "portfolio", "relationship",
                                          "assurance", "security",  "management", "other"};
  return a;
}

nlohmann::json describe(const TypeDef& t) {
  nlohmann::json fields = nlohmann::json::array();
  for (auto& f : t.fields) {
    nlohmann::json j{{"name", f.name},         {"type", field_type_name(f.type)},
                     {"label", label_json(f.label)}, {"required", f.required},
                     {"indexed", f.indexed},   {"searchable", f.searchable},
                     {"read_only", f.read_only || !f.computed.empty()}};
    if (!f.help.en.empty()) j["help"] = label_json(f.help);
    if (f.deadline) j["deadline"] = true;
    if (f.max_length) j["max_length"] = f.max_length;
    if (f.min) j["min"] = *f.min;
    if (f.max) j["max"] = *f.max;
    if (f.scale >= 0) j["scale"] = f.scale;
    if (!f.target.empty()) j["target"] = f.target;
    if (!f.computed.empty()) j["computed"] = f.computed;
    if (!f.values.empty()) {
      auto& vals = j["values"] = nlohmann::json::array();
      for (auto& v : f.values) vals.push_back({{"name", v.name}, {"label", label_json(v.label)}});
    }
    if (f.default_value) {
      const Value& d = *f.default_value;
      if (auto* i = std::get_if<std::int64_t>(&d))
        j["default"] = f.type == FieldType::boolean ? nlohmann::json(*i != 0) : nlohmann::json(*i);
      else if (auto* x = std::get_if<double>(&d))
        j["default"] = *x;
      else if (auto* s = std::get_if<std::string>(&d))
        j["default"] = *s;
    }
    fields.push_back(std::move(j));
  }
  nlohmann::json out{{"name", t.name},
                     {"collection", t.collection},
                     {"label", label_json(t.label)},
                     {"plural", label_json(t.plural)},
                     {"number_prefix", t.number_prefix},
                     {"clauses", t.clauses},
                     {"display_field", t.display_field},
                     {"fields", std::move(fields)},
                     {"list_columns", t.list_columns},
                     {"default_sort", t.default_sort},
                     {"org_field", t.org_field.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.org_field)},
                     {"owner_fields", t.owner_fields},
                     {"area", t.area},
                     {"portal", t.portal},
                     {"portal_fields", t.portal_fields}};
  if (!t.description.en.empty()) out["description"] = label_json(t.description);
  if (t.lifecycle) {
    nlohmann::json states = nlohmann::json::array(), transitions = nlohmann::json::array();
    for (auto& s : t.lifecycle->states)
      states.push_back({{"name", s.name}, {"label", label_json(s.label)}, {"frozen", s.frozen},
                        {"final", s.final}});
    for (auto& tr : t.lifecycle->transitions)
      transitions.push_back({{"name", tr.name},
                             {"label", label_json(tr.label)},
                             {"from", tr.from},
                             {"to", tr.to},
                             {"requires", tr.required_fields},
                             {"fields", tr.fields},
                             {"roles", tr.roles}});
    out["lifecycle"] = {{"initial", t.lifecycle->initial},
                        {"states", std::move(states)},
                        {"transitions", std::move(transitions)}};
  } else {
    out["lifecycle"] = nullptr;
  }
  nlohmann::json rels = nlohmann::json::array();
  for (auto& r : t.relations)
    rels.push_back({{"name", r.name},
                    {"target", r.target},
                    {"label", label_json(r.label)},
                    {"inverse_label", label_json(r.inverse_label)}});
  out["relations"] = std::move(rels);
  return out;
}

}  // namespace kanri::model
