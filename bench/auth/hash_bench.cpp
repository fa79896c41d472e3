// kanri-bench-hash: the time of one argon2id password hash and of one verification, with the
// parameters `kanri serve` uses for passwords (AuthSettings: password_opslimit,
// password_memlimit; libsodium's INTERACTIVE limits unless configured otherwise), through the
// server's own auth::PasswordHasher, on one thread, nothing else running in the process.
//
//   kanri-bench-hash [--runs 20] [--opslimit N] [--memlimit BYTES]
//
// Prints one JSON line on stdout:
//   {"algorithm":"argon2id","opslimit":2,"memlimit_bytes":67108864,"parallelism":1,
//    "phc_prefix":"$argon2id$v=19$m=65536,t=2,p=1","interactive":{...},"moderate":{...},
//    "hash_ms":[...],"verify_ms":[...],"hash_median_ms":M,"verify_median_ms":M,
//    "max_rss_kb":K}
// max_rss_kb is the process's peak resident size after the runs: one hash needs memlimit bytes
// of RAM for its duration, so N sign-ins at once need N times that.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <sodium.h>

#include "auth/password.h"
#include "core/config.h"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

double round2(double x) { return static_cast<double>(static_cast<long long>(x * 100.0 + 0.5)) / 100.0; }

}  // namespace

int main(int argc, char** argv) {
  const kanri::AuthSettings defaults;
  int runs = 20;
  std::uint64_t ops = defaults.password_opslimit, mem = defaults.password_memlimit;
  CLI::App cli{"Time one argon2id hash and verification with Kanri's password parameters"};
  cli.add_option("--runs", runs, "Hashes and verifications to time")->check(CLI::PositiveNumber);
  cli.add_option("--opslimit", ops, "argon2id passes (default: Kanri's password_opslimit)");
  cli.add_option("--memlimit", mem, "argon2id memory in bytes (default: Kanri's password_memlimit)");
  CLI11_PARSE(cli, argc, argv);
  if (sodium_init() < 0) {
    std::cerr << "kanri-bench-hash: libsodium failed to initialise\n";
    return 1;
  }

  using clock = std::chrono::steady_clock;
  auto ms_since = [](clock::time_point t) {
    return std::chrono::duration<double, std::milli>(clock::now() - t).count();
  };
  const kanri::auth::PasswordHasher hasher(ops, mem);  // computes its dummy hash once
  const std::string password = "Bench-correct-horse-7351";
  std::string stored = hasher.hash(password);  // warm-up: pages of the first 64 MiB
  std::vector<double> hash_ms, verify_ms;
  for (int i = 0; i < runs; ++i) {
    auto t = clock::now();
    stored = hasher.hash(password);
    hash_ms.push_back(round2(ms_since(t)));
  }
  for (int i = 0; i < runs; ++i) {
    auto t = clock::now();
    bool ok = hasher.verify(stored, password);
    verify_ms.push_back(round2(ms_since(t)));
    if (!ok) {
      std::cerr << "kanri-bench-hash: a correct password did not verify\n";
      return 1;
    }
  }
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);

  nlohmann::json out{
      {"algorithm", "argon2id"},
      {"opslimit", ops},
      {"memlimit_bytes", mem},
      {"parallelism", 1},  // libsodium's argon2id uses one lane
      {"phc_prefix", stored.substr(0, stored.rfind('$', stored.rfind('$') - 1))},
      {"interactive", {{"opslimit", crypto_pwhash_OPSLIMIT_INTERACTIVE}, {"memlimit_bytes", crypto_pwhash_MEMLIMIT_INTERACTIVE}}},
      {"moderate", {{"opslimit", crypto_pwhash_OPSLIMIT_MODERATE}, {"memlimit_bytes", crypto_pwhash_MEMLIMIT_MODERATE}}},
      {"sodium_version", sodium_version_string()},
      {"runs", runs},
      {"hash_ms", hash_ms},
      {"verify_ms", verify_ms},
      {"hash_median_ms", round2(median(hash_ms))},
      {"verify_median_ms", round2(median(verify_ms))},
      {"hash_min_ms", *std::min_element(hash_ms.begin(), hash_ms.end())},
      {"verify_min_ms", *std::min_element(verify_ms.begin(), verify_ms.end())},
      {"max_rss_kb", ru.ru_maxrss},
  };
  std::cout << out.dump() << "\n";
  return 0;
}
