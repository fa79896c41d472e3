#include "processes/system/periodic_activities.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "engine/access.h"
#include "jobs/events.h"
#include "processes/record_fields.h"
#include "store/jobs.h"

namespace kanri::processes::system {

using json = nlohmann::json;

namespace {

using processes::field;
using processes::opt_int;
using processes::text;

constexpr std::int64_t kDay = 86'400'000;

int days_in_month(std::int64_t y, unsigned m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

// The rule's day in a month (the last day for -1, clamped to the month's length).
std::int64_t day_in(std::int64_t y, unsigned m, int month_day) {
  int last = days_in_month(y, m);
  int d = month_day < 0 ? last : std::min(month_day, last);
  return days_from_civil(y, m, static_cast<unsigned>(d));
}

std::string due_key(std::int64_t id) { return "periodic_activity:" + std::to_string(id) + ":due"; }
std::string overdue_key(std::int64_t id) { return "periodic_activity:" + std::to_string(id) + ":overdue"; }

// The schedule must be stated one way: an interval of whole days, or a calendar rule.
Status check_schedule(const store::Record& r) {
  auto interval = opt_int(r, "interval");
  std::string rule = text(r, "calendar_rule");
  std::vector<FieldError> errors;
  if (interval && !rule.empty()) errors.push_back({"calendar_rule", "activity.interval_and_rule", {}});
  else if (!interval && rule.empty()) errors.push_back({"interval", "activity.schedule_required", {}});
  else if (interval && (*interval < kDay || *interval % kDay != 0)) errors.push_back({"interval", "activity.interval_days", {}});
  else if (!rule.empty() && !parse_calendar_rule(rule)) errors.push_back({"calendar_rule", "activity.calendar_rule", {}});
  if (auto lead = opt_int(r, "lead_time"); lead && *lead < 0) errors.push_back({"lead_time", "activity.lead_time", {}});
  if (!errors.empty()) return Error::invalid(std::move(errors));
  return ok_status();
}

// The facts the notification templates show about an activity.
json activity_facts(engine::RecordService& records, const store::Record& r, const std::string& due_on,
                    std::int64_t overdue_days) {
  json shown = records.to_json(engine::Principal::system(), r);
  json owner = shown.contains("owner") && shown["owner"].is_object() ? shown["owner"].value("display", json()) : json();
  return {{"title", text(r, "title")}, {"clause", text(r, "clause")}, {"due_on", due_on},
          {"overdue_days", std::to_string(overdue_days)}, {"number", r.number},
          {"owner", owner.is_string() ? owner : json("-")}};
}

}  // namespace

std::optional<CalendarRule> parse_calendar_rule(const std::string& text) {
  std::map<std::string, std::string> parts;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ';')) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) return std::nullopt;
    std::string k = item.substr(0, eq), v = item.substr(eq + 1);
    if (parts.count(k) || v.empty()) return std::nullopt;
    parts[k] = v;
  }
  auto number = [](const std::string& s, int lo, int hi) -> std::optional<int> {
    if (s.empty() || s.size() > 3) return std::nullopt;
    size_t at = s[0] == '-' ? 1 : 0;
    if (at == s.size()) return std::nullopt;
    for (size_t i = at; i < s.size(); ++i)
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
    int v = std::stoi(s);
    if (v < lo || v > hi) return std::nullopt;
    return v;
  };
  CalendarRule r;
  std::string freq = parts.count("FREQ") ? parts["FREQ"] : "";
  std::set<std::string> allowed{"FREQ", "INTERVAL"};
  if (freq == "WEEKLY") {
    r.freq = CalendarRule::Freq::weekly;
    static const std::vector<std::string> days = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};
    auto it = std::find(days.begin(), days.end(), parts.count("BYDAY") ? parts["BYDAY"] : "");
    if (it == days.end()) return std::nullopt;
    r.weekday = static_cast<int>(it - days.begin());
    allowed.insert("BYDAY");
  } else if (freq == "MONTHLY" || freq == "YEARLY") {
    r.freq = freq == "MONTHLY" ? CalendarRule::Freq::monthly : CalendarRule::Freq::yearly;
    auto d = number(parts.count("BYMONTHDAY") ? parts["BYMONTHDAY"] : "", -1, 31);
    if (!d || *d == 0) return std::nullopt;
    r.month_day = *d;
    allowed.insert("BYMONTHDAY");
    if (r.freq == CalendarRule::Freq::yearly) {
      auto m = number(parts.count("BYMONTH") ? parts["BYMONTH"] : "", 1, 12);
      if (!m) return std::nullopt;
      r.month = *m;
      allowed.insert("BYMONTH");
    }
  } else {
    return std::nullopt;
  }
  if (parts.count("INTERVAL")) {
    auto n = number(parts["INTERVAL"], 1, 99);
    if (!n) return std::nullopt;
    r.interval = *n;
  }
  for (auto& [k, _] : parts)
    if (!allowed.count(k)) return std::nullopt;
  return r;
}

