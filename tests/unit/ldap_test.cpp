// LDAP bind against a real slapd started by scripts/slapd-throwaway for this test program. If slapd
// cannot be started (not installed, broken), every test fails with the script's message.
#include "auth/ldap.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ldap.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace kanri::auth {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::string kPeople = "ou=people,dc=kanri,dc=test";
const std::string kDirectTemplate = "uid={username}," + kPeople;
const std::string kServiceDn = "cn=kanri-service,dc=kanri,dc=test";
const std::string kServicePassword = "service-Secret-9";

// A uid with every character that means something in a DN or a filter, and its DN written by hand
// (not by the function under test).
const std::string kTrickyUid = R"(o'hara,x*(y)+z\w=v)";
const std::string kTrickyDn = R"(uid=o'hara\,x*(y)\+z\\w\=v,)" + kPeople;

const char* kPeopleLdif = R"(dn: uid=alice,ou=people,dc=kanri,dc=test
objectClass: inetOrgPerson
uid: alice
cn: Alice Example
sn: Example
mail: alice@kanri.test
userPassword: alice-Secret-1

dn: uid=bob,ou=people,dc=kanri,dc=test
objectClass: inetOrgPerson
uid: bob
cn: Bob Builder
sn: Builder
mail: bob@kanri.test
userPassword: bob-Secret-2

dn: uid=o'hara\,x*(y)\+z\\w\=v,ou=people,dc=kanri,dc=test
objectClass: inetOrgPerson
uid: o'hara,x*(y)+z\w=v
cn: Scarlett O'Hara
sn: O'Hara
mail: ohara@kanri.test
userPassword: ohara-Secret-3

dn: uid=team1,ou=people,dc=kanri,dc=test
objectClass: inetOrgPerson
uid: team1
cn: Team One
sn: One
ou: support
mail: team@kanri.test
userPassword: team-Secret-4

dn: uid=team2,ou=people,dc=kanri,dc=test
objectClass: inetOrgPerson
uid: team2
cn: Team Two
sn: Two
ou: support
mail: team@kanri.test
userPassword: team-Secret-4

dn: uid=team3,ou=people,dc=kanri,dc=test
objectClass: inetOrgPerson
uid: team3
cn: Team Three
sn: Three
ou: support
mail: team3@kanri.test
userPassword: team-Secret-4

dn: cn=kanri-service,dc=kanri,dc=test
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: kanri-service
userPassword: service-Secret-9
)";

std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A TCP port on 127.0.0.1 that misbehaves in one way, for the test's lifetime.
enum class Misbehaviour {
  refuses,        // nothing listens: connections are refused at once
  never_answers,  // connections are accepted by the kernel, requests are never answered
  never_accepts,  // the accept queue is full: connection attempts hang (SYNs are dropped)
};

