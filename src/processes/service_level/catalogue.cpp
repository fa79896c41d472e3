#include "processes/service_level/catalogue.h"

#include <map>
#include <set>

#include "engine/refusals.h"
#include "processes/record_fields.h"
#include "processes/report_query.h"
#include "store/links.h"

namespace kanri::processes::service_level {

using json = nlohmann::json;

namespace {

json ref_json(std::int64_t id, const store::RecordLabel& l) {
  return {{"id", id}, {"number", l.number}, {"display", l.display}};
}

// The other ends of `links` (by their source ids), as labels p may read.
std::map<std::int64_t, json> targets_by_source(engine::RecordService& records, const engine::Principal& p,
                                               const std::vector<store::Link>& links, const model::TypeDef& target,
                                               bool by_target = false) {
  std::vector<std::int64_t> ids;
  for (auto& l : links) ids.push_back(by_target ? l.from_id : l.to_id);
  auto labels = records.labels(p, target, ids);
  std::map<std::int64_t, json> out;
  for (auto& l : links) {
    const std::int64_t key = by_target ? l.to_id : l.from_id, other = by_target ? l.from_id : l.to_id;
    auto it = labels.find(other);
    if (it == labels.end()) continue;
    auto& list = out[key];
    if (list.is_null()) list = json::array();
    list.push_back(ref_json(other, it->second));
  }
  return out;
}

json provider_view(engine::RecordService& records, const engine::Principal& p, const model::TypeDef& service_t,
                   std::vector<store::Record> services) {
  const model::Catalogue& cat = records.catalogue();
  std::vector<store::Link> serves, depends, covers;
  records.database().read([&](store::Connection& c) {
    serves = store::links_of_relation(c, service_t.name, "serves");
    depends = store::links_of_relation(c, service_t.name, "depends_on");
    if (cat.type("agreement")) covers = store::links_of_relation(c, "agreement", "covers");
  });
  std::map<std::int64_t, json> customers, dependencies, agreements;
  if (const model::TypeDef* org_t = cat.type("organization")) customers = targets_by_source(records, p, serves, *org_t);
  dependencies = targets_by_source(records, p, depends, service_t);
  if (const model::TypeDef* agreement_t = cat.type("agreement"))
    agreements = targets_by_source(records, p, covers, *agreement_t, true);
  json out = json::array();
  json shown = records.to_json(p, services);
  for (std::size_t i = 0; i < services.size(); ++i) {
    json s = shown[i];
    const std::int64_t id = services[i].id;
    s["customers"] = customers.count(id) ? customers[id] : json::array();
    s["depends_on"] = dependencies.count(id) ? dependencies[id] : json::array();
    s["agreements"] = agreements.count(id) ? agreements[id] : json::array();
    out.push_back(std::move(s));
  }
  return out;
}

// What a customer sees of a service's calendar: its name and zone.
json calendar_json(store::Connection& c, engine::RecordService& records, const store::Record& service) {
  const model::TypeDef* t = records.catalogue().type("business_calendar");
  auto id = opt_int(service, "service_hours");
  if (!t || !id) return nullptr;
  auto cal = records.store().find(c, *t, *id);
  if (!cal || cal->deleted_at) return nullptr;
  return {{"number", cal->number}, {"name", text(*cal, "name")}, {"time_zone", text(*cal, "time_zone")}};
}

// Of `ids` of `t`, those `p` may read; every one for a customer's own view (`as_customer`),
// whose parts are shown to them whoever provides them.
std::set<std::int64_t> readable(engine::RecordService& records, const engine::Principal& p, bool as_customer,
                                const model::TypeDef& t, const std::set<std::int64_t>& ids) {
  if (as_customer) return ids;
  std::set<std::int64_t> out;
  for (auto& [id, _] : records.labels(p, t, std::vector<std::int64_t>(ids.begin(), ids.end()))) out.insert(id);
  return out;
}

json customer_view(engine::RecordService& records, const engine::Principal& p, bool as_customer,
                   const model::TypeDef& service_t, const std::set<std::int64_t>& orgs) {
  const model::Catalogue& cat = records.catalogue();
  const model::TypeDef* agreement_t = cat.type("agreement");
  const model::TypeDef* target_t = cat.type("service_level_target");
  // What serves the organizations and what covers it, in one query each; a provider user who
  // previews a customer's view sees only what they may read themselves.
  std::set<std::int64_t> served, agreement_ids;
  std::map<std::int64_t, std::vector<std::int64_t>> covering;  // service -> agreements
  records.database().read([&](store::Connection& c) {
    for (auto& l : store::links_of_relation(c, service_t.name, "serves"))
      if (orgs.count(l.to_id)) served.insert(l.from_id);
    if (agreement_t)
      for (auto& l : store::links_of_relation(c, agreement_t->name, "covers"))
        if (served.count(l.to_id)) {
          covering[l.to_id].push_back(l.from_id);
          agreement_ids.insert(l.from_id);
        }
  });
  served = readable(records, p, as_customer, service_t, served);
  if (agreement_t) agreement_ids = readable(records, p, as_customer, *agreement_t, agreement_ids);
  json out = json::array();
  std::map<std::size_t, std::int64_t> calendars;  // row -> its service hours' calendar
  records.database().read([&](store::Connection& c) {
    for (std::int64_t id : served) {
      auto s = records.store().find(c, service_t, id);
      if (!s || s->deleted_at || s->state != "live") continue;
      json row{{"number", s->number}};
      for (auto& name : kCustomerServiceFields) {
        const model::FieldDef* f = service_t.field(name);
        if (!f) continue;
        if (name == "service_hours") {
          row[name] = calendar_json(c, records, *s);
          if (auto cal = opt_int(*s, "service_hours"); cal && !row[name].is_null()) calendars[out.size()] = *cal;
        }
        else row[name] = is_null(s->get(*f)) ? json() : json(as_text(s->get(*f)));
      }
      row["agreements"] = json::array();
      for (std::int64_t a_id : covering[id]) {
        if (!agreement_ids.count(a_id)) continue;
        auto a = records.store().find(c, *agreement_t, a_id);
        // Only what this customer agreed, and only what is in force.
        if (!a || a->deleted_at || a->state != "active" || text(*a, "kind") != "sla") continue;
        auto customer = opt_int(*a, "customer");
        if (!customer || !orgs.count(*customer)) continue;
        json targets = json::array();
        if (target_t) {
          store::ListQuery q;
          q.where = {store::Condition{"agreement", store::Condition::Op::eq, {Value(a->id)}}};
          q.limit = 500;
          for (auto& t : records.store().list(c, *target_t, q).records)
            targets.push_back({{"summary", text(t, "summary")},
                               {"metric", text(t, "metric")},
                               {"priority", text(t, "priority").empty() ? json() : json(text(t, "priority"))},
                               {"applies_to", text(t, "applies_to")}});
        }
        auto value_or_null = [&](const char* name) { return text(*a, name).empty() ? json() : json(text(*a, name)); };
        row["agreements"].push_back({{"number", a->number},
                                     {"title", text(*a, "title")},
                                     {"valid_from", value_or_null("valid_from")},
                                     {"valid_to", value_or_null("valid_to")},
                                     {"version", opt_int(*a, "agreement_version").value_or(0)},
                                     {"targets", targets}});
      }
      out.push_back(std::move(row));
    }
  });
  const model::TypeDef* calendar_t = cat.type("business_calendar");
  if (!as_customer && calendar_t) {
    std::set<std::int64_t> ids;
    for (auto& [_, cal] : calendars) ids.insert(cal);
    std::set<std::int64_t> shown = readable(records, p, false, *calendar_t, ids);
    for (auto& [row, cal] : calendars)
      if (!shown.count(cal)) out[row]["service_hours"] = nullptr;
  }
  return out;
}

}  // namespace

Result<json> service_catalogue(engine::RecordService& records, const engine::Principal& p,
                               const std::vector<std::pair<std::string, std::string>>& query, EpochMs) {
  const model::Catalogue& cat = records.catalogue();
  const model::TypeDef* service_t = cat.type("service");
  const model::TypeDef* org_t = cat.type("organization");
  if (!service_t || !org_t) return Error::of(ErrorKind::not_found, "report.unavailable", {{"type", "service"}});
  if (p.scope(service_t->name, "read") == engine::Scope::none) return engine::access_denied("read", *service_t);
  const bool customer = p.kind == "requester";
  std::optional<store::Record> asked;
  for (auto& [k, v] : query) {
    if (k != "organization") return bad_report_parameter(k, "query.unknown_parameter_of", {{"allowed", "organization"}});
    auto org = records.get(p, *org_t, v);
    // A requester finds only their own organizations, so another's is not found.
    if (!org || (customer && !p.in_org(org->id))) return bad_report_parameter("organization", "catalogue.organization", {{"value", v}});
    asked = std::move(org.value());
  }
  if (!customer && !asked) {
    auto services = read_all(records, p, *service_t, {});
    if (!services) return services.take_error();
    return json{{"audience", "provider"}, {"services", provider_view(records, p, *service_t, std::move(*services))}};
  }
  std::set<std::int64_t> orgs;
  if (asked) orgs.insert(asked->id);
  else orgs.insert(p.orgs.begin(), p.orgs.end());
  std::vector<std::int64_t> ids(orgs.begin(), orgs.end());
  json shown_orgs = json::array();
  for (auto& [id, label] : records.labels(p, *org_t, ids)) shown_orgs.push_back(ref_json(id, label));
  return json{{"audience", "customer"}, {"organizations", shown_orgs}, {"services", customer_view(records, p, customer, *service_t, orgs)}};
}

}  // namespace kanri::processes::service_level