std::string next_occurrence(const CalendarRule& rule, const std::string& after) {
  const std::int64_t base = date_to_days(after);
  std::int64_t y;
  unsigned m, d;
  civil_from_days(base, y, m, d);
  switch (rule.freq) {
    case CalendarRule::Freq::weekly: {
      // 1970-01-01 was a Thursday (weekday 3 with Monday = 0).
      std::int64_t weekday = ((base % 7) + 7 + 3) % 7;
      std::int64_t ahead = (rule.weekday - weekday + 7) % 7;
      if (ahead == 0) ahead = 7;
      return days_to_date(base + ahead + 7 * (rule.interval - 1));
    }
    case CalendarRule::Freq::monthly: {
      std::int64_t months = y * 12 + (m - 1);
      std::int64_t candidate = day_in(y, m, rule.month_day);
      std::int64_t step = candidate > base ? rule.interval - 1 : rule.interval;
      months += step;
      return days_to_date(day_in(months / 12, static_cast<unsigned>(months % 12 + 1), rule.month_day));
    }
    case CalendarRule::Freq::yearly: {
      std::int64_t candidate = day_in(y, static_cast<unsigned>(rule.month), rule.month_day);
      std::int64_t year = y + (candidate > base ? rule.interval - 1 : rule.interval);
      return days_to_date(day_in(year, static_cast<unsigned>(rule.month), rule.month_day));
    }
  }
  return after;
}

std::optional<std::string> next_due_date(const std::string& completed_on, std::optional<std::int64_t> interval_ms,
                                         const std::optional<CalendarRule>& rule) {
  if (!is_valid_date(completed_on)) return std::nullopt;
  if (rule) return next_occurrence(*rule, completed_on);
  if (interval_ms && *interval_ms >= kDay) return days_to_date(date_to_days(completed_on) + *interval_ms / kDay);
  return std::nullopt;
}

namespace {

// The checks and the next due date of a completion: `r` is the activity with the completion's
// evidence and date set, `before` as it was.
Status record_completion(store::Connection& connection, const model::Catalogue& catalogue,
                         const engine::Principal& principal, EpochMs now, const store::Record& before,
                         store::Record& r) {
  const std::string evidence = text(r, "evidence"), completed = text(r, "completed_on");
  std::vector<FieldError> errors;
  const std::string before_completed = text(before, "completed_on");
  if (!before_completed.empty() && completed <= before_completed)
    errors.push_back({"completed_on", "activity.completed_not_later", {{"last", before_completed}}});
  if (completed > days_to_date(now / kDay + 1)) errors.push_back({"completed_on", "activity.completed_in_future", {}});
  bool found = false;
  auto dash = evidence.rfind('-');
  if (dash != std::string::npos) {
    store::RecordStore records(catalogue, connection.dialect());
    for (auto& t : catalogue.types()) {
      if (t->number_prefix != evidence.substr(0, dash)) continue;
      auto rec = records.find_by_number(connection, *t, evidence);
      found = rec && !rec->deleted_at && engine::within_scope(principal, principal.scope(t->name, "read"), *rec) &&
              !(t.get() == r.type && rec->id == r.id);
    }
  }
  if (!found) errors.push_back({"evidence", "activity.evidence_not_found", {{"value", evidence}}});
  if (!errors.empty()) return Error::invalid(std::move(errors));
  std::optional<CalendarRule> rule;
  if (std::string text_rule = text(r, "calendar_rule"); !text_rule.empty()) rule = parse_calendar_rule(text_rule);
  // By rule, the next date after the one this completion was due on (a review held three
  // days early is not due again on its date); by interval, counted from the completion.
  std::string from = completed;
  if (rule) from = std::max(completed, text(before, "next_due_on"));
  auto next = next_due_date(from, opt_int(r, "interval"), rule);
  if (!next) return Error::invalid({{"interval", "activity.schedule_required", {}}});
  r.fields[r.type->field("next_due_on")->position] = *next;
  r.fields[r.type->field("completions")->position] = opt_int(before, "completions").value_or(0) + 1;
  return ok_status();
}

}  // namespace

