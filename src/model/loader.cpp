#include "model/loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <toml++/toml.h>

#include "core/text.h"
#include "core/time.h"

namespace kanri::model {

std::string ModelError::to_string() const {
  return line > 0 ? file + ":" + std::to_string(line) + ": " + message : file + ": " + message;
}

namespace {

// Collects errors for one file while walking its TOML tree.
class FileReader {
 public:
  FileReader(std::string file, std::vector<ModelError>& errors) : file_(std::move(file)), errors_(errors) {}

  void error(const toml::node& at, std::string message) {
    errors_.push_back({file_, static_cast<int>(at.source().begin.line), std::move(message)});
  }
  void error(int line, std::string message) { errors_.push_back({file_, line, std::move(message)}); }
  const std::string& file() const { return file_; }

  // Reports every key of `t` not in `allowed`: a typo in a model must not pass silently.
  void check_keys(const toml::table& t, std::initializer_list<std::string_view> allowed,
                  std::string_view where) {
    for (auto&& [k, v] : t) {
      if (std::find(allowed.begin(), allowed.end(), k.str()) == allowed.end()) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        error(v, "unknown key '" + std::string(k.str()) + "' in " + std::string(where) +
                     " (allowed: " + list + ")");
      }
    }
  }

  std::string string(const toml::table& t, std::string_view key, std::string_view where,
                     bool required = false) {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) error(line_of(t), std::string(where) + " needs '" + std::string(key) + "'");
      return {};
    }
    if (auto s = n->value<std::string>()) return *s;
    error(*n, "'" + std::string(key) + "' in " + std::string(where) + " must be a string");
    return {};
  }

  bool boolean(const toml::table& t, std::string_view key, std::string_view where) {
    const toml::node* n = t.get(key);
    if (!n) return false;
    if (auto b = n->value_exact<bool>()) return *b;
    error(*n, "'" + std::string(key) + "' in " + std::string(where) + " must be true or false");
    return false;
  }

  std::vector<std::string> strings(const toml::table& t, std::string_view key, std::string_view where) {
    std::vector<std::string> out;
    const toml::node* n = t.get(key);
    if (!n) return out;
    const toml::array* a = n->as_array();
    if (!a) {
      error(*n, "'" + std::string(key) + "' in " + std::string(where) + " must be an array of strings");
      return out;
    }
    for (auto& el : *a) {
      if (auto s = el.value<std::string>())
        out.push_back(*s);
      else
        error(el, "'" + std::string(key) + "' in " + std::string(where) + " must hold only strings");
    }
    return out;
  }

  Label label(const toml::table& t, std::string_view key, std::string_view where, bool required) {
    Label l;
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) error(line_of(t), std::string(where) + " needs '" + std::string(key) + "' with en and ja");
      return l;
    }
    const toml::table* lt = n->as_table();
    if (!lt) {
      error(*n, "'" + std::string(key) + "' in " + std::string(where) + " must be a table { en = \"…\", ja = \"…\" }");
      return l;
    }
    check_keys(*lt, {"en", "ja"}, std::string(where) + "." + std::string(key));
    l.en = string(*lt, "en", std::string(where) + "." + std::string(key), true);
    l.ja = string(*lt, "ja", std::string(where) + "." + std::string(key), true);
    return l;
  }

  static int line_of(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

 private:
  std::string file_;
  std::vector<ModelError>& errors_;
};

