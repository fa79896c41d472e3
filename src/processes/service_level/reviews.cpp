#include "processes/service_level/reviews.h"

#include "engine/record_service.h"
#include "processes/record_fields.h"
#include "processes/system/periodic_activities.h"

namespace kanri::processes::service_level {

using json = nlohmann::json;

namespace {

constexpr std::int64_t kDay = 86'400'000;

std::optional<store::Record> find_ref(store::Connection& c, engine::RecordService& records, const store::Record& r,
                                      const char* name, const char* type) {
  const model::TypeDef* t = records.catalogue().type(type);
  auto id = opt_int(r, name);
  if (!t || !id) return std::nullopt;
  auto found = records.store().find(c, *t, *id);
  if (!found || found->deleted_at) return std::nullopt;
  return found;
}

// The active review activity of an agreement (kind sla_review or supplier_review), if one.
std::optional<store::Record> review_activity_of(engine::WriteContext& w, std::int64_t agreement_id) {
  const model::TypeDef* t = w.catalogue.type("periodic_activity");
  if (!t || !t->field("agreement")) return std::nullopt;
  store::ListQuery q;
  q.where = {store::Condition{"agreement", store::Condition::Op::eq, {Value(agreement_id)}}};
  q.limit = 50;
  for (auto& a : w.records->store().list(w.connection, *t, q).records) {
    const std::string kind = text(a, "kind");
    if (a.state == "active" && (kind == "sla_review" || kind == "supplier_review")) return a;
  }
  return std::nullopt;
}

Status review_write(engine::WriteContext& w) {
  store::Record& r = w.after;
  std::vector<FieldError> errors;
  if (is_null(field(r, "agreement")) && is_null(field(r, "service")))
    errors.push_back({"agreement", "review.subject_required", {}});
  const std::string from = text(r, "period_from"), to = text(r, "period_to");
  if (!from.empty() && !to.empty() && to < from) errors.push_back({"period_to", "review.period", {}});
  const std::string held = text(r, "held_on");
  if (!held.empty() && held > days_to_date(w.now / kDay + 1)) errors.push_back({"held_on", "review.held_in_future", {}});
  if (!errors.empty()) return Error::invalid(std::move(errors));

  // The planned activity this review is: named, or found from the agreement.
  if (is_null(field(r, "activity")))
    if (auto agreement = opt_int(r, "agreement"))
      if (auto activity = review_activity_of(w, *agreement)) set(r, "activity", Value(activity->id));

  if (w.action != "transition:close") return ok_status();
  auto activity = find_ref(w.connection, *w.records, r, "activity", "periodic_activity");
  if (!activity) return ok_status();
  auto done = system::complete_within(*w.records, w.connection, w.principal, w.now, *activity, r.number, held);
  if (done) return ok_status();
  // The activity's refusal, told on the review's own fields.
  Error e = done.error();
  if (e.fields.empty()) return Error::of(ErrorKind::conflict, "review.activity_not_active", {{"activity", activity->number}});
  for (auto& f : e.fields) {
    f.args["activity"] = activity->number;
    f.field = f.field == "completed_on" ? "held_on" : "activity";
  }
  return e;
}

// An improvement found in a review (its source record is the review) is one of its actions.
Status link_review_action(const engine::RecordChange& ch) {
  if (ch.action != "create" || !ch.records) return ok_status();
  const std::string source = text(ch.record, "source_number");
  const model::TypeDef* review_t = ch.records->catalogue().type("service_review");
  if (!review_t || source.rfind(review_t->number_prefix + "-", 0) != 0) return ok_status();
  auto review = ch.records->store().find_by_number(ch.connection, *review_t, source);
  if (!review || review->deleted_at) return ok_status();
  return ch.records->link_within(ch.connection, engine::Principal::system(), *review, "actions", ch.record);
}

// An agreement's review activity is scheduled by the agreement's review interval unless it
// states its own schedule.
Status activity_interval(engine::WriteContext& w) {
  store::Record& r = w.after;
  if (!is_null(field(r, "interval")) || !text(r, "calendar_rule").empty()) return ok_status();
  auto agreement = find_ref(w.connection, *w.records, r, "agreement", "agreement");
  if (!agreement) return ok_status();
  const Value& every = field(*agreement, "review_interval");
  if (!is_null(every)) set(r, "interval", every);
  return ok_status();
}

}  // namespace

void register_review_rules(engine::RuleRegistry& rules) {
  rules.add_write_rule("service_review", review_write);
  rules.add_write_rule("periodic_activity", activity_interval);
  rules.add_observer("improvement", link_review_action);
}

}  // namespace kanri::processes::service_level
