// What the data generators of bench/ share (kanri-bench-gen, kanri-bench-incidents): the engine
// opened as `kanri` opens it, a clock that spreads timestamps over the generated history, batches
// that commit once, seeded random choices, and realistic people and organizations.
// Header-only: each generator is one translation unit.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/config.h"
#include "core/time.h"
#include "engine/record_service.h"
#include "engine/rules.h"
#include "model/loader.h"
#include "processes/registry.h"
#include "store/accounts.h"
#include "store/database.h"
#include "store/journal.h"
#include "store/schema.h"

namespace kanri::bench {

using nlohmann::json;

// A clock that moves forward by `step_ms` every time it is read: timestamps spread over the
// generated history, strictly increasing.
class SpreadClock final : public Clock {
 public:
  SpreadClock(EpochMs start, EpochMs step_ms) : now_(start), step_(step_ms) {}
  EpochMs now_ms() const override { return now_.fetch_add(step_) + step_; }
  void set_step(EpochMs step) { step_ = step; }
  // Moves the clock on to `t` (never back: timestamps stay strictly increasing).
  void advance_to(EpochMs t) {
    EpochMs cur = now_.load();
    while (cur < t && !now_.compare_exchange_weak(cur, t)) {
    }
  }

 private:
  mutable std::atomic<EpochMs> now_;
  EpochMs step_;
};

// A Database whose writes and reads run on a transaction the caller already holds. Lets several
// RecordService calls (create_many, then transitions) share one commit.
class InTransaction final : public store::Database {
 public:
  explicit InTransaction(store::Database& real) : real_(real) {}
  void bind(store::Connection* c) { tx_ = c; }

  store::Dialect dialect() const override { return real_.dialect(); }
  Status write(const std::function<Status(store::Connection&)>& work) override {
    if (!tx_) throw std::logic_error("InTransaction::write outside a batch");
    return work(*tx_);
  }
  void read(const std::function<void(store::Connection&)>& work) override {
    if (tx_) work(*tx_);
    else real_.read(work);
  }
  std::string describe() const override { return real_.describe(); }

 private:
  store::Database& real_;
  store::Connection* tx_ = nullptr;
};

using Rng = std::mt19937_64;

inline double uniform(Rng& rng) { return std::uniform_real_distribution<double>(0.0, 1.0)(rng); }

template <class T>
const T& pick(Rng& rng, const std::vector<T>& v) {
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}

inline std::int64_t between(Rng& rng, std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}

// Index by cumulative weights.
inline size_t weighted(Rng& rng, const std::vector<double>& weights) {
  double total = 0;
  for (double w : weights) total += w;
  double x = uniform(rng) * total;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (x < weights[i]) return i;
    x -= weights[i];
  }
  return weights.size() - 1;
}

inline std::string date_text(std::int64_t days) {
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  return fmt::format("{:04}-{:02}-{:02}", y, m, d);
}

inline std::string message(const Error& e) {
  std::string s = e.code;
  for (auto& [k, v] : e.args) s += fmt::format(" {}={}", k, v);
  for (auto& f : e.fields) {
    s += fmt::format("\n  {}: {}", f.field, f.code);
    for (auto& [k, v] : f.args) s += fmt::format(" {}={}", k, v);
  }
  return s;
}

// Index by a Zipf distribution over n items (rank r has weight 1 / r^s): a few items take most
// of the draws, as services, groups and symptoms do in a real service desk's log.
class Zipf {
 public:
  Zipf(size_t n, double s) : cumulative_(n) {
    double total = 0;
    for (size_t r = 0; r < n; ++r) cumulative_[r] = total += 1.0 / std::pow(static_cast<double>(r + 1), s);
    for (double& c : cumulative_) c /= total;
  }
  size_t operator()(Rng& rng) const {
    auto it = std::lower_bound(cumulative_.begin(), cumulative_.end(), uniform(rng));
    return it == cumulative_.end() ? cumulative_.size() - 1 : static_cast<size_t>(it - cumulative_.begin());
  }

 private:
  std::vector<double> cumulative_;
};

