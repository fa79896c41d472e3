#include "engine/record_import.h"

#include <algorithm>
#include <charconv>
#include <unordered_map>

#include "core/text.h"
#include "engine/refusals.h"

namespace kanri::engine {

namespace {

using nlohmann::json;
using model::FieldType;

const std::string kRolledBack = "import.rolled_back";

// One source record: the row chosen for its key.
struct SourceRow {
  std::size_t line = 0;
  std::int64_t version = 0;
  std::vector<std::string> cells;
};

// A row turned into what import_within takes, with the references still to be found.
struct Draft {
  std::size_t line = 0;
  json body = json::object();
  std::string state;
  std::vector<std::pair<const ImportField*, std::vector<std::string>>> references;
};

class RowConverter {
 public:
  RowConverter(const ImportMapping& m, const std::vector<std::string>& header) : m_(m) {
    for (std::size_t i = 0; i < header.size(); ++i) index_.emplace(header[i], i);
  }

  std::optional<std::size_t> column(const std::string& name) const {
    auto it = index_.find(name);
    return it == index_.end() ? std::nullopt : std::optional<std::size_t>(it->second);
  }

  // The cell of `name`, or nullopt when it is empty or holds the null marker.
  std::optional<std::string> cell(const std::vector<std::string>& cells, const std::string& name) const {
    const std::string& v = cells[index_.at(name)];
    if (v.empty() || v == m_.null_marker) return std::nullopt;
    return v;
  }

  Draft convert(const SourceRow& row, std::vector<FieldError>& errors) const {
    Draft d;
    d.line = row.line;
    if (!m_.state_column.empty()) {
      auto raw = cell(row.cells, m_.state_column).value_or("");
      auto it = m_.states.find(raw);
      if (it == m_.states.end())
        errors.push_back({"state", "import.unmapped_state", {{"value", raw}, {"column", m_.state_column}}});
      else
        d.state = it->second;
    }
    for (const ImportField& f : m_.fields) {
      if (f.reference) {
        std::vector<std::string> path;
        for (auto& c : f.reference->columns) {
          auto v = cell(row.cells, c);
          if (!v) break;  // a path ends at its first empty level
          path.push_back(*v);
        }
        if (!path.empty()) d.references.emplace_back(&f, std::move(path));
        continue;
      }
      std::optional<std::string> raw = f.template_text.empty() ? cell(row.cells, f.column) : fill(f.template_text, row.cells);
      if (!raw) continue;  // left empty: the field's default applies
      if (!f.values.empty()) {
        auto it = f.values.find(*raw);
        if (it == f.values.end())
          errors.push_back({f.field->name, "import.unmapped_value", {{"value", *raw}, {"column", f.column}}});
        else
          d.body[f.field->name] = it->second;
        continue;
      }
      d.body[f.field->name] = typed(*f.field, *raw, errors);
    }
    return d;
  }

 private:
  // The template with each {column} replaced by its cell (empty for an empty cell) and the
  // spaces around it trimmed; nullopt when every column it names is empty.
  std::optional<std::string> fill(const std::string& tmpl, const std::vector<std::string>& cells) const {
    std::string out;
    bool any = false;
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
      const std::size_t end = tmpl[i] == '{' ? tmpl.find('}', i) : std::string::npos;
      if (end == std::string::npos) {
        out += tmpl[i];
        continue;
      }
      if (auto v = cell(cells, tmpl.substr(i + 1, end - i - 1))) {
        out += *v;
        any = true;
      }
      i = end;
    }
    if (!any) return std::nullopt;
    const std::size_t first = out.find_first_not_of(' '), last = out.find_last_not_of(' ');
    return first == std::string::npos ? std::string() : out.substr(first, last - first + 1);
  }

  // The JSON value a client would send for `raw`; a cell that is not of the field's type is
  // passed as text so that the field's own check reports it in the usual words.
  json typed(const model::FieldDef& f, const std::string& raw, std::vector<FieldError>& errors) const {
    switch (f.type) {
      case FieldType::integer:
        if (auto i = parse_int(raw)) return *i;
        return raw;
      case FieldType::decimal: {
        double d = 0;
        auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), d);
        if (ec == std::errc() && end == raw.data() + raw.size()) return d;
        return raw;
      }
      case FieldType::boolean: {
        std::string lower = raw;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        if (lower == "true" || lower == "1" || lower == "yes") return true;
        if (lower == "false" || lower == "0" || lower == "no") return false;
        return raw;
      }
      case FieldType::datetime: {
        if (auto at = m_.date_pattern->read(raw, *m_.time_zone)) return format_timestamp(*at);
        errors.push_back({f.name, "import.date", {{"value", raw}, {"format", m_.date_pattern->text()}}});
        return nullptr;
      }
      default:
        return raw;
    }
  }

  const ImportMapping& m_;
  std::unordered_map<std::string, std::size_t> index_;
};

