// What every record may carry besides its fields: comments and work-log entries, attachments
// (their rows; the bytes live on disk, see engine/attachment_files.h), and the saved list views
// of a record type. Platform tables, named by (record_type, record_id); rows are written only
// inside the engine's transactions, which also journal them on the record's chain.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "store/database.h"

namespace kanri::store {

// A comment (visible to whoever reads the record) or a work-log entry (internal: to those who
// may update it). Append-only: never edited or deleted; a correction is a new entry.
struct Comment {
  std::int64_t id = 0;
  std::string record_type;
  std::int64_t record_id = 0;
  std::optional<std::int64_t> org_id;  // the record's, for tenant-sharded databases
  std::string kind;                    // comment or work_log
  std::string body;
  std::optional<std::int64_t> author_id;  // empty for the system
  std::string author;                     // the author's display name (read only)
  EpochMs created_at = 0;
};

void insert_comment(Connection& c, Comment& comment);
std::optional<Comment> find_comment(Connection& c, std::int64_t id);
// A record's entries oldest first, after id `after_id`, at most `limit`; only the kinds given.
std::vector<Comment> list_comments(Connection& c, const std::string& type, std::int64_t record_id,
                                   const std::vector<std::string>& kinds, std::int64_t after_id,
                                   int limit);

struct Attachment {
  std::int64_t id = 0;
  std::string record_type;
  std::int64_t record_id = 0;
  std::optional<std::int64_t> org_id;
  std::string file_name;
  std::string content_type;
  std::int64_t size = 0;
  std::string sha256;  // lower-case hex; names the file in the attachments directory
  std::optional<std::int64_t> uploaded_by;
  std::string uploader;  // display name (read only)
  EpochMs uploaded_at = 0;
  std::optional<EpochMs> deleted_at;
  std::optional<std::int64_t> deleted_by;
};

void insert_attachment(Connection& c, Attachment& a);
// One attachment of the record, removed ones included.
std::optional<Attachment> find_attachment(Connection& c, const std::string& type,
                                          std::int64_t record_id, std::int64_t id);
// The record's attachments that are not removed, oldest first.
std::vector<Attachment> list_attachments(Connection& c, const std::string& type,
                                         std::int64_t record_id);
// Marks it removed; false when it was already.
bool remove_attachment(Connection& c, std::int64_t id, std::optional<std::int64_t> by_user,
                       EpochMs at);

// A named list query (filters, q, sort, columns as a query string) of one record type.
struct SavedView {
  std::int64_t id = 0;
  std::string record_type;
  std::string name;
  std::int64_t owner_id = 0;
  std::string owner;  // display name (read only)
  bool shared = false;
  std::string query;
  EpochMs created_at = 0, updated_at = 0;
};

// Insert and update throw StoreError(unique_violation) when the owner already has a view of
// that name for the type.
void insert_saved_view(Connection& c, SavedView& v);
void update_saved_view(Connection& c, const SavedView& v);
void delete_saved_view(Connection& c, std::int64_t id);
std::optional<SavedView> find_saved_view(Connection& c, std::int64_t id);
// The owner's views and the shared ones, of the given types, by type then name.
std::vector<SavedView> list_saved_views(Connection& c, const std::vector<std::string>& types,
                                        std::int64_t owner_id);
// Whether the owner already has a view named so for the type (other than `except_id`).
bool saved_view_name_taken(Connection& c, const std::string& type, std::int64_t owner_id,
                           const std::string& name, std::int64_t except_id);

}  // namespace kanri::store
