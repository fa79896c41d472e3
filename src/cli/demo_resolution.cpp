// A month of a Japanese service desk for `kanri init --demo`: support groups, categories, the
// resolution policy and its procedure, knowledge and the request catalogue, then thirty days
// of incidents and requests worked by the demo users — most closed, some still open or
// waiting, one major incident with its review, a security incident, a problem with its known
// error — written through the engine with a clock that walks through the month, so every
// record's history reads as it happened.
#include <iostream>

#include <nlohmann/json.hpp>

#include "auth/authenticator.h"
#include "cli/app.h"
#include "engine/record_service.h"
#include "processes/resolution/trends.h"
#include "store/accounts.h"

namespace kanri::cli {

using nlohmann::json;

namespace {

// The time the demo's writes happen at: set step by step through the month.
class ReplayClock final : public Clock {
 public:
  EpochMs now_ms() const override { return now; }
  EpochMs now = 0;
};

// A small deterministic generator, so every demo database is the same.
struct Lcg {
  std::uint64_t s = 20261201;
  std::uint32_t next() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(s >> 33);
  }
  int below(int n) { return static_cast<int>(next() % static_cast<std::uint32_t>(n)); }
};

constexpr EpochMs kMinute = 60'000, kHour = 60 * kMinute, kDay = 24 * kHour;

struct Ticket {
  const char* title;
  const char* symptom;
  const char* service;   // key into the services
  const char* category;  // key into the categories
  const char* impact;
  const char* urgency;
  const char* group;
  const char* channel;
  const char* resolution;
};

const Ticket kTickets[] = {
    {"Outlook でメールが送信できない", "送信トレイに滞留する", "mail", "mail", "medium", "medium", "desk", "phone",
     "プロファイルを再作成し送信を確認。"},
    {"Teams の会議に参加できない", "会議参加時にエラー 500", "mail", "mail", "medium", "high", "desk", "portal",
     "キャッシュを削除し再サインイン。"},
    {"共有メールボックスが表示されない", "共有メールボックスが一覧にない", "mail", "mail", "low", "medium", "desk", "email",
     "アクセス権を再付与。"},
    {"VPN に接続できない", "VPN 認証タイムアウト", "vpn", "vpn", "medium", "high", "network", "phone",
     "証明書の期限切れを更新。"},
    {"VPN connection drops every few minutes", "VPN 認証タイムアウト", "vpn", "vpn", "medium", "medium", "network", "email",
     "MTU adjusted on the client profile."},
    {"会計システムの伝票入力が遅い", "伝票保存に30秒以上", "erp", "erp", "high", "medium", "apps", "phone",
     "統計情報を更新し応答時間が回復。"},
    {"月次締めバッチがエラー終了", "締めバッチ ERR-4012", "erp", "erp", "high", "high", "apps", "monitoring",
     "ロック競合を解消しバッチを再実行。"},
    {"プリンターで印刷できない（3F）", "印刷ジョブが保留のまま", "", "printer", "low", "medium", "desk", "walk_in",
     "スプーラーを再起動。"},
    {"PC が起動しない", "電源ランプが点滅", "", "pc", "low", "high", "desk", "phone", "電源ユニットを交換。"},
    {"Cannot open the shipment report", "Report viewer error 0x80004005", "erp", "erp", "medium", "medium", "apps",
     "portal", "Viewer component re-registered."},
    {"パスワードを忘れた", "サインインできない", "", "account", "low", "high", "desk", "phone", "本人確認の上で再設定。"},
    {"Web メールが表示されない", "ブラウザーで白い画面", "mail", "mail", "low", "low", "desk", "portal",
     "ブラウザーの拡張機能を無効化。"},
};

}  // namespace

