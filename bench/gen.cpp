// kanri-bench-gen: fills a Kanri database with realistic organizations, owners and services,
// fast, through the engine (validated and journaled like any write).
//
//   KANRI_DATABASE=sqlite:///abs/kanri.db kanri-bench-gen --count 1000000 [--orgs 1000]
//       [--users 200] [--batch 5000] [--seed 42] [--spread-days 1095] [--no-transitions]
//
// Setup is the one src/cli/app.cpp does: Config::load (KANRI_DATABASE, KANRI_SHARE_DIR...),
// processes::register_all, model::load_model, store::Database::open, store::apply_schema.
// Records are written with engine::RecordService::create_many, one transaction per batch.
// Lifecycle transitions (go_live, start_retirement, retire) give services a realistic spread of
// states; they run inside the same batch transaction: the RecordService used here sits on a thin
// store::Database adapter whose write() runs on the batch's open transaction, so a batch of
// creations plus their transitions commits once.
//
// Timestamps come from a synthetic clock that advances from now - spread-days to about now over
// the run, so created_at/updated_at (and the journal) look like a catalogue built up over years.
//
// The text is Japanese and English operational wording from combinatorial lists. Two search
// terms have controlled frequencies: the bigram 障害 in about 20 % of services, the English word
// "printer" in about 3 %. Neither word (nor anything that tokenizes to it) is in the other lists.
//
// Progress goes to stderr every batch; the last line on stdout is machine-readable:
//   RESULT services=N orgs=M users=U seconds=S rate=R shougai=X printer=Y
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lib/gen_support.h"

using nlohmann::json;
using namespace kanri;
using namespace kanri::bench;

