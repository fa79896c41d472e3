// Records as the API shows them: references with number and name, resolved per page.
#include <set>

#include <nlohmann/json.hpp>

#include "engine/field_codec.h"
#include "engine/record_service.h"
#include "store/accounts.h"

namespace kanri::engine {

using nlohmann::json;
using model::FieldType;

json RecordService::to_json(const Principal& p, const Record& record) { return to_json(p, std::vector<Record>{record})[0]; }

struct RecordService::ReferenceLabels {
  std::map<const model::TypeDef*, std::map<std::int64_t, store::RecordLabel>> records;
  std::map<std::int64_t, std::string> users;

  // The label of the record `f` refers to, or null when p may not read it.
  const store::RecordLabel* record(const model::Catalogue& catalogue, const model::FieldDef& f, std::int64_t id) const {
    auto m = records.find(catalogue.type(f.target));
    if (m == records.end()) return nullptr;
    auto it = m->second.find(id);
    return it == m->second.end() ? nullptr : &it->second;
  }
  const std::string* user(std::int64_t id) const {
    auto it = users.find(id);
    return it == users.end() ? nullptr : &it->second;
  }
};

RecordService::ReferenceLabels RecordService::reference_labels(const Principal& p, const model::TypeDef& t,
                                                               const Record* begin, const Record* end) {
  std::map<const model::TypeDef*, std::set<std::int64_t>> ref_ids;
  std::set<std::int64_t> user_ids;
  for (const Record* r = begin; r != end; ++r) {
    if (r->created_by) user_ids.insert(*r->created_by);
    if (r->updated_by) user_ids.insert(*r->updated_by);
    for (auto& f : t.fields) {
      const Value& v = r->get(f);
      if (is_null(v)) continue;
      if (f.type == FieldType::user) user_ids.insert(as_int(v));
      else if (f.is_reference()) ref_ids[catalogue_.type(f.target)].insert(as_int(v));
    }
  }
  ReferenceLabels out;
  if (ref_ids.empty() && user_ids.empty()) return out;
  db_.read([&](store::Connection& c) {
    for (auto& [type, ids] : ref_ids) {
      Scope read = p.scope(type->name, "read");
      if (read != Scope::none)
        out.records[type] = records_.labels(c, *type, {ids.begin(), ids.end()}, visibility(p, read, *type));
    }
    for (auto& [id, name] : store::user_names(c, {user_ids.begin(), user_ids.end()})) out.users[id] = name;
  });
  return out;
}

std::map<std::int64_t, store::RecordLabel> RecordService::labels(const Principal& p, const model::TypeDef& t,
                                                                 const std::vector<std::int64_t>& ids) {
  std::map<std::int64_t, store::RecordLabel> out;
  const Scope read = p.scope(t.name, "read");
  if (read == Scope::none || ids.empty()) return out;
  db_.read([&](store::Connection& c) { out = records_.labels(c, t, ids, visibility(p, read, t)); });
  return out;
}

json RecordService::to_json(const Principal& p, const std::vector<Record>& records) {
  json out = json::array();
  if (records.empty()) return out;
  const model::TypeDef& t = *records.front().type;
  const ReferenceLabels labels = reference_labels(p, t, records.data(), records.data() + records.size());
  auto user_json = [&](std::optional<std::int64_t> id) -> json {
    if (!id) return nullptr;
    const std::string* name = labels.user(*id);
    return {{"id", *id}, {"display", name ? json(*name) : json(nullptr)}};
  };
  for (auto& r : records) {
    json j{{"id", r.id},
           {"number", r.number},
           {"type", t.name},
           {"state", r.state.empty() ? json(nullptr) : json(r.state)},
           {"version", r.version},
           {"created_at", format_timestamp(r.created_at)},
           {"updated_at", format_timestamp(r.updated_at)},
           {"created_by", user_json(r.created_by)},
           {"updated_by", user_json(r.updated_by)}};
    for (auto& f : t.fields) {
      const Value& v = r.get(f);
      if (is_null(v)) {
        j[f.name] = nullptr;
      } else if (f.type == FieldType::user) {
        j[f.name] = user_json(as_int(v));
      } else if (f.is_reference()) {
        const store::RecordLabel* label = labels.record(catalogue_, f, as_int(v));
        j[f.name] = {{"id", as_int(v)},
                     {"number", label ? json(label->number) : json(nullptr)},
                     {"display", label ? json(label->display) : json(nullptr)}};
      } else {
        j[f.name] = encode_field(f, v);
      }
    }
    out.push_back(std::move(j));
  }
  return out;
}

std::vector<ExportColumn> RecordService::export_columns(const model::TypeDef& t) {
  std::vector<ExportColumn> columns{{"number"}, {"state"}, {"created_at"}, {"updated_at"}};
  for (auto& f : t.fields) columns.push_back({f.name, &f});
  return columns;
}

namespace {

using Kind = ExportCell::Kind;

ExportCell text_cell(std::string text) { return {Kind::text, std::move(text)}; }

ExportCell datetime_cell(EpochMs ms) {
  return {Kind::datetime, format_timestamp(ms), static_cast<double>(ms)};
}

// A field's value as an export cell; references and users are rendered by the caller.
ExportCell field_cell(const model::FieldDef& f, const Value& v) {
  switch (f.type) {
    case FieldType::integer:
      return {Kind::number, std::to_string(as_int(v)), static_cast<double>(as_int(v))};
    case FieldType::decimal:
      // The JSON spelling, so that the CSV writes what the API returns.
      return {Kind::number, json(as_double(v)).dump(), as_double(v)};
    case FieldType::boolean:
      return {Kind::boolean, as_int(v) != 0 ? "true" : "false", as_int(v) != 0 ? 1.0 : 0.0};
    case FieldType::date: {
      std::string text = as_text(v);
      if (!is_valid_date(text)) return text_cell(std::move(text));
      const double days = static_cast<double>(date_to_days(text));
      return {Kind::date, std::move(text), days};
    }
    case FieldType::datetime:
      return datetime_cell(as_int(v));
    case FieldType::duration:
      return {Kind::duration, format_duration(as_int(v)), static_cast<double>(as_int(v))};
    case FieldType::enumeration: {
      ExportCell cell = text_cell(as_text(v));
      if (const model::EnumValue* e = f.enum_value(cell.text)) {
        cell.kind = Kind::choice;
        cell.label = &e->label;
      }
      return cell;
    }
    case FieldType::json: {
      const json j = encode_field(f, v);
      if (j.is_null()) return ExportCell{};
      return text_cell(j.is_string() ? j.get<std::string>() : j.dump());
    }
    default:
      return text_cell(as_text(v));
  }
}

std::string csv_cell(std::string text) {
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' || text[0] == '\t' ||
                        text[0] == '\r'))
    text = "'" + text;
  bool quote = text.find_first_of(",\"\r\n") != std::string::npos;
  if (!quote) return text;
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

}  // namespace

