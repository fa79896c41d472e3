// Records as the API shows them: references with number and name, resolved per page.
#include <set>

#include <nlohmann/json.hpp>

#include "engine/field_codec.h"
#include "engine/record_service.h"
#include "store/accounts.h"

namespace kanri::engine {

using nlohmann::json;
using model::FieldType;

json RecordService::to_json(const Record& record) { return to_json(std::vector<Record>{record})[0]; }

json RecordService::to_json(const std::vector<Record>& records) {
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
      for (auto& [type, ids] : ref_ids) labels[type] = records_.labels(c, *type, {ids.begin(), ids.end()});
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

}  // namespace kanri::engine