namespace {

// ---------------------------------------------------------------------------------------------
// Word lists. Nothing here contains 障害 or the word "printer" except the lists named so.

const std::vector<std::string> kJaService = {
    "基幹会計システム", "人事給与システム", "メール配信", "社内ポータル", "勤怠管理", "経費精算", "販売管理システム",
    "在庫管理", "生産管理システム", "顧客管理（CRM）", "文書管理", "ファイル共有", "テレビ会議", "社内チャット",
    "ID管理", "シングルサインオン", "バックアップサービス", "監視基盤", "ヘルプデスク", "電子契約", "受発注EDI",
    "ウェブ会議", "仮想デスクトップ", "無線LAN", "社内ネットワーク", "入退室管理", "決済ゲートウェイ",
    "コールセンター基盤", "データ分析基盤", "請求書発行", "給与明細配信", "ワークフロー", "電子帳票",
    "資産管理", "ソフトウェア配布", "メールサービス（Microsoft 365）", "グループウェア", "オンラインストレージ"};
const std::vector<std::string> kEnService = {
    "VPN gateway", "Email relay", "Web hosting", "Identity provider", "Data warehouse", "Backup and restore",
    "Log analytics", "Mobile device management", "Service desk portal", "CI/CD pipeline", "Object storage",
    "Kubernetes platform", "DNS service", "Load balancer", "API gateway", "Payroll", "File transfer (SFTP)",
    "Video conferencing", "Endpoint protection", "Public website", "E-commerce storefront", "Customer portal",
    "Data lake", "Secrets vault", "Time tracking", "Wi-Fi for guests", "Remote access", "Source code hosting",
    "Patch management", "Database hosting (PostgreSQL)", "Message queue", "Single sign-on"};
const std::vector<std::string> kShougaiService = {
    "障害管理システム", "ネットワーク障害時の切り替え手順", "障害通知サービス", "障害受付窓口", "システム障害監視"};
const std::vector<std::string> kPrinterService = {
    "Printer queue", "Network printer management", "Printer fleet support", "プリンタ保守 (printer fleet)"};
const std::vector<std::string> kJaQualifier = {
    "（東京）", "（大阪）", "（本社）", "（名古屋）", "（福岡）", "（関西支店）", "（全社）", "（検証環境）",
    "（第2世代）", "（グループ会社向け）", "（海外拠点）", "（新基盤）"};
const std::vector<std::string> kEnQualifier = {
    " - Tokyo", " - Osaka DC", " - EU", " - US East", " (staging)", " v2", " - APAC", " (legacy)",
    " - Frankfurt", " - Singapore", " for partners", " (pilot)"};

const std::vector<std::string> kJaSentence = {
    "月末締め処理のため、毎月最終営業日は変更凍結とする。", "利用者からの問い合わせはサービスデスクが一次対応する。",
    "夜間バッチは 2:00 から 4:00 に実行される。", "バックアップは日次で取得し、30日間保管する。",
    "メンテナンス時間は毎週日曜 1:00-5:00。", "可用性は営業時間内 99.5% を目標とする。",
    "データは東京と大阪のデータセンターに複製される。", "ライセンスは年次で更新する。",
    "アクセス権限は四半期ごとに棚卸しを行う。", "ログは SIEM に転送され、1年間保管される。",
    "ハードウェア故障時は保守業者がオンサイト対応する。", "新規利用申請はワークフローで承認を得ること。",
    "パスワードリセットはセルフサービスで可能。", "年末年始は特別体制で運用する。",
    "クラウド移行を来年度に予定している。", "変更は変更諮問委員会（CAB）の承認が必要。",
    "容量計画は半期ごとに見直す。", "利用部門との SLA を締結済み。", "脆弱性診断を年2回実施する。",
    "運用手順書は共有フォルダに格納されている。"};
const std::vector<std::string> kShougaiSentence = {
    "障害発生時は一次切り分け後、30分以内に顧客へ連絡する。", "ネットワーク障害時は待機系へ切り替える手順書あり。",
    "過去の障害履歴は問題管理で分析済み。", "重大障害の場合はインシデント対策本部を設置する。",
    "障害対応は 24時間 365日、オンコール体制で行う。", "回線障害時はモバイル回線へ自動で切り替わる。"};
const std::vector<std::string> kEnSentence = {
    "Failover to the secondary site is tested twice a year.", "Patching happens in the monthly maintenance window.",
    "Monitored by Zabbix; alerts go to the on-call engineer.", "Customer-facing: changes require CAB approval.",
    "Capacity is reviewed every quarter.", "Runs on Kubernetes in two availability zones.",
    "Certificates are renewed automatically via ACME.", "Supported by the vendor under an 8x5 contract.",
    "VPN gateway failover is automatic (VRRP).", "Data is encrypted at rest with AES-256.",
    "Restores are tested monthly from the offsite copy.", "Access is granted through the identity provider.",
    "Service credits apply below the agreed availability.", "Runbooks are kept in the team wiki.",
    "Outages are communicated on the status page.", "Scheduled for migration to the new data centre."};
const std::vector<std::string> kPrinterSentence = {
    "Manages the printer queue for floor 3 and the mail room.",
    "Includes toner replacement for every network printer.",
    "Follow-me printing: jobs are released at any printer with the ID card.",
    "印刷ジョブは printer サーバ経由で各フロアに配信される。"};
const std::vector<std::string> kSupportHours = {
    "24x7", "平日 9:00-18:00", "Mon-Fri 08:00-20:00 CET", "平日 8:30-17:30（祝日除く）", "24x365",
    "Business hours (SGT)", "Mon-Sat 07:00-22:00 JST", "平日 10:00-19:00"};
const std::vector<double> kAvailability = {95.0, 98.5, 99.0, 99.5, 99.9, 99.95, 99.99, 99.999};
const std::vector<std::string> kReviewInterval = {"P90D", "P180D", "P365D"};
const std::vector<std::string> kRetirementReason = {
    "後継システムへ統合するため。", "契約終了に伴い廃止。", "Replaced by the cloud offering.",
    "Low usage; consolidated into the group-wide service.", "ベンダーのサポート終了（EOL）のため。"};
const std::vector<std::string> kDrSite = {"大阪", "東京", "Frankfurt", "Singapore", "福岡", "Ashburn"};

// ---------------------------------------------------------------------------------------------
// Records

enum class Target { proposed, live, retiring, retired };

struct ServicePlan {
  json body;
  Target target = Target::proposed;
  std::string live_since;
  bool shougai = false, printer = false;
};

ServicePlan make_service(Rng& rng, const std::vector<std::int64_t>& providers, const std::vector<std::int64_t>& owners,
                         std::int64_t today_days) {
  ServicePlan p;
  json& s = p.body;
  p.shougai = uniform(rng) < 0.20;
  p.printer = uniform(rng) < 0.03;
  bool japanese = uniform(rng) < 0.6;

  // Name: a base system, often with a site or generation qualifier.
  std::string name;
  if (p.shougai && uniform(rng) < 0.15) name = pick(rng, kShougaiService);
  else if (p.printer && uniform(rng) < 0.4) name = pick(rng, kPrinterService);
  else name = japanese ? pick(rng, kJaService) : pick(rng, kEnService);
  if (uniform(rng) < 0.7) name += japanese ? pick(rng, kJaQualifier) : pick(rng, kEnQualifier);
  s["name"] = name;
  bool name_has_shougai = name.find("障害") != std::string::npos;
  bool name_has_printer = name.find("rinter") != std::string::npos;

  // Description: one to four sentences, mostly in the name's language, sometimes mixed.
  if (uniform(rng) < 0.95 || (p.shougai && !name_has_shougai) || (p.printer && !name_has_printer)) {
    std::vector<std::string> parts;
    int n = static_cast<int>(between(rng, 1, 4));
    for (int k = 0; k < n; ++k) {
      bool ja = uniform(rng) < (japanese ? 0.8 : 0.2);
      parts.push_back(ja ? pick(rng, kJaSentence) : pick(rng, kEnSentence));
    }
    if (p.shougai && !name_has_shougai)
      parts.insert(parts.begin() + between(rng, 0, static_cast<std::int64_t>(parts.size())), pick(rng, kShougaiSentence));
    if (p.printer && !name_has_printer)
      parts.insert(parts.begin() + between(rng, 0, static_cast<std::int64_t>(parts.size())), pick(rng, kPrinterSentence));
    std::string text;
    for (auto& part : parts) text += (text.empty() ? "" : (uniform(rng) < 0.3 ? "\n" : " ")) + part;
    s["description"] = text;
  }

  static const std::vector<std::string> crit = {"critical", "high", "medium", "low"};
  s["criticality"] = crit[weighted(rng, {0.10, 0.25, 0.45, 0.20})];
  if (!providers.empty() && uniform(rng) < 0.9) s["provider"] = pick(rng, providers);
  if (uniform(rng) < 0.85) s["availability_target"] = pick(rng, kAvailability);
  if (uniform(rng) < 0.8) s["users_count"] = static_cast<std::int64_t>(std::exp(uniform(rng) * std::log(200000.0)));
  if (uniform(rng) < 0.75) s["support_hours"] = pick(rng, kSupportHours);
  if (uniform(rng) < 0.7) s["review_interval"] = pick(rng, kReviewInterval);
  if (uniform(rng) < 0.25) {
    json a{{"tier", between(rng, 1, 3)}};
    if (uniform(rng) < 0.6) a["dr_site"] = pick(rng, kDrSite);
    if (uniform(rng) < 0.6) a["rto_hours"] = pick(rng, std::vector<int>{1, 2, 4, 8, 24, 72});
    if (uniform(rng) < 0.3) a["cost_center"] = fmt::format("CC-{:04}", between(rng, 1, 9999));
    s["attributes"] = a;
  }
  if (uniform(rng) < 0.35) {
    std::int64_t days = today_days - between(rng, 1, 900);
    s["last_incident_at"] = fmt::format("{}T{:02}:{:02}:{:02}Z", date_text(days), between(rng, 0, 23),
                                        between(rng, 0, 59), between(rng, 0, 59));
  }

  p.target = static_cast<Target>(weighted(rng, {0.15, 0.65, 0.08, 0.12}));
  bool has_owner = p.target != Target::proposed || uniform(rng) < 0.6;
  if (has_owner && !owners.empty()) s["owner"] = pick(rng, owners);
  if (owners.empty() && p.target != Target::proposed) p.target = Target::proposed;  // go_live needs an owner
  // Went live some time between 2010 and last month.
  p.live_since = date_text(days_from_civil(2010, 1, 1) + between(rng, 0, today_days - 30 - days_from_civil(2010, 1, 1)));
  if (p.target == Target::proposed && uniform(rng) < 0.3)  // a planned go-live date
    s["live_since"] = date_text(today_days + between(rng, 14, 365));
  return p;
}

struct Options {
  std::int64_t count = 10000;
  std::int64_t orgs = 1000;
  std::int64_t users = 200;
  std::int64_t batch = 5000;
  std::uint64_t seed = 42;
  std::int64_t spread_days = 1095;
  bool transitions = true;
};

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App cli{"kanri-bench-gen: fill the database in KANRI_DATABASE with realistic services"};
  cli.add_option("--count", opt.count, "Services to create")->check(CLI::NonNegativeNumber);
  cli.add_option("--orgs", opt.orgs, "Organizations to create (providers of the services)")->check(CLI::NonNegativeNumber);
  cli.add_option("--users", opt.users, "Service owner users to create when missing")->check(CLI::NonNegativeNumber);
  cli.add_option("--batch", opt.batch, "Records per transaction")->check(CLI::PositiveNumber);
  cli.add_option("--seed", opt.seed, "Random seed (same seed, same data)");
  cli.add_option("--spread-days", opt.spread_days, "Timestamps spread over this many past days")->check(CLI::NonNegativeNumber);
  bool no_transitions = false;
  cli.add_flag("--no-transitions", no_transitions, "Leave every service in its initial state");
  CLI11_PARSE(cli, argc, argv);
  opt.transitions = !no_transitions;