Result<store::Record> complete_within(engine::RecordService& records, store::Connection& connection,
                                      const engine::Principal& principal, EpochMs now, const store::Record& activity,
                                      const std::string& evidence, const std::string& completed_on) {
  if (activity.state != "active")
    return Error::of(ErrorKind::conflict, "activity.not_active", {{"activity", activity.number}});
  store::Record after = activity;
  after.fields[after.type->field("evidence")->position] = evidence;
  after.fields[after.type->field("completed_on")->position] = completed_on;
  if (auto s = record_completion(connection, records.catalogue(), principal, now, activity, after); !s)
    return s.take_error();
  json fields{{"evidence", evidence},
              {"completed_on", completed_on},
              {"next_due_on", text(after, "next_due_on")},
              {"completions", opt_int(after, "completions").value_or(1)}};
  // Journaled as the transition it stands for, so the timers move as after a completion by hand.
  return records.change_within(connection, principal, activity, fields, "transition:complete", "active");
}

void register_rules(engine::RuleRegistry& rules) {
  // A completion names the record that evidences it, which must exist and be readable by the
  // one completing; it is later than the last one, and it moves the due date on.
  rules.add_hook("periodic_activity_complete", [](engine::TransitionContext& ctx) -> Status {
    return record_completion(ctx.connection, ctx.catalogue, ctx.principal, ctx.now, ctx.before, ctx.after);
  });

  rules.add_observer("periodic_activity", [](const engine::RecordChange& ch) -> Status {
    const store::Record& r = ch.record;
    const bool writes_fields = ch.action == "create" || ch.action == "update" || ch.action.rfind("transition:", 0) == 0;
    if (!writes_fields && ch.action != "delete") return ok_status();
    if (writes_fields)
      if (auto s = check_schedule(r); !s) return s;
    const bool schedule_changed = ch.action == "create" || ch.changes.contains("next_due_on") ||
                                  ch.changes.contains("lead_time") || ch.changes.contains("state") ||
                                  ch.changes.contains("deleted_at") || ch.changes.contains("owner");
    if (!schedule_changed) return ok_status();
    if (r.deleted_at || r.state != "active") {
      store::cancel_job(ch.connection, due_key(r.id), ch.at);
      store::cancel_job(ch.connection, overdue_key(r.id), ch.at);
      return ok_status();
    }
    const std::string due_on = text(r, "next_due_on");
    if (!is_valid_date(due_on)) return ok_status();
    // Timers fire at the start of the day in UTC (09:00 in Japan); one already past fires now.
    const std::int64_t due_day = date_to_days(due_on) * kDay;
    const std::int64_t lead = opt_int(r, "lead_time").value_or(0);
    json payload{{"activity_id", r.id}, {"due_on", due_on}};
    store::JobSpec due{kDueJob, payload, std::max(ch.at, due_day - lead / kDay * kDay), due_key(r.id), r.org_id, 8};
    store::JobSpec overdue{kOverdueJob, payload, std::max(ch.at, due_day + kDay), overdue_key(r.id), r.org_id, 8};
    store::schedule_job(ch.connection, due, ch.at);
    store::schedule_job(ch.connection, overdue, ch.at);
    jobs::wake();
    return ok_status();
  });
}

