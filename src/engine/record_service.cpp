#include "engine/record_service.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "core/crypto.h"
#include "core/text.h"
#include "engine/field_codec.h"
#include "engine/list_parser.h"
#include "engine/refusals.h"
#include "store/accounts.h"
#include "store/search/tokenizer.h"

namespace kanri::engine {

using nlohmann::json;
using model::FieldType;

namespace {

const std::string kCreate = "create";
const std::string kUpdate = "update";
const std::string kImport = "import";

std::optional<std::int64_t> parse_id(std::string_view key) {
  auto id = parse_int(key);
  if (!id || *id <= 0) return std::nullopt;
  return id;
}

Error not_found(const model::TypeDef& t, std::string_view key) {
  return Error::of(ErrorKind::not_found, "record.not_found", {{"type", t.name}, {"key", std::string(key)}});
}

Status check_version(const Record& r, std::optional<std::int64_t> expected) {
  if (expected && *expected != r.version)
    return Error::of(ErrorKind::precondition_failed, "record.stale",
                     {{"expected", std::to_string(*expected)}, {"current", std::to_string(r.version)}});
  return ok_status();
}


// The field error for a record that would lie outside the scope the principal may write in:
// on the type's org field when there is one.
std::optional<FieldError> scope_error(const Principal& p, Scope scope, const Record& r, const model::TypeDef& t) {
  if (t.org_field == "self" || within_scope(p, scope, r)) return std::nullopt;
  return FieldError{t.org_field.empty() ? "org_id" : t.org_field, "field.org_out_of_scope", {}};
}



}  // namespace

RecordService::RecordService(const model::Catalogue& catalogue, store::Database& db, const RuleRegistry& rules,
                             const Clock& clock)
    : catalogue_(catalogue), db_(db), rules_(rules), clock_(clock), records_(catalogue, db.dialect()) {}

std::optional<Record> RecordService::find_any(store::Connection& c, const model::TypeDef& t, std::string_view key) {
  if (auto id = parse_id(key)) return records_.find(c, t, *id);
  if (!key.empty() && key.size() <= 64) return records_.find_by_number(c, t, std::string(key));
  return std::nullopt;
}

Result<Record> RecordService::find(store::Connection& c, const model::TypeDef& t, std::string_view key) {
  std::optional<Record> r = find_any(c, t, key);
  if (!r || r->deleted_at) return not_found(t, key);
  return std::move(*r);
}

Result<Record> RecordService::find_visible(store::Connection& c, const Principal& p, const model::TypeDef& t,
                                           std::string_view key) {
  auto r = find(c, t, key);
  if (r && !may_read(p, *r)) return not_found(t, key);
  return r;
}

Status RecordService::authorize(const Principal& p, const std::string& action, const Record& r) {
  if (!within_scope(p, p.scope(r.type->name, action), r)) return access_denied(action, *r.type);
  return ok_status();
}

void RecordService::assign_org(const Principal& p, Record& r, bool creating) {
  const model::TypeDef& t = *r.type;
  if (t.org_field == "self") return;  // an organization is its own tenant: its id decides
  if (t.org_field.empty()) {
    if (creating) r.org_id = p.primary_org;
    return;
  }
  const model::FieldDef& f = *t.field(t.org_field);
  if (creating && is_null(r.fields[f.position]) && p.primary_org) r.fields[f.position] = *p.primary_org;
  const Value& v = r.fields[f.position];
  r.org_id = is_null(v) ? std::nullopt : std::optional<std::int64_t>(as_int(v));
}

bool RecordService::user_visible(store::Connection& c, const Principal& p, std::int64_t user_id) {
  if (p.user_id == user_id) return true;
  switch (p.scope("user", "read")) {
    case Scope::all: return true;
    case Scope::organization:
      for (auto& m : store::user_orgs(c, user_id))
        if (p.in_org(m.org_id)) return true;
      return false;
    default: return false;
  }
}

std::optional<FieldError> RecordService::resolve_reference(store::Connection& c, const Principal& p,
                                                           const model::FieldDef& f, const std::string& lookup, Value& out) {
  if (f.type == FieldType::user) {
    std::optional<store::User> u = lookup.empty() ? store::find_user(c, as_int(out)) : store::find_user_by_name(c, lookup);
    if (!u || !u->active || !user_visible(c, p, u->id))
      return FieldError{f.name, "field.user_not_found", {{"value", lookup.empty() ? as_text(out) : lookup}}};
    out = u->id;
    return std::nullopt;
  }
  const model::TypeDef* target = catalogue_.type(f.target);
  std::optional<Record> r = lookup.empty() ? records_.find(c, *target, as_int(out)) : records_.find_by_number(c, *target, lookup);
  // A record the principal may not read is reported exactly like one that does not exist.
  if (!r || r->deleted_at || !may_read(p, *r))
    return FieldError{f.name, "field.ref_not_found", {{"value", lookup.empty() ? as_text(out) : lookup}, {"target", target->name}}};
  out = r->id;
  return std::nullopt;
}

std::vector<FieldError> RecordService::apply_fields(store::Connection& c, const Principal& p, const model::TypeDef& t,
                                                    const json& body,
                                                    Record& r, bool creating, const model::TransitionDef* transition,
                                                    bool importing) {
  std::vector<FieldError> errors;
  std::set<std::string> given;
  for (auto& [key, value] : body.items()) {
    const model::FieldDef* f = t.field(key);
    if (!f) {
      if (key == "state" && t.lifecycle)
        errors.push_back({key, "field.state_via_transition", {}});
      else if (model::is_system_column(key))
        errors.push_back({key, "field.system", {}});
      else
        errors.push_back({key, "field.unknown", {{"type", t.name}}});
      continue;
    }
    // An import carries values that the other system's rules and transitions set (a priority,
    // a resolution time); only what Kanri computes on every write stays Kanri's.
    if ((f->read_only && !importing) || !f->computed.empty()) {
      errors.push_back({key, "field.read_only", {}});
      continue;
    }
    if (transition && std::find(transition->fields.begin(), transition->fields.end(), key) == transition->fields.end()) {
      errors.push_back({key, "field.not_in_transition", {{"transition", transition->name}}});
      continue;
    }
    FieldInput in;
    if (auto e = decode_field(*f, value, in)) {
      errors.push_back(std::move(*e));
      continue;
    }
    if (f->is_reference() || f->type == FieldType::user) {
      if (!in.lookup.empty() || !is_null(in.value)) {
        if (auto e = resolve_reference(c, p, *f, in.lookup, in.value)) {
          errors.push_back(std::move(*e));
          continue;
        }
      }
    }
    r.fields[f->position] = std::move(in.value);
    given.insert(key);
  }
  for (auto& f : t.fields) {
    if (creating && !given.count(f.name) && f.default_value && is_null(r.fields[f.position]))
      r.fields[f.position] = *f.default_value;
    bool checked = creating || given.count(f.name);
    if (f.required && checked && f.computed.empty() && is_blank(r.fields[f.position]) &&
        std::none_of(errors.begin(), errors.end(), [&](auto& e) { return e.field == f.name; }))
      errors.push_back({f.name, "field.required", {}});
  }
  // Report in the order of the form (the model), unknown names last, whatever the body's order.
  auto rank = [&](const FieldError& e) {
    const model::FieldDef* f = t.field(e.field);
    return f ? f->position : t.fields.size();
  };
  std::stable_sort(errors.begin(), errors.end(), [&](auto& a, auto& b) { return rank(a) < rank(b); });
  if (transition) {
    for (auto& name : transition->required_fields) {
      const model::FieldDef* f = t.field(name);
      if (is_blank(r.fields[f->position]) &&
          std::none_of(errors.begin(), errors.end(), [&](auto& e) { return e.field == name; }))
        errors.push_back({name, "field.required_for_transition", {{"transition", transition->name}}});
    }
  }
  return errors;
}

void RecordService::compute_fields(Record& r) {
  for (auto& f : r.type->fields) {
    if (f.computed.empty()) continue;
    if (const ComputedRule* rule = rules_.computed(f.computed)) r.fields[f.position] = (*rule)(r, f);
  }
}

std::string RecordService::search_text(const Record& r) const {
  std::string text = r.number;
  for (auto& f : r.type->fields) {
    if (!f.searchable) continue;
    const Value& v = r.get(f);
    if (is_null(v)) continue;
    text += '\n';
    if (f.type == FieldType::enumeration) {
      if (const model::EnumValue* ev = f.enum_value(as_text(v))) text += ev->label.en + ' ' + ev->label.ja;
    } else {
      text += as_text(v);
    }
  }
  return search::index_text(text);
}

json RecordService::diff(const Record* before, const Record& after) const {
  json changes = json::object();
  if (!before || before->state != after.state) {
    if (!after.state.empty() || before) {
      changes["state"] = json::array({before && !before->state.empty() ? json(before->state) : json(nullptr),
                                      after.state.empty() ? json(nullptr) : json(after.state)});
    }
  }
  for (auto& f : after.type->fields) {
    const Value& now = after.get(f);
    const Value* was = before ? &before->get(f) : nullptr;
    if (was ? *was == now : is_null(now)) continue;
    changes[f.name] = json::array({was ? encode_field(f, *was) : json(nullptr), encode_field(f, now)});
  }
  if (before && before->deleted_at != after.deleted_at)
    changes["deleted_at"] = json::array({nullptr, format_timestamp(after.deleted_at.value_or(0))});
  return changes;
}

Status RecordService::journal(store::Connection& c, const Principal& p, const Record& r, const std::string& action,
                              const json& changes) {
  store::JournalEntry e;
  e.at = clock_.now_ms();
  e.principal_id = p.user_id;
  e.principal = p.username;
  e.ip = p.ip;
  e.record_type = r.type->name;
  e.record_id = r.id;
  e.record_number = r.number;
  e.action = action;
  e.changes = changes.dump();
  store::append_journal(c, e);
  return rules_.observe(RecordChange{c, p, r, action, changes, e.at, this});
}

Result<Record> RecordService::create(const Principal& p, const model::TypeDef& t, const json& body) {
  auto created = create_many(p, t, {body});
  if (!created) {
    Error e = created.take_error();
    for (auto& f : e.fields) f.field = f.field.substr(f.field.find('.') + 1);  // drop "items[0]."
    return e;
  }
  return std::move(created.value().front());
}

Result<Record> RecordService::create_within(store::Connection& c, const Principal& p, const model::TypeDef& t,
                                            const json& body, Scope create_scope) {
  return insert_new(c, p, t, body, create_scope, kCreate, nullptr);
}

Result<Record> RecordService::import_within(store::Connection& c, const Principal& p, const model::TypeDef& t,
                                            const json& body, const std::string& state, Scope create_scope) {
  return insert_new(c, p, t, body, create_scope, kImport, &state);
}

Result<Record> RecordService::reimport_within(store::Connection& c, const Principal& p, Record r, const json& body,
                                              const std::string& state, Scope scope) {
  if (!body.is_object()) return Error::of(ErrorKind::bad_request, "body.not_object");
  const model::TypeDef& t = *r.type;
  Record before = r;
  auto errors = apply_fields(c, p, t, body, r, false, nullptr, true);
  if (!state.empty()) {
    if (t.lifecycle && t.lifecycle->state(state))
      r.state = state;
    else
      errors.push_back({"state", "import.unknown_state", {{"value", state}}});
  }
  assign_org(p, r, false);
  if (errors.empty()) {
    if (auto e = scope_error(p, scope, r, t)) errors.push_back(std::move(*e));
  }
  if (!errors.empty()) return Error::invalid(std::move(errors));
  const EpochMs now = clock_.now_ms();
  WriteContext w{&before, r, kImport, nullptr, body, p, now, c, catalogue_, this};
  if (auto ws = rules_.check_write(w); !ws) return ws.take_error();
  compute_fields(r);
  json changes = diff(&before, r);
  if (changes.empty()) return before;
  r.updated_at = now;
  if (auto s = save_change(c, p, r, before, kImport, changes); !s) return s.take_error();
  return r;
}

Result<Record> RecordService::insert_new(store::Connection& c, const Principal& p, const model::TypeDef& t,
                                         const json& body, Scope create_scope, const std::string& action,
                                         const std::string* state) {
  if (!body.is_object()) return Error::of(ErrorKind::bad_request, "body.not_object");
  Record r;
  r.type = &t;
  r.fields.resize(t.fields.size());
  r.state = t.lifecycle ? t.lifecycle->initial : "";
  r.version = 1;
  r.created_at = r.updated_at = clock_.now_ms();
  r.created_by = r.updated_by = p.user_id;
  const bool importing = state != nullptr;
  auto errors = apply_fields(c, p, t, body, r, true, nullptr, importing);
  if (importing && !state->empty()) {
    if (t.lifecycle && t.lifecycle->state(*state))
      r.state = *state;
    else
      errors.push_back({"state", "import.unknown_state", {{"value", *state}}});
  }
  assign_org(p, r, true);
  if (errors.empty()) {
    if (auto e = scope_error(p, create_scope, r, t)) errors.push_back(std::move(*e));
  }
  if (errors.empty()) {
    WriteContext w{nullptr, r, action, nullptr, body, p, r.created_at, c, catalogue_, this};
    if (auto ws = rules_.check_write(w); !ws) {
      Error e = ws.take_error();
      if (e.kind != ErrorKind::invalid) return e;
      errors = std::move(e.fields);
    }
  }
  if (!errors.empty()) return Error::invalid(std::move(errors));
  compute_fields(r);
  records_.assign_number(c, r);
  records_.insert(c, r, search_text(r));
  if (t.org_field == "self" && create_scope != Scope::all && !within_scope(p, create_scope, r))
    return access_denied("create", t);
  if (auto j = journal(c, p, r, action, diff(nullptr, r)); !j) return j.take_error();
  return r;
}

Result<std::vector<Record>> RecordService::create_many(const Principal& p, const model::TypeDef& t,
                                                       const std::vector<json>& bodies) {
  for (auto& body : bodies)
    if (!body.is_object()) return Error::of(ErrorKind::bad_request, "body.not_object");
  const Scope create_scope = p.scope(t.name, "create");
  if (create_scope == Scope::none) return access_denied("create", t);
  std::vector<Record> out;
  Status s = db_.write([&](store::Connection& c) -> Status {
    out.clear();
    out.reserve(bodies.size());
    for (size_t i = 0; i < bodies.size(); ++i) {
      auto created = create_within(c, p, t, bodies[i], create_scope);
      if (!created) {
        Error e = created.take_error();
        for (auto& f : e.fields) f.field = "items[" + std::to_string(i) + "]." + f.field;
        return e;
      }
      out.push_back(std::move(created.value()));
    }
    return ok_status();
  });
  if (!s) return s.take_error();
  return out;
}

Status RecordService::link_within(store::Connection& c, const Principal& p, const Record& from,
                                  const std::string& relation, const Record& to) {
  const model::RelationDef* rel = from.type->relation(relation);
  if (!rel || rel->target != to.type->name)
    return Error::of(ErrorKind::internal, "link.unknown_relation", {{"allowed", relation}});
  store::Link l{0, from.type->name, from.id, rel->name, to.type->name, to.id, clock_.now_ms(), p.user_id};
  if (!store::insert_link(c, l)) return ok_status();  // already linked: nothing to add
  if (auto j = journal(c, p, from, "link", json{{"relation", rel->name}, {"to", to.number}, {"link_id", l.id}}); !j)
    return j;
  return journal(c, p, to, "linked", json{{"relation", rel->name}, {"from", from.number}, {"link_id", l.id}});
}

Result<Record> RecordService::change_within(store::Connection& c, const Principal& p, Record r, const json& fields,
                                            const std::string& action, const std::string& to_state) {
  Record before = r;
  for (auto& [key, value] : fields.items()) {
    const model::FieldDef* f = r.type->field(key);
    if (!f) return Error::of(ErrorKind::internal, "field.unknown", {{"type", r.type->name}});
    FieldInput in;
    if (auto e = decode_field(*f, value, in)) return Error::invalid({std::move(*e)});
    if (!in.lookup.empty()) {
      if (auto e = resolve_reference(c, Principal::system(), *f, in.lookup, in.value)) return Error::invalid({std::move(*e)});
    }
    r.fields[f->position] = std::move(in.value);
  }
  if (!to_state.empty()) r.state = to_state;
  r.updated_at = clock_.now_ms();
  compute_fields(r);
  json changes = diff(&before, r);
  if (changes.empty()) return r;
  if (auto s = save_change(c, p, r, before, action, changes); !s) return s.take_error();
  return r;
}

Result<Record> RecordService::get(const Principal& p, const model::TypeDef& t, std::string_view key) {
  std::optional<Result<Record>> out;
  db_.read([&](store::Connection& c) { out = find_visible(c, p, t, key); });
  return std::move(*out);
}

Status RecordService::load_for_change(store::Connection& c, const Principal& p, const std::string& action,
                                      const model::TypeDef& t, std::string_view key,
                                      std::optional<std::int64_t> expected_version, bool must_be_editable, Record& r) {
  auto found = find_visible(c, p, t, key);
  if (!found) return found.take_error();
  r = std::move(found.value());
  if (auto a = authorize(p, action, r); !a) return a;
  if (auto v = check_version(r, expected_version); !v) return v;
  if (must_be_editable) return check_not_frozen(r);
  return ok_status();
}

Status RecordService::save_change(store::Connection& c, const Principal& p, Record& r, const Record& before,
                                  const std::string& action, const json& changes) {
  r.version = before.version + 1;
  r.updated_by = p.user_id;
  if (!records_.update(c, r, before.version, search_text(r)))
    return Error::of(ErrorKind::precondition_failed, "record.stale",
                     {{"expected", std::to_string(before.version)}, {"current", "?"}});
  return journal(c, p, r, action, changes);
}

Result<Record> RecordService::update(const Principal& p, const model::TypeDef& t, std::string_view key, const json& body,
                                     std::int64_t expected_version) {
  if (!body.is_object()) return Error::of(ErrorKind::bad_request, "body.not_object");
  Record r;
  Status s = db_.write([&](store::Connection& c) -> Status {
    if (auto loaded = load_for_change(c, p, "update", t, key, expected_version, true, r); !loaded) return loaded;
    Record before = r;
    auto errors = apply_fields(c, p, t, body, r, false, nullptr);
    assign_org(p, r, false);
    if (errors.empty()) {
      if (auto e = scope_error(p, p.scope(t.name, "update"), r, t)) errors.push_back(std::move(*e));
    }
    if (!errors.empty()) return Error::invalid(std::move(errors));
    r.updated_at = clock_.now_ms();
    WriteContext w{&before, r, kUpdate, nullptr, body, p, r.updated_at, c, catalogue_, this};
    if (auto ws = rules_.check_write(w); !ws) return ws;
    compute_fields(r);
    json changes = diff(&before, r);
    if (changes.empty()) {
      r = std::move(before);  // nothing changed: no new version, no journal entry
      return ok_status();
    }
    return save_change(c, p, r, before, "update", changes);
  });
  if (!s) return s.take_error();
  return r;
}

Result<Record> RecordService::remove(const Principal& p, const model::TypeDef& t, std::string_view key,
                                     std::optional<std::int64_t> expected_version) {
  Record r;
  Status s = db_.write([&](store::Connection& c) -> Status {
    if (auto loaded = load_for_change(c, p, "delete", t, key, expected_version, true, r); !loaded) return loaded;
    Record before = r;
    r.deleted_at = r.updated_at = clock_.now_ms();
    return save_change(c, p, r, before, "delete", diff(&before, r));
  });
  if (!s) return s.take_error();
  return r;
}

Result<Record> RecordService::transition(const Principal& p, const model::TypeDef& t, std::string_view key,
                                         const std::string& name, const json& body,
                                         std::optional<std::int64_t> expected_version) {
  const model::TransitionDef* tr = t.lifecycle ? t.lifecycle->transition(name) : nullptr;
  if (!tr) return Error::of(ErrorKind::not_found, "transition.unknown", {{"transition", name}, {"type", t.name}});
  if (!body.is_object()) return Error::of(ErrorKind::bad_request, "body.not_object");
  Record r;
  Status s = db_.write([&](store::Connection& c) -> Status {
    if (auto loaded = load_for_change(c, p, "transition:" + name, t, key, expected_version, false, r); !loaded)
      return loaded;
    // The model may reserve a transition to roles (only a change manager approves); a
    // permission cannot widen that.
    if (!tr->roles.empty() && !p.is_system() &&
        std::none_of(tr->roles.begin(), tr->roles.end(), [&](auto& role) { return p.has_role(role); }))
      return Error::of(ErrorKind::forbidden, "transition.forbidden", {{"transition", name}});
    if (!tr->from.empty() && std::find(tr->from.begin(), tr->from.end(), r.state) == tr->from.end())
      return Error::of(ErrorKind::conflict, "transition.not_allowed", {{"transition", name}, {"state", r.state}});
    Record before = r;
    auto errors = apply_fields(c, p, t, body, r, false, tr);
    assign_org(p, r, false);
    if (errors.empty()) {
      if (auto e = scope_error(p, p.scope(t.name, "transition:" + name), r, t)) errors.push_back(std::move(*e));
    }
    if (!errors.empty()) return Error::invalid(std::move(errors));
    r.state = tr->to;
    EpochMs now = clock_.now_ms();
    for (auto& hook_name : tr->hooks) {
      TransitionContext ctx{before, r, *tr, p, now, c, catalogue_, this};
      if (const TransitionHook* hook = rules_.hook(hook_name)) {
        if (auto hs = (*hook)(ctx); !hs) return hs;
      }
    }
    r.updated_at = now;
    const std::string action = "transition:" + name;
    WriteContext w{&before, r, action, tr, body, p, now, c, catalogue_, this};
    if (auto ws = rules_.check_write(w); !ws) return ws;
    compute_fields(r);
    return save_change(c, p, r, before, action, diff(&before, r));
  });
  if (!s) return s.take_error();
  return r;
}

Result<std::vector<store::Tally>> RecordService::tally(const Principal& p, const model::TypeDef& t,
                                                     const ListRequest& request, const std::vector<std::string>& group_by,
                                                     const std::vector<std::string>& sums) {
  const Scope read = p.scope(t.name, "read");
  if (read == Scope::none) return access_denied("read", t);
  auto bad = [](const std::string& column, const char* code) {
    Error e = Error::of(ErrorKind::bad_request, "query.invalid");
    e.fields.push_back({column, code, {{"column", column}}});
    return e;
  };
  for (auto& g : group_by) {
    const model::FieldDef* f = t.field(g);
    const bool groupable = (g == "state" && t.lifecycle) ||
                           (f && (f->type == FieldType::enumeration || f->is_reference() ||
                                  f->type == FieldType::boolean || f->type == FieldType::user ||
                                  f->type == FieldType::integer || f->type == FieldType::date));
    if (!groupable) return bad(g, "tally.not_groupable");
  }
  for (auto& s : sums) {
    const model::FieldDef* f = t.field(s);
    if (!f || (f->type != FieldType::integer && f->type != FieldType::boolean)) return bad(s, "tally.not_summable");
  }
  std::optional<Result<std::vector<store::Tally>>> out;
  db_.read([&](store::Connection& c) {
    auto query = parse_list_request(c, catalogue_, records_, t, request);
    if (!query) {
      out = query.take_error();
      return;
    }
    if (query->empty_result) {
      out = std::vector<store::Tally>{};
      return;
    }
    query->query.visible = visibility(p, read, t);
    hide_unseen_users(c, p, t, query->query);
    out = records_.tally(c, t, query->query, group_by, sums);
  });
  return std::move(*out);
}

void RecordService::hide_unseen_users(store::Connection& c, const Principal& p, const model::TypeDef& t,
                                      store::ListQuery& q) {
  // Filtering by a user one may not see matches nothing, so a filter cannot tell which
  // usernames exist.
  for (auto& cond : q.where) {
    const model::FieldDef* f = t.field(cond.column);
    if (!f || f->type != FieldType::user) continue;
    for (auto& v : cond.values)
      if (!is_null(v) && as_int(v) != 0 && !user_visible(c, p, as_int(v))) v = std::int64_t{0};
  }
}

Result<ListResult> RecordService::list(const Principal& p, const model::TypeDef& t, const ListRequest& request) {
  const Scope read = p.scope(t.name, "read");
  if (read == Scope::none) return access_denied("read", t);
  std::optional<Result<ListResult>> out;
  db_.read([&](store::Connection& c) {
    auto query = parse_list_request(c, catalogue_, records_, t, request);
    if (!query) {
      out = query.take_error();
      return;
    }
    query->query.visible = visibility(p, read, t);
    hide_unseen_users(c, p, t, query->query);
    ListResult result;
    if (query->empty_result) {
      out = std::move(result);
      return;
    }
    store::ListPage page = records_.list(c, t, query->query);
    result.records = std::move(page.records);
    if (page.more) result.next_cursor = encode_cursor(query->sort_spec, page.last_key);
    out = std::move(result);
  });
  return std::move(*out);
}

Result<std::vector<Record>> RecordService::export_records(const Principal& p, const model::TypeDef& t,
                                                           const ListRequest& request, size_t max_rows) {
  const Scope scope = std::min(p.scope(t.name, "read"), p.scope(t.name, "export"));
  if (scope == Scope::none) return access_denied("export", t);
  ListRequest paged = request;
  paged.limit = "500";
  paged.cursor.clear();
  std::vector<Record> all;
  std::optional<Error> failed;
  db_.read([&](store::Connection& c) {
    for (;;) {
      auto query = parse_list_request(c, catalogue_, records_, t, paged);
      if (!query) {
        failed = query.take_error();
        return;
      }
      if (query->empty_result) return;
      query->query.visible = visibility(p, scope, t);
      store::ListPage page = records_.list(c, t, query->query);
      for (auto& r : page.records) all.push_back(std::move(r));
      if (all.size() > max_rows) {
        failed = Error::of(ErrorKind::invalid, "export.too_many", {{"max", std::to_string(max_rows)}});
        return;
      }
      if (!page.more) return;
      paged.cursor = encode_cursor(query->sort_spec, page.last_key);
    }
  });
  if (failed) return std::move(*failed);
  return all;
}

Result<std::vector<store::JournalEntry>> RecordService::history(const Principal& p, const model::TypeDef& t,
                                                                std::string_view key) {
  std::optional<Result<std::vector<store::JournalEntry>>> out;
  db_.read([&](store::Connection& c) {
    auto rec = find_visible(c, p, t, key);
    // A public record's history holds its drafts: only those whose read scope covers it see it.
    if (rec && !within_scope(p, p.scope(t.name, "read"), *rec)) rec = not_found(t, key);
    if (!rec) {
      out = rec.take_error();
      return;
    }
    std::vector<store::JournalEntry> entries = store::record_history(c, t.name, rec->id);
    // Link entries name the record at the other end; one the principal may not read is
    // shown as null, as …/links leaves the link out altogether.
    std::map<std::string, bool> visible;
    auto may_see = [&](const std::string& number) {
      auto it = visible.find(number);
      if (it != visible.end()) return it->second;
      bool ok = false;
      std::string prefix = number.substr(0, number.find('-'));
      for (auto& tp : catalogue_.types()) {
        if (tp->number_prefix != prefix) continue;
        auto other = records_.find_by_number(c, *tp, number);
        ok = other && may_read(p, *other);
      }
      return visible[number] = ok;
    };
    // Who acted is shown by username only to those who may read that user (a username is a
    // sign-in name); the record's own created_by/updated_by carry display names for everyone.
    std::map<std::int64_t, bool> user_shown;
    for (auto& e : entries) {
      if (!e.principal_id) continue;
      auto it = user_shown.find(*e.principal_id);
      if (it == user_shown.end()) it = user_shown.emplace(*e.principal_id, user_visible(c, p, *e.principal_id)).first;
      if (!it->second) {
        e.principal.clear();
        e.ip.clear();
      }
    }
    // Work-log entries are internal (engine/record_extras.h): their journal entries are shown
    // only to those who may update the record.
    if (!within_scope(p, p.scope(t.name, "update"), *rec)) {
      std::erase_if(entries, [](const store::JournalEntry& e) {
        return e.action == "comment" && e.changes.find("\"kind\":\"work_log\"") != std::string::npos;
      });
    }
    for (auto& e : entries) {
      if (e.action != "link" && e.action != "linked" && e.action != "unlink" && e.action != "unlinked") continue;
      json changes = json::parse(e.changes, nullptr, false);
      if (!changes.is_object()) continue;
      bool redacted = false;
      for (const char* side : {"to", "from"}) {
        if (!changes.contains(side) || !changes[side].is_string()) continue;
        const std::string number = changes[side].get<std::string>();
        if (number == rec->number || number.empty() || may_see(number)) continue;
        changes[side] = nullptr;
        redacted = true;
      }
      if (redacted) e.changes = changes.dump();
    }
    out = std::move(entries);
  });
  return std::move(*out);
}

}  // namespace kanri::engine
