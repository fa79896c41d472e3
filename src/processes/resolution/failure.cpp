#include "processes/resolution/failure.h"

#include <algorithm>
#include <cmath>

#include "engine/record_service.h"
#include "engine/refusals.h"
#include "processes/record_fields.h"
#include "processes/resolution/failure_severity.h"
#include "processes/scheme_levels.h"

namespace kanri::processes::resolution {

using json = nlohmann::json;
using store::Record;

namespace {

constexpr std::int64_t kDay = 86'400'000;

// Every live record of `t` whose `column` equals `value`, a page of 500 at a time.
std::vector<Record> all_where(engine::WriteContext& ctx, const model::TypeDef& t, const std::string& column,
                              const Value& value) {
  std::vector<Record> out;
  store::ListQuery q;
  q.where = {store::Condition{column, store::Condition::Op::eq, {value}}};
  q.limit = 500;
  for (;;) {
    store::ListPage page = ctx.records->store().list(ctx.connection, t, q);
    for (auto& r : page.records) out.push_back(std::move(r));
    if (!page.more) return out;
    q.after = page.last_key;
  }
}

std::optional<Record> find(engine::WriteContext& ctx, const std::string& type, std::optional<std::int64_t> id) {
  const model::TypeDef* t = ctx.catalogue.type(type);
  if (!t || !id) return std::nullopt;
  auto r = ctx.records->store().find(ctx.connection, *t, *id);
  if (!r || r->deleted_at) return std::nullopt;
  return r;
}

// The scheme that applies to records of `org_id`: each organization grades by its own.
std::optional<Record> active_scheme(engine::WriteContext& ctx, const std::optional<std::int64_t>& org_id) {
  const model::TypeDef* t = ctx.catalogue.type("severity_scheme");
  if (!t) return std::nullopt;
  for (auto& s : all_where(ctx, *t, "active", Value(std::int64_t{1})))
    if (s.org_id == org_id) return s;
  return std::nullopt;
}

// Who approved and when, stamped when `approval` becomes "approved" and cleared when it no
// longer is; an approval needs the measure it approves.
void stamp_approval(engine::WriteContext& ctx, const std::string& prefix, const std::string& measure,
                    std::vector<FieldError>& errors) {
  Record& r = ctx.after;
  const std::string approval = prefix + "_approval";
  const bool now = text(r, approval.c_str()) == "approved";
  const bool was = ctx.before && text(*ctx.before, approval.c_str()) == "approved";
  if (now && text(r, measure.c_str()).empty())
    errors.push_back({approval, "failure.approval_needs_measure", {{"measure", measure}}});
  if (now == was) return;
  set(r, (prefix + "_approved_by").c_str(), now && ctx.principal.user_id ? Value(*ctx.principal.user_id) : Value());
  set(r, (prefix + "_approved_at").c_str(), now ? Value(ctx.now) : Value());
}

// The severity under the active scheme and the impact index by its formula, stored with the
// inputs they came from (IPA/SEC §4.3 items 1–2; E3 "computed, with manual override").
void grade(engine::WriteContext& ctx, std::vector<FieldError>& errors) {
  Record& r = ctx.after;
  std::optional<Record> scheme = active_scheme(ctx, r.org_id);
  const json definition = scheme ? json_value(*scheme, "definition") : json();
  const std::string kind = scheme ? text(*scheme, "kind") : "";
  json facts = failure_facts(r);
  ImpactIndex index = impact_index(definition, facts, *r.type);
  set(r, "impact_index", index.value ? Value(*index.value) : Value());
  facts["impact_index"] = index.value ? json(*index.value) : json();
  std::optional<Record> service = find(ctx, "service", opt_int(r, "service"));
  facts["service_attributes"] = service ? json_value(*service, "attributes") : json();

  std::optional<std::string> computed;
  json inputs = json::object();
  if (scheme) {
    Grade g = grade_failure(kind, definition, facts);
    computed = g.level;
    inputs = std::move(g.inputs);
  }
  const std::string override_level = text(r, "severity_override");
  if (!override_level.empty()) {
    if (text(r, "severity_reason").empty()) errors.push_back({"severity_reason", "failure.override_reason", {}});
    if (scheme)
      if (auto e = level_outside(scheme_levels(definition), override_level, "severity_override", "failure.override_level"))
        errors.push_back(std::move(*e));
  }
  std::optional<std::string> result = override_level.empty() ? computed : std::optional<std::string>(override_level);
  set(r, "severity", result ? Value(*result) : Value());
  set(r, "severity_scheme", scheme ? Value(scheme->id) : Value());
  auto or_null = [](const std::optional<std::string>& s) { return s ? json(*s) : json(); };
  set(r, "severity_inputs",
      Value(json{{"scheme", scheme ? json{{"id", scheme->id}, {"number", scheme->number}, {"name", text(*scheme, "name")}}
                                   : json()},
                 {"kind", scheme ? json(kind) : json()},
                 {"inputs", inputs},
                 {"impact_index", index.inputs},
                 {"computed", or_null(computed)},
                 {"override", override_level.empty() ? json() : json(override_level)},
                 {"result", or_null(result)}}
                .dump()));
}

// What a failure needs before it closes (IPA/SEC §4.8 T8), one error per missing item.
void check_closure(const Record& r, std::vector<FieldError>& errors) {
  for (const char* name : {"root_cause", "injection_cause", "escape_cause", "cause_product", "cause_process"})
    if (text(r, name).empty()) errors.push_back({name, "failure.required_to_close", {}});
  if (text(r, "interim_approval") != "approved") errors.push_back({"interim_approval", "failure.interim_not_approved", {}});
  if (text(r, "prevention_approval") != "approved")
    errors.push_back({"prevention_approval", "failure.prevention_not_approved", {}});
  const std::string rollout = text(r, "rollout_decision");
  if (rollout.empty()) errors.push_back({"rollout_decision", "failure.required_to_close", {}});
  else if (rollout != "not_needed" && opt_int(r, "rollout_tasks").value_or(0) == 0)
    errors.push_back({"rollout_decision", "failure.rollout_tasks_missing", {}});
  for (const char* name : {"effectiveness_result", "closure_decision"})
    if (text(r, name).empty()) errors.push_back({name, "failure.required_to_close", {}});
}

Status failure_write(engine::WriteContext& ctx) {
  Record& r = ctx.after;
  std::vector<FieldError> errors;
  auto incident = find(ctx, "incident", opt_int(r, "incident"));
  auto problem = find(ctx, "problem", opt_int(r, "problem"));
  if (!opt_int(r, "incident") && !opt_int(r, "problem")) errors.push_back({"incident", "failure.subject_required", {}});
  if (!opt_int(r, "service")) {
    for (const auto* subject : {&incident, &problem}) {
      if (*subject && opt_int(**subject, "service")) {
        set(r, "service", Value(*opt_int(**subject, "service")));
        break;
      }
    }
  }
  stamp_approval(ctx, "interim", "interim_measure", errors);
  stamp_approval(ctx, "prevention", "prevention_measure", errors);
  if (auto step = find(ctx, "failure_process_step", opt_int(r, "cause_process_step"))) {
    if (text(*step, "process") != text(r, "cause_process"))
      errors.push_back({"cause_process_step", "failure.step_process", {{"process", text(*step, "process")}}});
  }
  grade(ctx, errors);
  if (ctx.action == "transition:close") check_closure(r, errors);
  if (!errors.empty()) return Error::invalid(std::move(errors));
  return ok_status();
}

Status scheme_write(engine::WriteContext& ctx) {
  Record& r = ctx.after;
  const model::TypeDef* failure_t = ctx.catalogue.type("failure");
  if (!failure_t) return ok_status();
  auto errors = check_scheme_definition(text(r, "kind"), json_value(r, "definition"), *failure_t);
  if (!errors.empty()) return Error::invalid(std::move(errors));
  const bool active = opt_int(r, "active").value_or(0) != 0;
  const bool was = ctx.before && opt_int(*ctx.before, "active").value_or(0) != 0 &&
                   ctx.before->org_id == r.org_id;
  if (!active || was) return ok_status();
  // One scheme applies at a time in an organization: the one made active ends the other's,
  // journaled on it.
  for (auto& other : all_where(ctx, *r.type, "active", Value(std::int64_t{1}))) {
    if (other.id == r.id || other.org_id != r.org_id) continue;
    auto changed = ctx.records->change_within(ctx.connection, ctx.principal, other, {{"active", false}}, "superseded");
    if (!changed) return changed.take_error();
  }
  return ok_status();
}

// [{<name>: "…", <amount>: n}, …] or null; false when malformed (or, for effects, negative).
bool terms_valid(const json& terms, const char* name, const char* amount, bool non_negative) {
  if (terms.is_null()) return true;
  if (!terms.is_array()) return false;
  for (auto& t : terms) {
    if (!t.is_object() || t.size() != 2 || !t.contains(name) || !t[name].is_string() ||
        t[name].get<std::string>().empty() || !t.contains(amount) || !t[amount].is_number())
      return false;
    if (non_negative && t[amount].get<double>() < 0) return false;
  }
  return true;
}

Status cap_write(engine::WriteContext& ctx) {
  Record& r = ctx.after;
  std::vector<FieldError> errors;
  const std::string starts = text(r, "starts_on"), ends = text(r, "ends_on");
  if (!starts.empty() && !ends.empty() && ends <= starts) errors.push_back({"ends_on", "failure.cap_period", {}});
  const json special = json_value(r, "special_factors"), effects = json_value(r, "expected_effects");
  if (!terms_valid(special, "reason", "adjustment", false))
    errors.push_back({"special_factors", "failure.cap_special_factors", {}});
  if (!terms_valid(effects, "measure", "effect", true))
    errors.push_back({"expected_effects", "failure.cap_expected_effects", {}});
  if (!errors.empty()) return Error::invalid(std::move(errors));
  const Value& pct = field(r, "improvement_percent");
  CapDerivation d = derive_cap(text(r, "target_kind"), opt_int(r, "prior_year_actual").value_or(0),
                               is_null(pct) ? 0.0 : as_double(pct), special, effects);
  set(r, "cap", Value(d.cap));
  set(r, "derivation", Value(d.terms.dump()));
  if (ctx.action == "transition:approve" && ctx.principal.user_id) set(r, "approved_by", Value(*ctx.principal.user_id));
  return ok_status();
}

// Keeps a failure's roll-out counts current with its tasks; `changed` is the task being
// written (not stored yet). A closed or cancelled failure is finalized and keeps its counts.
Status recount_rollout(engine::WriteContext& ctx, std::int64_t failure_id, const Record& changed) {
  auto failure = find(ctx, "failure", failure_id);
  if (!failure || !engine::check_not_frozen(*failure).ok()) return ok_status();
  auto tasks = all_where(ctx, *changed.type, "failure", Value(failure_id));
  std::erase_if(tasks, [&](const Record& t) { return t.id == changed.id; });
  if (opt_int(changed, "failure") == failure_id) tasks.push_back(changed);
  std::int64_t all = 0, in_time = 0;
  for (auto& t : tasks) {
    if (t.state == "cancelled") continue;
    ++all;
    const std::string due = text(t, "due_on"), done = text(t, "done_on");
    if (t.state == "done" && (due.empty() || (!done.empty() && done <= due))) ++in_time;
  }
  auto coverage = rollout_coverage(in_time, all);
  json counts{{"rollout_tasks", all}, {"rollout_done_in_time", in_time}, {"rollout_coverage", coverage ? json(*coverage) : json()}};
  auto saved = ctx.records->change_within(ctx.connection, ctx.principal, *failure, counts, "rollout_counted");
  if (!saved) return saved.take_error();
  return ok_status();
}

Status task_write(engine::WriteContext& ctx) {
  Record& r = ctx.after;
  if (ctx.action == "transition:finish" && text(r, "done_on").empty()) set(r, "done_on", Value(days_to_date(ctx.now / kDay)));
  auto now_failure = opt_int(r, "failure");
  auto was_failure = ctx.before ? opt_int(*ctx.before, "failure") : std::nullopt;
  if (!now_failure && !was_failure) return ok_status();
  if (now_failure && !opt_int(r, "service")) return Error::invalid({{"service", "failure.task_service", {}}});
  if (now_failure)
    if (auto s = recount_rollout(ctx, *now_failure, r); !s) return s;
  if (was_failure && was_failure != now_failure)
    if (auto s = recount_rollout(ctx, *was_failure, r); !s) return s;
  return ok_status();
}

}  // namespace

CapDerivation derive_cap(const std::string& target_kind, std::int64_t prior_year_actual, double improvement_percent,
                         const json& special_factors, const json& expected_effects) {
  double special_total = 0, expected_total = 0;
  for (auto& s : special_factors.is_array() ? special_factors : json::array()) special_total += s["adjustment"].get<double>();
  for (auto& e : expected_effects.is_array() ? expected_effects : json::array()) expected_total += e["effect"].get<double>();
  const double after_improvement = static_cast<double>(prior_year_actual) * (1.0 - improvement_percent / 100.0);
  const double unrounded = after_improvement + special_total - expected_total;
  CapDerivation d;
  // Rounded down: a cap is a count of failures, and the stricter whole number is the target.
  // The epsilon keeps 20 × 0.9 = 17.999… from becoming 17.
  d.cap = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(unrounded + 1e-9)));
  if (target_kind == "zero") d.cap = 0;
  if (target_kind == "below_prior_year") d.cap = std::max<std::int64_t>(0, prior_year_actual - 1);
  d.terms = {{"formula", "prior_year_actual × (1 − improvement_percent / 100) + Σ special_factors − Σ expected_effects"},
             {"target_kind", target_kind},
             {"prior_year_actual", prior_year_actual},
             {"improvement_percent", improvement_percent},
             {"after_improvement", after_improvement},
             {"special_factors", special_factors.is_null() ? json::array() : special_factors},
             {"special_total", special_total},
             {"expected_effects", expected_effects.is_null() ? json::array() : expected_effects},
             {"expected_total", expected_total},
             {"unrounded", unrounded},
             {"cap", d.cap}};
  return d;
}

std::optional<double> rollout_coverage(std::int64_t done_in_time, std::int64_t tasks) {
  if (tasks <= 0) return std::nullopt;
  return std::round(1000.0 * static_cast<double>(done_in_time) / static_cast<double>(tasks)) / 10.0;
}

void register_failure_rules(engine::RuleRegistry& rules) {
  rules.add_write_rule("failure", failure_write);
  rules.add_write_rule("severity_scheme", scheme_write);
  rules.add_write_rule("failure_cap", cap_write);
  rules.add_write_rule("task", task_write);
}

}  // namespace kanri::processes::resolution
