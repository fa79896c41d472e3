// What every record type gets besides its fields, with no code per type: comments and a work
// log, attachments, and saved list views. The web UI calls these services directly; the API
// (/api/v1/{collection}/{key}/comments, …/attachments, /api/v1/views) is a thin layer on them.
//
// Rules (docs/record-extras.md):
// - Everything about a record needs the record visible to the principal (read scope); a record
//   outside it is not found, as in RecordService.
// - A comment needs the `comment` action on the record, or `update` (who may change a record
//   may comment on it); a work-log entry needs `update`. Work-log entries are internal: listed
//   only to principals who may update the record. Entries are append-only.
// - Attaching needs `update` or `comment`; downloading needs `read`; removing (soft) `update`.
// - Every addition and removal is journaled on the record's own chain in the same transaction;
//   a comment or work-log entry also emits the `commented` event (through the journal's
//   observers, jobs/events.cpp).
// - Saved views: personal views belong to their owner; shared views are seen by everyone who
//   may list the type and changed only by holders of `view: share`.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/record_service.h"
#include "store/attachment_files.h"
#include "store/record_extras.h"

namespace kanri::engine {

using store::Attachment;
using store::Comment;
using store::SavedView;

inline constexpr std::size_t kCommentMaxLength = 20000;  // code points

struct CommentPage {
  std::vector<Comment> items;
  std::optional<std::int64_t> next_after;  // pass as `after` for the next page; empty on the last
};

class CommentService {
 public:
  explicit CommentService(RecordService& records);

  // Adds a comment or work-log entry ("comment" | "work_log") to the record. An empty body
  // (only spaces) or one over kCommentMaxLength code points is a field error on "body"; an
  // unknown kind one on "kind". Journaled as action "comment" with {comment_id, kind}.
  Result<Comment> add(const Principal& p, const model::TypeDef& t, std::string_view key,
                      const std::string& kind, const std::string& body);
  // The record's entries, oldest first, after the entry `after_id` (0: from the start), at
  // most `limit` (1…500). `kind` filters ("", "comment" or "work_log"); work-log entries are
  // left out for principals who may not update the record (asking for them alone is not an
  // error: the page is empty).
  Result<CommentPage> list(const Principal& p, const model::TypeDef& t, std::string_view key,
                           const std::string& kind, std::int64_t after_id = 0, int limit = 200);
  // Whether p may add entries of `kind` to the record / sees its work log. For the UI, to
  // show or hide the form; the add call checks again.
  bool may_add(const Principal& p, const store::Record& r, const std::string& kind) const;
  bool sees_work_log(const Principal& p, const store::Record& r) const;

 private:
  RecordService& records_;
};

struct AttachmentSettings {
  std::string dir;                           // where the files live
  std::size_t max_bytes = 20 * 1024 * 1024;  // per file
};

// An attachment with its bytes, for a download.
struct AttachmentContent {
  Attachment attachment;
  std::string bytes;
};

class AttachmentService {
 public:
  AttachmentService(RecordService& records, AttachmentSettings settings);

  const AttachmentSettings& settings() const { return settings_; }
  // Attaches `content` as `file_name` (a path is cut to its last part). Refused: over
  // max_bytes (too_large, naming the limit), empty, a name whose extension is not allowed,
  // content that is not what its name says, executables and active markup (invalid, on
  // "file"). The stored content type comes from the extension, never from the client. The
  // file is on disk, synced, before the row commits; journaled as "attach" with
  // {attachment_id, file_name, size, sha256}.
  Result<Attachment> upload(const Principal& p, const model::TypeDef& t, std::string_view key,
                            const std::string& file_name, std::string_view content);
  // The record's attachments that are not removed, oldest first.
  Result<std::vector<Attachment>> list(const Principal& p, const model::TypeDef& t,
                                       std::string_view key);
  // One attachment with its bytes (read permission); a removed one is not found.
  Result<AttachmentContent> download(const Principal& p, const model::TypeDef& t,
                                     std::string_view key, std::int64_t id);
  // Removes it from the record (soft: the row and the file stay); journaled as "detach".
  Status remove(const Principal& p, const model::TypeDef& t, std::string_view key, std::int64_t id);

 private:
  Result<store::Record> authorized(store::Connection& c, const Principal& p,
                                   const model::TypeDef& t, std::string_view key, bool attaching);
  RecordService& records_;
  AttachmentSettings settings_;
  store::AttachmentFiles files_;
};

inline constexpr std::size_t kViewNameMaxLength = 100;
inline constexpr std::size_t kViewQueryMaxLength = 4000;

class SavedViewService {
 public:
  explicit SavedViewService(RecordService& records);

  // The principal's own views and the shared ones of `type` (a record type's name; empty:
  // every type the principal may list), by type and name.
  Result<std::vector<SavedView>> list(const Principal& p, const std::string& type);
  // {"type": "task", "name": "…", "query": "state=open&sort=-due_on", "shared": false}.
  // The type must be listable by p; shared needs `view: share`; the name is unique per owner
  // and type (conflict otherwise).
  Result<SavedView> create(const Principal& p, const nlohmann::json& body);
  // Changes name, query or shared. One's own view may be changed by its owner (making it shared
  // needs `view: share`); a shared view by holders of `view: share`. Another's personal view is
  // not found.
  Result<SavedView> update(const Principal& p, std::int64_t id, const nlohmann::json& body);
  Status remove(const Principal& p, std::int64_t id);
  // Whether p may share views (and change shared ones).
  static bool may_share(const Principal& p);
  // Whether p may change or delete `v`.
  static bool may_change(const Principal& p, const SavedView& v);

 private:
  Result<SavedView> visible(store::Connection& c, const Principal& p, std::int64_t id);
  RecordService& records_;
};

// JSON of the extras, as the API returns them (the UI may use them for htmx fragments).
nlohmann::json comment_json(const Comment& c);
nlohmann::json attachment_json(const Attachment& a, const std::string& download_url);
nlohmann::json saved_view_json(const Principal& p, const SavedView& v);

}  // namespace kanri::engine