inline double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// The start-up src/cli/app.cpp does: Config::load (KANRI_DATABASE, KANRI_SHARE_DIR...),
// processes::register_all, model::load_model, store::Database::open, store::apply_schema.
// Null (after telling `tool`'s user why on stderr) when any step fails.
struct Engine {
  Config config;
  engine::RuleRegistry rules;
  std::unique_ptr<model::Catalogue> catalogue;
  std::unique_ptr<store::Database> db;
};

inline std::unique_ptr<Engine> open_engine(const char* tool) {
  auto e = std::make_unique<Engine>();
  try {
    e->config = Config::load();
  } catch (const std::exception& ex) {
    std::cerr << tool << ": " << ex.what() << "\n";
    return nullptr;
  }
  processes::register_all(e->rules);
  auto loaded = model::load_model(e->config.model_dir, e->config.extra_model_file, e->rules.names());
  if (!loaded.errors.empty()) {
    std::cerr << tool << ": the model has errors:\n";
    for (auto& err : loaded.errors) std::cerr << "  " << err.to_string() << "\n";
    return nullptr;
  }
  e->catalogue = std::move(loaded.catalogue);
  try {
    e->db = store::Database::open(e->config.database, 1);
    std::vector<std::string> applied;
    Status s = store::apply_schema(*e->db, *e->catalogue, &applied);
    if (!s) {
      std::cerr << tool << ": schema: " << message(s.error()) << "\n";
      return nullptr;
    }
    for (auto& c : applied) std::cerr << "schema: " << c << "\n";
  } catch (const std::exception& ex) {
    std::cerr << tool << ": " << ex.what() << "\n";
    return nullptr;
  }
  return e;
}

// ---------------------------------------------------------------------------------------------
// People and organizations

inline const std::vector<std::string> kFamilyJa = {"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村",
                                            "小林", "加藤", "吉田", "山田", "佐々木", "山口", "松本", "井上"};
inline const std::vector<std::string> kGivenJa = {"太郎", "花子", "健", "美咲", "大輔", "陽子", "翔", "恵",
                                           "誠", "由美", "拓也", "真理"};
inline const std::vector<std::string> kEnPeople = {"Anna Schmidt", "James Miller", "Sophie Martin", "Lukas Weber",
                                            "Emma Jansen", "Oliver Smith", "Chloe Dubois", "Noah Brown",
                                            "Mia Fischer", "Liam Walsh", "Olivia Tan", "Ethan Lee"};
inline const std::vector<std::string> kJaOrgStem = {
    "東都", "北辰", "大和", "桜井", "瑞穂", "青葉", "富士見", "旭", "光陽", "中央", "昭和", "日本",
    "関西", "九州", "北海", "湘南", "三和", "丸の内", "新星", "朝日", "みなと", "やまびこ", "東邦", "西都",
    "常盤", "千代田", "浪速", "白鷺", "若葉", "明治"};
inline const std::vector<std::string> kJaOrgBusiness = {
    "フィナンシャル", "物流", "製作所", "電機", "商事", "建設", "化学", "食品", "薬品", "不動産",
    "情報システム", "ソリューションズ", "ネットワークス", "通信", "エネルギー", "損害保険", "銀行", "証券",
    "運輸", "精工", "ホテルズ", "百貨店", "テクノロジー", "データセンター", "メディカル", "リース"};
inline const std::vector<std::string> kJaOrgForm = {"株式会社", "ホールディングス株式会社", "合同会社", "有限会社"};

inline const std::vector<std::string> kEnOrgStem = {
    "Nordwind", "Acme", "Bluewater", "Pacific", "Summit", "Crescent", "Evergreen", "Atlas", "Meridian",
    "Harbor", "Redwood", "Silverline", "Northstar", "Orion", "Keystone", "Lakeside", "Granite", "Aurora",
    "Beacon", "Cobalt", "Falcon", "Horizon", "Ironbridge", "Juniper", "Maple", "Sapphire"};
inline const std::vector<std::string> kEnOrgBusiness = {
    "Logistics", "Cloud", "Systems", "Manufacturing", "Retail", "Health", "Energy", "Software", "Networks",
    "Foods", "Pharma", "Insurance", "Capital", "Media", "Analytics", "Telecom", "Hosting", "Security",
    "Consulting", "Data Services"};
