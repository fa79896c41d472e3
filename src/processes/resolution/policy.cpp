#include "processes/resolution/policy.h"

#include <fmt/format.h>

#include "engine/record_service.h"
#include "processes/record_fields.h"

namespace kanri::processes::resolution {

using json = nlohmann::json;

const json& default_priority_matrix() {
  static const json m = {{"high", {{"high", "p1"}, {"medium", "p2"}, {"low", "p3"}}},
                         {"medium", {{"high", "p2"}, {"medium", "p3"}, {"low", "p4"}}},
                         {"low", {{"high", "p3"}, {"medium", "p4"}, {"low", "p4"}}}};
  return m;
}

const json& default_security_priority() {
  static const json m = {{"very_high", "p1"}, {"high", "p2"}, {"medium", "p3"}, {"low", "p4"}};
  return m;
}

std::string Policy::priority(const std::string& impact, const std::string& urgency) const {
  if (!matrix.is_object() || !matrix.contains(impact) || !matrix[impact].is_object()) return "";
  const json& row = matrix[impact];
  return row.contains(urgency) && row[urgency].is_string() ? row[urgency].get<std::string>() : "";
}

std::string Policy::security_priority(const std::string& risk) const {
  return security.is_object() && security.contains(risk) && security[risk].is_string() ? security[risk].get<std::string>()
                                                                                        : "";
}

namespace {

json parsed(const store::Record& r, const char* name) {
  std::string t = text(r, name);
  if (t.empty()) return json();
  return json::parse(t, nullptr, false);
}

}  // namespace

Policy active_policy(store::Connection& c, const store::RecordStore& records, const model::Catalogue& catalogue) {
  Policy p;
  const model::TypeDef* t = catalogue.type("resolution_policy");
  if (!t || !t->field("active")) return p;
  store::ListQuery q;
  q.where.push_back({"active", store::Condition::Op::eq, {Value(std::int64_t{1})}});
  q.sort.push_back({"id", false});
  q.limit = 1;
  store::ListPage page = records.list(c, *t, q);
  if (page.records.empty()) return p;
  const store::Record& r = page.records.front();
  p.record = r;
  if (json m = parsed(r, "priority_matrix"); m.is_object()) p.matrix = m;
  if (json s = parsed(r, "security_priority"); s.is_object()) p.security = s;
  if (auto after = opt_int(r, "auto_close_after"); after && *after > 0) p.auto_close_ms = *after;
  if (auto v = text(r, "major_priority"); !v.empty()) p.major_priority = v;
  p.major_critical_service = flag(r, "major_critical_service");
  p.major_users = opt_int(r, "major_users");
  if (auto v = text(r, "major_security_risk"); !v.empty()) p.major_security_risk = v;
  p.major_procedure = opt_int(r, "major_procedure");
  p.trend_min_incidents = static_cast<int>(opt_int(r, "trend_min_incidents").value_or(3));
  p.trend_window_days = static_cast<int>(opt_int(r, "trend_window_days").value_or(30));
  p.vip_group = text(r, "vip_group");
  return p;
}

std::shared_ptr<const Policy> PolicyCache::get(store::Connection& c, const store::RecordStore& records,
                                               const model::Catalogue& catalogue) {
  const model::TypeDef* t = catalogue.type("resolution_policy");
  if (!t || !t->field("active")) return std::make_shared<const Policy>();
  // The record active_policy() reads: the first active one by id.
  store::Rows rows = c.query(fmt::format("SELECT id, version, updated_at FROM {} WHERE deleted_at IS NULL AND "
                                         "\"active\" = 1 ORDER BY id LIMIT 1",
                                         t->table()));
  Key key;
  if (!rows.rows.empty())
    key = {as_int(rows.rows[0][0]), as_int(rows.rows[0][1]), as_int(rows.rows[0][2])};
  std::lock_guard lock(mutex_);
  if (key_ != key) {
    Policy fresh = active_policy(c, records, catalogue);
    fresh.record.reset();
    policy_ = std::make_shared<const Policy>(std::move(fresh));
    key_ = key;
  }
  return policy_;
}

namespace {

// Every name of `f`'s enum, or an empty list when the model lacks the field.
std::vector<std::string> enum_names(const model::TypeDef* t, const char* field_name) {
  std::vector<std::string> out;
  const model::FieldDef* f = t ? t->field(field_name) : nullptr;
  if (f)
    for (auto& v : f->values) out.push_back(v.name);
  return out;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

bool contains(const std::vector<std::string>& names, const std::string& n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

}  // namespace

void register_policy_rules(engine::RuleRegistry& rules) {
  rules.add_write_rule("resolution_policy", [](engine::WriteContext& w) -> Status {
    const model::TypeDef* incident = w.catalogue.type("incident");
    const auto levels = enum_names(incident, "impact"), urgencies = enum_names(incident, "urgency");
    const auto priorities = enum_names(incident, "priority"), risks = enum_names(incident, "security_risk");
    std::vector<FieldError> errors;
    json m = parsed(w.after, "priority_matrix");
    bool matrix_ok = m.is_object();
    for (auto& i : levels) {
      for (auto& u : urgencies) {
        const json* cell = matrix_ok && m.contains(i) && m[i].is_object() && m[i].contains(u) ? &m[i][u] : nullptr;
        if (!cell || !cell->is_string() || !contains(priorities, cell->get<std::string>())) matrix_ok = false;
      }
    }
    if (!matrix_ok)
      errors.push_back({"priority_matrix", "policy.matrix",
                        {{"impacts", joined(levels)}, {"urgencies", joined(urgencies)}, {"priorities", joined(priorities)}}});
    json s = parsed(w.after, "security_priority");
    bool security_ok = s.is_object();
    for (auto& r : risks)
      if (!security_ok || !s.contains(r) || !s[r].is_string() || !contains(priorities, s[r].get<std::string>()))
        security_ok = false;
    if (!security_ok)
      errors.push_back({"security_priority", "policy.security_priority",
                        {{"risks", joined(risks)}, {"priorities", joined(priorities)}}});
    if (!errors.empty()) return Error::invalid(std::move(errors));
    // One policy applies: activating one deactivates the one before (journaled on it).
    if (flag(w.after, "active") && (!w.before || !flag(*w.before, "active"))) {
      Policy current = active_policy(w.connection, w.records->store(), w.catalogue);
      if (current.record && current.record->id != w.after.id) {
        auto off = w.records->change_within(w.connection, w.principal, *current.record, json{{"active", false}}, "update");
        if (!off) return off.take_error();
      }
    }
    return ok_status();
  });
}

}  // namespace kanri::processes::resolution