void register_jobs(jobs::Registry& registry, engine::RecordService& records, const std::string& site_url) {
  const model::Catalogue& catalogue = records.catalogue();
  const model::TypeDef* activity_t = catalogue.type("periodic_activity");
  const model::TypeDef* task_t = catalogue.type("task");
  if (!activity_t || !task_t) return;  // a model without them has no periodic activities

  // The activity the timer is for, if it is still active and still due on that date (a
  // completion or a new date since then makes the timer stale).
  auto current = [&records, activity_t](const store::Job& job) -> std::optional<store::Record> {
    auto r = records.get(engine::Principal::system(), *activity_t, std::to_string(job.payload.value("activity_id", 0)));
    if (!r || r->state != "active" || text(*r, "next_due_on") != job.payload.value("due_on", "")) return std::nullopt;
    return std::move(r.value());
  };

  registry.add(kDueJob, {[&records, task_t, current, site_url](jobs::JobContext& ctx) -> jobs::Outcome {
                           auto activity = current(ctx.job);
                           if (!activity) return jobs::Outcome::done();
                           const std::string due_on = ctx.job.payload.value("due_on", "");
                           const engine::Principal system = engine::Principal::system();
                           // One task per activity and due date, however often this runs.
                           engine::ListRequest existing;
                           existing.filters = {{"activity", std::to_string(activity->id)}, {"due_on", due_on}};
                           existing.limit = "1";
                           auto found = records.list(system, *task_t, existing);
                           if (!found) return jobs::Outcome::retry(found.error().code);
                           std::optional<store::Record> task;
                           if (!found->records.empty()) {
                             task = found->records.front();
                           } else {
                             json body{{"title", text(*activity, "title")},
                                       {"due_on", due_on},
                                       {"activity", activity->id},
                                       {"description", text(*activity, "description")}};
                             if (auto owner = opt_int(*activity, "owner")) body["assignee"] = *owner;
                             if (auto org = opt_int(*activity, "organization")) body["organization"] = *org;
                             auto created = records.create(system, *task_t, body);
                             if (!created) return jobs::Outcome::retry(created.error().code);
                             task = std::move(created.value());
                           }
                           Status s = ctx.finish_with([&](store::Connection& c) -> Status {
                             jobs::Event e{"activity_due", "periodic_activity", activity->id, activity->org_id,
                                           std::nullopt, "", json::object()};
                             e.data = {{"activity", activity_facts(records, *activity, due_on, 0)},
                                       {"task", {{"number", task->number},
                                                 {"url", site_url + "/" + task->type->collection + "/" + task->number}}}};
                             if (auto owner = opt_int(*activity, "owner")) e.data["assignee_id"] = *owner;
                             jobs::emit_event(c, e, ctx.clock.now_ms());
                             return ok_status();
                           });
                           if (!s) return jobs::Outcome::retry(s.error().code);
                           jobs::wake();
                           return jobs::Outcome::done();
                         },
                         8, 30'000, 3'600'000});

  registry.add(kOverdueJob, {[&records, current](jobs::JobContext& ctx) -> jobs::Outcome {
                               auto activity = current(ctx.job);
                               if (!activity) return jobs::Outcome::done();
                               const std::string due_on = ctx.job.payload.value("due_on", "");
                               const EpochMs now = ctx.clock.now_ms();
                               std::int64_t late = now / kDay - date_to_days(due_on);
                               Status s = ctx.finish_with([&](store::Connection& c) -> Status {
                                 jobs::Event e{"activity_overdue", "periodic_activity", activity->id, activity->org_id,
                                               std::nullopt, "", json::object()};
                                 e.data = {{"activity", activity_facts(records, *activity, due_on, std::max<std::int64_t>(1, late))}};
                                 if (auto owner = opt_int(*activity, "owner")) e.data["assignee_id"] = *owner;
                                 jobs::emit_event(c, e, now);
                                 // Reminded every week until it is done, unless it was completed or
                                 // moved meanwhile (its change set its own timer then).
                                 store::RecordStore store(records.catalogue(), c.dialect());
                                 auto fresh = store.find(c, *activity->type, activity->id);
                                 if (fresh && !fresh->deleted_at && fresh->state == "active" &&
                                     text(*fresh, "next_due_on") == due_on) {
                                   store::JobSpec again{kOverdueJob, ctx.job.payload, now + 7 * kDay, ctx.job.key,
                                                        activity->org_id, 8};
                                   store::schedule_job(c, again, now);
                                 }
                                 return ok_status();
                               });
                               if (!s) return jobs::Outcome::retry(s.error().code);
                               jobs::wake();
                               return jobs::Outcome::done();
                             },
                             8, 30'000, 3'600'000});
}

}  // namespace kanri::processes::system
