// Service requests (ISO/IEC 20000-1 8.6.2): ordered from an offered request type, whose form
// the answers must fill, whose instructions, service and group they take, prioritized by the
// type and the requester; approved by every approver the type names; fulfilled only when
// their tasks are done. Incidents and requests can be reclassified into each other keeping
// both records and the number they came from. Knowledge articles count their versions.
#include <set>

#include "core/text.h"
#include "engine/record_service.h"
#include "processes/record_fields.h"
#include "processes/resolution/policy.h"
#include "processes/resolution/request_form.h"
#include "processes/resolution/resolution.h"
#include "store/accounts.h"

namespace kanri::processes::resolution {

using json = nlohmann::json;

namespace {

std::vector<std::string> usernames(const std::string& text) { return listed(text, false); }

Status request_write(engine::WriteContext& w, PolicyCache& policies) {
  store::Record& r = w.after;
  std::vector<FieldError> errors;
  const model::TypeDef* type_t = w.catalogue.type("request_type");
  std::optional<store::Record> type;
  if (type_t && !is_null(field(r, "request_type"))) type = w.records->store().find(w.connection, *type_t, as_int(field(r, "request_type")));
  if (!w.before) {
    if (!type || type->state != "offered") return Error::invalid({{"request_type", "request.type_not_offered", {}}});
    if (is_null(field(r, "requester")) && w.principal.user_id) set(r, "requester", *w.principal.user_id);
    if (text(r, "title").empty()) set(r, "title", text(*type, "name"));
    for (const char* name : {"service", "instructions"}) set(r, name, field(*type, name));
    for (const char* name : {"category", "group"})
      if (!w.sent(name)) set(r, name, field(*type, name));
    std::string priority = text(*type, "default_priority");
    if (priority.empty()) priority = "p3";
    // Requesters the policy serves first (a directory group) go one priority up.
    const auto policy = policies.get(w.connection, w.records->store(), w.catalogue);
    if (!policy->vip_group.empty() && !is_null(field(r, "requester"))) {
      for (auto& g : store::user_groups(w.connection, as_int(field(r, "requester"))))
        if (g.name == policy->vip_group && g.active) priority = one_priority_higher(priority);
    }
    set(r, "priority", priority);
    if (auto target = opt_int(*type, "target_time")) set(r, "due_at", r.created_at + *target);
    if (flag(*type, "approval_required")) {
      auto names = usernames(text(*type, "approvers"));
      if (names.empty()) return Error::invalid({{"request_type", "request.no_approvers", {}}});
      r.state = "awaiting_approval";
      set(r, "approvals_pending", static_cast<std::int64_t>(names.size()));
    }
  }
  // The answers against the type's form: every required question answered, no unknown ones,
  // each of its kind.
  if (type && (!w.before || changed(w.before, r, "answers")))
    check_answers(questions_of(text(*type, "form")), text(r, "answers"), errors);
  if (w.action == "transition:fulfil") {
    if (const model::TypeDef* task = w.catalogue.type("task"); task && task->field("request")) {
      store::ListQuery q;
      q.where.push_back({"request", store::Condition::Op::eq, {Value(r.id)}});
      q.where.push_back({"state", store::Condition::Op::eq, {Value(std::string("open"))}});
      q.limit = 500;
      auto open = w.records->store().list(w.connection, *task, q).records;
      if (!open.empty())
        return Error::of(ErrorKind::conflict, "request.tasks_open", {{"count", std::to_string(open.size())}});
    }
    set(r, "fulfilled_at", w.now);
    if (auto due = opt_int(r, "due_at")) set(r, "target_met", std::int64_t{w.now <= *due ? 1 : 0});
  }
  if (!errors.empty()) return Error::invalid(std::move(errors));
  return ok_status();
}

Status request_changed(const engine::RecordChange& ch) {
  const store::Record& r = ch.record;
  const model::TypeDef* approval = ch.records->catalogue().type("approval");
  if (ch.action != "create" || r.state != "awaiting_approval" || !approval) return ok_status();
  const model::TypeDef* type_t = ch.records->catalogue().type("request_type");
  auto type = ch.records->store().find(ch.connection, *type_t, as_int(field(r, "request_type")));
  if (!type) return ok_status();
  for (auto& name : usernames(text(*type, "approvers"))) {
    json body{{"subject", r.number + ": " + text(r, "title")}, {"request", r.id}, {"approver", name}};
    if (r.org_id) body["organization"] = *r.org_id;
    auto made = ch.records->create_within(ch.connection, engine::Principal::system(), *approval, body, engine::Scope::all);
    if (!made) {
      Error e = made.take_error();
      // An approver the type names who does not exist (any more) is the type's error.
      if (e.kind == ErrorKind::invalid) return Error::invalid({{"request_type", "request.approver_unknown", {{"value", name}}}});
      return e;
    }
  }
  return ok_status();
}

Status approval_write(engine::WriteContext& w) {
  if (w.action != "transition:approve" && w.action != "transition:reject") return ok_status();
  if (!w.principal.is_system() && (!w.principal.user_id || opt_int(w.after, "approver") != w.principal.user_id))
    return Error::of(ErrorKind::forbidden, "approval.not_yours");
  set(w.after, "decided_at", w.now);
  return ok_status();
}

// A rejection rejects the request; the last approval releases it for fulfilment.
Status approval_changed(const engine::RecordChange& ch) {
  if (ch.action != "transition:approve" && ch.action != "transition:reject") return ok_status();
  const model::TypeDef* request_t = ch.records->catalogue().type("service_request");
  if (!request_t || is_null(field(ch.record, "request"))) return ok_status();
  auto request = ch.records->store().find(ch.connection, *request_t, as_int(field(ch.record, "request")));
  if (!request || request->state != "awaiting_approval") return ok_status();
  if (ch.action == "transition:reject") {
    std::string reason = "Rejected by " + ch.principal.username + ": " + text(ch.record, "comment");
    reason = utf8_prefix(reason, 500);
    auto done = ch.records->change_within(ch.connection, ch.principal, *request, json{{"reason", reason}, {"approvals_pending", 0}},
                                          "approval_rejected", "rejected");
    return done ? ok_status() : done.take_error();
  }
  store::ListQuery q;
  q.where.push_back({"request", store::Condition::Op::eq, {Value(request->id)}});
  q.where.push_back({"state", store::Condition::Op::eq, {Value(std::string("pending"))}});
  q.limit = 500;
  const auto pending = static_cast<std::int64_t>(ch.records->store().list(ch.connection, *ch.record.type, q).records.size());
  auto done = ch.records->change_within(ch.connection, ch.principal, *request, json{{"approvals_pending", pending}},
                                        pending == 0 ? "approved" : "approval_recorded", pending == 0 ? "submitted" : "");
  return done ? ok_status() : done.take_error();
}

// Makes the record the ticket becomes, names where it came from on it, and links the two.
Status reclassify(engine::TransitionContext& ctx, const char* into, json body) {
  const model::TypeDef* t = ctx.catalogue.type(into);
  if (!t) return ok_status();
  const store::Record& from = ctx.after;
  if (!is_null(field(from, "description"))) body["description"] = text(from, "description");
  body["title"] = text(from, "title");
  if (from.org_id) body["organization"] = *from.org_id;
  auto made = ctx.records->create_within(ctx.connection, ctx.principal, *t, body, engine::Scope::all);
  if (!made) return made.take_error();
  auto named = ctx.records->change_within(ctx.connection, ctx.principal, *made, json{{"reclassified_from", from.number}},
                                          "reclassified_from");
  if (!named) return named.take_error();
  return ctx.records->link_within(ctx.connection, ctx.principal, ctx.before, "reclassified_as", *named);
}

std::string request_channel(const std::string& incident_channel) {
  static const std::set<std::string> shared = {"portal", "phone", "email", "chat", "walk_in"};
  return shared.count(incident_channel) ? incident_channel : "phone";
}

}  // namespace

void register_request_rules(engine::RuleRegistry& rules, std::shared_ptr<PolicyCache> policies) {
  rules.add_write_rule("service_request", [policies](engine::WriteContext& w) { return request_write(w, *policies); });
  rules.add_observer("service_request", request_changed);
  rules.add_write_rule("approval", approval_write);
  rules.add_observer("approval", approval_changed);
  rules.add_hook("incident_reclassify", [](engine::TransitionContext& ctx) -> Status {
    json body{{"request_type", as_int(field(ctx.after, "reclassify_as"))}, {"channel", request_channel(text(ctx.after, "channel"))}};
    if (!is_null(field(ctx.after, "reporter"))) body["requester"] = as_int(field(ctx.after, "reporter"));
    return reclassify(ctx, "service_request", body);
  });
  rules.add_hook("request_reclassify", [](engine::TransitionContext& ctx) -> Status {
    std::string impact = text(ctx.after, "reclassify_impact");
    json body{{"impact", impact.empty() ? "medium" : impact}};
    if (!is_null(field(ctx.after, "requester"))) body["reporter"] = as_int(field(ctx.after, "requester"));
    if (!is_null(field(ctx.after, "service"))) body["service"] = as_int(field(ctx.after, "service"));
    const std::string channel = text(ctx.after, "channel");
    if (!channel.empty()) body["channel"] = channel;
    return reclassify(ctx, "incident", body);
  });
  rules.add_hook("knowledge_publish", [](engine::TransitionContext& ctx) -> Status {
    set(ctx.after, "article_version", opt_int(ctx.before, "article_version").value_or(0) + 1);
    set(ctx.after, "published_on", days_to_date(ctx.now / 86'400'000));
    return ok_status();
  });
}

}  // namespace kanri::processes::resolution