struct Form {
  std::string suffix;
  std::vector<std::string> countries;
};
inline const std::vector<Form> kEnOrgForm = {
    {"Inc.", {"US"}},        {"LLC", {"US"}},           {"Ltd.", {"GB", "SG", "HK", "IE"}},
    {"GmbH", {"DE", "AT", "CH"}}, {"B.V.", {"NL"}},     {"S.A.", {"FR", "ES", "BE"}},
    {"Pty Ltd", {"AU"}},     {"plc", {"GB"}},           {"K.K.", {"JP"}},
    {"AB", {"SE"}},          {"Oy", {"FI"}},            {"Pte. Ltd.", {"SG"}}};

inline const std::vector<std::string> kOrgNotesJa = {
    "年次契約。更新は毎年4月。", "窓口は情報システム部。", "保守契約は 24時間365日対応。",
    "請求は月末締め翌月末払い。", "重要顧客。四半期ごとにサービスレビューを実施。", "SLA 報告書を毎月送付する。",
    "海外拠点あり。英語での対応が必要。", "契約はサービスデスク経由で受け付ける。"};
inline const std::vector<std::string> kOrgNotesEn = {
    "Annual contract, renewed every April.", "Support in English, business hours CET.",
    "Underpinning contract with 4-hour response.", "Quarterly service review with the account manager.",
    "Invoices are sent by e-mail at month end.", "Escalations go to the duty manager first.",
    "Data processing agreement signed (GDPR).", "Key account: monthly SLA report required."};
// Users `<prefix>0001…` of kind agent with `role`, created (and journaled) when missing; their ids.
inline std::vector<std::int64_t> ensure_agents(store::Connection& c, const Clock& clock, Rng& rng, const std::string& prefix,
                                               std::int64_t count, const char* role, const char* tool) {
  std::vector<std::int64_t> ids;
  for (std::int64_t i = 1; i <= count; ++i) {
    std::string username = fmt::format("{}{:04}", prefix, i);
    if (auto u = store::find_user_by_name(c, username)) {
      ids.push_back(u->id);
      continue;
    }
    store::User u;
    u.username = username;
    bool ja = uniform(rng) < 0.7;
    u.display_name = ja ? pick(rng, kFamilyJa) + " " + pick(rng, kGivenJa) : pick(rng, kEnPeople);
    u.email = username + "@kanri.example";
    u.kind = "agent";
    u.language = ja ? "ja" : "en";
    u.created_at = u.updated_at = clock.now_ms();
    store::insert_user(c, u);
    if (auto r = store::find_role_by_name(c, role)) store::set_user_roles(c, u.id, {r->id});
    store::journal_event(c, store::Actor{std::nullopt, tool, "local"}, u.created_at, "user", u.id, u.username, "create",
                         "{\"username\":[null,\"" + u.username + "\"]}");
    ids.push_back(u.id);
  }
  return ids;
}

inline json make_org(Rng& rng, size_t i, const std::vector<std::int64_t>& providers) {
  json o;
  bool japanese = uniform(rng) < 0.55;
  std::string country;
  if (japanese) {
    std::string name = pick(rng, kJaOrgStem) + pick(rng, kJaOrgBusiness);
    const std::string& form = pick(rng, kJaOrgForm);
    o["name"] = uniform(rng) < 0.5 && form == "株式会社" ? form + name : name + form;
    country = "JP";
  } else {
    const Form& form = pick(rng, kEnOrgForm);
    o["name"] = pick(rng, kEnOrgStem) + " " + pick(rng, kEnOrgBusiness) + " " + form.suffix;
    country = pick(rng, form.countries);
  }
  static const std::vector<std::string> kinds = {"provider", "customer", "supplier", "internal_supplier"};
  std::string kind = i < 3 ? "provider" : kinds[1 + weighted(rng, {0.65, 0.25, 0.10})];
  o["kind"] = kind;
  if (uniform(rng) < 0.97) o["country"] = country;
  if (kind == "internal_supplier" && !providers.empty()) o["parent"] = pick(rng, providers);
  if (uniform(rng) < 0.7) o["contact_email"] = fmt::format("servicedesk@org{:05}.example", i + 1);
  if (uniform(rng) < 0.6) o["notes"] = japanese ? pick(rng, kOrgNotesJa) : pick(rng, kOrgNotesEn);
  if (uniform(rng) < 0.04) o["active"] = false;
  return o;
}

}  // namespace kanri::bench
