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

json RecordService::to_json(const Principal& p, const std::vector<Record>& records) {
  json out = json::array();
  if (records.empty()) return out;
  const model::TypeDef& t = *records.front().type;
  std::map<const model::TypeDef*, std::set<std::int64_t>> ref_ids;
  std::set<std::int64_t> user_ids;
  for (auto& r : records) {
    if (r.created_by) user_ids.insert(*r.created_by);
    if (r.updated_by) user_ids.insert(*r.updated_by);
    for (auto& f : t.fields) {
      const Value& v = r.get(f);
      if (is_null(v)) continue;
      if (f.type == FieldType::user) user_ids.insert(as_int(v));
      else if (f.is_reference()) ref_ids[catalogue_.type(f.target)].insert(as_int(v));
    }
  }
  std::map<const model::TypeDef*, std::map<std::int64_t, store::RecordLabel>> labels;
  std::map<std::int64_t, std::string> users;
  if (!ref_ids.empty() || !user_ids.empty()) {
    db_.read([&](store::Connection& c) {
      for (auto& [type, ids] : ref_ids) {
        Scope read = p.scope(type->name, "read");
        if (read != Scope::none)
          labels[type] = records_.labels(c, *type, {ids.begin(), ids.end()}, visibility(p, read, *type));
      }
      for (auto& [id, name] : store::user_names(c, {user_ids.begin(), user_ids.end()})) users[id] = name;
    });
  }
  auto user_json = [&](std::optional<std::int64_t> id) -> json {
    if (!id) return nullptr;
    auto it = users.find(*id);
    return {{"id", *id}, {"display", it == users.end() ? json(nullptr) : json(it->second)}};
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
        auto& m = labels[catalogue_.type(f.target)];
        auto it = m.find(as_int(v));
        j[f.name] = {{"id", as_int(v)},
                     {"number", it == m.end() ? json(nullptr) : json(it->second.number)},
                     {"display", it == m.end() ? json(nullptr) : json(it->second.display)}};
      } else {
        j[f.name] = encode_field(f, v);
      }
    }
    out.push_back(std::move(j));
  }
  return out;
}

namespace {

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

std::string csv_value(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_object() && v.contains("id")) {
    if (v.contains("number") && v["number"].is_string()) return v["number"].get<std::string>();
    if (v.contains("display") && v["display"].is_string()) return v["display"].get<std::string>();
    return v["id"].dump();
  }
  return v.dump();
}

}  // namespace

std::string RecordService::to_csv(const Principal& p, const std::vector<Record>& records) {
  std::vector<std::string> columns{"number", "state", "created_at", "updated_at"};
  if (!records.empty())
    for (auto& f : records.front().type->fields) columns.push_back(f.name);
  std::string out = "\xEF\xBB\xBF";
  for (size_t i = 0; i < columns.size(); ++i) out += (i ? "," : "") + csv_cell(columns[i]);
  out += "\r\n";
  // Rendered through to_json so that references the principal may not read stay hidden here too.
  for (size_t start = 0; start < records.size(); start += 500) {
    std::vector<Record> chunk(records.begin() + static_cast<std::ptrdiff_t>(start),
                              records.begin() + static_cast<std::ptrdiff_t>(std::min(records.size(), start + 500)));
    for (auto& row : to_json(p, chunk)) {
      for (size_t i = 0; i < columns.size(); ++i) out += (i ? "," : "") + csv_cell(csv_value(row[columns[i]]));
      out += "\r\n";
    }
  }
  return out;
}

Status RecordService::journal_export(const Principal& p, const model::TypeDef& t,
                                     const std::vector<std::pair<std::string, std::string>>& query, size_t count) {
  json params = json::array();  // pairs, in order: a repeated parameter keeps every value
  for (auto& [k, v] : query) params.push_back(json::array({k, v}));
  return db_.write([&](store::Connection& c) -> Status {
    store::journal_event(c, store::Actor{p.user_id, p.username, p.ip}, clock_.now_ms(), t.name, 0, "", "export",
                         json{{"query", params}, {"count", count}}.dump());
    return ok_status();
  });
}

}  // namespace kanri::engine
