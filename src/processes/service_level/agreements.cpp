#include "processes/service_level/agreements.h"

#include <map>
#include <set>

#include "engine/refusals.h"
#include "processes/record_fields.h"
#include "processes/report_query.h"
#include "processes/service_level/threshold_actions.h"

namespace kanri::processes::service_level {

using json = nlohmann::json;

namespace {

constexpr std::int64_t kDay = 86'400'000;

std::optional<store::Record> find_ref(engine::WriteContext& w, const store::Record& r, const char* name,
                                      const char* type) {
  const model::TypeDef* t = w.catalogue.type(type);
  auto id = opt_int(r, name);
  if (!t || !id) return std::nullopt;
  return w.records->store().find(w.connection, *t, *id);
}

Status agreement_write(engine::WriteContext& w) {
  store::Record& r = w.after;
  std::vector<FieldError> errors;
  const std::string kind = text(r, "kind");
  // The party each kind is agreed with, and the organization kind that party must be.
  const char* party = kind == "sla" ? "customer" : "supplier";
  const char* party_kind = kind == "sla" ? "customer" : kind == "ola" ? "internal_supplier" : "supplier";
  auto org = find_ref(w, r, party, "organization");
  if (!org)
    errors.push_back({party, "agreement.party_required", {{"kind", kind}}});
  else if (text(*org, "kind") != party_kind)
    errors.push_back({party, "agreement.party_kind", {{"kind", kind}, {"expected", party_kind}}});
  if (!text(r, "valid_from").empty() && !text(r, "valid_to").empty() && text(r, "valid_to") < text(r, "valid_from"))
    errors.push_back({"valid_to", "agreement.validity", {}});
  if (!errors.empty()) return Error::invalid(std::move(errors));

  if (w.action == "transition:submit") set(r, "submitted_by", w.principal.user_id ? Value(*w.principal.user_id) : Value());
  if (w.action == "transition:approve") {
    // Four eyes: the one who submitted the change does not approve it.
    if (w.principal.user_id && opt_int(r, "submitted_by") == w.principal.user_id)
      return Error::of(ErrorKind::forbidden, "agreement.self_approval");
    set(r, "approved_by", w.principal.user_id ? Value(*w.principal.user_id) : Value());
    set(r, "approved_on", days_to_date(w.now / kDay));
    set(r, "agreement_version", opt_int(r, "agreement_version").value_or(0) + 1);
  }
  return ok_status();
}

// "Resolution p1: 4 h", "Availability: 99.9 % per month": the target at a glance.
std::string summary_of(const store::Record& r, const model::TypeDef& t) {
  const std::string metric = text(r, "metric");
  const model::FieldDef* m = t.field("metric");
  const model::EnumValue* v = m ? m->enum_value(metric) : nullptr;
  std::string out = v ? v->label.in("en") : metric;
  if (!text(r, "priority").empty()) out += " " + text(r, "priority");
  if (text(r, "applies_to") == "service_request") out += " (requests)";
  if (auto ms = opt_int(r, "target_time")) out += ": " + readable_duration(*ms);
  const Value& pct = field(r, "availability_percent");
  if (!is_null(pct)) out += ": " + json(as_double(pct)).dump() + " %";
  if (auto n = opt_int(r, "workload_limit")) out += ": " + std::to_string(*n);
  if (!text(r, "period").empty()) out += " per " + text(r, "period");
  return out;
}

Status target_write(engine::WriteContext& w) {
  store::Record& r = w.after;
  auto agreement = find_ref(w, r, "agreement", "agreement");
  if (!agreement) return Error::invalid({{"agreement", "field.required", {}}});
  // Only a draft's targets change: what is in force was reviewed and approved as it is.
  if (agreement->state != "draft" || (w.before && opt_int(*w.before, "agreement") != opt_int(r, "agreement") &&
                                      [&] {
                                        auto old = find_ref(w, *w.before, "agreement", "agreement");
                                        return old && old->state != "draft";
                                      }()))
    return Error::of(ErrorKind::conflict, "target.agreement_not_draft", {{"agreement", agreement->number}});
  set(r, "organization", agreement->org_id ? Value(*agreement->org_id) : Value());
  r.org_id = agreement->org_id;

  const std::string metric = text(r, "metric");
  const bool timed = metric == "response" || metric == "resolution";
  std::vector<FieldError> errors;
  auto need = [&](const char* name, bool wanted) {
    const bool has = !is_null(field(r, name));
    if (wanted && !has) errors.push_back({name, "target.needed_for", {{"metric", metric}}});
    if (!wanted && has) errors.push_back({name, "target.not_for", {{"metric", metric}}});
  };
  need("target_time", timed);
  need("availability_percent", metric == "availability");
  need("workload_limit", metric == "workload");
  need("period", metric == "availability" || metric == "workload");
  const Value& pct = field(r, "availability_percent");
  if (!is_null(pct) && (as_double(pct) <= 0 || as_double(pct) > 100))
    errors.push_back({"availability_percent", "target.percent_range", {}});
  if (auto ms = opt_int(r, "target_time"); ms && *ms <= 0) errors.push_back({"target_time", "target.positive", {}});
  if (auto n = opt_int(r, "workload_limit"); n && *n <= 0) errors.push_back({"workload_limit", "target.positive", {}});
  if (!is_null(field(r, "request_type")) && text(r, "applies_to") != "service_request")
    errors.push_back({"request_type", "target.request_type_for_requests", {}});
  if (!errors.empty()) return Error::invalid(std::move(errors));
  if (const std::string actions = text(r, "threshold_actions"); !actions.empty()) {
    if (!timed) return Error::invalid({{"threshold_actions", "target.not_for", {{"metric", metric}}}});
    auto checked = read_threshold_actions(w.connection, *w.records, json::parse(actions, nullptr, false));
    if (!checked) return checked.take_error();
  }
  set(r, "summary", summary_of(r, *r.type));
  return ok_status();
}

}  // namespace

void register_agreement_rules(engine::RuleRegistry& rules) {
  rules.add_write_rule("agreement", agreement_write);
  rules.add_write_rule("service_level_target", target_write);
  // Deleting is not a write the rules see: the same draft-only rule, in the deleting transaction.
  rules.add_observer("service_level_target", [](const engine::RecordChange& ch) -> Status {
    if (ch.action != "delete" || !ch.records) return ok_status();
    const model::TypeDef* t = ch.records->catalogue().type("agreement");
    auto id = opt_int(ch.record, "agreement");
    if (!t || !id) return ok_status();
    auto agreement = ch.records->store().find(ch.connection, *t, *id);
    if (agreement && agreement->state != "draft")
      return Error::of(ErrorKind::conflict, "target.agreement_not_draft", {{"agreement", agreement->number}});
    return ok_status();
  });
}

Result<json> agreement_chain_report(engine::RecordService& records, const engine::Principal& p,
                                    const std::vector<std::pair<std::string, std::string>>& query, EpochMs) {
  const model::Catalogue& cat = records.catalogue();
  const model::TypeDef* agreement_t = cat.type("agreement");
  const model::TypeDef* target_t = cat.type("service_level_target");
  if (!agreement_t || !target_t) return Error::of(ErrorKind::not_found, "report.unavailable", {{"type", "agreement"}});
  if (p.scope(agreement_t->name, "read") == engine::Scope::none) return engine::access_denied("read", *agreement_t);
  std::optional<std::int64_t> only_service;
  for (auto& [k, v] : query) {
    if (k != "service") return bad_report_parameter(k, "query.unknown_parameter_of", {{"allowed", "service"}});
    const model::TypeDef* service_t = cat.type("service");
    auto s = service_t ? records.get(p, *service_t, v) : Result<store::Record>(Error::of(ErrorKind::not_found, ""));
    if (!s) return bad_report_parameter("service", "report.service", {{"value", v}});
    only_service = s->id;
  }
  auto active = read_all(records, p, *agreement_t, {{"state", "active"}});
  if (!active) return active.take_error();
  // The services each active agreement covers, and its targets.
  struct Covered {
    const store::Record* agreement;
    std::vector<store::Record> targets;
  };
  std::map<std::int64_t, std::vector<Covered>> by_service;
  std::map<std::int64_t, json> services;
  for (auto& a : *active) {
    auto links = records.links(p, *agreement_t, std::to_string(a.id));
    if (!links) continue;
    auto targets = read_all(records, p, *target_t, {{"agreement", std::to_string(a.id)}});
    if (!targets) return targets.take_error();
    for (auto& l : *links) {
      if (!l.outgoing || l.link.relation != "covers" || (only_service && l.other_id != *only_service)) continue;
      by_service[l.other_id].push_back({&a, *targets});
      services[l.other_id] = {{"id", l.other_id}, {"number", l.other.number}, {"display", l.other.display}};
    }
  }
  auto ref = [](const store::Record& r) {
    return json{{"id", r.id}, {"number", r.number}, {"display", text(r, "title").empty() ? text(r, "summary") : text(r, "title")}};
  };
  json findings = json::array();
  std::int64_t checked = 0;
  for (auto& [service, covered] : by_service) {
    for (auto& customer : covered) {
      if (text(*customer.agreement, "kind") != "sla") continue;
      for (auto& want : customer.targets) {
        const std::string metric = text(want, "metric");
        if (metric == "workload") continue;
        ++checked;
        // A supporting agreement that sets this measure for these tickets is expected to set it
        // for this priority too; one that does not set the measure at all leaves it with the
        // provider (a contract for availability only says nothing about resolution times).
        bool addressed = false, supported = false;
        for (auto& supplier : covered) {
          if (text(*supplier.agreement, "kind") == "sla") continue;
          for (auto& give : supplier.targets) {
            // The same measure for the same tickets; a supporting target without a priority
            // covers every priority.
            if (text(give, "metric") != metric || text(give, "applies_to") != text(want, "applies_to")) continue;
            addressed = true;
            if (!text(give, "priority").empty() && text(give, "priority") != text(want, "priority")) continue;
            supported = true;
            std::string problem;
            if (metric == "availability") {
              if (as_double(field(give, "availability_percent")) < as_double(field(want, "availability_percent")))
                problem = "lower_availability";
            } else if (opt_int(give, "target_time").value_or(0) > opt_int(want, "target_time").value_or(0)) {
              problem = "longer_time";
            }
            if (problem.empty()) continue;
            findings.push_back({{"service", services[service]},
                                {"problem", problem},
                                {"metric", metric},
                                {"priority", text(want, "priority").empty() ? json() : json(text(want, "priority"))},
                                {"customer_agreement", ref(*customer.agreement)},
                                {"customer_target", ref(want)},
                                {"supporting_agreement", ref(*supplier.agreement)},
                                {"supporting_target", ref(give)}});
          }
        }
        if (addressed && !supported)
          findings.push_back({{"service", services[service]},
                              {"problem", "unsupported"},
                              {"metric", metric},
                              {"priority", text(want, "priority").empty() ? json() : json(text(want, "priority"))},
                              {"customer_agreement", ref(*customer.agreement)},
                              {"customer_target", ref(want)},
                              {"supporting_agreement", nullptr},
                              {"supporting_target", nullptr}});
      }
    }
  }
  return json{{"services", by_service.size()}, {"targets_checked", checked}, {"findings", findings}};
}

}  // namespace kanri::processes::service_level
