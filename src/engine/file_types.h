// Which files may be attached to records: an allowlist by file-name extension, each with the
// content type it is stored and served as, and a check that the bytes are what the name says
// (magic bytes where the format has them; text formats must be text). Executables, HTML and
// SVG are refused whatever they are called: a browser could run them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kanri::engine {

struct FileType {
  std::string extension;     // lower-case, without the dot: "png"
  std::string content_type;  // "image/png"
};

// The allowed type for `file_name` by its extension (case-insensitive), or nullopt.
std::optional<FileType> file_type_for(std::string_view file_name);
// Every allowed extension, in the order shown to users ("pdf, png, …").
const std::vector<std::string>& allowed_extensions();

enum class ContentVerdict {
  ok,
  mismatch,    // the bytes are not the format the extension names
  executable,  // a program, or markup a browser would run (HTML, SVG)
};
// Checks `content` against the type its name gave it. Reads at most the first 8 KiB.
ContentVerdict check_content(const FileType& type, std::string_view content);

// A file name fit to keep: the part after the last '/' or '\\', trimmed, control characters
// removed. Empty when nothing usable is left.
std::string clean_file_name(std::string_view name);

}  // namespace kanri::engine
