// AttachmentService (engine/record_extras.h): files attached to any record.
#include "core/crypto.h"
#include "core/text.h"
#include "engine/file_types.h"
#include "engine/record_extras.h"
#include "engine/refusals.h"

namespace kanri::engine {

using nlohmann::json;

namespace {

Error file_error(const std::string& code, MessageArgs args = {}) {
  Error e = Error::invalid({{"file", code, args}});
  e.code = code;  // the detail says it too, filled alike
  e.args = std::move(args);
  return e;
}

std::string allowed_list() {
  std::string out;
  for (auto& e : allowed_extensions()) out += (out.empty() ? "" : ", ") + e;
  return out;
}

// "20 MiB" for the limits people configure; bytes otherwise.
std::string human_size(std::size_t bytes) {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
    return std::to_string(bytes / (1024 * 1024)) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes) + " bytes";
}

Error attachment_not_found(std::int64_t id) {
  return Error::of(ErrorKind::not_found, "attachment.not_found", {{"id", std::to_string(id)}});
}

}  // namespace

AttachmentService::AttachmentService(RecordService& records, AttachmentSettings settings)
    : records_(records), settings_(std::move(settings)), files_(settings_.dir) {}

Result<store::Record> AttachmentService::authorized(store::Connection& c, const Principal& p,
                                                    const model::TypeDef& t, std::string_view key,
                                                    bool attaching) {
  auto r = records_.find_visible(c, p, t, key);
  if (!r) return r;
  bool may = within_scope(p, p.scope(t.name, "update"), *r) ||
             (attaching && within_scope(p, p.scope(t.name, "comment"), *r));
  if (!may) return access_denied("update", t);
  // A frozen record is final evidence (7.5): what is attached to it stays as it was.
  if (auto f = check_not_frozen(*r); !f) return f.take_error();
  return r;
}

Result<Attachment> AttachmentService::upload(const Principal& p, const model::TypeDef& t,
                                             std::string_view key, const std::string& file_name,
                                             std::string_view content) {
  // Who may attach is settled before the bytes are looked at or written.
  std::optional<Error> refused;
  records_.database().read([&](store::Connection& c) {
    auto r = authorized(c, p, t, key, true);
    if (!r) refused = r.take_error();
  });
  if (refused) return std::move(*refused);
  if (content.size() > settings_.max_bytes)
    return Error::of(ErrorKind::too_large, "attachment.too_large",
                     {{"max", human_size(settings_.max_bytes)},
                      {"max_bytes", std::to_string(settings_.max_bytes)}});
  const std::string name = clean_file_name(file_name);
  if (name.empty()) return file_error("attachment.name_required");
  if (utf8_length(name) > 255) return file_error("attachment.name_too_long", {{"max", "255"}});
  if (content.empty()) return file_error("attachment.empty");
  std::optional<FileType> type = file_type_for(name);
  if (!type)
    return file_error("attachment.type_not_allowed", {{"name", name}, {"allowed", allowed_list()}});
  switch (check_content(*type, content)) {
    case ContentVerdict::ok:
      break;
    case ContentVerdict::mismatch:
      return file_error("attachment.content_mismatch",
                        {{"name", name}, {"extension", type->extension}});
    case ContentVerdict::executable:
      return file_error("attachment.executable", {{"name", name}});
  }
  Attachment a;
  a.record_type = t.name;
  a.file_name = name;
  a.content_type = type->content_type;
  a.size = static_cast<std::int64_t>(content.size());
  a.sha256 = sha256_hex(content);
  a.uploaded_by = p.user_id;
  a.uploader = p.display_name.empty() ? p.username : p.display_name;
  // The file first: a row must never name bytes that are not on disk.
  if (auto put = files_.put(a.sha256, content); !put) return put.take_error();
  Status s = records_.database().write([&](store::Connection& c) -> Status {
    auto r = authorized(c, p, t, key, true);
    if (!r) return r.take_error();
    a.record_id = r->id;
    a.org_id = r->org_id;
    a.uploaded_at = records_.clock().now_ms();
    store::insert_attachment(c, a);
    return records_.journal(c, p, *r, "attach",
                            json{{"attachment_id", a.id},
                                 {"file_name", a.file_name},
                                 {"size", a.size},
                                 {"sha256", a.sha256},
                                 {"content_type", a.content_type}});
  });
  if (!s) return s.take_error();
  return a;
}

Result<std::vector<Attachment>> AttachmentService::list(const Principal& p, const model::TypeDef& t,
                                                        std::string_view key) {
  std::optional<Result<std::vector<Attachment>>> out;
  records_.database().read([&](store::Connection& c) {
    auto r = records_.find_visible(c, p, t, key);
    if (!r) {
      out = r.take_error();
      return;
    }
    out = store::list_attachments(c, t.name, r->id);
  });
  return std::move(*out);
}

Result<AttachmentContent> AttachmentService::download(const Principal& p, const model::TypeDef& t,
                                                      std::string_view key, std::int64_t id) {
  std::optional<Error> failed;
  AttachmentContent out;
  records_.database().read([&](store::Connection& c) {
    auto r = records_.find_visible(c, p, t, key);
    if (!r) {
      failed = r.take_error();
      return;
    }
    auto a = store::find_attachment(c, t.name, r->id, id);
    if (!a || a->deleted_at) {
      failed = attachment_not_found(id);
      return;
    }
    out.attachment = std::move(*a);
  });
  if (failed) return std::move(*failed);
  auto bytes = files_.get(out.attachment.sha256);
  // Missing or changed bytes are a fault of the installation (a lost or altered file), never
  // served as if they were the attachment.
  if (!bytes || sha256_hex(*bytes) != out.attachment.sha256)
    return Error::of(ErrorKind::internal, "attachment.file_missing", {{"id", std::to_string(id)}});
  out.bytes = std::move(*bytes);
  return out;
}

Status AttachmentService::remove(const Principal& p, const model::TypeDef& t, std::string_view key,
                                 std::int64_t id) {
  return records_.database().write([&](store::Connection& c) -> Status {
    auto r = authorized(c, p, t, key, false);
    if (!r) return r.take_error();
    auto a = store::find_attachment(c, t.name, r->id, id);
    if (!a || a->deleted_at) return attachment_not_found(id);
    EpochMs now = records_.clock().now_ms();
    store::remove_attachment(c, id, p.user_id, now);
    return records_.journal(c, p, *r, "detach",
                            json{{"attachment_id", a->id},
                                 {"file_name", a->file_name},
                                 {"size", a->size},
                                 {"sha256", a->sha256}});
  });
}

json attachment_json(const Attachment& a, const std::string& download_url) {
  return {{"id", a.id},
          {"file_name", a.file_name},
          {"content_type", a.content_type},
          {"size", a.size},
          {"sha256", a.sha256},
          {"uploaded_by",
           {{"id", a.uploaded_by ? json(*a.uploaded_by) : json(nullptr)}, {"display", a.uploader}}},
          {"uploaded_at", format_timestamp(a.uploaded_at)},
          {"download_url", download_url}};
}

}  // namespace kanri::engine