// Finds (or makes) the records that references name by their display value, once per value.
class ReferenceResolver {
 public:
  ReferenceResolver(RecordService& records, const Principal& p, store::Connection& c)
      : records_(records), p_(p), c_(c) {}

  // The id of the narrowest record of `path`, or the field error that stops the row.
  std::variant<std::int64_t, FieldError> resolve(const ImportField& f, const std::vector<std::string>& path) {
    const ImportReference& ref = *f.reference;
    std::optional<std::int64_t> parent;
    for (const std::string& value : path) {
      const std::string key = ref.target->name + '\x1f' + (parent ? std::to_string(*parent) : "") + '\x1f' + value;
      auto it = cache_.find(key);
      if (it == cache_.end()) {
        auto found = find_or_make(ref, value, parent);
        if (auto* e = std::get_if<FieldError>(&found)) {
          e->field = f.field->name;
          return *e;
        }
        it = cache_.emplace(key, std::get<std::int64_t>(found)).first;
      }
      parent = it->second;
    }
    return *parent;
  }

 private:
  std::variant<std::int64_t, FieldError> find_or_make(const ImportReference& ref, const std::string& value,
                                                      std::optional<std::int64_t> parent) {
    store::ListQuery q;
    q.where.push_back({ref.match->name, store::Condition::Op::eq, {Value(value)}});
    if (ref.parent)
      q.where.push_back({ref.parent->name, store::Condition::Op::eq, {parent ? Value(*parent) : Value()}});
    q.limit = 1;
    q.visible = visibility(p_, p_.scope(ref.target->name, "read"), *ref.target);
    store::ListPage page = records_.store().list(c_, *ref.target, q);
    if (!page.records.empty()) return page.records.front().id;
    if (!ref.create_missing)
      return FieldError{"", "field.ref_not_found", {{"value", value}, {"target", ref.target->name}}};
    json body{{ref.match->name, value}};
    if (ref.parent && parent) body[ref.parent->name] = *parent;
    auto made = records_.create_within(c_, p_, *ref.target, body, p_.scope(ref.target->name, "create"));
    if (!made) {
      const Error& e = made.error();
      return FieldError{"", "import.reference_not_created",
                        {{"value", value}, {"target", ref.target->name}, {"reason", e.fields.empty() ? e.code : e.fields.front().code}}};
    }
    return made->id;
  }

  RecordService& records_;
  const Principal& p_;
  store::Connection& c_;
  std::unordered_map<std::string, std::int64_t> cache_;
};

void reject(ImportReport& report, std::size_t line, std::vector<FieldError> errors) {
  ++report.rejected;
  for (auto& e : errors) report.problems.push_back({line, std::move(e)});
}

}  // namespace

