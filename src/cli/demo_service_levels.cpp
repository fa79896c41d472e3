// The service level part of `kanri init --demo`: a business calendar per way of working (Tokyo
// office hours with Japan's holidays and the year-end closure, Hamburg business hours, around
// the clock), an SLA with each customer on its own calendar, an OLA with the internal
// infrastructure team and an underpinning contract with the cloud supplier, all approved by
// someone other than who submitted them. One inconsistency is deliberate: the OLA's priority 1
// resolution time is longer than the customers' SLAs promise, so the chain report has findings.
#include <nlohmann/json.hpp>

#include "auth/authenticator.h"
#include "cli/app.h"
#include "engine/record_service.h"
#include "store/accounts.h"

namespace kanri::cli {

using nlohmann::json;

int load_service_level_demo(App& app, const std::map<std::string, std::int64_t>& orgs,
                            const std::map<std::string, std::int64_t>& services) {
  const model::TypeDef* calendar_t = app.catalogue->type("business_calendar");
  const model::TypeDef* agreement_t = app.catalogue->type("agreement");
  const model::TypeDef* target_t = app.catalogue->type("service_level_target");
  if (!calendar_t || !agreement_t || !target_t) return 0;  // a model without service level management
  engine::RecordService records(*app.catalogue, *app.db, app.rules, app.clock);
  auth::Authenticator authenticator(*app.db, *app.catalogue, app.clock, app.config.auth);
  std::map<std::string, engine::Principal> people;
  app.db->read([&](store::Connection& c) {
    for (const char* name : {"takahashi", "admin"})
      if (auto u = store::find_user_by_name(c, name)) people[name] = authenticator.principal_for(c, *u);
  });
  const engine::Principal system = engine::Principal::system();
  auto who = [&](const char* name) -> const engine::Principal& {
    auto it = people.find(name);
    return it == people.end() ? system : it->second;
  };
  auto check = [](auto result, const std::string& what) {
    if (!result) throw std::runtime_error("demo " + what + " rejected: " + result.error().code);
    return std::move(result).value();
  };

  json weekdays = json::object();
  for (const char* d : {"mon", "tue", "wed", "thu", "fri"}) weekdays[d] = json::array({json::array({"09:00", "18:00"})});
  json hamburg = json::object();
  for (const char* d : {"mon", "tue", "wed", "thu", "fri"}) hamburg[d] = json::array({json::array({"08:00", "20:00"})});
  json always = json::object();
  for (const char* d : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"})
    always[d] = json::array({json::array({"00:00", "24:00"})});
  auto calendar = [&](json body) {
    auto made = check(records.create(system, *calendar_t, body), "calendar");
    return check(records.transition(system, *calendar_t, made.number, "put_in_use", json::object(), std::nullopt), "calendar use").id;
  };
  const std::int64_t tokyo = calendar(
      {{"name", "東京 平日 9:00–18:00（祝日・年末年始休業）"}, {"time_zone", "Asia/Tokyo"}, {"national_holidays", "japan"},
       {"hours", weekdays},
       {"closures", json::array({{{"from", "12-29"}, {"to", "01-03"}, {"name", "年末年始"}}})},
       {"organization", orgs.at("provider")}});
  const std::int64_t germany = calendar(
      {{"name", "Hamburg Mon–Fri 08:00–20:00"}, {"time_zone", "Europe/Berlin"}, {"national_holidays", "none"},
       {"hours", hamburg},
       {"extra_holidays", json::array({"2026-12-24", "2026-12-25", "2026-12-26", "2027-01-01", "2027-04-02", "2027-04-05"})},
       {"organization", orgs.at("provider")}});
  const std::int64_t round_the_clock =
      calendar({{"name", "24×7 (UTC)"}, {"time_zone", "UTC"}, {"national_holidays", "none"}, {"hours", always},
                {"organization", orgs.at("provider")}});

  struct Target {
    const char* metric;
    const char* priority;  // "" for every priority
    const char* value;     // a duration, a percentage or a limit
  };
  int agreements = 0;
  auto agreement = [&](json body, std::initializer_list<const char*> covers,
                       std::initializer_list<Target> targets) -> std::int64_t {
    body["organization"] = orgs.at("provider");
    body["owner"] = "takahashi";
    auto a = check(records.create(who("admin"), *agreement_t, body), "agreement");
    for (auto* s : covers)
      check(records.link(system, *agreement_t, a.number, {{"relation", "covers"}, {"target", services.at(s)}}), "covers");
    for (auto& t : targets) {
      json tb{{"agreement", a.id}, {"metric", t.metric}};
      if (*t.priority) tb["priority"] = t.priority;
      const std::string metric = t.metric;
      if (metric == "availability") {
        tb["availability_percent"] = std::stod(t.value);
        tb["period"] = "month";
      } else if (metric == "workload") {
        tb["workload_limit"] = std::stoll(t.value);
        tb["period"] = "month";
        tb["exceptions"] = "Beyond the limit the resolution targets do not apply; the overflow is planned with the customer.";
      } else {
        tb["target_time"] = t.value;
      }
      check(records.create(who("admin"), *target_t, tb), "target");
    }
    // Drafted and submitted by the administrator, approved by the service owner (four eyes).
    auto submitted = check(records.transition(who("admin"), *agreement_t, a.number, "submit",
                                              {{"change_summary", "初版。/ First version."}}, std::nullopt),
                           "agreement submit");
    check(records.transition(who("takahashi"), *agreement_t, submitted.number, "approve", json::object(), std::nullopt),
          "agreement approve");
    ++agreements;
    return a.id;
  };

  const std::int64_t bank_sla = agreement({{"title", "SLA 東都フィナンシャル（メール・基幹会計）"}, {"kind", "sla"}, {"customer", orgs.at("bank")},
             {"valid_from", "2026-04-01"}, {"valid_to", "2027-03-31"}, {"review_interval", "P180D"}, {"calendar", tokyo},
             {"description", "平日 9:00–18:00（日本の祝日・年末年始を除く）のサポート。月次でサービスレビュー。"}},
            {"mail", "erp"},
            {{"response", "p1", "PT15M"},
             {"response", "p2", "PT30M"},
             {"resolution", "p1", "PT4H"},
             {"resolution", "p2", "PT8H"},
             {"resolution", "p3", "PT24H"},
             {"resolution", "p4", "PT40H"},
             {"availability", "", "99.9"},
             {"workload", "", "400"}});
  agreement({{"title", "SLA Nordwind Logistics (mail, VPN)"}, {"kind", "sla"}, {"customer", orgs.at("nordwind")},
             {"valid_from", "2026-01-01"}, {"valid_to", "2026-12-31"}, {"review_interval", "P90D"}, {"calendar", germany},
             {"description", "Support Monday to Friday 08:00–20:00 Hamburg time; quarterly service review in English."}},
            {"mail", "vpn"},
            {{"response", "", "PT1H"},
             {"resolution", "p1", "PT4H"},
             {"resolution", "p2", "PT6H"},
             {"resolution", "p3", "PT16H"},
             {"availability", "", "99.5"}});
  // The deliberate inconsistency: 6 h for priority 1 behind the customers' 4 h (the chain report
  // finds it on ERP for the bank and on VPN for Nordwind). Mail runs on the cloud supplier.
  agreement({{"title", "OLA 社内インフラ部（基盤・ネットワーク）"}, {"kind", "ola"}, {"supplier", orgs.at("infra")},
             {"valid_from", "2026-04-01"}, {"review_interval", "P365D"}, {"calendar", round_the_clock},
             {"description", "メール・基幹会計・VPN の基盤とネットワークの運用。24時間365日の当番体制。"}},
            {"erp", "vpn"},
            {{"resolution", "p1", "PT6H"}, {"resolution", "p2", "PT6H"}, {"resolution", "p3", "PT16H"}, {"resolution", "p4", "PT40H"},
             {"response", "", "PT15M"}});
  agreement({{"title", "Underpinning contract Acme Cloud (IaaS)"}, {"kind", "contract"}, {"supplier", orgs.at("cloud")},
             {"valid_from", "2025-10-01"}, {"valid_to", "2028-09-30"}, {"review_interval", "P365D"},
             {"calendar", round_the_clock},
             {"description", "Compute and storage for the mail and ERP platforms; service credits below 99.95 % a month."}},
            {"mail", "erp"},
            {{"availability", "", "99.95"}});

  // The catalogue: each service's hours as a calendar and its importance in two schemes — the
  // provider's graded letters, and a C/I/A rating for the platform the bank's accounts run on.
  const model::TypeDef* scheme_t = app.catalogue->type("importance_scheme");
  const model::TypeDef* service_t = app.catalogue->type("service");
  if (scheme_t && service_t) {
    auto level = [](const char* name, const char* en, const char* ja, const char* meaning) {
      return json{{"name", name}, {"en", en}, {"ja", ja}, {"meaning", meaning}};
    };
    const std::int64_t graded =
        check(records.create(system, *scheme_t,
                             {{"name", "サービス重要度（AAA/AA/A）"}, {"kind", "graded"}, {"organization", orgs.at("provider")},
                              {"levels", json::array({level("AAA", "Mission critical", "最重要", "停止すると顧客の業務が止まる"),
                                                      level("AA", "Business critical", "重要", "停止すると業務に大きな支障"),
                                                      level("A", "Standard", "標準", "代替手段がある")})}}),
              "importance scheme")
            .id;
    const std::int64_t cia =
        check(records.create(system, *scheme_t,
                             {{"name", "情報資産の C/I/A 評価（3段階）"}, {"kind", "cia"}, {"organization", orgs.at("provider")},
                              {"levels", json::array({level("3", "High", "高", "漏えい・改ざん・停止の影響が重大"),
                                                      level("2", "Medium", "中", "影響は限定的"),
                                                      level("1", "Low", "低", "影響は軽微")})}}),
              "importance scheme")
            .id;
    auto classify = [&](const char* service, json body) {
      auto s = check(records.get(system, *service_t, std::to_string(services.at(service))), "service");
      check(records.update(system, *service_t, s.number, body, s.version), "service classification");
    };
    classify("mail", {{"service_hours", tokyo}, {"importance_scheme", graded}, {"importance_class", "AA"},
                      {"internal_notes", "テナントは東日本リージョン。ライセンス更新は毎年3月。"}});
    classify("erp", {{"service_hours", round_the_clock}, {"importance_scheme", cia}, {"confidentiality_level", "3"},
                     {"integrity_level", "3"}, {"availability_level", "3"},
                     {"internal_notes", "月末締めの前後3営業日は変更凍結。DR サイトは大阪。"}});
    classify("vpn", {{"service_hours", germany}, {"importance_scheme", graded}, {"importance_class", "A"},
                     {"internal_notes", "Gateway pair in Frankfurt; the certificate renews every October."}});
  }

  // The bank's SLA is reviewed every 180 days (its review interval): the periodic activity
  // takes the interval from the agreement, and the first review is planned for its due date.
  const model::TypeDef* activity_t = app.catalogue->type("periodic_activity");
  const model::TypeDef* review_t = app.catalogue->type("service_review");
  if (activity_t && review_t && activity_t->field("agreement")) {
    auto activity = check(records.create(system, *activity_t,
                                         {{"title", "SLA レビュー：東都フィナンシャル"}, {"kind", "sla_review"},
                                          {"clause", "20000-1:8.3.3"}, {"owner", "takahashi"}, {"agreement", bank_sla},
                                          {"organization", orgs.at("provider")}, {"next_due_on", "2026-09-28"}}),
                          "review activity");
    check(records.create(system, *review_t,
                         {{"title", "2026年度上期 SLA レビュー（東都フィナンシャル）"}, {"agreement", bank_sla},
                          {"activity", activity.id}, {"owner", "takahashi"}, {"organization", orgs.at("provider")},
                          {"period_from", "2026-04-01"}, {"period_to", "2026-09-30"}, {"planned_on", "2026-10-15"}}),
          "service review");
  }
  return agreements;
}

}  // namespace kanri::cli
