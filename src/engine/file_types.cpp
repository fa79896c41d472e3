#include "engine/file_types.h"

#include <algorithm>
#include <cctype>

#include "core/text.h"

namespace kanri::engine {

namespace {

enum class Magic { none, text, pdf, png, jpeg, gif, webp, zip, ole };

struct Allowed {
  const char* extension;
  const char* content_type;
  Magic magic;
};

// Office Open XML and OpenDocument files are ZIP archives; Outlook .msg is an OLE compound file.
constexpr Allowed kAllowed[] = {
    {"pdf", "application/pdf", Magic::pdf},
    {"png", "image/png", Magic::png},
    {"jpg", "image/jpeg", Magic::jpeg},
    {"jpeg", "image/jpeg", Magic::jpeg},
    {"gif", "image/gif", Magic::gif},
    {"webp", "image/webp", Magic::webp},
    {"txt", "text/plain; charset=utf-8", Magic::text},
    {"log", "text/plain; charset=utf-8", Magic::text},
    {"csv", "text/csv; charset=utf-8", Magic::text},
    {"json", "application/json", Magic::text},
    {"xml", "application/xml", Magic::text},
    {"md", "text/markdown; charset=utf-8", Magic::text},
    {"eml", "message/rfc822", Magic::text},
    {"zip", "application/zip", Magic::zip},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Magic::zip},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Magic::zip},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
     Magic::zip},
    {"odt", "application/vnd.oasis.opendocument.text", Magic::zip},
    {"ods", "application/vnd.oasis.opendocument.spreadsheet", Magic::zip},
    {"msg", "application/vnd.ms-outlook", Magic::ole},
};

const Allowed* find_allowed(std::string_view ext) {
  for (auto& a : kAllowed)
    if (ext == a.extension) return &a;
  return nullptr;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// Programs of the common platforms: PE (MZ), ELF, Mach-O (both byte orders, fat), scripts.
bool looks_executable(std::string_view head) {
  return starts_with(head, "MZ") ||
         starts_with(head,
                     "\x7f"
                     "ELF") ||
         starts_with(head, "\xfe\xed\xfa\xce") || starts_with(head, "\xfe\xed\xfa\xcf") ||
         starts_with(head, "\xce\xfa\xed\xfe") || starts_with(head, "\xcf\xfa\xed\xfe") ||
         starts_with(head, "\xca\xfe\xba\xbe") || starts_with(head, "#!");
}

// Markup a browser renders as a page or runs as an image with scripts.
bool looks_like_active_markup(std::string_view head) {
  std::string l = lower(head);
  for (const char* tag : {"<!doctype html", "<html", "<script", "<svg", "<iframe", "<body"})
    if (l.find(tag) != std::string::npos) return true;
  return false;
}

// No NUL bytes and well-formed UTF-8; `cut` says the head was cut from a longer content, so
// a character split at its end does not count.
bool is_text(std::string_view head, bool cut) {
  if (head.find('\0') != std::string_view::npos) return false;
  for (size_t drop = 0; drop <= (cut ? 3u : 0u) && drop <= head.size(); ++drop)
    if (is_valid_utf8(head.substr(0, head.size() - drop))) return true;
  return false;
}

}  // namespace

std::optional<FileType> file_type_for(std::string_view file_name) {
  size_t dot = file_name.rfind('.');
  if (dot == std::string_view::npos || dot + 1 >= file_name.size()) return std::nullopt;
  std::string ext = lower(file_name.substr(dot + 1));
  const Allowed* a = find_allowed(ext);
  if (!a) return std::nullopt;
  return FileType{a->extension, a->content_type};
}

const std::vector<std::string>& allowed_extensions() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (auto& a : kAllowed) out.push_back(a.extension);
    return out;
  }();
  return names;
}

ContentVerdict check_content(const FileType& type, std::string_view content) {
  const Allowed* a = find_allowed(type.extension);
  if (!a) return ContentVerdict::mismatch;
  std::string_view head = content.substr(0, 8192);
  if (looks_executable(head)) return ContentVerdict::executable;
  bool ok = false;
  switch (a->magic) {
    case Magic::pdf:
      ok = starts_with(head, "%PDF-");
      break;
    case Magic::png:
      ok = starts_with(head, "\x89PNG\r\n\x1a\n");
      break;
    case Magic::jpeg:
      ok = starts_with(head, "\xff\xd8\xff");
      break;
    case Magic::gif:
      ok = starts_with(head, "GIF87a") || starts_with(head, "GIF89a");
      break;
    case Magic::webp:
      ok = starts_with(head, "RIFF") && head.size() >= 12 && head.substr(8, 4) == "WEBP";
      break;
    case Magic::zip:
      ok = starts_with(head, "PK\x03\x04") || starts_with(head, "PK\x05\x06");
      break;
    case Magic::ole:
      ok = starts_with(head, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1");
      break;
    case Magic::text: {
      std::string_view body = starts_with(head, "\xef\xbb\xbf") ? head.substr(3) : head;
      if (!is_text(body, content.size() > 8192)) return ContentVerdict::mismatch;
      if (looks_like_active_markup(body)) return ContentVerdict::executable;
      size_t first = body.find_first_not_of(" \t\r\n");
      char c0 = first == std::string_view::npos ? '\0' : body[first];
      if (type.extension == "json")
        ok = first != std::string_view::npos &&
             std::string_view("{[\"-0123456789tfn").find(c0) != std::string_view::npos;
      else if (type.extension == "xml")
        ok = c0 == '<';
      else
        ok = true;
      break;
    }
    case Magic::none:
      break;
  }
  return ok ? ContentVerdict::ok : ContentVerdict::mismatch;
}

std::string clean_file_name(std::string_view name) {
  size_t slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name = name.substr(slash + 1);
  std::string out;
  for (char ch : name)
    if (static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f) out += ch;
  while (!out.empty() && (out.front() == ' ' || out.front() == '.')) out.erase(out.begin());
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (!is_valid_utf8(out)) return "";
  return out;
}

}  // namespace kanri::engine
