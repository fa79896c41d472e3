// Categories (model/category.toml): the full name is the path from the top category down, and
// a category cannot sit inside itself or one of its own subcategories. Renaming or moving one
// renames its subcategories' paths too.
#include "engine/record_service.h"
#include "processes/record_fields.h"
#include "processes/resolution/resolution.h"

namespace kanri::processes::resolution {

using json = nlohmann::json;

namespace {

constexpr int kMaxDepth = 20;

Status category_write(engine::WriteContext& w) {
  store::Record& r = w.after;
  std::string path = text(r, "name");
  std::optional<std::int64_t> parent = opt_int(r, "parent");
  for (int depth = 0; parent; ++depth) {
    if ((w.before && *parent == r.id) || depth >= kMaxDepth)
      return Error::invalid({{"parent", "category.cycle", {}}});
    auto up = w.records->store().find(w.connection, *r.type, *parent);
    if (!up) break;
    // The path shows the broader categories' names to whoever reads this one: they must be
    // of the same organization (or of none).
    if (depth == 0 && up->org_id && up->org_id != r.org_id) return Error::invalid({{"parent", "category.other_organization", {}}});
    if (depth == 0) path = text(*up, "path") + " / " + path;
    parent = opt_int(*up, "parent");
  }
  set(r, "path", path);
  return ok_status();
}

Status category_changed(const engine::RecordChange& ch) {
  if (ch.action == "create" || !ch.changes.contains("path")) return ok_status();
  store::ListQuery q;
  q.where.push_back({"parent", store::Condition::Op::eq, {Value(ch.record.id)}});
  q.limit = 1000;
  for (auto& child : ch.records->store().list(ch.connection, *ch.record.type, q).records) {
    const std::string path = text(ch.record, "path") + " / " + text(child, "name");
    auto moved = ch.records->change_within(ch.connection, ch.principal, child, json{{"path", path}}, "update");
    if (!moved) return moved.take_error();
  }
  return ok_status();
}

}  // namespace

void register_category_rules(engine::RuleRegistry& rules) {
  rules.add_write_rule("category", category_write);
  rules.add_observer("category", category_changed);
}

}  // namespace kanri::processes::resolution
