// CommentService (engine/record_extras.h): comments and the work log of any record.
#include "core/text.h"
#include "engine/record_extras.h"
#include "engine/refusals.h"

namespace kanri::engine {

using nlohmann::json;

namespace {

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n\f\v") == std::string::npos; }

}  // namespace

CommentService::CommentService(RecordService& records) : records_(records) {}

bool CommentService::may_add(const Principal& p, const store::Record& r,
                             const std::string& kind) const {
  const std::string& type = r.type->name;
  if (within_scope(p, p.scope(type, "update"), r)) return true;
  return kind == "comment" && within_scope(p, p.scope(type, "comment"), r);
}

bool CommentService::sees_work_log(const Principal& p, const store::Record& r) const {
  return within_scope(p, p.scope(r.type->name, "update"), r);
}

Result<Comment> CommentService::add(const Principal& p, const model::TypeDef& t,
                                    std::string_view key, const std::string& kind,
                                    const std::string& body) {
  Comment out;
  Status s = records_.database().write([&](store::Connection& c) -> Status {
    auto r = records_.find_visible(c, p, t, key);
    if (!r) return r.take_error();
    std::vector<FieldError> errors;
    if (kind != "comment" && kind != "work_log") {
      errors.push_back({"kind", "comment.kind_unknown", {{"value", kind}}});
      return Error::invalid(std::move(errors));
    }
    if (!may_add(p, *r, kind)) return access_denied(kind == "comment" ? "comment" : "update", t);
    if (blank(body))
      errors.push_back({"body", "comment.body_required", {}});
    else if (!is_valid_utf8(body))
      errors.push_back({"body", "comment.body_encoding", {}});
    else if (utf8_length(body) > kCommentMaxLength)
      errors.push_back(
          {"body", "comment.body_too_long", {{"max", std::to_string(kCommentMaxLength)}}});
    if (!errors.empty()) return Error::invalid(std::move(errors));
    out = Comment{};
    out.record_type = t.name;
    out.record_id = r->id;
    out.org_id = r->org_id;
    out.kind = kind;
    out.body = body;
    out.author_id = p.user_id;
    out.author = p.display_name.empty() ? p.username : p.display_name;
    out.created_at = records_.clock().now_ms();
    store::insert_comment(c, out);
    return records_.journal(c, p, *r, "comment", json{{"comment_id", out.id}, {"kind", kind}});
  });
  if (!s) return s.take_error();
  return out;
}

Result<CommentPage> CommentService::list(const Principal& p, const model::TypeDef& t,
                                         std::string_view key, const std::string& kind,
                                         std::int64_t after_id, int limit) {
  if (!kind.empty() && kind != "comment" && kind != "work_log") {
    Error e = Error::of(ErrorKind::bad_request, "query.invalid");
    e.fields.push_back({"kind", "comment.kind_unknown", {{"value", kind}}});
    return e;
  }
  if (limit < 1 || limit > 500) {
    Error e = Error::of(ErrorKind::bad_request, "query.invalid");
    e.fields.push_back({"limit", "comment.limit", {}});
    return e;
  }
  std::optional<Result<CommentPage>> out;
  records_.database().read([&](store::Connection& c) {
    auto r = records_.find_visible(c, p, t, key);
    if (!r) {
      out = r.take_error();
      return;
    }
    std::vector<std::string> kinds;
    if (kind.empty() || kind == "comment") kinds.push_back("comment");
    if ((kind.empty() || kind == "work_log") && sees_work_log(p, *r)) kinds.push_back("work_log");
    CommentPage page;
    page.items = store::list_comments(c, t.name, r->id, kinds, after_id, limit + 1);
    if (page.items.size() > static_cast<size_t>(limit)) {
      page.items.resize(static_cast<size_t>(limit));
      page.next_after = page.items.back().id;
    }
    out = std::move(page);
  });
  return std::move(*out);
}

json comment_json(const Comment& c) {
  return {
      {"id", c.id},
      {"kind", c.kind},
      {"body", c.body},
      {"author", {{"id", c.author_id ? json(*c.author_id) : json(nullptr)}, {"display", c.author}}},
      {"created_at", format_timestamp(c.created_at)}};
}

}  // namespace kanri::engine