void read_field(FileReader& r, const std::string& type_name, const std::string& name,
                const toml::table& ft, FieldDef& f, const std::set<std::string>& known_rules) {
  std::string where = type_name + ".fields." + name;
  r.check_keys(ft, {"type", "label", "help", "required", "indexed", "searchable", "read_only",
                    "default", "max_length", "min", "max", "scale", "values", "target", "computed", "deadline"},
               where);
  f.name = name;
  f.line = FileReader::line_of(ft);
  f.file = r.file();
  if (!is_identifier(name)) r.error(ft, "field name '" + name + "' must match [a-z][a-z0-9_]*");
  if (is_system_column(name)) r.error(ft, "field name '" + name + "' is reserved for every record");
  std::string type = r.string(ft, "type", where, true);
  if (auto t = parse_field_type(type)) {
    f.type = *t;
  } else if (!type.empty()) {
    r.error(*ft.get("type"), "unknown field type '" + type +
                                 "' (use text, longtext, int, decimal, bool, date, datetime, "
                                 "duration, enum, ref, user, org or json)");
  }
  f.label = r.label(ft, "label", where, true);
  f.help = r.label(ft, "help", where, false);
  f.required = r.boolean(ft, "required", where);
  f.indexed = r.boolean(ft, "indexed", where);
  f.searchable = r.boolean(ft, "searchable", where);
  f.read_only = r.boolean(ft, "read_only", where);
  f.deadline = r.boolean(ft, "deadline", where);
  if (f.deadline && f.type != FieldType::date && f.type != FieldType::datetime)
    r.error(*ft.get("deadline"), "deadline applies only to date and datetime fields");
  f.computed = r.string(ft, "computed", where);
  if (!f.computed.empty() && !known_rules.count(f.computed))
    r.error(*ft.get("computed"), "no rule named '" + f.computed + "' is registered");
  if (auto n = ft.get("max_length")) {
    auto v = n->value_exact<int64_t>();
    if (!v || *v < 1) r.error(*n, "max_length must be a positive integer");
    else if (f.type != FieldType::text && f.type != FieldType::longtext) r.error(*n, "max_length applies only to text and longtext");
    else f.max_length = *v;
  }
  if (!f.max_length) f.max_length = f.type == FieldType::text ? 255 : f.type == FieldType::longtext ? 100000 : 0;
  for (std::string_view bound : {"min", "max"}) {
    if (auto n = ft.get(bound)) {
      auto v = n->value<double>();
      if (!v) r.error(*n, std::string(bound) + " must be a number");
      else if (f.type != FieldType::integer && f.type != FieldType::decimal) r.error(*n, std::string(bound) + " applies only to int and decimal");
      else (bound == "min" ? f.min : f.max) = *v;
    }
  }
  if (f.min && f.max && *f.min > *f.max) r.error(ft, "min is greater than max");
  if (auto n = ft.get("scale")) {
    auto v = n->value_exact<int64_t>();
    if (!v || *v < 0 || *v > 12 || f.type != FieldType::decimal) r.error(*n, "scale must be 0..12 and applies only to decimal");
    else f.scale = static_cast<int>(*v);
  }
  f.target = r.string(ft, "target", where);
  if (f.type == FieldType::org) f.target = f.target.empty() ? "organization" : f.target;
  if (f.type == FieldType::ref && f.target.empty()) r.error(ft, "a ref field needs 'target' (the record type it points to)");
  if (!f.target.empty() && f.type != FieldType::ref && f.type != FieldType::org) r.error(ft, "'target' applies only to ref and org fields");
  if (auto n = ft.get("values")) {
    const toml::array* a = n->as_array();
    if (!a || a->empty()) r.error(*n, "values must be a non-empty array of { name, en, ja }");
    else {
      for (auto& el : *a) {
        const toml::table* vt = el.as_table();
        if (!vt) { r.error(el, "each enum value must be a table { name = \"…\", en = \"…\", ja = \"…\" }"); continue; }
        r.check_keys(*vt, {"name", "en", "ja"}, where + ".values");
        EnumValue ev{r.string(*vt, "name", where + ".values", true),
                     {r.string(*vt, "en", where + ".values", true), r.string(*vt, "ja", where + ".values", true)}};
        if (!ev.name.empty() && !is_identifier(ev.name)) r.error(el, "enum value '" + ev.name + "' must match [a-z][a-z0-9_]*");
        if (f.enum_value(ev.name)) r.error(el, "enum value '" + ev.name + "' is declared twice");
        f.values.push_back(std::move(ev));
      }
    }
  }
  if (f.type == FieldType::enumeration && f.values.empty() && !ft.get("values")) r.error(ft, "an enum field needs 'values'");
  if (!f.values.empty() && f.type != FieldType::enumeration) r.error(ft, "'values' applies only to enum fields");
  if (f.searchable && f.type != FieldType::text && f.type != FieldType::longtext && f.type != FieldType::enumeration)
    r.error(ft, "only text, longtext and enum fields can be searchable");
  if (auto n = ft.get("default")) {
    bool ok = true;
    switch (f.type) {
      case FieldType::text: case FieldType::longtext:
        if (auto s = n->value_exact<std::string>()) f.default_value = *s; else ok = false;
        break;
      case FieldType::enumeration:
        if (auto s = n->value_exact<std::string>(); s && f.enum_value(*s)) f.default_value = *s; else ok = false;
        break;
      case FieldType::integer:
        if (auto v = n->value_exact<int64_t>()) f.default_value = *v; else ok = false;
        break;
      case FieldType::decimal:
        if (auto v = n->value<double>()) f.default_value = *v; else ok = false;
        break;
      case FieldType::boolean:
        if (auto v = n->value_exact<bool>()) f.default_value = static_cast<int64_t>(*v); else ok = false;
        break;
      case FieldType::date:
        if (auto s = n->value_exact<std::string>(); s && is_valid_date(*s)) f.default_value = *s; else ok = false;
        break;
      case FieldType::duration:
        if (auto s = n->value_exact<std::string>(); s && parse_duration(*s)) f.default_value = *parse_duration(*s); else ok = false;
        break;
      default:
        r.error(*n, "fields of type " + std::string(field_type_name(f.type)) + " cannot have a default");
        ok = true;
    }
    if (!ok) r.error(*n, "default does not fit the field's type " + std::string(field_type_name(f.type)));
  }
}