void load_resolution_demo(App& app, const std::map<std::string, std::int64_t>& orgs,
                          const std::map<std::string, std::int64_t>& services) {
  ReplayClock clock;
  const EpochMs end = app.clock.now_ms();
  const EpochMs start = (end / kDay - 30) * kDay;  // thirty days ago, 00:00 UTC (09:00 in Tokyo)
  clock.now = start;
  engine::RecordService records(*app.catalogue, *app.db, app.rules, clock);
  auth::Authenticator authenticator(*app.db, *app.catalogue, app.clock, app.config.auth);
  std::map<std::string, engine::Principal> people;
  app.db->read([&](store::Connection& c) {
    for (const char* name : {"sato", "suzuki", "takahashi", "watanabe", "tanaka", "schmidt", "admin"})
      if (auto u = store::find_user_by_name(c, name)) people[name] = authenticator.principal_for(c, *u);
  });
  const engine::Principal system = engine::Principal::system();
  auto who = [&](const char* name) -> const engine::Principal& {
    auto it = people.find(name);
    return it == people.end() ? system : it->second;
  };
  auto type = [&](const char* name) -> const model::TypeDef& { return *app.catalogue->type(name); };
  auto check = [](auto result, const std::string& what) {
    if (!result) throw std::runtime_error("demo " + what + ": " + result.error().code);
    return std::move(result.value());
  };
  auto make = [&](const engine::Principal& p, const char* t, json body) {
    return check(records.create(p, type(t), body), std::string("create ") + t);
  };
  auto step = [&](const engine::Principal& p, const char* t, const store::Record& r, const char* transition, json body) {
    return check(records.transition(p, type(t), r.number, transition, body, std::nullopt),
                 std::string(t) + " " + transition);
  };
  const std::int64_t provider = orgs.at("provider");

  // Reference data, on the first day.
  std::map<std::string, store::Record> groups;
  groups["desk"] = make(system, "support_group", {{"name", "サービスデスク"}, {"tier", 1}, {"manager", "sato"}, {"organization", provider}});
  groups["network"] = make(system, "support_group", {{"name", "ネットワークチーム"}, {"tier", 2}, {"manager", "suzuki"}, {"organization", provider}});
  groups["apps"] = make(system, "support_group", {{"name", "アプリケーション保守"}, {"tier", 2}, {"manager", "takahashi"}, {"organization", provider}});
  groups["vendor"] = make(system, "support_group", {{"name", "Acme Cloud support"}, {"tier", 3}, {"supplier", orgs.at("cloud")}, {"organization", provider}});
  std::map<std::string, store::Record> cats;
  auto cat = [&](const char* key, const char* name, const char* parent) {
    json body{{"name", name}, {"organization", provider}};
    if (parent) body["parent"] = cats.at(parent).id;
    cats[key] = make(system, "category", body);
  };
  cat("hw", "ハードウェア", nullptr);
  cat("pc", "PC", "hw");
  cat("printer", "プリンター", "hw");
  cat("sw", "ソフトウェア", nullptr);
  cat("mail", "メール・コラボレーション", "sw");
  cat("erp", "基幹会計", "sw");
  cat("net", "ネットワーク", nullptr);
  cat("vpn", "VPN", "net");
  cat("account", "アカウント", nullptr);

  auto procedure = make(system, "document", {{"title", "重大インシデント対応手順書"}, {"kind", "procedure"}, {"doc_version", "3.0"},
                                             {"owner", "takahashi"}, {"organization", provider},
                                             {"body", "1. 宣言と責任者の指名 2. 関係者の招集（社内・供給者・サービスマネージャ・デスク）"
                                                      " 3. 30分ごとの経営層への報告 4. 復旧確認 5. 報告とレビュー（改善の機会の特定）"}});
  step(who("admin"), "document", procedure, "approve", json::object());
  const json matrix = {{"high", {{"high", "p1"}, {"medium", "p2"}, {"low", "p3"}}},
                       {"medium", {{"high", "p2"}, {"medium", "p3"}, {"low", "p4"}}},
                       {"low", {{"high", "p3"}, {"medium", "p4"}, {"low", "p4"}}}};
  make(system, "resolution_policy", {{"name", "標準の解決方針"}, {"active", true}, {"priority_matrix", matrix},
                                     {"security_priority", {{"very_high", "p1"}, {"high", "p2"}, {"medium", "p3"}, {"low", "p4"}}},
                                     {"auto_close_after", "P5D"}, {"major_priority", "p1"}, {"major_critical_service", true},
                                     {"major_users", 200}, {"major_security_risk", "high"}, {"major_procedure", procedure.id},
                                     {"trend_min_incidents", 8}, {"trend_window_days", 30}, {"organization", provider}});

  auto article = [&](const char* title, const char* body, const char* audience, const char* service) {
    json b{{"title", title}, {"body", body}, {"audience", audience}, {"owner", "sato"}, {"organization", provider}};
    if (service && *service) b["service"] = services.at(service);
    auto a = make(system, "knowledge_article", b);
    return step(who("sato"), "knowledge_article", a, "publish", json::object());
  };
  auto kb_pw = article("パスワード再設定の手順", "1. 本人確認（社員番号と登録電話番号）2. 管理画面で仮パスワードを発行 3. 初回サインインで変更を依頼",
                       "fulfillers", "");
  auto kb_pc = article("PC 貸与の手順", "1. 在庫から選定 2. 標準イメージを適用 3. 資産台帳に登録 4. 受領署名と引き渡し", "fulfillers", "");
  auto kb_vpn = article("VPN account: how it is issued", "1. Check the approval 2. Create the account in the gateway 3. Send the profile", "fulfillers", "vpn");
  auto offer = [&](json body) {
    body["organization"] = provider;
    auto t = make(system, "request_type", body);
    return step(system, "request_type", t, "offer", json::object());
  };
  auto rt_pw = offer({{"name", "パスワード再設定"}, {"service", services.at("mail")}, {"category", cats.at("account").id},
                      {"instructions", kb_pw.id}, {"target_time", "PT4H"}, {"default_priority", "p2"}, {"group", groups["desk"].number}});
  auto rt_pc = offer({{"name", "PC の貸与"}, {"service", services.at("mail")}, {"category", cats.at("pc").id},
                      {"instructions", kb_pc.id}, {"target_time", "P3D"}, {"approval_required", true}, {"approvers", "takahashi"},
                      {"form", json::array({{{"name", "model"}, {"ja", "機種"}, {"en", "Model"}, {"type", "enum"},
                                             {"values", {"standard", "developer"}}, {"required", true}},
                                            {{"name", "needed_by"}, {"ja", "希望日"}, {"en", "Needed by"}, {"type", "date"}}})},
                      {"group", groups["desk"].number}});
  auto rt_vpn = offer({{"name", "VPN account"}, {"service", services.at("vpn")}, {"category", cats.at("vpn").id},
                       {"instructions", kb_vpn.id}, {"target_time", "P2D"}, {"approval_required", true},
                       {"approvers", "takahashi, admin"}, {"group", groups["network"].number}});

  // Thirty days of tickets: two to four a working day, worked and mostly closed.
  Lcg rng;
  int incidents = 0, requests = 0;
  const char* agents[] = {"sato", "suzuki", "sato"};
  for (int day = 1; day <= 29; ++day) {
    const EpochMs morning = start + day * kDay;
    const int weekday = static_cast<int>(((morning / kDay) % 7 + 7 + 3) % 7);  // 0 = Monday
    if (weekday >= 5) continue;
    const int count = 2 + rng.below(3);
    for (int n = 0; n < count; ++n) {
      const Ticket& k = kTickets[rng.below(static_cast<int>(std::size(kTickets)))];
      const bool english = k.title[0] >= 'A' && k.title[0] <= 'Z';
      const char* reporter = english ? "schmidt" : "tanaka";
      clock.now = morning + rng.below(8 * 60) * kMinute;
      json body{{"title", k.title}, {"symptom", k.symptom}, {"category", cats.at(k.category).id}, {"impact", k.impact},
                {"urgency", k.urgency}, {"channel", k.channel}, {"reporter", reporter},
                {"organization", orgs.at(english ? "nordwind" : "bank")}, {"users_affected", 1 + rng.below(20)}};
      if (*k.service) body["service"] = services.at(k.service);
      auto inc = make(who("sato"), "incident", body);
      ++incidents;
      const char* agent = agents[rng.below(3)];
      clock.now += 5 * kMinute + rng.below(40) * kMinute;
      inc = step(who("sato"), "incident", inc, "assign", {{"group", groups[k.group].number}});
      inc = step(who(agent), "incident", inc, "take", {{"assignee", agent}});
      const int fate = rng.below(10);
      if (day >= 27 && fate < 5) continue;  // the last days' tickets are still being worked
      if (fate == 0) {
        clock.now += 20 * kMinute;
        step(who(agent), "incident", inc, "wait_requester", {{"pending_reason", "利用者の在席確認待ち / waiting for the user"}});
        continue;
      }
      if (fate == 1 && std::string(k.group) != "desk") {
        clock.now += kHour;
        inc = step(who(agent), "incident", inc, "escalate", {{"group", groups["vendor"].number}, {"escalation_reason", "供給者の調査が必要"}});
      }
      clock.now += kHour + rng.below(6 * 60) * kMinute;
      inc = step(who(agent), "incident", inc, "resolve", {{"resolution", k.resolution}, {"resolution_code", "solved"}});
      if (day <= 24) {
        clock.now += kHour + rng.below(20) * kHour;
        step(who(reporter), "incident", inc, fate == 2 ? "reopen" : "confirm", json::object());
      }
    }
    // A request most days.
    if (rng.below(3) > 0) {
      clock.now = morning + (2 + rng.below(6)) * kHour;
      const int which = rng.below(3);
      const char* requester = which == 2 ? "schmidt" : "tanaka";
      json body{{"request_type", (which == 0 ? rt_pw : which == 1 ? rt_pc : rt_vpn).id}, {"requester", requester},
                {"organization", orgs.at(which == 2 ? "nordwind" : "bank")}};
      if (which == 1) body["answers"] = {{"model", rng.below(2) ? "developer" : "standard"}};
      auto req = make(who(requester), "service_request", body);
      ++requests;
      if (req.state == "awaiting_approval") {
        if (day >= 28) continue;
        clock.now += 2 * kHour;
        engine::ListRequest q;
        q.filters.push_back({"request", std::to_string(req.id)});
        for (auto& a : check(records.list(system, type("approval"), q), "approvals").records) {
          const std::int64_t approver = as_int(a.get(*a.type->field("approver")));
          const engine::Principal* by = &system;
          for (auto& [name, p] : people)
            if (p.user_id == approver) by = &p;
          step(*by, "approval", a, "approve", {{"comment", "承認します"}});
        }
        req = check(records.get(system, type("service_request"), req.number), "request");
      }
      clock.now += kHour;
      req = step(who("sato"), "service_request", req, "start", {{"assignee", "sato"}});
      clock.now += 2 * kHour;
      req = step(who("sato"), "service_request", req, "fulfil", {{"fulfilment_note", "対応しました / done"}});
      if (day <= 26) {
        clock.now += 3 * kHour;
        step(who(requester), "service_request", req, "confirm", json::object());
      }
    }
  }

  // The major incident of the month: the accounting system stops at month-end closing.
  clock.now = start + 18 * kDay + 2 * kHour;
  auto mi = make(who("sato"), "incident", {{"title", "基幹会計システムが全面停止"}, {"symptom", "全端末でログイン不可"},
                                          {"service", services.at("erp")}, {"category", cats.at("erp").id}, {"impact", "high"},
                                          {"urgency", "high"}, {"channel", "monitoring"}, {"users_affected", 300},
                                          {"organization", orgs.at("bank")}, {"reporter", "tanaka"},
                                          {"outage_started_at", format_timestamp(clock.now)}});
  clock.now += 8 * kMinute;
  mi = step(who("admin"), "incident", mi, "declare_major",
            {{"major_manager", "takahashi"}, {"major_update", "月次締め処理中に基幹会計が停止。対策本部を設置し、復旧見込みは2時間後。"}});
  clock.now += 30 * kMinute;
  mi = step(who("sato"), "incident", mi, "escalate", {{"group", groups["vendor"].number}, {"escalation_reason", "ストレージ障害の疑い（供給者の調査が必要）"}});
  clock.now += 2 * kHour;
  mi = step(who("suzuki"), "incident", mi, "resolve",
            {{"resolution", "ストレージコントローラーを交換し、データベースを復旧。締め処理を再開。"}, {"resolution_code", "solved"},
             {"outage_ended_at", format_timestamp(clock.now)}});
  clock.now += kDay;
  step(who("sato"), "incident", mi, "close",
       {{"confirmation_note", "東都フィナンシャル 田中様と電話で復旧を確認（翌日 10:00）"},
        {"review_timeline", "02:00 監視検知 / 02:08 重大インシデント宣言 / 02:38 供給者へエスカレーション / 04:40 復旧"},
        {"review_cause", "ストレージコントローラーのファームウェア不具合"},
        {"review_impact", "300 名が 2 時間 40 分利用不可。月次締めが半日遅延。"},
        {"review_actions", "コントローラー交換、ファームウェア固定、締め処理の再実行"},
        {"review_improvements", "ストレージ健全性の監視項目を追加する\nファームウェア更新の事前検証手順を定める"},
        {"reviewed_on", days_to_date((clock.now + kDay) / kDay)}});

  // A security incident, seen only by those allowed.
  clock.now = start + 22 * kDay + 3 * kHour;
  make(who("admin"), "incident", {{"title", "不審なメールの添付ファイルを開いた"}, {"security", true},
                                  {"security_class", "phishing"}, {"security_risk", "high"}, {"service", services.at("mail")},
                                  {"category", cats.at("mail").id}, {"organization", orgs.at("bank")}, {"reporter", "tanaka"}});

  // The VPN timeouts make a problem with its known error; the trend analysis runs on the last day.
  clock.now = start + 25 * kDay;
  engine::ListRequest vpn;
  vpn.filters.push_back({"category", std::to_string(cats.at("vpn").id)});
  vpn.limit = "3";
  std::string from;
  for (auto& r : check(records.list(system, type("incident"), vpn), "vpn incidents").records)
    from += (from.empty() ? "" : ", ") + r.number;
  if (!from.empty()) {
    auto prb = make(who("suzuki"), "problem", {{"title", "VPN 認証タイムアウトの再発"}, {"from_incidents", from}, {"organization", provider}});
    prb = step(who("suzuki"), "problem", prb, "investigate", {{"assignee", "suzuki"}, {"group", groups["network"].number}});
    prb = check(records.update(who("suzuki"), type("problem"), prb.number,
                               {{"rca_method", "five_whys"}, {"root_cause", "認証サーバーの証明書更新が手作業で漏れる"},
                                {"workaround", "期限切れの証明書を手動で更新する"},
                                {"impact_reduction", "毎朝 9:00 に証明書の期限を確認し、30 日前に更新する"}},
                               prb.version),
                "problem update");
    prb = step(who("suzuki"), "problem", prb, "record_known_error", json::object());
    engine::ListRequest ke;
    ke.filters.push_back({"problem", std::to_string(prb.id)});
    for (auto& k : check(records.list(system, type("known_error"), ke), "known errors").records)
      step(who("suzuki"), "known_error", k, "publish", json::object());
  }
  clock.now = end - kHour;
  int proposals = 0;
  Status trend = app.db->write([&](store::Connection& c) -> Status {
    auto run = processes::resolution::analyse_trends(c, records, system, clock.now);
    if (!run) return run.take_error();
    proposals = run->proposed;
    return ok_status();
  });
  if (!trend) throw std::runtime_error("demo trend analysis: " + trend.error().code);
  std::cerr << "init: a month of the service desk: " << incidents + 2 << " incidents (one major, one security), "
            << requests << " service requests, 1 problem with its known error, " << proposals << " problem proposals\n";
}

}  // namespace kanri::cli