  auto engine = open_engine("kanri-bench-gen");
  if (!engine) return 2;
  const model::Catalogue& catalogue = *engine->catalogue;
  engine::RuleRegistry& rules = engine->rules;
  std::unique_ptr<store::Database>& db = engine->db;
  const model::TypeDef* org_type = catalogue.type("organization");
  const model::TypeDef* svc_type = catalogue.type("service");
  if (!org_type || !svc_type) {
    std::cerr << "kanri-bench-gen: the model has no 'organization' or 'service' type\n";
    return 2;
  }
  std::cerr << fmt::format("kanri-bench-gen: {} services, {} organizations, batch {}, seed {} into {}\n", opt.count,
                           opt.orgs, opt.batch, opt.seed, db->describe());

  Rng rng(opt.seed);
  SystemClock wall;
  const EpochMs now = wall.now_ms();
  const std::int64_t today_days = now / 86400000;
  // About five clock reads per service (create, journal, transitions): end near "now".
  const EpochMs span = opt.spread_days * 86400000LL;
  const std::int64_t reads = std::max<std::int64_t>(1, (opt.count + opt.orgs) * 5);
  SpreadClock clock(now - span, std::max<EpochMs>(1, span / reads));
  InTransaction tx(*db);
  engine::RecordService records(catalogue, tx, rules, clock);
  const engine::Principal system = engine::Principal::system();