void read_lifecycle(FileReader& r, TypeDef& t, const toml::table& lt, const std::set<std::string>& known_rules) {
  std::string where = t.name + ".lifecycle";
  r.check_keys(lt, {"initial", "states", "transitions"}, where);
  Lifecycle lc;
  lc.initial = r.string(lt, "initial", where, true);
  if (auto n = lt.get("states"); n && n->as_array()) {
    for (auto& el : *n->as_array()) {
      const toml::table* st = el.as_table();
      if (!st) { r.error(el, "each state must be a table { name, en, ja }"); continue; }
      r.check_keys(*st, {"name", "en", "ja", "frozen", "final"}, where + ".states");
      StateDef s{r.string(*st, "name", where + ".states", true),
                 {r.string(*st, "en", where + ".states", true), r.string(*st, "ja", where + ".states", true)},
                 r.boolean(*st, "frozen", where + ".states"), r.boolean(*st, "final", where + ".states")};
      if (!is_identifier(s.name)) r.error(el, "state name '" + s.name + "' must match [a-z][a-z0-9_]*");
      if (lc.state(s.name)) r.error(el, "state '" + s.name + "' is declared twice");
      lc.states.push_back(std::move(s));
    }
  } else {
    r.error(lt, where + " needs 'states', an array of { name, en, ja }");
  }
  if (!lc.initial.empty() && !lc.state(lc.initial)) r.error(*lt.get("initial"), "initial state '" + lc.initial + "' is not among the states");
  if (auto n = lt.get("transitions")) {
    const toml::array* a = n->as_array();
    if (!a) r.error(*n, "transitions must be an array of tables ([[" + where + ".transitions]])");
    for (size_t i = 0; a && i < a->size(); ++i) {
      const toml::table* tt = (*a)[i].as_table();
      if (!tt) { r.error((*a)[i], "each transition must be a table"); continue; }
      std::string tw = where + ".transitions";
      r.check_keys(*tt, {"name", "label", "from", "to", "requires", "fields", "roles", "hooks"}, tw);
      TransitionDef tr;
      tr.name = r.string(*tt, "name", tw, true);
      tr.label = r.label(*tt, "label", tw + "." + tr.name, true);
      tr.from = r.strings(*tt, "from", tw);
      tr.to = r.string(*tt, "to", tw, true);
      tr.required_fields = r.strings(*tt, "requires", tw);
      tr.fields = r.strings(*tt, "fields", tw);
      tr.roles = r.strings(*tt, "roles", tw);
      tr.hooks = r.strings(*tt, "hooks", tw);
      if (!is_identifier(tr.name)) r.error(*tt, "transition name '" + tr.name + "' must match [a-z][a-z0-9_]*");
      if (lc.transition(tr.name)) r.error(*tt, "transition '" + tr.name + "' is declared twice");
      for (auto& s : tr.from) if (!lc.state(s)) r.error(*tt, "transition '" + tr.name + "' starts from unknown state '" + s + "'");
      if (!tr.to.empty() && !lc.state(tr.to)) r.error(*tt, "transition '" + tr.name + "' goes to unknown state '" + tr.to + "'");
      for (auto& f : tr.required_fields) {
        if (!t.field(f)) r.error(*tt, "transition '" + tr.name + "' requires unknown field '" + f + "'");
        if (std::find(tr.fields.begin(), tr.fields.end(), f) == tr.fields.end()) tr.fields.push_back(f);
      }
      for (auto& f : tr.fields) if (!t.field(f)) r.error(*tt, "transition '" + tr.name + "' sets unknown field '" + f + "'");
      for (auto& h : tr.hooks) if (!known_rules.count(h)) r.error(*tt, "no rule named '" + h + "' is registered");
      lc.transitions.push_back(std::move(tr));
    }
  }
  t.lifecycle = std::move(lc);
}

