// Problems, known errors and the incident trend analysis (ISO/IEC 20000-1 8.6.3): a problem
// raised from incidents takes what it lacks from the first and is linked to all; recording a
// known error writes the known-error record; closing after the effectiveness review can close
// the linked incidents; the trend analysis proposes problems from patterns of incidents.
#include <set>

#include "engine/record_service.h"
#include "processes/record_fields.h"
#include "processes/resolution/policy.h"
#include "processes/resolution/resolution.h"
#include "processes/resolution/trends.h"
#include "store/jobs.h"
#include "store/links.h"

namespace kanri::processes::resolution {

using json = nlohmann::json;

namespace {

constexpr std::int64_t kDay = 86'400'000;

// "INC-000001, INC-000002" → the numbers, upper-cased, without blanks or repeats.
std::vector<std::string> incident_numbers(const std::string& text) { return listed(text, true); }

// The incidents a problem is raised from, each visible to the one raising it.
Result<std::vector<store::Record>> source_incidents(engine::WriteContext& w) {
  std::vector<store::Record> out;
  const model::TypeDef* incident = w.catalogue.type("incident");
  if (!incident) return out;
  for (auto& number : incident_numbers(text(w.after, "from_incidents"))) {
    auto r = w.records->store().find_by_number(w.connection, *incident, number);
    if (!r || r->deleted_at || !engine::within_scope(w.principal, w.principal.scope("incident", "read"), *r))
      return Error::invalid({{"from_incidents", "field.ref_not_found", {{"value", number}, {"target", "incident"}}}});
    out.push_back(std::move(*r));
  }
  return out;
}

// An incident linked to a problem whose fix was in place on the day it was opened (UTC) is a
// recurrence after the fix: counted on the problem, for its effectiveness review and the
// problem report.
Status count_recurrence(engine::WriteContext& w) {
  const model::TypeDef* problem_t = w.catalogue.type("problem");
  auto id = opt_int(w.after, "problem");
  if (!problem_t || !id || !changed(w.before, w.after, "problem")) return ok_status();
  auto problem = w.records->store().find(w.connection, *problem_t, *id);
  if (!problem || problem->deleted_at || text(*problem, "fixed_on").empty()) return ok_status();
  const EpochMs opened = opt_int(w.after, "opened_at").value_or(w.now);
  if (days_to_date(opened / kDay) < text(*problem, "fixed_on")) return ok_status();
  auto counted = w.records->change_within(w.connection, w.principal, *problem,
                                          {{"recurrences", opt_int(*problem, "recurrences").value_or(0) + 1}},
                                          "recurrence");
  return counted ? ok_status() : counted.take_error();
}

Status problem_write(engine::WriteContext& w, PolicyCache& policies) {
  store::Record& r = w.after;
  if (!w.before && !text(r, "from_incidents").empty()) {
    auto sources = source_incidents(w);
    if (!sources) return sources.take_error();
    if (!sources->empty()) {
      // What the problem lacks comes from the first incident (8.6.3: cross-reference the
      // originating incidents instead of typing them again).
      const store::Record& first = sources->front();
      for (const char* name : {"title", "description", "service", "category", "impact", "urgency"})
        if (!w.sent(name) || is_null(field(r, name))) set(r, name, field(first, name));
      // With no description, the incidents' symptom says what the problem looks like.
      if (is_null(field(r, "description")) && !text(first, "symptom").empty()) set(r, "description", text(first, "symptom"));
      if (!w.sent("organization") && first.org_id) {
        set(r, "organization", *first.org_id);
        r.org_id = first.org_id;
      }
      if (!w.sent("origin")) set(r, "origin", std::string("reactive"));
    }
  }
  const auto policy = policies.get(w.connection, w.records->store(), w.catalogue);
  std::string priority = policy->priority(text(r, "impact"), text(r, "urgency"));
  set(r, "priority", priority.empty() ? Value() : Value(priority));
  if (w.action == "transition:fix" && is_null(field(r, "effectiveness_due_on")) && !text(r, "fixed_on").empty())
    set(r, "effectiveness_due_on", days_to_date(date_to_days(text(r, "fixed_on")) + policy->trend_window_days));
  return ok_status();
}

// Recording the known error writes the known-error record the service desk searches.
Status record_known_error(engine::TransitionContext& ctx) {
  const model::TypeDef* ke = ctx.catalogue.type("known_error");
  if (!ke) return ok_status();
  const store::Record& r = ctx.after;
  std::string symptoms = text(r, "description");
  if (symptoms.empty()) symptoms = text(r, "title");
  json body{{"title", text(r, "title")}, {"problem", r.id}, {"symptoms", symptoms},
            {"root_cause", text(r, "root_cause")}, {"workaround", text(r, "workaround")}};
  for (const char* name : {"service", "category"})
    if (!is_null(field(r, name))) body[name] = as_int(field(r, name));
  if (r.org_id) body["organization"] = *r.org_id;
  auto made = ctx.records->create_within(ctx.connection, ctx.principal, *ke, body, engine::Scope::all);
  return made ? ok_status() : made.take_error();
}

// Its incidents: those it explains (links) and those that name it.
std::vector<store::Record> linked_incidents(const engine::RecordChange& ch) {
  std::vector<store::Record> out;
  const model::TypeDef* incident = ch.records->catalogue().type("incident");
  if (!incident) return out;
  std::set<std::int64_t> ids;
  for (auto& l : store::links_from(ch.connection, "problem", ch.record.id))
    if (l.to_type == "incident") ids.insert(l.to_id);
  for (auto& l : store::links_to(ch.connection, "problem", ch.record.id))
    if (l.from_type == "incident") ids.insert(l.from_id);
  store::ListQuery q;
  q.where.push_back({"problem", store::Condition::Op::eq, {Value(ch.record.id)}});
  q.limit = 500;
  for (auto& r : ch.records->store().list(ch.connection, *incident, q).records) ids.insert(r.id);
  for (auto id : ids)
    if (auto r = ch.records->store().find(ch.connection, *incident, id); r && !r->deleted_at) out.push_back(std::move(*r));
  return out;
}

Status problem_changed(const engine::RecordChange& ch) {
  const store::Record& r = ch.record;
  const model::TypeDef* incident = ch.records->catalogue().type("incident");
  if (ch.action == "create" && incident) {
    for (auto& number : incident_numbers(text(r, "from_incidents"))) {
      auto inc = ch.records->store().find_by_number(ch.connection, *incident, number);
      if (!inc) continue;
      if (auto s = ch.records->link_within(ch.connection, ch.principal, r, "explains", *inc); !s) return s;
      if (is_null(field(*inc, "problem"))) {
        auto named = ch.records->change_within(ch.connection, ch.principal, *inc, json{{"problem", r.id}}, "update");
        if (!named) return named.take_error();
      }
    }
  }
  if (ch.action == "transition:close" && flag(r, "close_linked_incidents")) {
    const std::string note = "Closed with " + r.number;
    for (auto& inc : linked_incidents(ch)) {
      json fields;
      std::string to;
      if (inc.state == "resolved" && !flag(inc, "major")) {
        fields = {{"confirmation", "recorded"}, {"confirmation_note", note}, {"closed_at", format_timestamp(ch.at)}};
        to = "closed";
      } else if (inc.state != "resolved" && inc.state != "closed" && inc.state != "reclassified") {
        fields = {{"resolution", "Fixed by " + r.number + ": " + text(r, "resolution")},
                  {"resolution_code", "solved"},
                  {"resolved_at", format_timestamp(ch.at)}};
        to = "resolved";
      } else {
        continue;
      }
      auto done = ch.records->change_within(ch.connection, ch.principal, inc, fields, "closed_with_problem", to);
      if (!done) return done.take_error();
    }
  }
  return ok_status();
}

// Accepting a proposal raises the problem from its incidents and links the two.
Status accept_proposal(engine::TransitionContext& ctx) {
  const model::TypeDef* problem = ctx.catalogue.type("problem");
  if (!problem) return ok_status();
  store::Record& r = ctx.after;
  json numbers = json::parse(text(r, "incidents"), nullptr, false);
  std::string from;
  if (numbers.is_array())
    for (auto& n : numbers)
      if (n.is_string()) from += (from.empty() ? "" : ", ") + n.get<std::string>();
  json body{{"title", text(r, "title")}, {"origin", "trend"}, {"from_incidents", from}};
  for (const char* name : {"service", "category"})
    if (!is_null(field(r, name))) body[name] = as_int(field(r, name));
  auto made = ctx.records->create_within(ctx.connection, ctx.principal, *problem, body, engine::Scope::all);
  if (!made) return made.take_error();
  set(r, "problem", made->id);
  return ok_status();
}

}  // namespace

void register_problem_rules(engine::RuleRegistry& rules, std::shared_ptr<PolicyCache> policies) {
  rules.add_write_rule("problem", [policies](engine::WriteContext& w) { return problem_write(w, *policies); });
  rules.add_write_rule("incident", count_recurrence);
  rules.add_hook("problem_record_known_error", record_known_error);
  rules.add_observer("problem", problem_changed);
  rules.add_hook("problem_proposal_accept", accept_proposal);
  // The analysis runs every day once a policy is active (and on demand, POST
  // /api/v1/problem_proposals/analyse).
  rules.add_observer("resolution_policy", [](const engine::RecordChange& ch) -> Status {
    if (!flag(ch.record, "active")) return ok_status();
    const EpochMs next = (ch.at / kDay + 1) * kDay;
    store::schedule_job(ch.connection, store::JobSpec{kTrendJob, json::object(), next, "resolution:trend_analysis", std::nullopt, 3},
                        ch.at);
    return ok_status();
  });
}

void register_problem_jobs(jobs::Registry& registry, engine::RecordService& records) {
  registry.add(kTrendJob, jobs::KindDef{[&records](jobs::JobContext& ctx) -> jobs::Outcome {
    const EpochMs now = ctx.clock.now_ms();
    Status s = ctx.finish_with([&](store::Connection& c) -> Status {
      auto found = analyse_trends(c, records, engine::Principal::system(), now);
      if (!found) return found.take_error();
      store::schedule_job(c, store::JobSpec{kTrendJob, json::object(), (now / kDay + 1) * kDay, "resolution:trend_analysis", std::nullopt, 3},
                          now);
      return ok_status();
    });
    return s ? jobs::Outcome::done() : jobs::Outcome::retry(s.error().code);
  }});
}

}  // namespace kanri::processes::resolution
