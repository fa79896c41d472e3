#include "store/record_extras.h"

#include "store/sql_text.h"

namespace kanri::store {

namespace {

constexpr const char* kCommentColumns =
    "c.id, c.record_type, c.record_id, c.org_id, c.kind, c.body, c.author_id, u.display_name, "
    "c.created_at";

Comment read_comment(const std::vector<Value>& r) {
  Comment m;
  m.id = as_int(r[0]);
  m.record_type = as_text(r[1]);
  m.record_id = as_int(r[2]);
  m.org_id = opt_int(r[3]);
  m.kind = as_text(r[4]);
  m.body = as_text(r[5]);
  m.author_id = opt_int(r[6]);
  m.author = is_null(r[7]) ? "System" : as_text(r[7]);
  m.created_at = as_int(r[8]);
  return m;
}

constexpr const char* kAttachmentColumns =
    "a.id, a.record_type, a.record_id, a.org_id, a.file_name, a.content_type, a.size, a.sha256, "
    "a.uploaded_by, "
    "u.display_name, a.uploaded_at, a.deleted_at, a.deleted_by";

Attachment read_attachment(const std::vector<Value>& r) {
  Attachment a;
  a.id = as_int(r[0]);
  a.record_type = as_text(r[1]);
  a.record_id = as_int(r[2]);
  a.org_id = opt_int(r[3]);
  a.file_name = as_text(r[4]);
  a.content_type = as_text(r[5]);
  a.size = as_int(r[6]);
  a.sha256 = as_text(r[7]);
  a.uploaded_by = opt_int(r[8]);
  a.uploader = is_null(r[9]) ? "System" : as_text(r[9]);
  a.uploaded_at = as_int(r[10]);
  a.deleted_at = opt_int(r[11]);
  a.deleted_by = opt_int(r[12]);
  return a;
}

constexpr const char* kViewColumns =
    "v.id, v.record_type, v.name, v.owner_id, u.display_name, v.shared, v.query, v.created_at, "
    "v.updated_at";

SavedView read_view(const std::vector<Value>& r) {
  SavedView v;
  v.id = as_int(r[0]);
  v.record_type = as_text(r[1]);
  v.name = as_text(r[2]);
  v.owner_id = as_int(r[3]);
  v.owner = is_null(r[4]) ? "" : as_text(r[4]);
  v.shared = as_int(r[5]) != 0;
  v.query = as_text(r[6]);
  v.created_at = as_int(r[7]);
  v.updated_at = as_int(r[8]);
  return v;
}

}  // namespace

void insert_comment(Connection& c, Comment& m) {
  Rows id = c.query(
      "INSERT INTO record_comments (record_type, record_id, org_id, kind, body, author_id, "
      "created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {m.record_type, m.record_id, opt(m.org_id), m.kind, m.body, opt(m.author_id), m.created_at});
  m.id = as_int(id[0][0]);
}

std::optional<Comment> find_comment(Connection& c, std::int64_t id) {
  Rows rows =
      c.query(std::string("SELECT ") + kCommentColumns +
                  " FROM record_comments c LEFT JOIN users u ON u.id = c.author_id WHERE c.id = ?",
              {id});
  if (rows.empty()) return std::nullopt;
  return read_comment(rows[0]);
}

std::vector<Comment> list_comments(Connection& c, const std::string& type, std::int64_t record_id,
                                   const std::vector<std::string>& kinds, std::int64_t after_id,
                                   int limit) {
  std::vector<Comment> out;
  if (kinds.empty()) return out;
  std::vector<Value> params{type, record_id, after_id};
  std::string in = in_list(kinds, params);
  params.emplace_back(std::int64_t{limit});
  Rows rows =
      c.query(std::string("SELECT ") + kCommentColumns +
                  " FROM record_comments c LEFT JOIN users u ON u.id = c.author_id "
                  "WHERE c.record_type = ? AND c.record_id = ? AND c.id > ? AND c.kind IN (" +
                  in + ") ORDER BY c.id LIMIT ?",
              params);
  for (auto& r : rows.rows) out.push_back(read_comment(r));
  return out;
}

void insert_attachment(Connection& c, Attachment& a) {
  Rows id = c.query(
      "INSERT INTO attachments (record_type, record_id, org_id, file_name, content_type, size, "
      "sha256, "
      "uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {a.record_type, a.record_id, opt(a.org_id), a.file_name, a.content_type, a.size, a.sha256,
       opt(a.uploaded_by), a.uploaded_at});
  a.id = as_int(id[0][0]);
}

std::optional<Attachment> find_attachment(Connection& c, const std::string& type,
                                          std::int64_t record_id, std::int64_t id) {
  Rows rows = c.query(std::string("SELECT ") + kAttachmentColumns +
                          " FROM attachments a LEFT JOIN users u ON u.id = a.uploaded_by "
                          "WHERE a.id = ? AND a.record_type = ? AND a.record_id = ?",
                      {id, type, record_id});
  if (rows.empty()) return std::nullopt;
  return read_attachment(rows[0]);
}

std::vector<Attachment> list_attachments(Connection& c, const std::string& type,
                                         std::int64_t record_id) {
  Rows rows = c.query(
      std::string("SELECT ") + kAttachmentColumns +
          " FROM attachments a LEFT JOIN users u ON u.id = a.uploaded_by "
          "WHERE a.record_type = ? AND a.record_id = ? AND a.deleted_at IS NULL ORDER BY a.id",
      {type, record_id});
  std::vector<Attachment> out;
  for (auto& r : rows.rows) out.push_back(read_attachment(r));
  return out;
}

bool remove_attachment(Connection& c, std::int64_t id, std::optional<std::int64_t> by_user,
                       EpochMs at) {
  return c.run(
             "UPDATE attachments SET deleted_at = ?, deleted_by = ? WHERE id = ? AND deleted_at IS "
             "NULL",
             {at, opt(by_user), id}) > 0;
}

void insert_saved_view(Connection& c, SavedView& v) {
  Rows id = c.query(
      "INSERT INTO saved_views (record_type, name, owner_id, shared, query, created_at, "
      "updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {v.record_type, v.name, v.owner_id, std::int64_t{v.shared ? 1 : 0}, v.query, v.created_at,
       v.updated_at});
  v.id = as_int(id[0][0]);
}