// `indexes = [["group", "state", "updated_at"], …]`: each an array of two or more distinct
// columns of the type (its fields or the system columns that lists filter and sort on).
void read_indexes(FileReader& r, TypeDef& t, const toml::table& tt) {
  const toml::node* n = tt.get("indexes");
  if (!n) return;
  const std::string must = "'indexes' in " + t.name + " must be an array of arrays of column names";
  const toml::array* all = n->as_array();
  if (!all) return r.error(*n, must);
  static const std::set<std::string> system = {"id", "number", "state", "org_id", "created_at", "updated_at", "created_by"};
  for (auto& el : *all) {
    const toml::array* cols = el.as_array();
    if (!cols) {
      r.error(el, must);
      continue;
    }
    std::vector<std::string> index;
    for (auto& c : *cols) {
      auto name = c.value<std::string>();
      if (!name) {
        r.error(c, must);
        continue;
      }
      if (!t.field(*name) && !system.count(*name))
        r.error(c, "index column '" + *name + "' is not a field of " + t.name + " nor one of its system columns (id, number, state, org_id, created_at, updated_at, created_by)");
      else if (std::find(index.begin(), index.end(), *name) != index.end())
        r.error(c, "index column '" + *name + "' is named twice");
      index.push_back(*name);
    }
    if (index.size() < 2) r.error(el, "an index in 'indexes' of " + t.name + " needs two or more columns (one column: indexed = true on the field)");
    else if (std::find(t.indexes.begin(), t.indexes.end(), index) != t.indexes.end()) r.error(el, "the same index is declared twice in " + t.name);
    else t.indexes.push_back(std::move(index));
  }
}

