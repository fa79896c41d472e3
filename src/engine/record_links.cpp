// Typed links between records: create, remove, list from both ends; each journaled on both.
#include <set>

#include <nlohmann/json.hpp>

#include "engine/record_service.h"
#include "store/links.h"

namespace kanri::engine {

using nlohmann::json;
using model::FieldType;

Result<LinkView> RecordService::link(const Principal& p, const model::TypeDef& t, std::string_view key, const json& body) {
  if (!body.is_object()) return Error::of(ErrorKind::bad_request, "body.not_object");
  std::vector<FieldError> errors;
  for (auto& [k, v] : body.items())
    if (k != "relation" && k != "target") errors.push_back({k, "field.unknown", {{"type", "link"}}});
  const model::RelationDef* rel = nullptr;
  if (!body.contains("relation") || !body["relation"].is_string()) {
    errors.push_back({"relation", "field.required", {}});
  } else if (!(rel = t.relation(body["relation"].get<std::string>()))) {
    std::string allowed;
    for (auto& r : t.relations) allowed += (allowed.empty() ? "" : ", ") + r.name;
    errors.push_back({"relation", "link.unknown_relation", {{"allowed", allowed.empty() ? "-" : allowed}}});
  }
  if (!body.contains("target")) errors.push_back({"target", "field.required", {}});
  LinkView view;
  Status s = db_.write([&](store::Connection& c) -> Status {
    // Who may link comes first: a body's mistakes are no one's business who may not link at all.
    auto from = find_visible(c, p, t, key);
    if (!from) return from.take_error();
    if (auto a = authorize(p, "update", *from); !a) return a;
    if (!errors.empty()) return Error::invalid(errors);
    const model::TypeDef& target_type = *catalogue_.type(rel->target);
    const json& target = body["target"];
    const json& tk = target.is_object() && target.contains("id") ? target["id"] : target;
    std::string target_key = tk.is_number_integer() ? std::to_string(tk.get<std::int64_t>()) : tk.is_string() ? tk.get<std::string>() : "";
    if (target_key.empty())
      return Error::invalid({{"target", "field.ref_not_found", {{"value", target.dump()}, {"target", target_type.name}}}});
    auto to = find_visible(c, p, target_type, target_key);
    if (!to) return Error::invalid({{"target", "field.ref_not_found", {{"value", target_key}, {"target", target_type.name}}}});
    store::Link l{0, t.name, from->id, rel->name, target_type.name, to->id, clock_.now_ms(), p.user_id};
    if (!store::insert_link(c, l)) return Error::of(ErrorKind::conflict, "link.exists", {{"relation", rel->name}});
    if (auto j = journal(c, p, from.value(), "link", json{{"relation", rel->name}, {"to", to->number}, {"link_id", l.id}}); !j)
      return j;
    if (auto j = journal(c, p, to.value(), "linked", json{{"relation", rel->name}, {"from", from->number}, {"link_id", l.id}}); !j)
      return j;
    view = LinkView{l, true, rel, &target_type, to->id, {to->number, as_text(to->get(*target_type.field(target_type.display_field)))}};
    return ok_status();
  });
  if (!s) return s.take_error();
  return view;
}

Status RecordService::unlink(const Principal& p, const model::TypeDef& t, std::string_view key, std::int64_t link_id) {
  return db_.write([&](store::Connection& c) -> Status {
    auto rec = find_visible(c, p, t, key);
    if (!rec) return rec.take_error();
    if (auto a = authorize(p, "update", *rec); !a) return a;
    auto l = store::find_link(c, link_id);
    bool ours = l && ((l->from_type == t.name && l->from_id == rec->id) || (l->to_type == t.name && l->to_id == rec->id));
    if (!ours) return Error::of(ErrorKind::not_found, "link.not_found", {{"id", std::to_string(link_id)}});
    const model::TypeDef* from_t = catalogue_.type(l->from_type);
    const model::TypeDef* to_t = catalogue_.type(l->to_type);
    auto from = from_t ? records_.find(c, *from_t, l->from_id) : std::nullopt;
    auto to = to_t ? records_.find(c, *to_t, l->to_id) : std::nullopt;
    // A link whose other end the principal may not read is not listed to them, so it is not
    // theirs to remove either.
    const bool outgoing = l->from_type == t.name && l->from_id == rec->id;
    const auto& other = outgoing ? to : from;
    const model::TypeDef* other_t = outgoing ? to_t : from_t;
    if (other && other_t && !may_read(p, *other))
      return Error::of(ErrorKind::not_found, "link.not_found", {{"id", std::to_string(link_id)}});
    // A link belongs to its source, where it was made: removing it from the other end changes
    // the source too, and needs the right to update it as well.
    if (!from) return Error::of(ErrorKind::not_found, "link.not_found", {{"id", std::to_string(link_id)}});
    if (!outgoing)
      if (auto a = authorize(p, "update", *from); !a) return a;
    store::delete_link(c, link_id);
    json details{{"relation", l->relation}, {"link_id", link_id}, {"from", from ? from->number : ""}, {"to", to ? to->number : ""}};
    if (from)
      if (auto j = journal(c, p, *from, "unlink", details); !j) return j;
    if (to)
      if (auto j = journal(c, p, *to, "unlinked", details); !j) return j;
    return ok_status();
  });
}

Result<std::vector<LinkView>> RecordService::links(const Principal& p, const model::TypeDef& t, std::string_view key) {
  std::optional<Result<std::vector<LinkView>>> out;
  db_.read([&](store::Connection& c) {
    auto rec = find_visible(c, p, t, key);
    if (!rec) {
      out = rec.take_error();
      return;
    }
    std::vector<LinkView> views;
    std::map<const model::TypeDef*, std::vector<std::int64_t>> wanted;
    auto add = [&](const store::Link& l, bool outgoing) {
      const model::TypeDef* other = catalogue_.type(outgoing ? l.to_type : l.from_type);
      const model::TypeDef* owner = catalogue_.type(l.from_type);
      if (!other || !owner) return;  // a type removed from the model; its links stay stored
      LinkView v{l, outgoing, owner->relation(l.relation), other, outgoing ? l.to_id : l.from_id, {}};
      if (!v.relation) return;
      wanted[other].push_back(v.other_id);
      views.push_back(std::move(v));
    };
    for (auto& l : store::links_from(c, t.name, rec->id)) add(l, true);
    for (auto& l : store::links_to(c, t.name, rec->id)) add(l, false);
    std::map<const model::TypeDef*, std::map<std::int64_t, store::RecordLabel>> labels;
    // The other ends the principal may not read are left out, as if the link did not exist.
    for (auto& [type, ids] : wanted) {
      Scope read = p.scope(type->name, "read");
      if (read != Scope::none) labels[type] = records_.labels(c, *type, ids, visibility(p, read, *type));
    }
    std::vector<LinkView> visible;
    for (auto& v : views) {
      auto& m = labels[v.other_type];
      auto it = m.find(v.other_id);
      if (it == m.end()) continue;  // the other record was deleted
      v.other = it->second;
      visible.push_back(std::move(v));
    }
    out = std::move(visible);
  });
  return std::move(*out);
}

}  // namespace kanri::engine