void update_saved_view(Connection& c, const SavedView& v) {
  c.run("UPDATE saved_views SET name = ?, shared = ?, query = ?, updated_at = ? WHERE id = ?",
        {v.name, std::int64_t{v.shared ? 1 : 0}, v.query, v.updated_at, v.id});
}

void delete_saved_view(Connection& c, std::int64_t id) {
  c.run("DELETE FROM saved_views WHERE id = ?", {id});
}

std::optional<SavedView> find_saved_view(Connection& c, std::int64_t id) {
  Rows rows =
      c.query(std::string("SELECT ") + kViewColumns +
                  " FROM saved_views v LEFT JOIN users u ON u.id = v.owner_id WHERE v.id = ?",
              {id});
  if (rows.empty()) return std::nullopt;
  return read_view(rows[0]);
}

std::vector<SavedView> list_saved_views(Connection& c, const std::vector<std::string>& types,
                                        std::int64_t owner_id) {
  std::vector<SavedView> out;
  if (types.empty()) return out;
  std::vector<Value> params;
  std::string in = in_list(types, params);
  params.emplace_back(owner_id);
  Rows rows = c.query(
      std::string("SELECT ") + kViewColumns +
          " FROM saved_views v LEFT JOIN users u ON u.id = v.owner_id WHERE v.record_type IN (" +
          in + ") AND (v.owner_id = ? OR v.shared = 1) ORDER BY v.record_type, v.name, v.id",
      params);
  for (auto& r : rows.rows) out.push_back(read_view(r));
  return out;
}

bool saved_view_name_taken(Connection& c, const std::string& type, std::int64_t owner_id,
                           const std::string& name, std::int64_t except_id) {
  return !c.query(
               "SELECT 1 FROM saved_views WHERE record_type = ? AND owner_id = ? AND name = ? AND "
               "id <> ?",
               {type, owner_id, name, except_id})
              .empty();
}

}  // namespace kanri::store