void read_type(FileReader& r, Catalogue& cat, const std::string& name, const toml::table& tt,
               const std::set<std::string>& known_rules, std::map<std::string, int>& relation_lines) {
  r.check_keys(tt, {"label", "plural", "description", "collection", "number_prefix", "clauses", "display",
                    "fields", "lifecycle", "relations", "list_columns", "default_sort", "org_field",
                    "owner_fields", "area", "portal", "portal_fields", "restricted_field", "public_when", "indexes"}, name);
  auto t = std::make_unique<TypeDef>();
  t->name = name;
  t->file = r.file();
  if (!is_identifier(name)) r.error(tt, "type name '" + name + "' must match [a-z][a-z0-9_]*");
  for (auto& reserved : platform_resource_names())
    if (name == reserved) r.error(tt, "type name '" + name + "' is used by Kanri itself (permissions name it); choose another");
  t->label = r.label(tt, "label", name, true);
  t->plural = r.label(tt, "plural", name, false);
  if (t->plural.en.empty()) t->plural = t->label;
  t->description = r.label(tt, "description", name, false);
  t->collection = r.string(tt, "collection", name, true);
  if (tt.get("collection") && !is_identifier(t->collection)) r.error(*tt.get("collection"), "collection '" + t->collection + "' must match [a-z][a-z0-9_]*");
  if (tt.get("collection") && is_reserved_collection(t->collection))
    r.error(*tt.get("collection"), "collection '" + t->collection + "' is used by Kanri itself (/api/v1/" + t->collection + "); choose another");
  t->number_prefix = r.string(tt, "number_prefix", name, true);
  if (tt.get("number_prefix") && !std::regex_match(t->number_prefix, std::regex("[A-Z]{2,6}")))
    r.error(*tt.get("number_prefix"), "number_prefix must be 2 to 6 capital letters");
  t->clauses = r.strings(tt, "clauses", name);
  if (auto n = tt.get("area")) {
    t->area = n->value_or(std::string());
    if (std::find(areas().begin(), areas().end(), t->area) == areas().end()) {
      std::string known;
      for (auto& a : areas()) known += (known.empty() ? "" : ", ") + a;
      r.error(*n, "area '" + t->area + "' is not one of " + known);
    }
  }
  if (auto n = tt.get("portal")) {
    if (!n->is_boolean()) r.error(*n, name + ".portal must be true or false");
    t->portal = n->value_or(false);
  }
  if (auto n = tt.get("fields")) {
    const toml::table* fs = n->as_table();
    if (!fs) r.error(*n, name + ".fields must be a table of fields");
    if (fs) for (auto&& [k, v] : *fs) {
      const toml::table* ft = v.as_table();
      if (!ft) { r.error(v, "field '" + std::string(k.str()) + "' must be a table"); continue; }
      FieldDef f;
      read_field(r, name, std::string(k.str()), *ft, f, known_rules);
      f.position = t->fields.size();
      t->fields.push_back(std::move(f));
    }
  }
  // toml++ keeps tables ordered by key; declaration order reads better in forms and APIs.
  std::stable_sort(t->fields.begin(), t->fields.end(), [](auto& a, auto& b) { return a.line < b.line; });
  for (size_t i = 0; i < t->fields.size(); ++i) t->fields[i].position = i;
  if (t->fields.empty()) r.error(tt, "type '" + name + "' declares no fields");
  t->display_field = r.string(tt, "display", name);
  if (t->display_field.empty() && !t->fields.empty()) t->display_field = t->fields.front().name;
  if (!t->display_field.empty() && !t->field(t->display_field)) r.error(tt, "display field '" + t->display_field + "' is not a field of " + name);
  if (auto n = tt.get("lifecycle")) {
    if (auto* lt = n->as_table()) read_lifecycle(r, *t, *lt, known_rules);
    else r.error(*n, name + ".lifecycle must be a table");
  }
  if (auto n = tt.get("relations")) {
    const toml::array* a = n->as_array();
    if (!a) r.error(*n, "relations must be an array of tables ([[" + name + ".relations]])");
    for (size_t i = 0; a && i < a->size(); ++i) {
      const toml::table* rt = (*a)[i].as_table();
      if (!rt) { r.error((*a)[i], "each relation must be a table"); continue; }
      std::string rw = name + ".relations";
      r.check_keys(*rt, {"name", "target", "label", "inverse_label"}, rw);
      RelationDef rel{r.string(*rt, "name", rw, true), r.string(*rt, "target", rw, true),
                      r.label(*rt, "label", rw, true), r.label(*rt, "inverse_label", rw, true)};
      if (!is_identifier(rel.name)) r.error(*rt, "relation name '" + rel.name + "' must match [a-z][a-z0-9_]*");
      if (t->relation(rel.name)) r.error(*rt, "relation '" + rel.name + "' is declared twice");
      relation_lines[name + "." + rel.name] = FileReader::line_of(*rt);
      t->relations.push_back(std::move(rel));
    }
  }
  t->restricted_field = r.string(tt, "restricted_field", name, false);
  if (!t->restricted_field.empty()) {
    const FieldDef* rf = t->field(t->restricted_field);
    if (!rf || rf->type != FieldType::boolean || !rf->indexed)
      r.error(*tt.get("restricted_field"), "restricted_field '" + t->restricted_field + "' must name an indexed bool field of " + name);
  }
  if (const toml::node* pw = tt.get("public_when")) {
    const toml::table* pt = pw->as_table();
    if (!pt) r.error(*pw, "public_when in " + name + " must be a table { state = \"…\", <enum field> = \"…\" }");
    static const toml::table none;
    for (auto&& [k, v] : pt ? *pt : none) {
      const std::string column(k.str());
      const std::string value = v.value<std::string>().value_or("");
      const FieldDef* f = t->field(column);
      const bool known = column == "state" ? t->lifecycle && t->lifecycle->state(value)
                                           : f && f->type == FieldType::enumeration && f->indexed && f->enum_value(value);
      if (!known)
        r.error(v, "public_when." + column + " in " + name + " must name a state or a value of an indexed enum field");
      t->public_when.emplace_back(column, value);
    }
  }
  t->portal_fields = r.strings(tt, "portal_fields", name);
  for (auto& c : t->portal_fields)
    if (!t->field(c)) r.error(*tt.get("portal_fields"), "portal field '" + c + "' is not a field of " + name);
  t->list_columns = r.strings(tt, "list_columns", name);
  for (auto& c : t->list_columns)
    if (!t->field(c) && !is_system_column(c)) r.error(*tt.get("list_columns"), "list column '" + c + "' is not a field of " + name);
  if (t->list_columns.empty()) {
    t->list_columns.push_back("number");
    for (size_t i = 0; i < t->fields.size() && i < 4; ++i) t->list_columns.push_back(t->fields[i].name);
    if (t->lifecycle) t->list_columns.push_back("state");
  }
  t->org_field = r.string(tt, "org_field", name);
  if (!t->org_field.empty() && t->org_field != "self") {
    const FieldDef* f = t->field(t->org_field);
    if (!f || !(f->type == FieldType::org || (f->type == FieldType::ref && f->target == "organization")))
      r.error(*tt.get("org_field"), "org_field '" + t->org_field + "' must be \"self\" or an org field of " + name);
  }
  t->owner_fields = r.strings(tt, "owner_fields", name);
  for (auto& o : t->owner_fields) {
    const FieldDef* f = t->field(o);
    if (!f || f->type != FieldType::user || !f->indexed)
      r.error(*tt.get("owner_fields"), "owner field '" + o + "' must be an indexed user field of " + name +
                                           " (lists filtered to a user's own records use its index)");
  }
  read_indexes(r, *t, tt);
  t->default_sort = r.string(tt, "default_sort", name);
  if (t->default_sort.empty()) t->default_sort = "-id";
  std::string sort_field = t->default_sort[0] == '-' ? t->default_sort.substr(1) : t->default_sort;
  if (!t->field(sort_field) && !is_system_column(sort_field)) r.error(*tt.get("default_sort"), "default_sort names unknown field '" + sort_field + "'");
  cat.add(std::move(t));
}

