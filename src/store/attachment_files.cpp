#include "store/attachment_files.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/crypto.h"

namespace kanri::store {

namespace fs = std::filesystem;

namespace {

Error io_error(const std::string& what, const std::string& path) {
  spdlog::error("attachments: {} {}: {}", what, path, std::strerror(errno));
  return Error::of(ErrorKind::internal, "attachment.storage_failed", {});
}

bool sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

bool valid_hash(const std::string& h) {
  if (h.size() != 64) return false;
  for (char c : h)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

std::string AttachmentFiles::path_of(const std::string& sha256) const {
  return dir_ + "/" + sha256.substr(0, 2) + "/" + sha256;
}

Status AttachmentFiles::put(const std::string& sha256, std::string_view content) const {
  if (!valid_hash(sha256)) return Error::of(ErrorKind::internal, "attachment.storage_failed", {});
  const std::string final_path = path_of(sha256);
  std::error_code ec;
  if (fs::exists(final_path, ec)) return ok_status();
  const std::string sub = dir_ + "/" + sha256.substr(0, 2);
  const std::string tmp_dir = dir_ + "/tmp";
  fs::create_directories(sub, ec);
  fs::create_directories(tmp_dir, ec);
  const std::string tmp = tmp_dir + "/" + sha256 + "." + random_token(8);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return io_error("cannot create", tmp);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return io_error("cannot write", tmp);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return io_error("cannot sync", tmp);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return io_error("cannot rename into", final_path);
  }
  if (!sync_dir(sub)) return io_error("cannot sync directory", sub);
  return ok_status();
}

std::optional<std::string> AttachmentFiles::get(const std::string& sha256) const {
  if (!valid_hash(sha256)) return std::nullopt;
  std::ifstream in(path_of(sha256), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace kanri::store
