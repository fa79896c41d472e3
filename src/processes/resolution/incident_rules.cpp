// Incidents (ISO/IEC 20000-1 8.6.1): priority from the policy's matrix (a security incident's
// from its risk level), a manual priority only with a reason, tier and reassignment counts,
// escalations with a reason, major-incident criteria, declaration and the report and review
// before closure, closure only on the reporter's confirmation or after the policy's days
// without a reply.
#include <algorithm>
#include <memory>
#include <sstream>

#include "core/text.h"
#include "engine/record_service.h"
#include "jobs/events.h"
#include "processes/record_fields.h"
#include "processes/resolution/policy.h"
#include "processes/resolution/resolution.h"
#include "store/jobs.h"

namespace kanri::processes::resolution {

using json = nlohmann::json;

namespace {

std::string auto_close_key(std::int64_t id) { return "incident:" + std::to_string(id) + ":auto_close"; }

std::optional<store::Record> find_ref(engine::RecordService& records, store::Connection& c,
                                      const model::Catalogue& catalogue, const store::Record& r, const char* name) {
  const model::FieldDef* f = r.type->field(name);
  if (!f || is_null(r.get(*f))) return std::nullopt;
  const model::TypeDef* target = catalogue.type(f->target);
  if (!target) return std::nullopt;
  return records.store().find(c, *target, as_int(r.get(*f)));
}

// The review a major incident needs before it closes (8.6.1: reported and reviewed to identify
// opportunities for improvement).
const char* const kReviewFields[] = {"review_timeline", "review_cause", "review_impact", "review_actions",
                                     "review_improvements", "reviewed_on"};

std::vector<FieldError> missing_review(const store::Record& r) {
  std::vector<FieldError> errors;
  if (!flag(r, "major")) return errors;
  for (const char* name : kReviewFields)
    if (text(r, name).empty()) errors.push_back({name, "incident.major_review_required", {}});
  return errors;
}

int risk_rank(const std::string& risk) {
  if (risk == "very_high") return 4;
  if (risk == "high") return 3;
  if (risk == "medium") return 2;
  if (risk == "low") return 1;
  return 0;
}

// Sets priority, from the override, the security risk or the matrix; errors for what is missing.
void prioritize(engine::WriteContext& w, const Policy& policy, std::vector<FieldError>& errors) {
  store::Record& r = w.after;
  if (w.action == "import" && w.sent("priority")) return;  // an imported ticket keeps its recorded priority
  std::string priority;
  if (flag(r, "security")) {
    const std::string risk = text(r, "security_risk");
    if (risk.empty()) errors.push_back({"security_risk", "incident.security_risk_required", {}});
    else priority = policy.security_priority(risk);
  } else {
    priority = policy.priority(text(r, "impact"), text(r, "urgency"));
  }
  const std::string override_priority = text(r, "priority_override");
  if (!override_priority.empty()) {
    // Each manual priority carries its own reason, given with it.
    const bool new_override = changed(w.before, r, "priority_override");
    if (new_override && (!w.sent("priority_reason") || text(r, "priority_reason").empty()))
      errors.push_back({"priority_reason", "incident.override_reason", {}});
    priority = override_priority;
  }
  set(r, "priority", priority.empty() ? Value() : Value(priority));
}

// Why the incident meets the policy's major-incident criteria (empty: it does not).
json major_reasons(engine::WriteContext& w, const Policy& policy) {
  const store::Record& r = w.after;
  json reasons = json::array();
  const std::string priority = text(r, "priority");
  if (!priority.empty() && priority <= policy.major_priority) reasons.push_back("priority");
  if (policy.major_critical_service) {
    auto service = find_ref(*w.records, w.connection, w.catalogue, r, "service");
    if (service && text(*service, "criticality") == "critical") reasons.push_back("critical_service");
  }
  if (auto users = opt_int(r, "users_affected"); users && policy.major_users && *users > *policy.major_users)
    reasons.push_back("users_affected");
  if (flag(r, "security") && risk_rank(text(r, "security_risk")) >= risk_rank(policy.major_security_risk))
    reasons.push_back("security_risk");
  return reasons;
}

Status incident_write(engine::WriteContext& w, PolicyCache& policies) {
  store::Record& r = w.after;
  const std::string& a = w.action;
  const bool creating = !w.before;
  const std::shared_ptr<const Policy> in_force = policies.get(w.connection, w.records->store(), w.catalogue);
  const Policy& policy = *in_force;
  std::vector<FieldError> errors;

  if (creating) {
    if (is_null(field(r, "reporter")) && text(r, "caller").empty() && w.principal.user_id)
      set(r, "reporter", *w.principal.user_id);
    if (is_null(field(r, "opened_at"))) set(r, "opened_at", w.now);
    if (!w.sent("channel") && w.principal.has_role("requester")) set(r, "channel", std::string("portal"));
  }
  prioritize(w, policy, errors);

  // The group decides the tier; moving a ticket between groups or people is a reassignment.
  if (changed(w.before, r, "group")) {
    auto group = find_ref(*w.records, w.connection, w.catalogue, r, "group");
    set(r, "support_tier", group ? field(*group, "tier") : Value());
    if (w.before && !is_null(field(*w.before, "group")) && a != "import")
      set(r, "reassignment_count", opt_int(r, "reassignment_count").value_or(0) + 1);
  } else if (w.before && changed(w.before, r, "assignee") && !is_null(field(*w.before, "assignee"))) {
    set(r, "reassignment_count", opt_int(r, "reassignment_count").value_or(0) + 1);
  }

  if (a == "transition:escalate" || a == "transition:escalate_manager")
    set(r, "escalation_count", opt_int(r, "escalation_count").value_or(0) + 1);
  if (a == "transition:resolve") {
    set(r, "resolved_at", w.now);
    set(r, "resolved_by", w.principal.user_id ? Value(*w.principal.user_id) : Value());
    if (text(r, "resolution_code") == "workaround") set(r, "workaround_used", std::int64_t{1});
    const bool first = opt_int(r, "escalation_count").value_or(0) == 0 &&
                       opt_int(r, "reassignment_count").value_or(0) == 0 && opt_int(r, "support_tier").value_or(1) <= 1;
    set(r, "first_contact", std::int64_t{first ? 1 : 0});
  }
  if (a == "transition:reopen") {
    set(r, "reopen_count", opt_int(r, "reopen_count").value_or(0) + 1);
    set(r, "resolved_at", Value());
    set(r, "resolved_by", Value());
    set(r, "first_contact", Value());
  }
  if (a == "transition:confirm") {
    // The reporter confirms; anyone else records how the reporter agreed (the close transition).
    const std::optional<std::int64_t> reporter = opt_int(r, "reporter");
    const std::optional<std::int64_t> who = reporter ? reporter : r.created_by;
    if (!w.principal.is_system() && (!w.principal.user_id || who != w.principal.user_id))
      return Error::of(ErrorKind::forbidden, "incident.confirm_by_reporter");
    set(r, "confirmation", std::string("reporter"));
  }
  if (a == "transition:close") set(r, "confirmation", std::string("recorded"));
  if (a == "transition:confirm" || a == "transition:close") {
    auto review = missing_review(r);
    errors.insert(errors.end(), review.begin(), review.end());
    set(r, "closed_at", w.now);
  }

  // Candidates are judged while the incident can still be declared major; afterwards the flag
  // stays as it was (the report counts candidates), and history imported closed gets none.
  const model::TransitionDef* declare = r.type->lifecycle ? r.type->lifecycle->transition("declare_major") : nullptr;
  const bool declarable = declare && (declare->from.empty() || std::find(declare->from.begin(), declare->from.end(),
                                                                         r.state) != declare->from.end());
  if (!flag(r, "major") && declarable) {
    json reasons = major_reasons(w, policy);
    set(r, "major_candidate", std::int64_t{reasons.empty() ? 0 : 1});
    set(r, "major_reasons", reasons.empty() ? Value() : Value(reasons.dump()));
  }
  if (!errors.empty()) return Error::invalid(std::move(errors));
  return ok_status();
}

// A major incident gets its manager (required by the transition), the procedure and the time.
Status declare_major(engine::TransitionContext& ctx, PolicyCache& policies) {
  if (flag(ctx.before, "major")) return Error::of(ErrorKind::conflict, "incident.already_major");
  const auto policy = policies.get(ctx.connection, ctx.records->store(), ctx.catalogue);
  if (!policy->major_procedure) return Error::of(ErrorKind::conflict, "incident.major_procedure_missing");
  set(ctx.after, "major", std::int64_t{1});
  set(ctx.after, "major_declared_at", ctx.now);
  set(ctx.after, "major_procedure", *policy->major_procedure);
  return ok_status();
}

Status escalate(engine::TransitionContext& ctx) {
  if (field(ctx.before, "group") == field(ctx.after, "group"))
    return Error::invalid({{"group", "incident.escalate_same_group", {}}});
  return ok_status();
}

// Tells top management (the major_incident subscriptions) at declaration, at each update for
// management and at resolution; each notification is kept in the outbox as evidence.
void tell_management(const engine::RecordChange& ch, const char* stage) {
  const store::Record& r = ch.record;
  jobs::Event e{"major_incident", r.type->name, r.id, r.org_id, ch.principal.user_id, ch.principal.username};
  e.data["major"] = {{"stage", stage}, {stage, true}, {"update", text(r, "major_update")}, {"priority", text(r, "priority")}};
  e.data["changes"] = ch.changes;
  jobs::emit_event(ch.connection, e, ch.at);
}

Status incident_changed(const engine::RecordChange& ch, PolicyCache& policies) {
  const store::Record& r = ch.record;
  const std::string& a = ch.action;
  if (a == "transition:resolve") {
    const auto policy = policies.get(ch.connection, ch.records->store(), ch.records->catalogue());
    store::JobSpec close{kAutoCloseJob, json{{"incident_id", r.id}}, ch.at + policy->auto_close_ms,
                         auto_close_key(r.id), r.org_id, 8};
    store::schedule_job(ch.connection, close, ch.at);
  } else if (a == "transition:reopen" || a == "transition:confirm" || a == "transition:close" || a == "delete" ||
             a == "transition:reclassify" || a == "closed_with_problem" || a == "auto_close") {
    store::cancel_job(ch.connection, auto_close_key(r.id), ch.at);
  }
  if (!flag(r, "major")) return ok_status();
  if (a == "transition:declare_major") tell_management(ch, "declared");
  else if (a == "transition:resolve") tell_management(ch, "resolved");
  else if (ch.changes.contains("major_update")) tell_management(ch, "updated");
  // The review's improvement opportunities become records others track.
  const bool closed = a == "transition:confirm" || a == "transition:close" || a == "auto_close";
  const model::TypeDef* improvement = ch.records->catalogue().type("improvement");
  if (closed && improvement) {
    std::istringstream lines(text(r, "review_improvements"));
    std::string line;
    while (std::getline(lines, line)) {
      // Bullets are not part of the title: ASCII ones and the Japanese middle dot.
      for (bool again = true; again;) {
        again = false;
        auto begin = line.find_first_not_of(" \t\r-*");
        line = begin == std::string::npos ? "" : line.substr(begin);
        if (line.rfind("・", 0) == 0) {
          line = line.substr(std::string("・").size());
          again = true;
        }
      }
      while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
      if (line.empty()) continue;
      line = utf8_prefix(line, 300);
      json body{{"title", line}, {"source", "major_incident"}, {"source_number", r.number}};
      if (!is_null(field(r, "service"))) body["service"] = as_int(field(r, "service"));
      if (r.org_id) body["organization"] = *r.org_id;
      auto made = ch.records->create_within(ch.connection, ch.principal, *improvement, body, engine::Scope::all);
      if (!made) return made.take_error();
    }
  }
  return ok_status();
}

}  // namespace

void register_incident_rules(engine::RuleRegistry& rules, std::shared_ptr<PolicyCache> policies) {
  rules.add_write_rule("incident", [policies](engine::WriteContext& w) { return incident_write(w, *policies); });
  rules.add_hook("incident_declare_major", [policies](engine::TransitionContext& ctx) { return declare_major(ctx, *policies); });
  rules.add_hook("incident_escalate", escalate);
  rules.add_observer("incident", [policies](const engine::RecordChange& ch) { return incident_changed(ch, *policies); });
}

void register_incident_jobs(jobs::Registry& registry, engine::RecordService& records) {
  // Closes a resolved incident the reporter did not answer within the policy's days, as the
  // system, journaled as auto_close. A major incident without its review stays resolved.
  registry.add(kAutoCloseJob, jobs::KindDef{[&records](jobs::JobContext& ctx) -> jobs::Outcome {
    const model::TypeDef* t = records.catalogue().type("incident");
    if (!t) return jobs::Outcome::done();
    const std::int64_t id = ctx.job.payload.value("incident_id", std::int64_t{0});
    Status s = ctx.finish_with([&](store::Connection& c) -> Status {
      auto r = records.store().find(c, *t, id);
      if (!r || r->deleted_at || r->state != "resolved" || !missing_review(*r).empty()) return ok_status();
      json fields{{"confirmation", "auto"}, {"closed_at", format_timestamp(ctx.clock.now_ms())}};
      auto closed = records.change_within(c, engine::Principal::system(), *r, fields, "auto_close", "closed");
      return closed ? ok_status() : closed.take_error();
    });
    return s ? jobs::Outcome::done() : jobs::Outcome::retry(s.error().code);
  }});
}

}  // namespace kanri::processes::resolution