// Fields and relations an organization adds to a type declared in another file.
void extend_type(FileReader& r, TypeDef& t, const toml::table& tt, const std::set<std::string>& known_rules) {
  r.check_keys(tt, {"fields"}, t.name + " (extending a type declared in " + t.file + ")");
  const toml::table* fs = tt.get("fields") ? tt.get("fields")->as_table() : nullptr;
  if (!fs) return;
  const size_t first_added = t.fields.size();
  for (auto&& [k, v] : *fs) {
    const toml::table* ft = v.as_table();
    if (!ft) { r.error(v, "field '" + std::string(k.str()) + "' must be a table"); continue; }
    if (t.field(k.str())) { r.error(v, "field '" + std::string(k.str()) + "' already exists in " + t.name); continue; }
    FieldDef f;
    read_field(r, t.name, std::string(k.str()), *ft, f, known_rules);
    t.fields.push_back(std::move(f));
  }
  // Added fields follow the base fields in the order the extension file declares them.
  std::stable_sort(t.fields.begin() + static_cast<std::ptrdiff_t>(first_added), t.fields.end(),
                   [](auto& a, auto& b) { return a.line < b.line; });
  for (size_t i = 0; i < t.fields.size(); ++i) t.fields[i].position = i;
}

void read_file(const std::string& file, const std::string& text, Catalogue& cat,
               std::vector<ModelError>& errors, const std::set<std::string>& known_rules,
               std::map<std::string, int>& relation_lines) {
  FileReader r(file, errors);
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    errors.push_back({file, static_cast<int>(e.source().begin.line), std::string(e.description())});
    return;
  }
  for (auto&& [k, v] : root) {
    const toml::table* tt = v.as_table();
    std::string name(k.str());
    if (!tt) { r.error(v, "top-level key '" + name + "' must be a record type table [" + name + "]"); continue; }
    if (auto* existing = const_cast<TypeDef*>(cat.type(name)))
      extend_type(r, *existing, *tt, known_rules);
    else
      read_type(r, cat, name, *tt, known_rules, relation_lines);
  }
}

