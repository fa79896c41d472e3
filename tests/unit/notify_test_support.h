// What the notification transport tests share: the sink scripts in tests/lib run as
// subprocesses, temporary directories, and decoding received mail with Python's email
// package, an implementation independent of the code under test.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

extern char** environ;

namespace kanri::notify::test {

namespace fs = std::filesystem;
using nlohmann::json;

inline const std::string kLib = std::string(KANRI_DEFAULT_SHARE_DIR) + "/tests/lib/";
inline const std::string kPython = "/usr/bin/python3";  // Debian's, which has aiosmtpd

// ---------------------------------------------------------------------------------------
// Processes, files, ports

// Starts argv with stdout on a pipe; returns the pid and the pipe's reading end.
inline std::pair<pid_t, int> spawn(const std::vector<std::string>& argv, bool quiet = false) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  if (quiet) posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    throw std::runtime_error("cannot start " + argv[0]);
  }
  return {pid, fds[0]};
}

// Runs argv to its end; returns its exit status and what it printed.
inline std::pair<int, std::string> run(const std::vector<std::string>& argv, bool quiet = false) {
  auto [pid, fd] = spawn(argv, quiet);
  std::string out;
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// A sink script as a server: ready once it printed "listening <port>", stopped (SIGTERM, and
// waited for) when this object goes.
class Sink {
 public:
  Sink(const std::string& script, const std::vector<std::string>& options) {
    std::vector<std::string> argv = {kPython, kLib + script, "--port", "0"};
    argv.insert(argv.end(), options.begin(), options.end());
    std::tie(pid_, fd_) = spawn(argv);
    try {
      port_ = wait_for_listening();
    } catch (...) {
      stop();
      throw;
    }
  }
  ~Sink() { stop(); }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  std::uint16_t wait_for_listening() {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (line.find('\n') == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        throw std::runtime_error("sink did not print 'listening' in time");
      }
      char buf[256];
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) throw std::runtime_error("sink exited before listening: " + line);
      line.append(buf, static_cast<std::size_t>(n));
    }
    std::istringstream words(line);
    std::string word;
    int port = 0;
    words >> word >> port;
    if (word != "listening" || port <= 0)
      throw std::runtime_error("unexpected sink output: " + line);
    return static_cast<std::uint16_t>(port);
  }

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "kanri_notify_XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<json> read_json_lines(const std::string& path) {
  std::vector<json> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(json::parse(line));
  }
  return lines;
}

inline std::size_t count_messages(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().extension() == ".json";
  return n;
}

// A port on which nothing listens: bound, then released.
inline std::uint16_t closed_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    throw std::runtime_error("cannot bind a loopback port");
  }
  ::close(s);
  return ntohs(a.sin_port);
}

// A server that accepts connections (the kernel's backlog does) and never says anything.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      throw std::runtime_error("cannot listen on a loopback port");
    }
    port_ = ntohs(a.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// ---------------------------------------------------------------------------------------
// Decoding what arrived, independently of the code under test

// Python's email package reading a message file: decoded headers and body. Display names
// come from the legacy decode_header(), which follows RFC 2047 6.2 (white space between
// encoded words is dropped); Python 3.11's policy=default address parser puts a space
// between adjacent encoded words of a display name, even for text Python encoded itself.
inline const char* const kDecoder = R"PY(
import email, email.header, email.policy, json, sys
raw = open(sys.argv[1], "rb").read()
msg = email.message_from_bytes(raw, policy=email.policy.default)
legacy = email.message_from_bytes(raw)
def mailbox(name):
    text = str(email.header.make_header(email.header.decode_header(legacy[name])))
    display = text[:text.rfind(" <")] if text.endswith(">") and " <" in text else ""
    if len(display) > 1 and display[0] == display[-1] == '"':
        display = display[1:-1].replace('\\"', '"').replace('\\\\', '\\')
    return {"display_name": display, "addr_spec": msg[name].addresses[0].addr_spec}
defects = [type(d).__name__ for d in msg.defects]
for k, v in msg.items():
    defects += [k + ": " + type(d).__name__ for d in getattr(v, "defects", [])]
print(json.dumps({
    "subject": str(msg["subject"]),
    "from": mailbox("from"),
    "to": mailbox("to"),
    "date": msg["date"].datetime.timestamp(),
    "headers": [[k, str(v)] for k, v in msg.items()],
    "content_type": msg.get_content_type(),
    "charset": msg.get_content_charset(),
    "body": msg.get_content(),
    "defects": defects,
}))
)PY";

inline json decode_message_file(const std::string& path) {
  auto [status, out] = run({kPython, "-c", kDecoder, path});
  if (status != 0) throw std::runtime_error("python could not decode " + path);
  return json::parse(out);
}

inline json decode_message(const std::string& text) {
  TempDir dir;
  std::ofstream(dir / "m.eml", std::ios::binary) << text;
  return decode_message_file(dir / "m.eml");
}

// The decoded value of the first header `name` (Python's view), or null.
inline json header(const json& decoded, const std::string& name) {
  for (const auto& h : decoded["headers"]) {
    if (h[0] == name) return h[1];
  }
  return nullptr;
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find("\r\n", start)) != std::string::npos; start = end + 2) {
    lines.push_back(text.substr(start, end - start));
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

// Every line ends in CRLF (no bare CR or LF) and has at most 78 characters.
inline void expect_well_formed_lines(const std::string& text) {
  std::size_t bare = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) ++bare;
    if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) ++bare;
  }
  EXPECT_EQ(bare, 0u) << "bare CR or LF";
  EXPECT_TRUE(text.ends_with("\r\n"));
  for (const auto& line : lines_of(text)) EXPECT_LE(line.size(), 78u) << line;
}

inline bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80         ? 1
                          : (c >> 5) == 6  ? 2
                          : (c >> 4) == 14 ? 3
                          : (c >> 3) == 30 ? 4
                                           : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// Each =?UTF-8?B?...?= word in `text` decoded alone: RFC 2047 6.3 lets a reader decode the
// words one by one, so none may end inside a character.
inline std::vector<std::string> encoded_words(const std::string& text) {
  std::vector<std::string> words;
  const std::string start = "=?UTF-8?B?";
  for (std::size_t i = 0; (i = text.find(start, i)) != std::string::npos;) {
    const std::size_t b = i + start.size();
    const std::size_t e = text.find("?=", b);
    const std::string b64 = text.substr(b, e - b);
    std::string bytes(b64.size(), '\0');
    std::size_t len = 0;
    EXPECT_EQ(
        sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), b64.data(),
                          b64.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL),
        0);
    bytes.resize(len);
    words.push_back(bytes);
    EXPECT_LE(e + 2 - i, 75u) << "encoded word longer than RFC 2047 allows";
    i = e + 2;
  }
  return words;
}

// The message's header block, up to the empty line.
inline std::string header_block(const std::string& text) {
  return text.substr(0, text.find("\r\n\r\n") + 2);
}

}  // namespace kanri::notify::test
