// SavedViewService (engine/record_extras.h): named list queries, personal or shared.
#include "core/text.h"
#include "engine/record_extras.h"
#include "engine/refusals.h"

namespace kanri::engine {

using nlohmann::json;

namespace {

Error view_not_found(std::int64_t id) {
  return Error::of(ErrorKind::not_found, "view.not_found", {{"id", std::to_string(id)}});
}

Error share_forbidden() { return Error::of(ErrorKind::forbidden, "view.share_forbidden"); }

Error name_taken(const std::string& name) {
  Error e = Error::of(ErrorKind::conflict, "view.name_taken", {{"name", name}});
  e.fields.push_back({"name", "view.name_taken", {{"name", name}}});
  return e;
}

// Applies the body's name, query and shared to `v`; every field error at once.
std::vector<FieldError> apply(const json& body, SavedView& v, bool creating) {
  std::vector<FieldError> errors;
  for (auto& [k, val] : body.items()) {
    if (k == "name") {
      if (!val.is_string())
        errors.push_back({k, "field.type_text", {}});
      else
        v.name = val.get<std::string>();
    } else if (k == "query") {
      if (!val.is_string())
        errors.push_back({k, "field.type_text", {}});
      else
        v.query = val.get<std::string>();
    } else if (k == "shared") {
      if (!val.is_boolean())
        errors.push_back({k, "field.type_bool", {}});
      else
        v.shared = val.get<bool>();
    } else if (k == "type" && creating) {
      // read by the caller
    } else {
      errors.push_back({k, "view.unknown_field", {}});
    }
  }
  size_t first = v.name.find_first_not_of(' ');
  v.name = first == std::string::npos
               ? ""
               : v.name.substr(first, v.name.find_last_not_of(' ') - first + 1);
  if (v.name.empty())
    errors.push_back({"name", "view.name_required", {}});
  else if (utf8_length(v.name) > kViewNameMaxLength)
    errors.push_back({"name", "view.name_too_long", {{"max", std::to_string(kViewNameMaxLength)}}});
  if (v.query.size() > kViewQueryMaxLength)
    errors.push_back(
        {"query", "view.query_too_long", {{"max", std::to_string(kViewQueryMaxLength)}}});
  if (!v.query.empty() && v.query.front() == '?') v.query.erase(v.query.begin());
  return errors;
}

}  // namespace

SavedViewService::SavedViewService(RecordService& records) : records_(records) {}

bool SavedViewService::may_share(const Principal& p) {
  return p.scope("view", "share") != Scope::none;
}

bool SavedViewService::may_change(const Principal& p, const SavedView& v) {
  if (v.shared) return may_share(p);
  return p.user_id && *p.user_id == v.owner_id;
}

Result<SavedView> SavedViewService::visible(store::Connection& c, const Principal& p,
                                            std::int64_t id) {
  auto v = store::find_saved_view(c, id);
  if (!v) return view_not_found(id);
  bool mine = p.user_id && *p.user_id == v->owner_id;
  if (!mine && !v->shared) return view_not_found(id);
  if (p.scope(v->record_type, "read") == Scope::none) return view_not_found(id);
  return std::move(*v);
}

Result<std::vector<SavedView>> SavedViewService::list(const Principal& p, const std::string& type) {
  std::vector<std::string> types;
  if (!type.empty()) {
    const model::TypeDef* t = records_.catalogue().type(type);
    if (!t) t = records_.catalogue().by_collection(type);
    if (!t) return Error::of(ErrorKind::not_found, "view.unknown_type", {{"type", type}});
    if (p.scope(t->name, "read") == Scope::none) return access_denied("read", *t);
    types.push_back(t->name);
  } else {
    for (auto& t : records_.catalogue().types())
      if (p.scope(t->name, "read") != Scope::none) types.push_back(t->name);
  }
  std::vector<SavedView> out;
  records_.database().read([&](store::Connection& c) {
    out = store::list_saved_views(c, types, p.user_id.value_or(0));
  });
  return out;
}

Result<SavedView> SavedViewService::create(const Principal& p, const json& body) {
  if (!body.is_object()) return Error::of(ErrorKind::bad_request, "body.not_object");
  if (!p.user_id) return Error::of(ErrorKind::forbidden, "auth.not_a_user");
  SavedView v;
  std::vector<FieldError> errors;
  const model::TypeDef* t = nullptr;
  if (!body.contains("type") || !body["type"].is_string()) {
    errors.push_back({"type", "view.type_required", {}});
  } else {
    std::string name = body["type"].get<std::string>();
    t = records_.catalogue().type(name);
    if (!t) t = records_.catalogue().by_collection(name);
    if (!t || p.scope(t->name, "read") == Scope::none)
      errors.push_back({"type", "view.unknown_type", {{"type", name}}});
  }
  auto more = apply(body, v, true);
  errors.insert(errors.end(), more.begin(), more.end());
  if (!errors.empty()) return Error::invalid(std::move(errors));
  if (v.shared && !may_share(p)) return share_forbidden();
  v.record_type = t->name;
  v.owner_id = *p.user_id;
  v.owner = p.display_name;
  v.created_at = v.updated_at = records_.clock().now_ms();
  Status s = records_.database().write([&](store::Connection& c) -> Status {
    if (store::saved_view_name_taken(c, v.record_type, v.owner_id, v.name, 0))
      return name_taken(v.name);
    store::insert_saved_view(c, v);
    return ok_status();
  });
  if (!s) return s.take_error();
  return v;
}

Result<SavedView> SavedViewService::update(const Principal& p, std::int64_t id, const json& body) {
  if (!body.is_object()) return Error::of(ErrorKind::bad_request, "body.not_object");
  SavedView v;
  Status s = records_.database().write([&](store::Connection& c) -> Status {
    auto found = visible(c, p, id);
    if (!found) return found.take_error();
    v = std::move(found.value());
    if (!may_change(p, v)) return share_forbidden();
    auto errors = apply(body, v, false);
    if (!errors.empty()) return Error::invalid(std::move(errors));
    if (v.shared && !may_share(p)) return share_forbidden();
    if (store::saved_view_name_taken(c, v.record_type, v.owner_id, v.name, v.id))
      return name_taken(v.name);
    v.updated_at = records_.clock().now_ms();
    store::update_saved_view(c, v);
    return ok_status();
  });
  if (!s) return s.take_error();
  return v;
}

Status SavedViewService::remove(const Principal& p, std::int64_t id) {
  return records_.database().write([&](store::Connection& c) -> Status {
    auto found = visible(c, p, id);
    if (!found) return found.take_error();
    if (!may_change(p, *found)) return share_forbidden();
    store::delete_saved_view(c, id);
    return ok_status();
  });
}

json saved_view_json(const Principal& p, const SavedView& v) {
  return {{"id", v.id},
          {"type", v.record_type},
          {"name", v.name},
          {"shared", v.shared},
          {"query", v.query},
          {"owner", {{"id", v.owner_id}, {"display", v.owner}}},
          {"mine", p.user_id && *p.user_id == v.owner_id},
          {"may_change", SavedViewService::may_change(p, v)},
          {"created_at", format_timestamp(v.created_at)},
          {"updated_at", format_timestamp(v.updated_at)}};
}

}  // namespace kanri::engine