// Checks that need every file: references between types, unique collections and prefixes.
void check_catalogue(const Catalogue& cat, std::vector<ModelError>& errors,
                     const std::map<std::string, int>& relation_lines) {
  std::map<std::string, std::string> collections, prefixes;
  for (auto& t : cat.types()) {
    if (!collections.emplace(t->collection, t->name).second)
      errors.push_back({t->file, 0, "collection '" + t->collection + "' of " + t->name + " is already used by " + collections[t->collection]});
    if (!prefixes.emplace(t->number_prefix, t->name).second)
      errors.push_back({t->file, 0, "number_prefix '" + t->number_prefix + "' of " + t->name + " is already used by " + prefixes[t->number_prefix]});
    for (auto& f : t->fields)
      if (f.is_reference() && !f.target.empty() && !cat.type(f.target))
        errors.push_back({f.file, f.line, "field " + t->name + "." + f.name + " refers to unknown type '" + f.target + "'"});
    for (auto& rel : t->relations)
      if (!cat.type(rel.target)) {
        auto it = relation_lines.find(t->name + "." + rel.name);
        errors.push_back({t->file, it == relation_lines.end() ? 0 : it->second,
                          "relation " + t->name + "." + rel.name + " targets unknown type '" + rel.target + "'"});
      }
  }
}

}  // namespace

LoadResult load_model_text(const std::vector<std::pair<std::string, std::string>>& files,
                           const std::set<std::string>& known_rules) {
  LoadResult result;
  auto cat = std::make_unique<Catalogue>();
  std::map<std::string, int> relation_lines;
  for (auto& [name, text] : files) read_file(name, text, *cat, result.errors, known_rules, relation_lines);
  if (result.errors.empty()) check_catalogue(*cat, result.errors, relation_lines);
  if (result.errors.empty() && cat->types().empty()) result.errors.push_back({"model", 0, "no record types are declared"});
  if (result.errors.empty()) result.catalogue = std::move(cat);
  return result;
}

LoadResult load_model(const std::string& dir, const std::string& extra_file,
                      const std::set<std::string>& known_rules) {
  std::vector<std::string> paths;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".toml") paths.push_back(e.path().string());
  if (ec) return {nullptr, {{dir, 0, "cannot read the model directory: " + ec.message()}}};
  std::sort(paths.begin(), paths.end());
  if (!extra_file.empty()) paths.push_back(extra_file);
  std::vector<std::pair<std::string, std::string>> files;
  for (auto& p : paths) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return {nullptr, {{p, 0, "cannot open the model file"}}};
    std::stringstream ss;
    ss << in.rdbuf();
    files.emplace_back(p, ss.str());
  }
  return load_model_text(files, known_rules);
}

}  // namespace kanri::model
