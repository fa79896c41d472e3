#include "processes/resolution/failure_severity.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/time.h"

namespace kanri::processes::resolution {

using json = nlohmann::json;

namespace {

constexpr const char* kDefinition = "definition";
constexpr std::int64_t kHour = 3'600'000;

const std::set<std::string>& condition_ops() {
  static const std::set<std::string> ops{"eq", "ne", "gt", "gte", "lt", "lte", "in", "set", "unset"};
  return ops;
}

// The factors of the named impact index formulas (IPA/SEC §4.3 item 1).
std::optional<std::vector<std::string>> preset_factors(const std::string& name) {
  if (name == "duration_users") return std::vector<std::string>{"impact_duration", "users_affected"};
  if (name == "customers_amount") return std::vector<std::string>{"customers_affected", "customer_amount"};
  if (name == "scope_duration_amount") return std::vector<std::string>{"impact_scope", "impact_duration", "impact_amount"};
  return std::nullopt;
}

std::optional<std::int64_t> unit_ms(const std::string& unit) {
  if (unit == "minute") return 60'000;
  if (unit == "hour") return kHour;
  if (unit == "day") return 24 * kHour;
  return std::nullopt;
}

bool is_numeric(const model::FieldDef& f) {
  return f.type == model::FieldType::integer || f.type == model::FieldType::decimal ||
         f.type == model::FieldType::duration;
}

struct Checker {
  const model::TypeDef& failure;
  std::vector<FieldError>& errors;
  std::set<std::string> levels;

  void error(const std::string& code, MessageArgs args = {}) { errors.push_back({kDefinition, code, std::move(args)}); }

  void only_keys(const json& d, std::set<std::string> allowed) {
    for (auto& [k, _] : d.items())
      if (!allowed.count(k)) error("failure.scheme_key_unknown", {{"key", k}});
  }

  bool check_levels(const json& d) {
    const json* l = d.contains("levels") ? &d["levels"] : nullptr;
    bool good = l && l->is_array() && !l->empty();
    if (good) {
      for (auto& v : *l) {
        if (!v.is_string() || v.get_ref<const std::string&>().empty() || v.get_ref<const std::string&>().size() > 50 ||
            !levels.insert(v.get<std::string>()).second)
          good = false;
      }
    }
    if (!good) error("failure.scheme_levels");
    return good;
  }

  void check_level(const json& v) {
    if (!v.is_string() || !levels.count(v.get<std::string>()))
      error("failure.scheme_level_unknown", {{"level", v.is_string() ? v.get<std::string>() : v.dump()}});
  }

  const model::FieldDef* field_named(const json& v) {
    const model::FieldDef* f = v.is_string() ? failure.field(v.get<std::string>()) : nullptr;
    if (!f) error("failure.scheme_field_unknown", {{"field", v.is_string() ? v.get<std::string>() : v.dump()}});
    return f;
  }

  void check_condition(const json& c, const std::string& path) {
    auto bad = [&] { error("failure.scheme_condition", {{"path", path}}); };
    if (!c.is_object()) return bad();
    for (const char* group : {"all", "any"}) {
      if (!c.contains(group)) continue;
      const json& items = c[group];
      if (c.size() != 1 || !items.is_array() || items.empty()) return bad();
      for (size_t i = 0; i < items.size(); ++i) check_condition(items[i], path + "." + group + "[" + std::to_string(i) + "]");
      return;
    }
    if (!c.contains("field") || !c.contains("op") || !c["op"].is_string()) return bad();
    for (auto& [k, _] : c.items())
      if (k != "field" && k != "op" && k != "value") return bad();
    const json& field = c["field"];
    if (!(field.is_string() && field.get<std::string>() == "impact_index") && !field_named(field)) return;
    const std::string op = c["op"];
    if (!condition_ops().count(op)) return bad();
    const bool needs_value = op != "set" && op != "unset";
    if (needs_value != c.contains("value")) return bad();
    if (op == "in" && !(c["value"].is_array() && !c["value"].empty())) return bad();
    if (op == "gt" || op == "gte" || op == "lt" || op == "lte") {
      const json& v = c["value"];
      bool duration_text = v.is_string() && parse_duration(v.get<std::string>());
      if (!v.is_number() && !duration_text) return bad();
    }
  }