Result<ImportReport> import_records(RecordService& records, const Principal& p, const ImportMapping& m, CsvReader& csv,
                                    const ImportOptions& options) {
  const model::TypeDef& t = *m.type;
  const Scope create_scope = p.scope(t.name, "create");
  if (create_scope == Scope::none) return access_denied("create", t);
  ImportReport report;
  std::vector<std::string> header;
  if (!csv.next(header)) {
    report.problems.push_back({1, FieldError{"", "import.no_header", {}}});
    return report;
  }
  RowConverter converter(m, header);
  for (auto& column : m.columns())
    if (!converter.column(column)) report.problems.push_back({1, FieldError{column, "import.missing_column", {}}});
  if (!report.problems.empty()) return report;

  // The last version of each key, in the order the keys first appear.
  std::vector<SourceRow> chosen;
  std::unordered_map<std::string, std::size_t> by_key;
  const std::size_t key_at = *converter.column(m.key_column);
  const std::optional<std::size_t> version_at = m.version_column.empty() ? std::nullopt : converter.column(m.version_column);
  SourceRow row;
  while (csv.next(row.cells)) {
    row.line = csv.line();
    ++report.rows_read;
    if (csv.unterminated()) {
      reject(report, row.line, {{"", "import.unterminated_quote", {}}});
      continue;
    }
    if (row.cells.size() != header.size()) {
      reject(report, row.line, {{"", "import.row_width",
                                 {{"cells", std::to_string(row.cells.size())}, {"expected", std::to_string(header.size())}}}});
      continue;
    }
    const std::string& key = row.cells[key_at];
    if (key.empty() || key == m.null_marker) {
      reject(report, row.line, {{m.key_column, "import.no_key", {{"column", m.key_column}}}});
      continue;
    }
    row.version = 0;
    if (version_at) {
      auto v = parse_int(row.cells[*version_at]);
      if (!v) {
        reject(report, row.line, {{m.version_column, "import.bad_version", {{"value", row.cells[*version_at]}, {"column", m.version_column}}}});
        continue;
      }
      row.version = *v;
    }
    auto [it, fresh] = by_key.emplace(key, chosen.size());
    if (fresh)
      chosen.push_back(std::move(row));
    else if (row.version >= chosen[it->second].version)
      chosen[it->second] = std::move(row);
    row = SourceRow{};
  }
  report.records = chosen.size();

  std::vector<Draft> drafts;
  drafts.reserve(chosen.size());
  for (const SourceRow& source : chosen) {
    std::vector<FieldError> errors;
    Draft d = converter.convert(source, errors);
    if (errors.empty())
      drafts.push_back(std::move(d));
    else
      reject(report, source.line, std::move(errors));
  }
  chosen.clear();

  std::size_t written = 0;
  const ImportReport checked = report;  // what a retried transaction starts again from
  Status s = records.database().write([&](store::Connection& c) -> Status {
    written = 0;
    report = checked;
    ReferenceResolver resolver(records, p, c);
    for (std::size_t i = 0; i < drafts.size(); ++i) {
      Draft& d = drafts[i];
      std::vector<FieldError> errors;
      for (auto& [field, path] : d.references) {
        auto id = resolver.resolve(*field, path);
        if (auto* e = std::get_if<FieldError>(&id))
          errors.push_back(std::move(*e));
        else
          d.body[field->field->name] = std::get<std::int64_t>(id);
      }
      std::optional<Record> existing;
      if (errors.empty() && !m.match_field.empty() && d.body.contains(m.match_field) && d.body[m.match_field].is_string()) {
        store::ListQuery q;
        q.where.push_back({m.match_field, store::Condition::Op::eq, {Value(d.body[m.match_field].get<std::string>())}});
        q.limit = 1;
        auto found = records.store().list(c, t, q).records;
        if (!found.empty()) existing = std::move(found.front());
      }
      // A cell the later export leaves empty empties the field: the file says the value is
      // gone, as the resolution time of an incident reopened there. A field with a default
      // keeps what it holds (an empty cell on create means the default, not a value).
      if (existing) {
        for (const ImportField& f : m.fields) {
          const bool given = d.body.contains(f.field->name) ||
                             std::any_of(d.references.begin(), d.references.end(), [&](auto& r) { return r.first == &f; });
          if (!given && !f.field->default_value) d.body[f.field->name] = nullptr;
        }
      }
      if (errors.empty()) {
        const std::int64_t version = existing ? existing->version : 0;
        auto made = existing ? records.reimport_within(c, p, std::move(*existing), d.body, d.state, create_scope)
                             : records.import_within(c, p, t, d.body, d.state, create_scope);
        if (made) {
          if (!version) ++written;
          else if (made->version == version) ++report.unchanged;
          else ++report.updated;
        } else if (made.error().kind == ErrorKind::invalid) {
          errors = made.error().fields;
        } else {
          return made.take_error();
        }
      }
      if (!errors.empty()) reject(report, d.line, std::move(errors));
      if (options.progress && ((i + 1) % 1000 == 0 || i + 1 == drafts.size())) options.progress(i + 1, drafts.size());
    }
    if (report.rejected > 0 && !options.skip_invalid) return Error::of(ErrorKind::invalid, kRolledBack);
    return ok_status();
  });
  if (!s && s.error().code != kRolledBack) return s.take_error();
  report.imported = s ? written : 0;
  if (!s) report.updated = report.unchanged = 0;
  std::stable_sort(report.problems.begin(), report.problems.end(),
                   [](const ImportProblem& a, const ImportProblem& b) { return a.line < b.line; });
  return report;
}

}  // namespace kanri::engine