  auto t0 = std::chrono::steady_clock::now();


  try {
    // Owners: users of kind agent, created (and journaled) when missing.
    std::vector<std::int64_t> owners;
    Status us = db->write([&](store::Connection& c) -> Status {
      owners = ensure_agents(c, clock, rng, "owner", opt.users, "service_owner", "kanri-bench-gen");
      if (owners.empty())
        if (auto admin = store::find_user_by_name(c, "admin")) owners.push_back(admin->id);
      return ok_status();
    });
    if (!us) {
      std::cerr << "kanri-bench-gen: users: " << message(us.error()) << "\n";
      return 1;
    }

    // Organizations: a few providers first, then customers and suppliers.
    std::vector<std::int64_t> providers, all_orgs;
    for (std::int64_t done = 0; done < opt.orgs;) {
      std::int64_t n = std::min(opt.batch, opt.orgs - done);
      std::vector<json> bodies;
      bodies.reserve(static_cast<size_t>(n));
      for (std::int64_t i = 0; i < n; ++i) bodies.push_back(make_org(rng, static_cast<size_t>(done + i), providers));
      Status s = db->write([&](store::Connection& c) -> Status {
        tx.bind(&c);
        auto created = records.create_many(system, *org_type, bodies);
        tx.bind(nullptr);
        if (!created) return created.take_error();
        for (auto& r : *created) {
          all_orgs.push_back(r.id);
          if (as_text(r.get(*org_type->field("kind"))) == "provider") providers.push_back(r.id);
        }
        return ok_status();
      });
      if (!s) {
        std::cerr << "kanri-bench-gen: organizations rejected: " << message(s.error()) << "\n";
        return 1;
      }
      done += n;
    }
    // Most services come from the providers, some from suppliers and internal suppliers.
    std::vector<std::int64_t> service_providers = providers;
    for (size_t i = 0; i < all_orgs.size() && service_providers.size() < 50; i += 7) service_providers.push_back(all_orgs[i]);
    double org_seconds = seconds_since(t0);
    std::cerr << fmt::format("organizations: {} in {:.2f} s; owners: {}\n", all_orgs.size(), org_seconds, owners.size());

    // Services.
    auto t1 = std::chrono::steady_clock::now();
    std::int64_t shougai = 0, printer = 0, transitions = 0;
    std::int64_t by_state[4] = {0, 0, 0, 0};
    for (std::int64_t done = 0; done < opt.count;) {
      auto tb = std::chrono::steady_clock::now();
      std::int64_t n = std::min(opt.batch, opt.count - done);
      std::vector<ServicePlan> plans;
      std::vector<json> bodies;
      plans.reserve(static_cast<size_t>(n));
      bodies.reserve(static_cast<size_t>(n));
      for (std::int64_t i = 0; i < n; ++i) {
        plans.push_back(make_service(rng, service_providers, owners, today_days));
        bodies.push_back(plans.back().body);
      }
      std::int64_t batch_transitions = 0;
      Status s = db->write([&](store::Connection& c) -> Status {
        tx.bind(&c);
        struct Unbind {
          InTransaction& tx;
          ~Unbind() { tx.bind(nullptr); }
        } unbind{tx};
        auto created = records.create_many(system, *svc_type, bodies);
        if (!created) return created.take_error();
        if (!opt.transitions) return ok_status();
        for (size_t i = 0; i < created->size(); ++i) {
          const ServicePlan& p = plans[i];
          if (p.target == Target::proposed) continue;
          std::string key = std::to_string((*created)[i].id);
          auto step = [&](const char* name, const json& body) -> Status {
            auto r = records.transition(system, *svc_type, key, name, body, std::nullopt);
            if (!r) {
              Error e = r.take_error();
              e.code = std::string(name) + " of service " + key + ": " + e.code;
              return e;
            }
            ++batch_transitions;
            return ok_status();
          };
          if (auto st = step("go_live", {{"live_since", p.live_since}}); !st) return st;
          if (p.target == Target::live) continue;
          if (auto st = step("start_retirement", {{"retirement_reason", pick(rng, kRetirementReason)}}); !st) return st;
          if (p.target == Target::retiring) continue;
          if (auto st = step("retire", json::object()); !st) return st;
        }
        return ok_status();
      });
      if (!s) {
        std::cerr << "kanri-bench-gen: services rejected: " << message(s.error()) << "\n";
        return 1;
      }
      for (auto& p : plans) {
        shougai += p.shougai;
        printer += p.printer;
        ++by_state[static_cast<int>(opt.transitions ? p.target : Target::proposed)];
      }
      transitions += batch_transitions;
      done += n;
      double bs = seconds_since(tb), total = seconds_since(t1);
      double rate = static_cast<double>(done) / total;
      std::cerr << fmt::format("services: {:>9}/{} ({:5.1f}%)  batch {:.2f} s = {:>7.0f} rec/s  overall {:>7.0f} rec/s  ETA {:.0f} s\n",
                               done, opt.count, 100.0 * static_cast<double>(done) / static_cast<double>(opt.count),
                               bs, static_cast<double>(n) / bs, rate,
                               static_cast<double>(opt.count - done) / std::max(rate, 1.0));
    }
    double svc_seconds = seconds_since(t1);
    double total_seconds = seconds_since(t0);
    double rate = opt.count > 0 ? static_cast<double>(opt.count) / std::max(svc_seconds, 1e-9) : 0.0;
    std::cerr << fmt::format(
        "done: {} services ({} transitions) in {:.1f} s = {:.0f} services/s; {} organizations; total {:.1f} s\n"
        "      states: proposed {} live {} retiring {} retired {}; with 障害 {} ({:.1f}%), with printer {} ({:.1f}%)\n",
        opt.count, transitions, svc_seconds, rate, all_orgs.size(), total_seconds, by_state[0], by_state[1],
        by_state[2], by_state[3], shougai, opt.count ? 100.0 * static_cast<double>(shougai) / static_cast<double>(opt.count) : 0.0,
        printer, opt.count ? 100.0 * static_cast<double>(printer) / static_cast<double>(opt.count) : 0.0);
    std::cout << fmt::format("RESULT services={} orgs={} users={} transitions={} seconds={:.3f} rate={:.1f} "
                             "total_seconds={:.3f} shougai={} printer={}\n",
                             opt.count, all_orgs.size(), owners.size(), transitions, svc_seconds, rate, total_seconds,
                             shougai, printer);
  } catch (const std::exception& e) {
    std::cerr << "kanri-bench-gen: " << e.what() << "\n";
    return 1;
  }
  auto tc = std::chrono::steady_clock::now();
  db.reset();  // closes (SQLite: checkpoints the WAL)
  std::cerr << fmt::format("closed the database in {:.1f} s\n", seconds_since(tc));
  return 0;
}