  // [{"min": n, <key>: …}, …, {<key>: …}]: mins strictly falling, the last without one.
  void check_bands(const json& bands, const std::string& key, const std::function<bool(const json&)>& valid_value) {
    bool good = bands.is_array() && !bands.empty();
    std::optional<double> previous;
    for (size_t i = 0; good && i < bands.size(); ++i) {
      const json& b = bands[i];
      const bool last = i + 1 == bands.size();
      if (!b.is_object() || !b.contains(key) || b.size() != (last ? 1u : 2u) || (!last && !b.contains("min")) ||
          (!last && !b["min"].is_number())) {
        good = false;
        break;
      }
      if (!last) {
        double min = b["min"];
        if (previous && min >= *previous) good = false;
        previous = min;
      }
      if (!valid_value(b[key])) good = false;
    }
    if (!good) error("failure.scheme_bands", {{"key", key}});
  }

  void check_impact_index(const json& d) {
    if (!d.contains("impact_index")) return;
    const json& ix = d["impact_index"];
    if (ix.is_string()) {
      if (!preset_factors(ix)) error("failure.scheme_impact_index");
      return;
    }
    bool good = ix.is_object() && ix.contains("factors") && ix["factors"].is_array() && !ix["factors"].empty();
    for (auto it = ix.begin(); good && it != ix.end(); ++it) {
      if (it.key() == "duration_unit") good = it->is_string() && unit_ms(it->get<std::string>()).has_value();
      else if (it.key() != "factors") good = false;
    }
    if (!good) return error("failure.scheme_impact_index");
    for (auto& name : ix["factors"]) {
      const model::FieldDef* f = field_named(name);
      if (f && !is_numeric(*f)) error("failure.scheme_factor_not_number", {{"field", f->name}});
    }
  }

  // The values a field can take, when they are few enough to ask for all of them.
  std::optional<std::vector<std::string>> every_value(const model::FieldDef& f) {
    std::vector<std::string> out;
    if (f.type == model::FieldType::enumeration) {
      for (auto& v : f.values) out.push_back(v.name);
      return out;
    }
    if (f.type == model::FieldType::boolean) return std::vector<std::string>{"true", "false"};
    if (f.type == model::FieldType::integer && f.min && f.max && *f.max - *f.min <= 20) {
      for (auto v = static_cast<std::int64_t>(*f.min); v <= static_cast<std::int64_t>(*f.max); ++v) out.push_back(std::to_string(v));
      return out;
    }
    return std::nullopt;
  }

  void check_matrix(const json& d) {
    only_keys(d, {"levels", "rows", "columns", "matrix", "online_impact", "impact_index"});
    check_levels(d);
    check_impact_index(d);
    const model::FieldDef* rows = field_named(d.value("rows", json("attribution")));
    const model::FieldDef* columns = field_named(d.value("columns", json("online_impact")));
    if (d.contains("online_impact")) {
      const json& oi = d["online_impact"];
      bool good = oi.is_object() && oi.size() == 2 && oi.contains("ratings") && oi["ratings"].is_array() &&
                  !oi["ratings"].empty() && oi.contains("bands");
      for (auto& r : good ? oi["ratings"] : json::array()) good = good && r.is_string() && !r.get<std::string>().empty();
      if (!good) error("failure.scheme_online_impact");
      else check_bands(oi["bands"], "value", [](const json& v) { return v.is_number_integer(); });
    }
    const json* m = d.contains("matrix") ? &d["matrix"] : nullptr;
    if (!m || !m->is_object() || m->empty()) return error("failure.scheme_matrix");
    auto row_values = rows ? every_value(*rows) : std::nullopt;
    auto column_values = columns ? every_value(*columns) : std::nullopt;
    for (auto& [row, line] : m->items()) {
      if (row_values && std::find(row_values->begin(), row_values->end(), row) == row_values->end())
        error("failure.scheme_matrix_key", {{"value", row}, {"field", rows->name}});
      if (!line.is_object()) {
        error("failure.scheme_matrix");
        continue;
      }
      for (auto& [column, level] : line.items()) {
        if (column_values && std::find(column_values->begin(), column_values->end(), column) == column_values->end())
          error("failure.scheme_matrix_key", {{"value", column}, {"field", columns->name}});
        check_level(level);
      }
      for (auto& c : column_values.value_or(std::vector<std::string>{}))
        if (!line.contains(c)) error("failure.scheme_matrix_missing", {{"row", row}, {"column", c}});
    }
    for (auto& r : row_values.value_or(std::vector<std::string>{}))
      if (!m->contains(r)) error("failure.scheme_matrix_missing", {{"row", r}, {"column", "*"}});
  }

  void check_binary(const json& d) {
    only_keys(d, {"levels", "when", "impact_index"});
    if (check_levels(d) && d["levels"].size() != 2) error("failure.scheme_binary_levels");
    check_impact_index(d);
    if (d.contains("when")) check_condition(d["when"], "when");
  }