void RecordService::export_cells(const Principal& p, const model::TypeDef& t, const std::vector<Record>& records,
                                 const std::function<void(const std::vector<ExportCell>&)>& row) {
  const size_t system_columns = 4;
  std::vector<ExportCell> cells(system_columns + t.fields.size());
  constexpr size_t kChunk = 500;
  for (size_t start = 0; start < records.size(); start += kChunk) {
    const Record* begin = records.data() + start;
    const Record* end = records.data() + std::min(records.size(), start + kChunk);
    const ReferenceLabels labels = reference_labels(p, t, begin, end);
    for (const Record* r = begin; r != end; ++r) {
      cells[0] = text_cell(r->number);
      cells[1] = ExportCell{};
      if (!r->state.empty()) {
        cells[1] = text_cell(r->state);
        if (const model::StateDef* s = t.lifecycle ? t.lifecycle->state(r->state) : nullptr) {
          cells[1].kind = Kind::choice;
          cells[1].label = &s->label;
        }
      }
      cells[2] = datetime_cell(r->created_at);
      cells[3] = datetime_cell(r->updated_at);
      for (size_t i = 0; i < t.fields.size(); ++i) {
        const model::FieldDef& f = t.fields[i];
        const Value& v = r->get(f);
        ExportCell& cell = cells[system_columns + i];
        if (is_null(v)) {
          cell = ExportCell{};
        } else if (f.type == FieldType::user) {
          const std::string* name = labels.user(as_int(v));
          cell = name ? text_cell(*name) : ExportCell{Kind::number, std::to_string(as_int(v)), double(as_int(v))};
        } else if (f.is_reference()) {
          const store::RecordLabel* label = labels.record(catalogue_, f, as_int(v));
          cell = label ? text_cell(label->number)
                       : ExportCell{Kind::number, std::to_string(as_int(v)), double(as_int(v))};
        } else {
          cell = field_cell(f, v);
        }
      }
      row(cells);
    }
  }
}

std::string RecordService::to_csv(const Principal& p, const std::vector<Record>& records) {
  std::string out = "\xEF\xBB\xBF";
  if (records.empty()) return out + "number,state,created_at,updated_at\r\n";
  const model::TypeDef& t = *records.front().type;
  const std::vector<ExportColumn> columns = export_columns(t);
  for (size_t i = 0; i < columns.size(); ++i) out += (i ? "," : "") + csv_cell(columns[i].name);
  out += "\r\n";
  export_cells(p, t, records, [&](const std::vector<ExportCell>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + csv_cell(cells[i].text);
    out += "\r\n";
  });
  return out;
}

Status RecordService::journal_export(const Principal& p, const model::TypeDef& t,
                                     const std::vector<std::pair<std::string, std::string>>& query, size_t count,
                                     std::string_view format) {
  json params = json::array();  // pairs, in order: a repeated parameter keeps every value
  for (auto& [k, v] : query) params.push_back(json::array({k, v}));
  return db_.write([&](store::Connection& c) -> Status {
    store::journal_event(c, store::Actor{p.user_id, p.username, p.ip}, clock_.now_ms(), t.name, 0, "", "export",
                         json{{"query", params}, {"count", count}, {"format", format}}.dump());
    return ok_status();
  });
}

}  // namespace kanri::engine