class LocalPort {
 public:
  explicit LocalPort(Misbehaviour how) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    const int backlog = how == Misbehaviour::never_accepts ? 0 : 16;
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        (how != Misbehaviour::refuses && listen(fd_, backlog) != 0) ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ADD_FAILURE() << "cannot reserve a local port";
      return;
    }
    port_ = ntohs(address.sin_port);
    if (how == Misbehaviour::never_accepts) {
      // Linux queues backlog + 1 connections; these fill the queue so that the next one hangs.
      for (int i = 0; i < 3; ++i) {
        const int client = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address);
        fillers_.push_back(client);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ~LocalPort() {
    for (int client : fillers_) close(client);
    if (fd_ >= 0) close(fd_);
  }
  LocalPort(const LocalPort&) = delete;
  LocalPort& operator=(const LocalPort&) = delete;
  std::string url() const { return "ldap://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_;
  int port_ = 0;
  std::vector<int> fillers_;
};

class Ldap : public ::testing::Test {
 protected:
  // Starts the suite's slapd in a fresh temporary directory. The script is told our pid, so that a
  // crash or a kill for timeout (which skip TearDownTestSuite) still stops the server.
  static void SetUpTestSuite() {
    std::string dir = (fs::temp_directory_path() / "kanri-ldap-test-XXXXXX").string();
    if (mkdtemp(dir.data()) == nullptr) {
      start_error_ = "cannot create a temporary directory";
      return;
    }
    server_dir_ = dir;
    const fs::path ldif = temporary_file("kanri-ldap-people-", kPeopleLdif);
    const fs::path errors = temporary_file("kanri-ldap-start-", "");
    const std::string command = "SLAPD_THROWAWAY_OWNER=" + std::to_string(getpid()) + " " +
                                shell_quoted(script()) + " start " +
                                shell_quoted(server_dir_.string()) + " " +
                                shell_quoted(ldif.string()) + " 2>" + shell_quoted(errors.string());
    std::string printed;
    int status = -1;
    if (FILE* out = popen(command.c_str(), "r")) {
      char buffer[256];
      while (fgets(buffer, sizeof buffer, out) != nullptr) printed += buffer;
      status = pclose(out);
    }
    const std::string script_errors = read_file(errors);
    std::error_code ignored;
    fs::remove(ldif, ignored);
    fs::remove(errors, ignored);
    // Exactly one line, the URL: anything else on stdout would break callers that read it.
    if (status != 0 || printed.rfind("ldap://127.0.0.1:", 0) != 0 ||
        printed.find('\n') != printed.size() - 1) {
      const int exit_code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      start_error_ = script() + " start failed (exit " + std::to_string(exit_code) + ", stdout \"" +
                     printed + "\"):\n" + script_errors;
      return;
    }
    printed.pop_back();
    url_ = printed;
  }

  static void TearDownTestSuite() {
    if (server_dir_.empty()) return;
    std::error_code ignored;
    if (url_.empty()) {
      fs::remove(server_dir_, ignored);  // a failed start has already emptied it
    } else {
      const std::string command =
          shell_quoted(script()) + " stop " + shell_quoted(server_dir_.string());
      if (std::system(command.c_str()) != 0) {
        std::fprintf(stderr, "ldap_test: %s failed; slapd may still run from %s\n", command.c_str(),
                     server_dir_.c_str());
      }
    }
    server_dir_.clear();
    url_.clear();
  }

  static std::string script() { return std::string(KANRI_SOURCE_DIR) + "/scripts/slapd-throwaway"; }

  static fs::path temporary_file(const std::string& prefix, const std::string& contents) {
    std::string path = (fs::temp_directory_path() / (prefix + "XXXXXX")).string();
    const int fd = mkstemp(path.data());
    if (fd < 0) return {};
    close(fd);
    std::ofstream(path) << contents;
    return path;
  }

  void SetUp() override {
    ASSERT_FALSE(url_.empty()) << "no directory server for the LDAP tests: " << start_error_;
  }

  static LdapConfig direct() {
    LdapConfig config;
    config.url = url_;
    config.bind_dn = kDirectTemplate;
    return config;
  }

  static LdapConfig search(bool with_service_account) {
    LdapConfig config;
    config.url = url_;
    config.search_base = kPeople;
    if (with_service_account) {
      config.service_dn = kServiceDn;
      config.service_password = kServicePassword;
    }
    return config;
  }

  // How many entries an anonymous search with this (unescaped) filter finds: shows that an
  // injection attempt would have matched someone had the username not been escaped.
  static int entries_matching(const std::string& filter) {
    LDAP* ld = nullptr;
    if (ldap_initialize(&ld, url_.c_str()) != LDAP_SUCCESS) return -1;
    const int version = LDAP_VERSION3;
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    LDAPMessage* messages = nullptr;
    char no_attributes[] = LDAP_NO_ATTRS;
    char* attributes[] = {no_attributes, nullptr};
    const int code = ldap_search_ext_s(ld, kPeople.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(),
                                       attributes, 0, nullptr, nullptr, nullptr, 0, &messages);
    const int count = code == LDAP_SUCCESS ? ldap_count_entries(ld, messages) : -1;
    ldap_msgfree(messages);
    ldap_unbind_ext_s(ld, nullptr, nullptr);
    return count;
  }

  // The DN of the entry at `dn` as the directory writes it (its own choice of escapes), or "".
  static std::string directory_spelling(const std::string& dn) {
    LDAP* ld = nullptr;
    if (ldap_initialize(&ld, url_.c_str()) != LDAP_SUCCESS) return "";
    const int version = LDAP_VERSION3;
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    LDAPMessage* messages = nullptr;
    char no_attributes[] = LDAP_NO_ATTRS;
    char* attributes[] = {no_attributes, nullptr};
    std::string spelling;
    if (ldap_search_ext_s(ld, dn.c_str(), LDAP_SCOPE_BASE, "(objectClass=*)", attributes, 0,
                          nullptr, nullptr, nullptr, 0, &messages) == LDAP_SUCCESS) {
      if (LDAPMessage* entry = ldap_first_entry(ld, messages)) {
        char* found = ldap_get_dn(ld, entry);
        spelling = found;
        ldap_memfree(found);
      }
    }
    ldap_msgfree(messages);
    ldap_unbind_ext_s(ld, nullptr, nullptr);
    return spelling;
  }

  // A connection bound as the directory's administrator (the script keeps its password in
  // DIR/rootpw), for tests that change the directory; nullptr if that fails.
  static LDAP* administrator() {
    LDAP* ld = nullptr;
    if (ldap_initialize(&ld, url_.c_str()) != LDAP_SUCCESS) return nullptr;
    const int version = LDAP_VERSION3;
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    std::string password = read_file(server_dir_ / "rootpw");
    berval credentials{static_cast<ber_len_t>(password.size()), password.data()};
    if (ldap_sasl_bind_s(ld, "cn=admin,dc=kanri,dc=test", LDAP_SASL_SIMPLE, &credentials, nullptr,
                         nullptr, nullptr) != LDAP_SUCCESS) {
      ldap_unbind_ext_s(ld, nullptr, nullptr);
      return nullptr;
    }
    return ld;
  }

  static inline fs::path server_dir_;
  static inline std::string url_, start_error_;
};

TEST_F(Ldap, DirectBindAcceptsTheRightPasswordAndReadsNameAndEmail) {
  const LdapResult r = ldap_authenticate(direct(), "alice", "alice-Secret-1");
  ASSERT_EQ(r.outcome, LdapOutcome::accepted) << r.detail;
  EXPECT_EQ(r.identity.dn, "uid=alice," + kPeople);
  EXPECT_EQ(r.identity.display_name, "Alice Example");
  EXPECT_EQ(r.identity.email, "alice@kanri.test");
  EXPECT_EQ(r.detail, "");

  LdapConfig other_attributes = direct();
  other_attributes.display_name_attribute = "sn";
  other_attributes.email_attribute = "uid";
  const LdapResult b = ldap_authenticate(other_attributes, "bob", "bob-Secret-2");
  ASSERT_EQ(b.outcome, LdapOutcome::accepted) << b.detail;
  EXPECT_EQ(b.identity.display_name, "Builder");
  EXPECT_EQ(b.identity.email, "bob");
}

TEST_F(Ldap, DirectBindRejectsAWrongPassword) {
  for (const std::string password : {"alice-Secret-2", "ALICE-SECRET-1", "bob-Secret-2", " "}) {
    const LdapResult r = ldap_authenticate(direct(), "alice", password);
    EXPECT_EQ(r.outcome, LdapOutcome::rejected) << password;
    EXPECT_NE(r.detail.find("Invalid credentials"), std::string::npos) << r.detail;
    EXPECT_EQ(r.identity.display_name, "");
  }
}

TEST_F(Ldap, DirectBindRejectsAnUnknownUser) {
  const LdapResult r = ldap_authenticate(direct(), "carol", "alice-Secret-1");
  EXPECT_EQ(r.outcome, LdapOutcome::rejected) << r.detail;
}

TEST_F(Ldap, EmptyPasswordIsRejectedThoughTheServerWouldBindAnonymously) {
  // First show the danger is real on this server: alice's DN with no password binds (anonymously).
  LDAP* ld = nullptr;
  ASSERT_EQ(ldap_initialize(&ld, url_.c_str()), LDAP_SUCCESS);
  const int version = LDAP_VERSION3;
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  berval empty{0, nullptr};
  const std::string alice = "uid=alice," + kPeople;
  const int code =
      ldap_sasl_bind_s(ld, alice.c_str(), LDAP_SASL_SIMPLE, &empty, nullptr, nullptr, nullptr);
  ldap_unbind_ext_s(ld, nullptr, nullptr);
  ASSERT_EQ(code, LDAP_SUCCESS) << "the server should accept an unauthenticated bind; "
                                   "without that this test proves nothing";

  for (const LdapConfig& config : {direct(), search(true), search(false)}) {
    const LdapResult r = ldap_authenticate(config, "alice", "");
    EXPECT_EQ(r.outcome, LdapOutcome::rejected) << r.detail;
    EXPECT_EQ(r.identity.dn, "");
    EXPECT_NE(r.detail.find("empty password"), std::string::npos) << r.detail;
  }
}

TEST_F(Ldap, EmptyPasswordIsRejectedWithoutContactingTheServer) {
  // A server that never answers: contacting it would take the whole timeout and give `unavailable`.
  LocalPort silent(Misbehaviour::never_answers);
  LdapConfig config = direct();
  config.url = silent.url();
  config.timeout_seconds = 3;
  const auto started = Clock::now();
  const LdapResult r = ldap_authenticate(config, "alice", "");
  EXPECT_EQ(r.outcome, LdapOutcome::rejected) << r.detail;
  EXPECT_LT(Clock::now() - started, std::chrono::milliseconds(500));
}

TEST_F(Ldap, EmptyUsernameIsRejectedWithoutContactingTheServer) {
  LocalPort silent(Misbehaviour::never_answers);
  for (LdapConfig config : {direct(), search(true)}) {
    config.url = silent.url();
    config.timeout_seconds = 3;
    const auto started = Clock::now();
    const LdapResult r = ldap_authenticate(config, "", "alice-Secret-1");
    EXPECT_EQ(r.outcome, LdapOutcome::rejected) << r.detail;
    EXPECT_LT(Clock::now() - started, std::chrono::milliseconds(500));
  }
}

TEST_F(Ldap, SearchModeWithAServiceAccountFindsAndBindsTheUser) {
  const LdapResult r = ldap_authenticate(search(true), "alice", "alice-Secret-1");
  ASSERT_EQ(r.outcome, LdapOutcome::accepted) << r.detail;
  EXPECT_EQ(r.identity.dn, "uid=alice," + kPeople);
  EXPECT_EQ(r.identity.display_name, "Alice Example");
  EXPECT_EQ(r.identity.email, "alice@kanri.test");

  EXPECT_EQ(ldap_authenticate(search(true), "alice", "bob-Secret-2").outcome,
            LdapOutcome::rejected);
  const LdapResult unknown = ldap_authenticate(search(true), "carol", "alice-Secret-1");
  EXPECT_EQ(unknown.outcome, LdapOutcome::rejected);
  EXPECT_NE(unknown.detail.find("no entry"), std::string::npos) << unknown.detail;
}

TEST_F(Ldap, SearchModeAnonymouslyFindsAndBindsTheUser) {
  const LdapResult r = ldap_authenticate(search(false), "bob", "bob-Secret-2");
  ASSERT_EQ(r.outcome, LdapOutcome::accepted) << r.detail;
  EXPECT_EQ(r.identity.dn, "uid=bob," + kPeople);
  EXPECT_EQ(r.identity.display_name, "Bob Builder");
  EXPECT_EQ(r.identity.email, "bob@kanri.test");

  EXPECT_EQ(ldap_authenticate(search(false), "bob", "alice-Secret-1").outcome,
            LdapOutcome::rejected);
  EXPECT_EQ(ldap_authenticate(search(false), "carol", "bob-Secret-2").outcome,
            LdapOutcome::rejected);
}

TEST_F(Ldap, SearchModeWithAWrongServicePasswordIsUnavailable) {
  // Proves the service account is really used, and that its failure is not blamed on the user.
  LdapConfig config = search(true);
  config.service_password = "not-the-service-password";
  const LdapResult r = ldap_authenticate(config, "alice", "alice-Secret-1");
  EXPECT_EQ(r.outcome, LdapOutcome::unavailable) << r.detail;
  EXPECT_NE(r.detail.find("service account"), std::string::npos) << r.detail;
}

TEST_F(Ldap, SearchFindingSeveralEntriesIsRejected) {
  // Two matches come back as two entries; three exceed the size limit of 2. Both are ambiguous.
  LdapConfig by_mail = search(true);
  by_mail.search_filter = "(mail={username})";
  LdapConfig by_unit = search(true);
  by_unit.search_filter = "(ou={username})";
  ASSERT_EQ(entries_matching("(mail=team@kanri.test)"), 2);
  ASSERT_EQ(entries_matching("(ou=support)"), 3);
  for (const auto& [config, username] :
       {std::pair{by_mail, "team@kanri.test"}, std::pair{by_unit, "support"}}) {
    const LdapResult r = ldap_authenticate(config, username, "team-Secret-4");
    EXPECT_EQ(r.outcome, LdapOutcome::rejected) << username << ": " << r.detail;
    EXPECT_NE(r.detail.find("several"), std::string::npos) << r.detail;
  }
  // The same filter with a unique address works, so it is the ambiguity that was refused.
  EXPECT_EQ(ldap_authenticate(by_mail, "team3@kanri.test", "team-Secret-4").outcome,
            LdapOutcome::accepted);
}

TEST_F(Ldap, SearchDoesNotFollowReferrals) {
  // A referral under ou=people back to this same directory: a client that follows it searches
  // again, finds alice a second time and (rightly) refuses the ambiguity. Kanri must not follow
  // referrals at all, since they would send the search to servers the configuration never named.
  LDAP* admin = administrator();
  ASSERT_NE(admin, nullptr) << "cannot bind as the directory's administrator";
  std::string referral_dn = "ou=elsewhere," + kPeople;
  std::string target = url_ + "/dc=kanri,dc=test??sub";
  char object_class[] = "objectClass", ou[] = "ou", ref[] = "ref";
  char referral[] = "referral", extensible[] = "extensibleObject", elsewhere[] = "elsewhere";
  char* classes[] = {referral, extensible, nullptr};
  char* units[] = {elsewhere, nullptr};
  char* targets[] = {target.data(), nullptr};
  LDAPMod class_mod{LDAP_MOD_ADD, object_class, {classes}};
  LDAPMod ou_mod{LDAP_MOD_ADD, ou, {units}};
  LDAPMod ref_mod{LDAP_MOD_ADD, ref, {targets}};
  LDAPMod* mods[] = {&class_mod, &ou_mod, &ref_mod, nullptr};
  const int added = ldap_add_ext_s(admin, referral_dn.c_str(), mods, nullptr, nullptr);

  const LdapResult r = added == LDAP_SUCCESS
                           ? ldap_authenticate(search(true), "alice", "alice-Secret-1")
                           : LdapResult{};

  // Removing a referral object itself needs ManageDsaIT, or the server answers with the referral.
  char manage_dsa_it[] = LDAP_CONTROL_MANAGEDSAIT;
  LDAPControl control{manage_dsa_it, {0, nullptr}, 1};
  LDAPControl* controls[] = {&control, nullptr};
  const int deleted = ldap_delete_ext_s(admin, referral_dn.c_str(), controls, nullptr);
  ldap_unbind_ext_s(admin, nullptr, nullptr);

  ASSERT_EQ(added, LDAP_SUCCESS) << ldap_err2string(added);
  EXPECT_EQ(r.outcome, LdapOutcome::accepted) << r.detail;
  EXPECT_EQ(r.identity.dn, "uid=alice," + kPeople);
  EXPECT_EQ(deleted, LDAP_SUCCESS) << ldap_err2string(deleted);
}

TEST_F(Ldap, UsernameWithDnAndFilterCharactersSignsInInBothModes) {
  for (const LdapConfig& config : {direct(), search(true), search(false)}) {
    const LdapResult r = ldap_authenticate(config, kTrickyUid, "ohara-Secret-3");
    ASSERT_EQ(r.outcome, LdapOutcome::accepted) << r.detail;
    EXPECT_EQ(r.identity.display_name, "Scarlett O'Hara");
    EXPECT_EQ(r.identity.email, "ohara@kanri.test");
    EXPECT_EQ(ldap_authenticate(config, kTrickyUid, "alice-Secret-1").outcome,
              LdapOutcome::rejected);
  }
  const LdapResult direct_result = ldap_authenticate(direct(), kTrickyUid, "ohara-Secret-3");
  EXPECT_EQ(direct_result.identity.dn, directory_spelling(kTrickyDn));
}

TEST_F(Ldap, FilterInjectionDoesNotMatchSomeoneElse) {
  LdapConfig config = search(true);
  config.search_filter = "(&(objectClass=inetOrgPerson)(uid={username}))";
  for (const std::string attempt : {"al*", "alice)(uid=*", "*)(uid=alice", R"(alic\65)"}) {
    // Pasted in unescaped, each attempt would find alice and her password would then let it in.
    ASSERT_EQ(entries_matching("(&(objectClass=inetOrgPerson)(uid=" + attempt + "))"), 1)
        << attempt;
    const LdapResult r = ldap_authenticate(config, attempt, "alice-Secret-1");
    EXPECT_EQ(r.outcome, LdapOutcome::rejected) << attempt << ": " << r.detail;
    EXPECT_EQ(r.identity.dn, "") << attempt;
  }
  for (const std::string attempt : {"*", "*)(|(uid=*"}) {
    const LdapResult r = ldap_authenticate(search(false), attempt, "bob-Secret-2");
    EXPECT_EQ(r.outcome, LdapOutcome::rejected) << attempt << ": " << r.detail;
    EXPECT_NE(r.detail.find("no entry"), std::string::npos) << attempt << ": " << r.detail;
  }
}

TEST_F(Ldap, DnInjectionDoesNotBindAsSomeoneElse) {
  // Pasted into the template unescaped, these would add RDNs or make a multi-valued RDN, and the
  // last would be cut at the NUL by a C string into alice's own DN, so her password would let it
  // in. Escaped, each names an entry that does not exist. A wildcard means nothing in a DN.
  const std::string with_nul = "alice," + kPeople + '\0' + "x";
  for (const std::string& attempt :
       {std::string("alice,ou=people"), std::string("alice+cn=Alice Example"),
        std::string("alice,ou=people,dc=kanri,dc=test"), std::string("*"), with_nul}) {
    const LdapResult r = ldap_authenticate(direct(), attempt, "alice-Secret-1");
    EXPECT_EQ(r.outcome, LdapOutcome::rejected) << r.detail;
    EXPECT_EQ(r.identity.display_name, "") << r.detail;
  }
}

TEST_F(Ldap, IdentityDnIsTheDirectorysSpelling) {
  // Directories match names without regard to case or surrounding spaces: map accounts by the
  // returned DN, not by what was typed.
  for (const LdapConfig& config : {direct(), search(true)}) {
    for (const std::string typed : {"ALICE", " Alice "}) {
      const LdapResult r = ldap_authenticate(config, typed, "alice-Secret-1");
      ASSERT_EQ(r.outcome, LdapOutcome::accepted) << typed << ": " << r.detail;
      EXPECT_EQ(r.identity.dn, "uid=alice," + kPeople) << typed;
    }
  }
}

TEST_F(Ldap, UnreachableServerIsUnavailableWithinTheTimeout) {
  LocalPort closed(Misbehaviour::refuses);
  for (LdapConfig config : {direct(), search(true)}) {
    config.url = closed.url();
    config.timeout_seconds = 2;
    const auto started = Clock::now();
    const LdapResult r = ldap_authenticate(config, "alice", "alice-Secret-1");
    EXPECT_EQ(r.outcome, LdapOutcome::unavailable) << r.detail;
    EXPECT_LT(Clock::now() - started, std::chrono::seconds(2));
  }
}

TEST_F(Ldap, SilentServerIsUnavailableAfterTheTimeout) {
  // Accepts the connection and never answers: only the operation timeout ends the wait.
  LocalPort silent(Misbehaviour::never_answers);
  LdapConfig config = direct();
  config.url = silent.url();
  config.timeout_seconds = 1;
  const auto started = Clock::now();
  const LdapResult r = ldap_authenticate(config, "alice", "alice-Secret-1");
  const auto waited = Clock::now() - started;
  EXPECT_EQ(r.outcome, LdapOutcome::unavailable) << r.detail;
  EXPECT_GE(waited, std::chrono::milliseconds(900));
  EXPECT_LT(waited, std::chrono::milliseconds(2500));
}

TEST_F(Ldap, ServerNotAcceptingConnectionsIsUnavailableAfterTheTimeout) {
  // The connection itself never completes: only the network timeout ends the wait.
  LocalPort stuck(Misbehaviour::never_accepts);
  LdapConfig config = direct();
  config.url = stuck.url();
  config.timeout_seconds = 1;
  const auto started = Clock::now();
  const LdapResult r = ldap_authenticate(config, "alice", "alice-Secret-1");
  const auto waited = Clock::now() - started;
  EXPECT_EQ(r.outcome, LdapOutcome::unavailable) << r.detail;
  EXPECT_GE(waited, std::chrono::milliseconds(900));
  EXPECT_LT(waited, std::chrono::milliseconds(2500));
}

TEST_F(Ldap, StartTlsWithAServerWithoutTlsIsUnavailable) {
  LdapConfig config = direct();
  config.start_tls = true;
  const LdapResult r = ldap_authenticate(config, "alice", "alice-Secret-1");
  EXPECT_EQ(r.outcome, LdapOutcome::unavailable) << r.detail;
  EXPECT_NE(r.detail.find("StartTLS"), std::string::npos) << r.detail;
}

TEST_F(Ldap, UnusableConfigurationIsUnavailableNotAWrongPassword) {
  LdapConfig no_placeholder = direct();
  no_placeholder.bind_dn = "uid=alice," + kPeople;  // would let any username in as alice
  LdapConfig not_ldap = direct();
  not_ldap.url = "http://127.0.0.1:1";
  LdapConfig no_mode = direct();
  no_mode.bind_dn.clear();
  LdapConfig filter_without_placeholder = search(true);
  filter_without_placeholder.search_filter = "(uid=alice)";
  LdapConfig service_without_password = search(true);
  service_without_password.service_password.clear();
  LdapConfig missing_base = search(true);
  missing_base.search_base = "ou=nowhere,dc=kanri,dc=test";
  LdapConfig not_a_timeout = direct();
  not_a_timeout.timeout_seconds = 0;
  for (const LdapConfig& config : {no_placeholder, not_ldap, no_mode, filter_without_placeholder,
                                   service_without_password, not_a_timeout}) {
    const LdapResult r = ldap_authenticate(config, "bob", "bob-Secret-2");
    EXPECT_EQ(r.outcome, LdapOutcome::unavailable) << r.detail;
    EXPECT_EQ(r.detail.rfind("configuration: ", 0), 0u) << r.detail;
  }
  const LdapResult r = ldap_authenticate(missing_base, "bob", "bob-Secret-2");
  EXPECT_EQ(r.outcome, LdapOutcome::unavailable) << r.detail;
  EXPECT_NE(r.detail.find("No such object"), std::string::npos) << r.detail;
}

TEST_F(Ldap, ConcurrentSignInsEachGetTheirOwnAnswer) {
  std::atomic<int> wrong_answers = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t, &wrong_answers] {
      for (int i = 0; i < 10; ++i) {
        const bool alice = (t + i) % 2 == 0;
        const bool right = i % 3 != 0;
        const std::string password = alice == right ? "alice-Secret-1" : "bob-Secret-2";
        const LdapResult r =
            ldap_authenticate(t % 2 ? direct() : search(true), alice ? "alice" : "bob", password);
        const LdapOutcome expected = right ? LdapOutcome::accepted : LdapOutcome::rejected;
        const std::string expected_email = alice ? "alice@kanri.test" : "bob@kanri.test";
        if (r.outcome != expected || (right && r.identity.email != expected_email)) ++wrong_answers;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong_answers, 0);
}

TEST_F(Ldap, EscapesDnValuesPerRfc4514) {
  EXPECT_EQ(ldap_escape_dn_value("alice"), "alice");
  EXPECT_EQ(ldap_escape_dn_value(R"(a,b+c;d"e\f<g>h=i)"), R"(a\,b\+c\;d\"e\\f\<g\>h\=i)");
  EXPECT_EQ(ldap_escape_dn_value("#x#"), "\\#x#");
  EXPECT_EQ(ldap_escape_dn_value(" x y "), "\\ x y\\ ");
  EXPECT_EQ(ldap_escape_dn_value(" "), "\\ ");
  EXPECT_EQ(ldap_escape_dn_value(std::string("a\0b\x01", 4)), "a\\00b\\01");
  EXPECT_EQ(ldap_escape_dn_value("o'hara*(x)"), "o'hara*(x)");
  EXPECT_EQ(ldap_escape_dn_value("山田"), "山田");
  EXPECT_EQ(ldap_escape_dn_value(""), "");
}

TEST_F(Ldap, EscapesFilterValuesPerRfc4515) {
  EXPECT_EQ(ldap_escape_filter_value("alice"), "alice");
  EXPECT_EQ(ldap_escape_filter_value("*"), "\\2A");
  EXPECT_EQ(ldap_escape_filter_value("alice)(uid=*"), "alice\\29\\28uid=\\2A");
  EXPECT_EQ(ldap_escape_filter_value(R"(a\b)"), "a\\5Cb");
  EXPECT_EQ(ldap_escape_filter_value(std::string("a\0b", 3)), "a\\00b");
  EXPECT_EQ(ldap_escape_filter_value("o'hara, x=y"), "o'hara, x=y");
  EXPECT_EQ(ldap_escape_filter_value("é"), "\\C3\\A9");
  EXPECT_EQ(ldap_escape_filter_value(""), "");
}

}  // namespace
}  // namespace kanri::auth