  void check_categorical(const json& d) {
    only_keys(d, {"levels", "rules", "otherwise", "impact_index"});
    check_levels(d);
    check_impact_index(d);
    const json* rules = d.contains("rules") ? &d["rules"] : nullptr;
    if (!rules || !rules->is_array() || rules->empty()) {
      error("failure.scheme_rules");
    } else {
      for (size_t i = 0; i < rules->size(); ++i) {
        const json& r = (*rules)[i];
        if (!r.is_object() || r.size() != 2 || !r.contains("level") || !r.contains("when")) {
          error("failure.scheme_rules");
          continue;
        }
        check_level(r["level"]);
        check_condition(r["when"], "rules[" + std::to_string(i) + "].when");
      }
    }
    if (!d.contains("otherwise")) error("failure.scheme_otherwise");
    else check_level(d["otherwise"]);
  }

  void check_banded(const json& d) {
    only_keys(d, {"levels", "bands", "impact_index"});
    check_levels(d);
    check_impact_index(d);
    if (!d.contains("bands")) return error("failure.scheme_bands", {{"key", "level"}});
    check_bands(d["bands"], "level", [this](const json& v) { return v.is_string() && levels.count(v.get<std::string>()); });
  }
};

// Compares a fact with a condition's value; durations may be written "PT2H".
bool compare(const json& fact, const std::string& op, const json& value) {
  if (op == "set") return !fact.is_null();
  if (op == "unset") return fact.is_null();
  if (fact.is_null()) return op == "ne";
  auto number = [&](const json& v) -> std::optional<double> {
    if (v.is_number()) return v.get<double>();
    if (v.is_string() && fact.is_number())
      if (auto ms = parse_duration(v.get<std::string>())) return static_cast<double>(*ms);
    return std::nullopt;
  };
  auto equal = [&](const json& v) {
    auto a = number(fact), b = number(v);
    if (a && b) return *a == *b;
    return fact == v;
  };
  if (op == "eq") return equal(value);
  if (op == "ne") return !equal(value);
  if (op == "in") return std::any_of(value.begin(), value.end(), equal);
  auto a = number(fact), b = number(value);
  if (!a || !b) return false;
  if (op == "gt") return *a > *b;
  if (op == "gte") return *a >= *b;
  if (op == "lt") return *a < *b;
  return *a <= *b;
}

// Whether `c` holds; every fact it looks at goes into `used`.
bool holds(const json& c, const json& facts, json& used) {
  if (c.contains("all")) {
    bool all = true;
    for (auto& item : c["all"]) all = holds(item, facts, used) && all;
    return all;
  }
  if (c.contains("any")) {
    bool any = false;
    for (auto& item : c["any"]) any = holds(item, facts, used) || any;
    return any;
  }
  const std::string field = c["field"];
  json fact = facts.value(field, json());
  used[field] = fact;
  return compare(fact, c["op"], c.value("value", json()));
}

// The value of the first band whose min the number reaches (index in `band`).
json band_of(const json& bands, double v, const std::string& key, size_t& band) {
  for (size_t i = 0; i < bands.size(); ++i) {
    if (!bands[i].contains("min") || v >= bands[i]["min"].get<double>()) {
      band = i;
      return bands[i][key];
    }
  }
  band = bands.size() - 1;
  return bands.back()[key];
}

std::string key_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>())
    return std::to_string(static_cast<std::int64_t>(v.get<double>()));
  return v.dump();
}

Grade grade_matrix(const json& d, const json& facts) {
  Grade g;
  const std::string rows = d.value("rows", "attribution"), columns = d.value("columns", "online_impact");
  json row = facts.value(rows, json()), column = facts.value(columns, json());
  g.inputs[rows] = row;
  if (column.is_null() && d.contains("online_impact")) {
    // Online impact from the service's ratings: their product, banded (IPA/SEC §4.3 item 2).
    const json& spec = d["online_impact"];
    const json attributes = facts.value("service_attributes", json());
    json ratings = json::object();
    std::optional<double> product = 1.0;
    for (auto& name : spec["ratings"]) {
      json r = attributes.is_object() ? attributes.value(name.get<std::string>(), json()) : json();
      ratings[name.get<std::string>()] = r;
      if (!r.is_number()) product.reset();
      else if (product) *product *= r.get<double>();
    }
    json from{{"service_ratings", ratings}, {"product", product ? json(*product) : json()}};
    if (product) {
      size_t band = 0;
      column = band_of(spec["bands"], *product, "value", band);
      from["band"] = band;
    }
    g.inputs["online_impact_from"] = from;
  }
  g.inputs[columns] = column;
  if (row.is_null() || column.is_null()) return g;
  const json& m = d["matrix"];
  const std::string r = key_text(row), c = key_text(column);
  if (m.contains(r) && m[r].contains(c)) g.level = m[r][c].get<std::string>();
  return g;
}

}  // namespace

