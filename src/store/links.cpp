#include "store/links.h"

namespace kanri::store {

namespace {
constexpr const char* kSelect =
    "SELECT id, from_type, from_id, relation, to_type, to_id, created_at, created_by FROM links ";

std::vector<Link> read_links(const Rows& rows) {
  std::vector<Link> out;
  for (auto& r : rows.rows) {
    Link l{as_int(r[0]), as_text(r[1]), as_int(r[2]), as_text(r[3]), as_text(r[4]), as_int(r[5]), as_int(r[6]), {}};
    if (!is_null(r[7])) l.created_by = as_int(r[7]);
    out.push_back(std::move(l));
  }
  return out;
}
}  // namespace

bool insert_link(Connection& c, Link& l) {
  Rows r = c.query(
      "INSERT INTO links (from_type, from_id, relation, to_type, to_id, created_at, created_by) "
      "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
      {l.from_type, l.from_id, l.relation, l.to_type, l.to_id, l.created_at,
       l.created_by ? Value(*l.created_by) : Value()});
  if (r.empty()) return false;
  l.id = as_int(r[0][0]);
  return true;
}

std::optional<Link> find_link(Connection& c, std::int64_t id) {
  auto links = read_links(c.query(std::string(kSelect) + "WHERE id = ?", {id}));
  if (links.empty()) return std::nullopt;
  return links[0];
}

void delete_link(Connection& c, std::int64_t id) { c.run("DELETE FROM links WHERE id = ?", {id}); }

std::vector<Link> links_from(Connection& c, const std::string& type, std::int64_t id) {
  return read_links(c.query(std::string(kSelect) + "WHERE from_type = ? AND from_id = ? ORDER BY id", {type, id}));
}

std::vector<Link> links_to(Connection& c, const std::string& type, std::int64_t id) {
  return read_links(c.query(std::string(kSelect) + "WHERE to_type = ? AND to_id = ? ORDER BY id", {type, id}));
}

std::vector<Link> links_of_relation(Connection& c, const std::string& from_type, const std::string& relation) {
  return read_links(
      c.query(std::string(kSelect) + "WHERE from_type = ? AND relation = ? ORDER BY id", {from_type, relation}));
}

}  // namespace kanri::store
