#include "engine/import_mapping.h"

#include <set>

#include <toml++/toml.h>

namespace kanri::engine {

namespace {

using model::FieldType;

std::size_t line_of(const toml::node& n) { return static_cast<std::size_t>(n.source().begin.line); }

// Collects the problems of one mapping file, each at the line of the node it is about.
class MappingReader {
 public:
  explicit MappingReader(const model::Catalogue& catalogue) : catalogue_(catalogue) {}

  void problem(const toml::node& at, std::string key, std::string code, MessageArgs args = {}) {
    problems.push_back({line_of(at), FieldError{std::move(key), std::move(code), std::move(args)}});
  }

  // Reports the keys of `table` that are not in `allowed`: a typo never passes silently.
  void only_keys(const toml::table& table, const std::set<std::string>& allowed) {
    for (auto& [k, v] : table) {
      if (allowed.count(std::string(k.str()))) continue;
      std::string list;
      for (auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      problem(v, std::string(k.str()), "import.mapping_unknown_key", {{"allowed", list}});
    }
  }

  std::string text(const toml::table& table, const std::string& key, bool required) {
    const toml::node* n = table.get(key);
    if (!n) {
      if (required) problem(table, key, "import.mapping_missing", {});
      return "";
    }
    if (auto s = n->value<std::string>()) return *s;
    problem(*n, key, "import.mapping_not_text", {});
    return "";
  }

  std::optional<nlohmann::json> value(const toml::node& n) {
    if (auto s = n.value_exact<std::string>()) return nlohmann::json(*s);
    if (auto b = n.value_exact<bool>()) return nlohmann::json(*b);
    if (auto i = n.value_exact<std::int64_t>()) return nlohmann::json(*i);
    if (auto d = n.value_exact<double>()) return nlohmann::json(*d);
    return std::nullopt;
  }

  std::optional<ImportReference> reference(const toml::table& spec, const model::FieldDef& f, ImportField& out) {
    ImportReference ref;
    ref.target = catalogue_.type(f.target);
    if (!ref.target) return std::nullopt;
    const std::string match = text(spec, "match", true);
    ref.match = match.empty() ? nullptr : ref.target->field(match);
    if (!match.empty() && (!ref.match || (ref.match->type != FieldType::text && ref.match->type != FieldType::enumeration)))
      problem(*spec.get("match"), "match", "import.mapping_match", {{"target", ref.target->name}, {"value", match}});
    if (spec.contains("parent")) {
      const std::string parent = text(spec, "parent", true);
      ref.parent = ref.target->field(parent);
      if (!ref.parent || ref.parent->type != FieldType::ref || ref.parent->target != ref.target->name)
        problem(*spec.get("parent"), "parent", "import.mapping_parent", {{"target", ref.target->name}, {"value", parent}});
    }
    if (auto b = spec["create_missing"].value<bool>()) ref.create_missing = *b;
    if (const toml::array* cols = spec["columns"].as_array()) {
      for (auto& c : *cols)
        if (auto s = c.value<std::string>()) ref.columns.push_back(*s);
      if (ref.columns.size() > 1 && !ref.parent)
        problem(*spec.get("columns"), "columns", "import.mapping_path_needs_parent", {});
    } else if (!out.column.empty()) {
      ref.columns.push_back(out.column);
    }
    if (ref.columns.empty()) problem(spec, f.name, "import.mapping_no_source", {});
    return ref;
  }

  void field(const std::string& name, const toml::node& node, ImportMapping& m) {
    const toml::table* spec = node.as_table();
    const model::FieldDef* f = m.type->field(name);
    if (!f || !spec) {
      problem(node, name, "import.mapping_unknown_field", {{"type", m.type->name}});
      return;
    }
    if (!f->computed.empty()) {
      problem(node, name, "import.mapping_computed", {});
      return;
    }
    only_keys(*spec, {"column", "columns", "template", "map", "match", "parent", "create_missing"});
    ImportField out;
    out.field = f;
    out.line = line_of(node);
    out.column = text(*spec, "column", false);
    out.template_text = text(*spec, "template", false);
    const bool is_ref = f->is_reference() && spec->contains("match");
    if (is_ref) {
      out.reference = reference(*spec, *f, out);
    } else if (out.column.empty() == out.template_text.empty()) {
      problem(node, name, "import.mapping_no_source", {});
    }
    if (const toml::table* map = (*spec)["map"].as_table()) {
      for (auto& [from, to] : *map) {
        auto v = value(to);
        const bool ok = v && (f->type != FieldType::enumeration || (v->is_string() && f->enum_value(v->get<std::string>())));
        if (!ok) {
          std::string allowed;
          for (auto& ev : f->values) allowed += (allowed.empty() ? "" : ", ") + ev.name;
          problem(to, name, "import.mapping_value", {{"value", std::string(from.str())}, {"allowed", allowed}});
          continue;
        }
        out.values[std::string(from.str())] = *v;
      }
    }
    m.fields.push_back(std::move(out));
  }

  std::vector<ImportProblem> problems;

 private:
  const model::Catalogue& catalogue_;
};

}  // namespace

std::vector<std::string> ImportMapping::columns() const {
  std::vector<std::string> out{key_column};
  if (!version_column.empty()) out.push_back(version_column);
  if (!state_column.empty()) out.push_back(state_column);
  for (auto& f : fields) {
    if (!f.column.empty()) out.push_back(f.column);
    if (f.reference)
      for (auto& c : f.reference->columns) out.push_back(c);
    for (std::size_t at = f.template_text.find('{'); at != std::string::npos; at = f.template_text.find('{', at + 1)) {
      const std::size_t end = f.template_text.find('}', at);
      if (end != std::string::npos) out.push_back(f.template_text.substr(at + 1, end - at - 1));
    }
  }
  std::set<std::string> seen;
  std::erase_if(out, [&](const std::string& c) { return !seen.insert(c).second; });
  return out;
}

LoadedMapping load_import_mapping(const std::string& path, const model::Catalogue& catalogue) {
  LoadedMapping out;
  toml::table doc;
  try {
    doc = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    out.problems.push_back({static_cast<std::size_t>(e.source().begin.line),
                            FieldError{"", "import.mapping_syntax", {{"reason", std::string(e.description())}}}});
    return out;
  } catch (const std::exception&) {
    out.problems.push_back({0, FieldError{"", "import.mapping_unreadable", {{"file", path}}}});
    return out;
  }
  MappingReader reader(catalogue);
  reader.only_keys(doc, {"import", "state", "fields"});
  ImportMapping m;
  m.file = path;
  const toml::table* head = doc["import"].as_table();
  if (!head) {
    out.problems.push_back({1, FieldError{"import", "import.mapping_missing", {}}});
    return out;
  }
  reader.only_keys(*head, {"type", "key", "version", "null", "date_format", "time_zone", "match"});
  const std::string type = reader.text(*head, "type", true);
  m.type = catalogue.type(type);
  if (!m.type && !type.empty()) reader.problem(*head->get("type"), "type", "import.mapping_type", {{"value", type}});
  m.key_column = reader.text(*head, "key", true);
  m.version_column = reader.text(*head, "version", false);
  m.null_marker = reader.text(*head, "null", false);
  if (const std::string pattern = reader.text(*head, "date_format", false); !pattern.empty()) {
    m.date_pattern = DatePattern::parse(pattern);
    if (!m.date_pattern)
      reader.problem(*head->get("date_format"), "date_format", "import.mapping_date_format", {{"value", pattern}});
  }
  m.time_zone_name = head->contains("time_zone") ? reader.text(*head, "time_zone", false) : "UTC";
  m.time_zone = TimeZone::named(m.time_zone_name);
  if (!m.time_zone) reader.problem(*head, "time_zone", "import.mapping_time_zone", {{"value", m.time_zone_name}});
  if (m.type) {
    if (const toml::table* st = doc["state"].as_table()) {
      reader.only_keys(*st, {"column", "map"});
      m.state_column = reader.text(*st, "column", true);
      if (const toml::table* map = (*st)["map"].as_table()) {
        for (auto& [from, to] : *map) {
          auto name = to.value<std::string>();
          if (!name || !m.type->lifecycle || !m.type->lifecycle->state(*name)) {
            std::string allowed;
            if (m.type->lifecycle)
              for (auto& s : m.type->lifecycle->states) allowed += (allowed.empty() ? "" : ", ") + s.name;
            reader.problem(to, "state", "import.mapping_state", {{"value", std::string(from.str())}, {"allowed", allowed}});
            continue;
          }
          m.states[std::string(from.str())] = *name;
        }
      }
    }
    if (const toml::table* fields = doc["fields"].as_table()) {
      for (auto& [name, node] : *fields) reader.field(std::string(name.str()), node, m);
    }
    bool needs_dates = std::any_of(m.fields.begin(), m.fields.end(), [](const ImportField& f) {
      return f.field->type == model::FieldType::datetime && f.values.empty();
    });
    if (needs_dates && !m.date_pattern) reader.problem(*head, "date_format", "import.mapping_missing", {});
    m.match_field = reader.text(*head, "match", false);
    if (!m.match_field.empty()) {
      auto mapped = std::find_if(m.fields.begin(), m.fields.end(), [&](const ImportField& f) {
        return f.field->name == m.match_field && f.column == m.key_column && f.values.empty();
      });
      const model::FieldDef* f = m.type->field(m.match_field);
      if (mapped == m.fields.end() || !f || !f->indexed)
        reader.problem(*head->get("match"), "match", "import.mapping_key_match", {{"value", m.match_field}, {"key", m.key_column}});
    }
  }
  out.problems = std::move(reader.problems);
  if (out.problems.empty()) out.mapping = std::move(m);
  return out;
}

}  // namespace kanri::engine
