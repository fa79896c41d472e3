#include "auth/password.h"

#include <sodium.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <stdexcept>

#include "core/text.h"

namespace kanri::auth {

namespace {

void init_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string argon2id(const std::string& password, std::uint64_t ops, std::uint64_t mem) {
  init_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops, static_cast<size_t>(mem),
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("out of memory while hashing a password");
  return out;
}

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}


}  // namespace

// A counting semaphore (std::counting_semaphore needs a compile-time maximum; this does not).
class PasswordHasher::Slots {
 public:
  explicit Slots(unsigned n) : free_(n) {}
  void acquire() {
    std::unique_lock lock(mutex_);
    freed_.wait(lock, [&] { return free_ > 0; });
    --free_;
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      ++free_;
    }
    freed_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable freed_;
  unsigned free_;
};

namespace {
struct Slot {
  explicit Slot(PasswordHasher::Slots& s) : s_(s) { s_.acquire(); }
  ~Slot() { s_.release(); }
  PasswordHasher::Slots& s_;
};
}  // namespace

PasswordHasher::PasswordHasher(std::uint64_t opslimit, std::uint64_t memlimit, unsigned parallel)
    : opslimit_(opslimit),
      memlimit_(memlimit),
      slots_(std::make_unique<Slots>(parallel ? parallel : std::max(2u, std::thread::hardware_concurrency()))),
      dummy_hash_(argon2id("kanri-no-such-user", opslimit, memlimit)) {}

PasswordHasher::~PasswordHasher() = default;

std::string PasswordHasher::hash(const std::string& password) const {
  Slot slot(*slots_);
  return argon2id(password, opslimit_, memlimit_);
}

bool PasswordHasher::verify(const std::string& hash, const std::string& password) const {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  Slot slot(*slots_);
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool PasswordHasher::needs_rehash(const std::string& hash) const {
  return crypto_pwhash_str_needs_rehash(hash.c_str(), opslimit_, static_cast<size_t>(memlimit_)) != 0;
}

void PasswordHasher::verify_nothing(const std::string& password) const { (void)verify(dummy_hash_, password + "\x01"); }

std::string hash_password(const std::string& password) {
  return argon2id(password, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

std::string generate_password(size_t length) {
  init_sodium();
  static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::string out;
  for (size_t i = 0; i < length; ++i) out += alphabet[randombytes_uniform(sizeof alphabet - 1)];
  return out;
}

std::optional<FieldError> check_password_policy(const std::string& field, const std::string& username,
                                                const std::string& password, int min_length) {
  constexpr size_t kMaxLength = 256;
  size_t n = utf8_length(password);
  if (n < static_cast<size_t>(min_length))
    return FieldError{field, "password.too_short", {{"min", std::to_string(min_length)}}};
  if (n > kMaxLength) return FieldError{field, "password.too_long", {{"max", std::to_string(kMaxLength)}}};
  std::string p = lower(password);
  std::string u = lower(username);
  if (u.size() >= 3 && p.find(u) != std::string::npos) return FieldError{field, "password.contains_username", {}};
  static const char* common[] = {"password", "passw0rd", "123456789012", "qwertyuiop", "1q2w3e4r5t6y",
                                 "administrator", "letmein", "welcome", "changeme", "iloveyou", "p@ssw0rd"};
  std::string stripped = p;
  while (!stripped.empty() && (std::isdigit(static_cast<unsigned char>(stripped.back())) || stripped.back() == '!'))
    stripped.pop_back();
  for (auto* c : common)
    if (p == c || stripped == c) return FieldError{field, "password.common", {}};
  if (std::all_of(p.begin(), p.end(), [&](char ch) { return ch == p[0]; }))
    return FieldError{field, "password.common", {}};
  return std::nullopt;
}

}  // namespace kanri::auth
