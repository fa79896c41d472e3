#include <cstdlib>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "auth/authenticator.h"
#include "auth/directory.h"
#include "auth/password.h"
#include "cli/app.h"
#include "engine/record_service.h"
#include "processes/system/periodic_activities.h"

namespace kanri::cli {

using nlohmann::json;

void load_resolution_demo(App& app, const std::map<std::string, std::int64_t>& orgs,
                          const std::map<std::string, std::int64_t>& services);
int load_service_level_demo(App& app, const std::map<std::string, std::int64_t>& orgs,
                            const std::map<std::string, std::int64_t>& services);

void load_demo_data(App& app) {
  engine::RecordService records(*app.catalogue, *app.db, app.rules, app.clock);
  engine::Principal system = engine::Principal::system();
  const model::TypeDef& org = *app.catalogue->type("organization");
  const model::TypeDef& svc = *app.catalogue->type("service");
  auto existing = records.list(system, org, {{}, "", "", "", "1"});
  if (existing && !existing->records.empty()) {
    std::cerr << "init: demo data is already present\n";
    return;
  }
  auto make = [&](const model::TypeDef& t, json body) -> store::Record {
    auto r = records.create(system, t, body);
    if (!r) throw std::runtime_error("demo data rejected for " + t.name + ": " + r.error().code);
    return r.value();
  };
  auto provider = make(org, {{"name", "カンリ・ITサービス株式会社"}, {"kind", "provider"}, {"country", "JP"},
                             {"contact_email", "servicedesk@kanri.example"},
                             {"notes", "サービス提供者。ISO/IEC 20000-1 と ISO/IEC 27001 の認証範囲。"}});
  auto bank = make(org, {{"name", "東都フィナンシャル株式会社"}, {"kind", "customer"}, {"country", "JP"},
                         {"notes", "基幹会計とメールを利用。年末年始は特別体制。"}});
  auto nordwind = make(org, {{"name", "Nordwind Logistics GmbH"}, {"kind", "customer"}, {"country", "DE"},
                             {"notes", "Logistics customer in Hamburg; support in English, business hours CET."}});
  auto cloud = make(org, {{"name", "Acme Cloud Inc."}, {"kind", "supplier"}, {"country", "US"},
                          {"notes", "IaaS supplier under an underpinning contract."}});
  auto infra = make(org, {{"name", "社内インフラ部"}, {"kind", "internal_supplier"}, {"country", "JP"}, {"parent", provider.id}});

  auto mail = make(svc, {{"name", "メールサービス（Microsoft 365）"}, {"description", "メール、予定表、Teams の提供と障害対応。"},
                         {"provider", provider.id}, {"owner", "admin"}, {"criticality", "high"},
                         {"availability_target", 99.9}, {"users_count", 1200}, {"support_hours", "平日 9:00-18:00"},
                         {"review_interval", "P180D"}});
  auto erp = make(svc, {{"name", "基幹会計システム"}, {"description", "会計・請求の基幹システム。月末締め処理は最重要。"},
                        {"provider", provider.id}, {"owner", "admin"}, {"criticality", "critical"},
                        {"availability_target", 99.95}, {"users_count", 300}, {"support_hours", "24x7"},
                        {"attributes", {{"dr_site", "大阪"}, {"rto_hours", 4}}}});
  auto vpn = make(svc, {{"name", "VPN remote access"}, {"description", "Remote access for staff and customers' engineers."},
                        {"provider", provider.id}, {"criticality", "medium"}, {"availability_target", 99.5},
                        {"support_hours", "Mon-Fri 08:00-20:00 CET"}});
  make(svc, {{"name", "Website hosting"}, {"description", "Managed hosting of public websites (proposed)."},
             {"provider", provider.id}, {"criticality", "low"}});

  for (auto* s : {&mail, &erp}) {
    auto live = records.transition(system, svc, s->number, "go_live", {{"live_since", "2025-04-01"}}, std::nullopt);
    if (!live) throw std::runtime_error("demo go_live failed: " + live.error().code);
  }
  auto link = [&](const store::Record& from, const std::string& rel, const store::Record& to) {
    auto l = records.link(system, svc, from.number, {{"relation", rel}, {"target", to.number}});
    if (!l) throw std::runtime_error("demo link failed: " + l.error().code);
  };
  link(mail, "serves", bank);
  link(mail, "serves", nordwind);
  link(erp, "serves", bank);
  link(vpn, "serves", nordwind);
  link(erp, "depends_on", vpn);
  (void)cloud;

  // One user for each way of working, so every default role can be tried.
  auth::Authenticator authenticator(*app.db, *app.catalogue, app.clock, app.config.auth);
  auth::Directory directory(*app.db, *app.catalogue, app.clock, authenticator);
  const char* given = std::getenv("KANRI_DEMO_PASSWORD");
  std::string password = given && *given ? given : auth::generate_password(16);
  struct DemoUser {
    const char *name, *display, *kind, *lang;
    const store::Record* org;
    const char* role;
  };
  const DemoUser users[] = {
      {"sato", "佐藤 美咲（サービスデスク）", "agent", "ja", &provider, "service_desk_agent"},
      {"suzuki", "鈴木 健太（ネットワーク）", "agent", "ja", &provider, "technical_specialist"},
      {"takahashi", "高橋 誠（サービスオーナー）", "agent", "ja", &provider, "service_owner"},
      {"ito", "伊藤 由美（内部監査）", "auditor", "ja", &provider, "internal_auditor"},
      {"watanabe", "渡辺 浩（社長）", "agent", "ja", &provider, "top_management"},
      {"tanaka", "田中 一郎（東都フィナンシャル）", "requester", "ja", &bank, "requester"},
      {"schmidt", "Anna Schmidt (Nordwind)", "requester", "en", &nordwind, "requester"},
  };
  for (auto& u : users) {
    auto made = directory.create_user(engine::Principal::system(),
                                      {{"username", u.name}, {"display_name", u.display}, {"kind", u.kind},
                                       {"language", u.lang}, {"organizations", {u.org->number}}, {"roles", {u.role}},
                                       {"password", password}});
    if (!made) throw std::runtime_error(std::string("demo user rejected: ") + u.name + ": " + made.error().code);
  }
  auto owned = records.update(system, svc, mail.number, {{"owner", "takahashi"}}, mail.version + 1);
  if (!owned) throw std::runtime_error("demo owner failed: " + owned.error().code);
  // The activities the standards want "at planned intervals", each owned by the demo user of
  // the role that usually holds it, due on the next date of its rule (or half an interval on).
  int activities = 0;
  if (const model::TypeDef* pa = app.catalogue->type("periodic_activity")) {
    std::ifstream in(app.config.share_dir + "/demo/periodic_activities.json");
    json list = in ? json::parse(in, nullptr, false) : json();
    const std::map<std::string, std::string> owner_of = {
        {"top_management", "watanabe"}, {"service_owner", "takahashi"}, {"internal_auditor", "ito"},
        {"process_manager", "sato"},    {"security_officer", "admin"},  {"administrator", "admin"}};
    const std::string today = days_to_date(app.clock.now_ms() / 86'400'000);
    for (auto& a : list.is_array() ? list : json::array()) {
      json body{{"title", a["title"].value("ja", a["title"].value("en", ""))},
                {"kind", a.value("kind", "other")},
                {"clause", a.value("clause", "")},
                {"description", a.contains("description") ? a["description"].value("ja", "") : ""},
                {"organization", provider.id},
                {"lead_time", a.value("lead_time", "P14D")}};
      auto owner = owner_of.find(a.value("owner_role", ""));
      body["owner"] = owner == owner_of.end() ? "admin" : owner->second;
      if (a.contains("calendar_rule")) {
        body["calendar_rule"] = a["calendar_rule"];
        auto rule = processes::system::parse_calendar_rule(a["calendar_rule"].get<std::string>());
        if (!rule) throw std::runtime_error("demo activity with a bad calendar rule: " + a.dump());
        body["next_due_on"] = processes::system::next_occurrence(*rule, today);
      } else {
        body["interval"] = a.value("interval", "P365D");
        std::int64_t days = parse_duration(body["interval"].get<std::string>()).value_or(0) / 86'400'000;
        body["next_due_on"] = days_to_date(date_to_days(today) + std::max<std::int64_t>(1, days / 2));
      }
      make(*pa, body);
      ++activities;
    }
  }
  const std::map<std::string, std::int64_t> demo_orgs = {
      {"provider", provider.id}, {"bank", bank.id}, {"nordwind", nordwind.id}, {"cloud", cloud.id}, {"infra", infra.id}};
  const std::map<std::string, std::int64_t> demo_services = {{"mail", mail.id}, {"erp", erp.id}, {"vpn", vpn.id}};
  const int agreements = load_service_level_demo(app, demo_orgs, demo_services);
  load_resolution_demo(app, demo_orgs, demo_services);
  std::cerr << "init: loaded demo data (5 organizations, 4 services, links, 7 users, " << activities
            << " periodic activities, 3 business calendars, " << agreements << " agreements)\n"
            << "init: demo users sato, suzuki, takahashi, ito, watanabe, tanaka, schmidt; their password is "
            << password << (given && *given ? " (from KANRI_DEMO_PASSWORD)" : "") << "\n";
}

}  // namespace kanri::cli