std::vector<FieldError> check_scheme_definition(const std::string& kind, const json& definition,
                                                const model::TypeDef& failure) {
  std::vector<FieldError> errors;
  if (!definition.is_object()) return {{kDefinition, "failure.scheme_not_object", {}}};
  Checker c{failure, errors, {}};
  if (kind == "matrix") c.check_matrix(definition);
  else if (kind == "binary") c.check_binary(definition);
  else if (kind == "categorical") c.check_categorical(definition);
  else if (kind == "banded") c.check_banded(definition);
  return errors;
}

json failure_facts(const store::Record& r) {
  json facts = json::object();
  for (auto& f : r.type->fields) {
    const Value& v = r.get(f);
    if (is_null(v)) {
      facts[f.name] = nullptr;
      continue;
    }
    switch (f.type) {
      case model::FieldType::integer:
      case model::FieldType::duration:
        facts[f.name] = as_int(v);
        break;
      case model::FieldType::decimal:
        facts[f.name] = as_double(v);
        break;
      case model::FieldType::boolean:
        facts[f.name] = as_int(v) != 0;
        break;
      case model::FieldType::json:
        break;  // no condition looks into JSON fields
      default:
        facts[f.name] = as_text(v);
    }
  }
  return facts;
}

ImpactIndex impact_index(const json& definition, const json& facts, const model::TypeDef& failure) {
  std::vector<std::string> factors = *preset_factors("duration_users");
  std::int64_t unit = kHour;
  std::string unit_name = "hour";
  const json ix = definition.is_object() ? definition.value("impact_index", json()) : json();
  if (ix.is_string()) {
    factors = preset_factors(ix).value_or(factors);
  } else if (ix.is_object()) {
    factors = ix.value("factors", std::vector<std::string>{});
    unit_name = ix.value("duration_unit", "hour");
    unit = unit_ms(unit_name).value_or(kHour);
  }
  ImpactIndex out;
  json terms = json::object();
  std::optional<double> product = 1.0;
  for (auto& name : factors) {
    json fact = facts.value(name, json());
    const model::FieldDef* f = failure.field(name);
    if (fact.is_number() && f && f->type == model::FieldType::duration) fact = fact.get<double>() / static_cast<double>(unit);
    terms[name] = fact;
    if (!fact.is_number()) product.reset();
    else if (product) *product *= fact.get<double>();
  }
  out.value = product;
  out.inputs = {{"factors", terms}, {"duration_unit", unit_name}, {"value", product ? json(*product) : json()}};
  return out;
}

Grade grade_failure(const std::string& kind, const json& d, const json& facts) {
  Grade g;
  if (kind == "matrix") return grade_matrix(d, facts);
  json used = json::object();
  if (kind == "binary") {
    json when = d.value("when", json{{"field", "customers_affected"}, {"op", "gt"}, {"value", 0}});
    bool yes = holds(when, facts, used);
    g.level = d["levels"][yes ? 0 : 1].get<std::string>();
    g.inputs = {{"facts", used}, {"holds", yes}};
  } else if (kind == "categorical") {
    const json& rules = d["rules"];
    for (size_t i = 0; i < rules.size(); ++i) {
      if (holds(rules[i]["when"], facts, used)) {
        g.level = rules[i]["level"].get<std::string>();
        g.inputs = {{"facts", used}, {"rule", i}};
        return g;
      }
    }
    g.level = d["otherwise"].get<std::string>();
    g.inputs = {{"facts", used}, {"rule", "otherwise"}};
  } else if (kind == "banded") {
    json index = facts.value("impact_index", json());
    g.inputs = {{"impact_index", index}};
    if (!index.is_number()) return g;
    size_t band = 0;
    g.level = band_of(d["bands"], index.get<double>(), "level", band).get<std::string>();
    g.inputs["band"] = band;
  }
  return g;
}

std::vector<std::string> scheme_levels(const json& definition) {
  std::vector<std::string> out;
  if (definition.is_object() && definition.contains("levels") && definition["levels"].is_array())
    for (auto& l : definition["levels"])
      if (l.is_string()) out.push_back(l);
  return out;
}

}  // namespace kanri::processes::resolution
