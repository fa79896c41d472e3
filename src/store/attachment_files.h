// The bytes of attachments, on disk, named by their SHA-256 (content-addressed: the same file
// attached twice is stored once). A file is written to a temporary name, synced, renamed into
// place and its directory synced, all before the row that names it commits: a file without a
// row is harmless, a row without its file is not. Files are never deleted here (a removed
// attachment keeps its bytes: the journal and backups name them).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace kanri::store {

class AttachmentFiles {
 public:
  // `dir` is created on first write when missing.
  explicit AttachmentFiles(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }

  // Stores `content` under `sha256` (its lower-case hex SHA-256) durably; does nothing when
  // the file is there already. An I/O failure is an internal error that names the path.
  Status put(const std::string& sha256, std::string_view content) const;
  // The bytes stored under `sha256`, or nullopt when there is no such file.
  std::optional<std::string> get(const std::string& sha256) const;
  // Where the file for `sha256` lives: <dir>/<first two hex digits>/<sha256>.
  std::string path_of(const std::string& sha256) const;

 private:
  std::string dir_;
};

}  // namespace kanri::store
