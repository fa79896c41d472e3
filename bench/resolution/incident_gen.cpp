// kanri-bench-incidents: fills a Kanri database with a year of a service desk's incidents, through
// the engine (numbered, prioritized by the active resolution policy's matrix, journaled, indexed
// for search like any write).
//
//   KANRI_DATABASE=sqlite:///abs/kanri.db kanri-bench-incidents --count 1000000 [--services 300]
//       [--groups 78] [--categories 58] [--symptoms 400] [--agents 200] [--orgs 100]
//       [--batch 5000] [--seed 42] [--spread-days 365] [--no-transitions]
//
// First the reference data, each only when its type is still empty: organizations (customers),
// agents (users agent0001…, role incident_manager), services, support groups with tiers 1–3,
// categories (a few top categories with subcategories: the path rule runs) and one active
// resolution policy with the documented matrix. Then the incidents, one transaction per batch
// (engine::RecordService::create_many), and the lifecycle transitions that give them a
// realistic spread of states, inside the same transaction.
//
// The shape follows the ServiceNow incident log in ../shared/data (78 groups, 58 categories):
// groups, categories, services and symptoms drawn by Zipf distributions (one group takes about
// a third of the tickets, a handful of services most of them), impact and urgency mostly medium,
// most reports by phone. opened_at spreads evenly over --spread-days (a year: the trend
// analysis's 30-day window holds about 1/12); the clock that stamps created_at and updated_at
// runs from the same start to now, so both rise together. States follow age: what was opened
// in the last two weeks is still open (new, assigned, in progress, pending, resolved), older
// tickets are closed (resolve, then confirm) except a few left behind.
//
// Progress goes to stderr every batch; the last line on stdout is machine-readable:
//   RESULT incidents=N engine_incidents=E seconds=S rate=R copy_seconds=C transitions=T in_progress=I window=W
//
// --copies K (for a large load on a busy machine): count/K incidents through the engine as above,
// then K-1 copies of them made with SQL in one transaction (copy_incidents: the rows as the engine
// wrote them, with their own ids, numbers, number tokens in the search text and timestamps
// between the generated ones; no journal entries of their own).
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lib/gen_support.h"
#include "processes/record_fields.h"

using nlohmann::json;
using namespace kanri;
using namespace kanri::bench;

namespace {

constexpr std::int64_t kDay = 86'400'000;

struct Options {
  std::int64_t count = 10000;
  std::int64_t services = 300;
  std::int64_t groups = 78;
  std::int64_t categories = 58;
  std::int64_t symptoms = 400;
  std::int64_t agents = 200;
  std::int64_t orgs = 100;
  std::int64_t batch = 5000;
  std::uint64_t seed = 42;
  std::int64_t spread_days = 365;
  std::int64_t copies = 1;
  bool transitions = true;
  // --sla: a business calendar and one active SLA per customer covering every service, so every
  // incident has clocks; states shaped like an open backlog (most tickets open, some paused and
  // resumed). Off: the data (and its random draws) as before.
  bool sla = false;
};

// ---------------------------------------------------------------------------------------------
// Word lists

const std::vector<std::string> kSystemsJa = {"基幹会計システム", "人事給与システム", "メール", "社内ポータル", "勤怠管理",
                                             "経費精算", "販売管理", "在庫管理", "文書管理", "ファイルサーバ",
                                             "VPN", "無線LAN", "仮想デスクトップ", "複合機", "テレビ会議"};
const std::vector<std::string> kSystemsEn = {"Email", "VPN", "Wi-Fi", "ERP", "CRM", "Payroll", "File share",
                                             "Intranet", "Video conferencing", "Virtual desktop", "Printer fleet",
                                             "Identity provider", "Data warehouse"};
const std::vector<std::string> kProblemsJa = {"に接続できない", "が遅い", "でエラーが表示される", "にログインできない",
                                              "の画面が固まる", "で印刷できない", "のデータが表示されない",
                                              "が応答しない", "でファイルを保存できない"};
const std::vector<std::string> kProblemsEn = {"cannot connect", "is slow", "shows an error", "login fails",
                                              "screen freezes", "cannot print", "data missing", "not responding",
                                              "cannot save files"};
const std::vector<std::string> kDetailsJa = {"朝から発生している。", "再起動しても改善しない。", "同じ部署の数名も同様。",
                                             "昨日のメンテナンス後から。", "急ぎの締め処理がある。",
                                             "別の端末では問題ない。"};
const std::vector<std::string> kDetailsEn = {"Since this morning.", "A restart did not help.",
                                             "Colleagues on the same floor see it too.", "Started after last night's patching.",
                                             "Month-end closing is blocked.", "Works from another laptop."};
const std::vector<std::string> kGroupNames = {"Service Desk", "Network", "Identity", "Messaging", "Workplace",
                                              "ERP Support", "Database", "Storage", "Security Operations",
                                              "Field Services", "Cloud Platform", "Applications"};
const std::vector<std::string> kTopCategories = {"Hardware", "Software", "Network", "Access", "Email", "Printing",
                                                 "Database", "Security"};
const std::vector<std::string> kSubCategories = {"Laptop", "Desktop", "Monitor", "Application", "Operating system",
                                                 "Licence", "VPN", "Wi-Fi", "LAN", "Password", "Account", "Permissions",
                                                 "Mailbox", "Calendar", "Queue", "Driver", "Backup", "Performance",
                                                 "Malware", "Phishing"};
const std::vector<std::string> kResolutionsJa = {"設定を修正して解決。", "再起動で回復。", "アカウントのロックを解除。",
                                                 "ドライバを更新。"};
const std::vector<std::string> kResolutionsEn = {"Configuration corrected.", "Restarted the service.",
                                                 "Unlocked the account.", "Updated the driver."};

// ---------------------------------------------------------------------------------------------
// Records

enum class Target { fresh, assigned, in_progress, pending, resolved, closed, resumed };

struct IncidentPlan {
  json body;
  Target target = Target::fresh;
  std::int64_t assignee = 0;
  bool ja = false;
};

struct Reference {
  std::vector<std::int64_t> orgs, agents, services, groups, categories;
  std::vector<std::string> symptoms;
};

// The symptom list: short phrases, some repeated with other spacing or case, as typed at a desk.
std::vector<std::string> make_symptoms(Rng& rng, std::int64_t n) {
  std::vector<std::string> out;
  for (std::int64_t i = 0; i < n; ++i) {
    const bool ja = uniform(rng) < 0.55;
    out.push_back(ja ? fmt::format("{}{} ({})", pick(rng, kSystemsJa), pick(rng, kProblemsJa), i + 1)
                     : fmt::format("{} {} (S{:03})", pick(rng, kSystemsEn), pick(rng, kProblemsEn), i + 1));
  }
  return out;
}

Target target_for_age(Rng& rng, std::int64_t age_days, bool sla) {
  const double x = uniform(rng);
  if (sla) {
    // An open backlog within its targets: few tickets still wait for their response, most are
    // being worked on (a third of those were paused waiting for the requester and resumed),
    // some wait for a supplier (paused), a quarter are resolved or closed.
    static const std::vector<double> backlog = {0.03, 0.12, 0.30, 0.15, 0.15, 0.10, 0.15};
    return static_cast<Target>(weighted(rng, backlog));
  }
  if (age_days < 14) {
    static const std::vector<double> recent = {0.15, 0.15, 0.35, 0.10, 0.15, 0.10};
    return static_cast<Target>(weighted(rng, recent));
  }
  if (x < 0.004) return Target::in_progress;  // the long tail left behind
  if (x < 0.006) return Target::pending;
  return Target::closed;
}

struct Draws {
  Zipf orgs, services, groups, categories, symptoms;
};

IncidentPlan make_incident(Rng& rng, const Reference& ref, const Draws& d, EpochMs opened, std::int64_t age_days,
                           bool sla) {
  const auto& [orgs, services, groups, categories, symptoms] = d;
  IncidentPlan p;
  json& b = p.body;
  p.ja = uniform(rng) < 0.6;
  const std::string& symptom = ref.symptoms[symptoms(rng)];
  b["title"] = p.ja ? pick(rng, kSystemsJa) + pick(rng, kProblemsJa) : pick(rng, kSystemsEn) + " " + pick(rng, kProblemsEn);
  b["description"] = p.ja ? pick(rng, kDetailsJa) + pick(rng, kDetailsJa) : pick(rng, kDetailsEn) + " " + pick(rng, kDetailsEn);
  // Typed by people: the same symptom with other case or surrounding blanks now and then.
  const double v = uniform(rng);
  std::string typed = symptom;
  if (v < 0.05) typed = " " + symptom;
  else if (v < 0.08) typed = symptom + "  ";
  else if (v < 0.10) std::transform(typed.begin(), typed.end(), typed.begin(), [](unsigned char ch) { return std::tolower(ch); });
  b["symptom"] = typed;
  if (uniform(rng) < 0.97) b["service"] = ref.services[services(rng)];
  if (uniform(rng) < 0.95) b["category"] = ref.categories[categories(rng)];
  b["group"] = ref.groups[groups(rng)];
  static const std::vector<std::string> levels = {"high", "medium", "low"};
  b["impact"] = levels[weighted(rng, {0.03, 0.92, 0.05})];
  b["urgency"] = levels[weighted(rng, {0.03, 0.92, 0.05})];
  static const std::vector<std::string> channels = {"phone", "email", "portal", "chat", "monitoring", "walk_in"};
  b["channel"] = channels[weighted(rng, {0.70, 0.10, 0.10, 0.04, 0.05, 0.01})];
  if (uniform(rng) < 0.8) b["reporter"] = pick(rng, ref.agents);
  else b["caller"] = p.ja ? pick(rng, kFamilyJa) + " " + pick(rng, kGivenJa) : pick(rng, kEnPeople);
  if (!ref.orgs.empty()) b["organization"] = ref.orgs[orgs(rng)];
  if (uniform(rng) < 0.3) b["users_affected"] = between(rng, 1, 400);
  b["opened_at"] = format_timestamp(opened);
  p.target = target_for_age(rng, age_days, sla);
  p.assignee = pick(rng, ref.agents);
  return p;
}

// --sla: the business calendar (Tokyo office hours Monday to Friday 09:00–18:00 with Japan's
// national holidays and the year-end closure, as the demo's) in use, and for each customer an
// active SLA on that calendar covering every service, with response and resolution targets per
// priority: the arithmetic every clock does is the realistic, expensive kind (service hours,
// weekends, holidays). Submitted and approved by the system principal (no four-eyes conflict).
Status make_service_levels(store::Connection& c, engine::RecordService& records, const model::Catalogue& cat,
                           const std::vector<store::Record>& orgs, const std::vector<store::Record>& services) {
  (void)c;
  const engine::Principal system = engine::Principal::system();
  const model::TypeDef* calendar_t = cat.type("business_calendar");
  const model::TypeDef* agreement_t = cat.type("agreement");
  const model::TypeDef* target_t = cat.type("service_level_target");
  if (!calendar_t || !agreement_t || !target_t) return Error::of(ErrorKind::bad_request, "the model has no service level types");
  json weekdays = json::object();
  for (const char* d : {"mon", "tue", "wed", "thu", "fri"}) weekdays[d] = json::array({json::array({"09:00", "18:00"})});
  auto cal = records.create(system, *calendar_t,
                            {{"name", "東京 平日 9:00–18:00（祝日・年末年始休業）"}, {"time_zone", "Asia/Tokyo"},
                             {"national_holidays", "japan"}, {"hours", weekdays},
                             {"closures", json::array({{{"from", "12-29"}, {"to", "01-03"}, {"name", "年末年始"}}})}});
  if (!cal) return cal.take_error();
  auto in_use = records.transition(system, *calendar_t, cal->number, "put_in_use", json::object(), std::nullopt);
  if (!in_use) return in_use.take_error();
  struct T {
    const char* metric;
    const char* priority;
    const char* time;
  };
  static const T targets[] = {{"response", "p1", "PT15M"},   {"response", "p2", "PT30M"},  {"response", "p3", "PT4H"},
                              {"response", "p4", "PT8H"},    {"resolution", "p1", "PT4H"}, {"resolution", "p2", "PT8H"},
                              {"resolution", "p3", "PT40H"}, {"resolution", "p4", "PT80H"}};
  for (const store::Record& org : orgs) {
    auto a = records.create(system, *agreement_t,
                            {{"title", "SLA " + processes::text(org, "name") + " (benchmark)"}, {"kind", "sla"}, {"customer", org.id},
                             {"calendar", cal->id}, {"valid_from", "2025-01-01"}});
    if (!a) return a.take_error();
    for (const store::Record& svc : services) {
      auto l = records.link(system, *agreement_t, a->number, {{"relation", "covers"}, {"target", svc.id}});
      if (!l) return l.take_error();
    }
    for (const T& t : targets) {
      auto made = records.create(system, *target_t,
                                 {{"agreement", a->id}, {"metric", t.metric}, {"priority", t.priority}, {"target_time", t.time}});
      if (!made) return made.take_error();
    }
    auto sub = records.transition(system, *agreement_t, a->number, "submit", {{"change_summary", "Benchmark"}}, std::nullopt);
    if (!sub) return sub.take_error();
    auto ok = records.transition(system, *agreement_t, a->number, "approve", json::object(), std::nullopt);
    if (!ok) return ok.take_error();
  }
  return ok_status();
}

// The reference data, created in one transaction when the incident type is still empty.
Status make_reference(store::Connection& c, engine::RecordService& records, const model::Catalogue& cat,
                      const Clock& clock, Rng& rng, const Options& opt, Reference& ref) {
  const engine::Principal system = engine::Principal::system();
  auto ids = [](Result<std::vector<store::Record>>& made, std::vector<std::int64_t>& out) {
    for (auto& r : *made) out.push_back(r.id);
  };
  ref.agents = ensure_agents(c, clock, rng, "agent", opt.agents, "incident_manager", "kanri-bench-incidents");
  std::vector<json> bodies;
  for (std::int64_t i = 0; i < opt.orgs; ++i) {
    json o = make_org(rng, static_cast<size_t>(i) + 3, {});  // customers and suppliers, no providers
    o["kind"] = "customer";
    o.erase("parent");
    bodies.push_back(o);
  }
  auto orgs = records.create_many(system, *cat.type("organization"), bodies);
  if (!orgs) return orgs.take_error();
  ids(orgs, ref.orgs);

  bodies.clear();
  static const std::vector<std::string> crit = {"critical", "high", "medium", "low"};
  for (std::int64_t i = 0; i < opt.services; ++i) {
    const bool ja = uniform(rng) < 0.5;
    bodies.push_back({{"name", fmt::format("{} {:03}", ja ? pick(rng, kSystemsJa) : pick(rng, kSystemsEn), i + 1)},
                      {"criticality", crit[weighted(rng, {0.03, 0.22, 0.5, 0.25})]}});
  }
  auto services = records.create_many(system, *cat.type("service"), bodies);
  if (!services) return services.take_error();
  ids(services, ref.services);

  bodies.clear();
  for (std::int64_t i = 0; i < opt.groups; ++i)
    bodies.push_back({{"name", fmt::format("{} {:02}", kGroupNames[static_cast<size_t>(i) % kGroupNames.size()], i + 1)},
                      {"tier", i < opt.groups / 4 ? 1 : (i < opt.groups * 3 / 4 ? 2 : 3)}});
  auto groups = records.create_many(system, *cat.type("support_group"), bodies);
  if (!groups) return groups.take_error();
  ids(groups, ref.groups);

  // Top categories, then subcategories under them (the path rule reads the parent).
  const model::TypeDef& category = *cat.type("category");
  std::vector<std::int64_t> tops;
  const std::int64_t top_count = std::min<std::int64_t>(opt.categories, static_cast<std::int64_t>(kTopCategories.size()));
  bodies.clear();
  for (std::int64_t i = 0; i < top_count; ++i) bodies.push_back({{"name", kTopCategories[static_cast<size_t>(i)]}});
  auto top = records.create_many(system, category, bodies);
  if (!top) return top.take_error();
  ids(top, tops);
  bodies.clear();
  for (std::int64_t i = top_count; i < opt.categories; ++i)
    bodies.push_back({{"name", fmt::format("{} {}", kSubCategories[static_cast<size_t>(i) % kSubCategories.size()], i + 1)},
                      {"parent", tops[static_cast<size_t>(i) % tops.size()]}});
  auto subs = records.create_many(system, category, bodies);
  if (!subs) return subs.take_error();
  ids(subs, ref.categories);
  ref.categories.insert(ref.categories.end(), tops.begin(), tops.end());

  // The policy as tests/api/90_incidents.scenario makes it: the documented matrix, active.
  json policy = {{"name", "Service desk policy (benchmark)"}, {"active", true}, {"auto_close_after", "P5D"},
                 {"priority_matrix", {{"high", {{"high", "p1"}, {"medium", "p2"}, {"low", "p3"}}},
                                      {"medium", {{"high", "p2"}, {"medium", "p3"}, {"low", "p4"}}},
                                      {"low", {{"high", "p3"}, {"medium", "p4"}, {"low", "p4"}}}}},
                 {"security_priority", {{"very_high", "p1"}, {"high", "p2"}, {"medium", "p3"}, {"low", "p4"}}},
                 {"major_priority", "p1"}, {"major_critical_service", true}, {"major_users", 500},
                 {"major_security_risk", "high"}};
  auto made = records.create_within(c, system, *cat.type("resolution_policy"), policy, engine::Scope::all);
  if (!made) return made.take_error();
  if (opt.sla) return make_service_levels(c, records, cat, *orgs, *services);
  return ok_status();
}

// Copies the `base` incidents from id `first` on `copies - 1` times, in one statement per copy:
// each row as the engine wrote it, with the next free id and its number, the search text's
// number tokens ("inc 000042") made to match, and every timestamp moved on by a fraction of the
// gap between two generated reports, so that copy k of a report lies between it and the next.
// The copies have no journal entries of their own.
void copy_incidents(store::Connection& c, const model::TypeDef& t, std::int64_t first, std::int64_t base,
                    std::int64_t copies, EpochMs gap) {
  const bool pg = c.dialect() == store::Dialect::postgres;
  auto padded = [&](const std::string& n) {
    // As fmt's {:06}: at least six digits (lpad alone would cut 1000000 to six).
    return pg ? fmt::format("lpad(({0})::text, greatest(6, length(({0})::text)), '0')", n) : fmt::format("printf('%06d', {})", n);
  };
  const std::string prefix = t.number_prefix, lower_prefix = [&] {
    std::string l = prefix;
    for (auto& ch : l) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return l;
  }();
  // Without the table's secondary indexes and its search index's insert trigger while copying:
  // building them afterwards from the sorted rows is many times faster than a million random
  // insertions into each (SQLite: sqlite_master holds their DDL; PostgreSQL: pg_indexes, less the
  // primary key's and the unique number's, which the constraints own).
  std::vector<std::string> rebuild;
  const std::string tbl = t.table();
  store::Rows defs = pg ? c.query("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND "
                                  "tablename = ? AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                                  {Value(tbl)})
                        : c.query("SELECT name, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL AND "
                                  "(type = 'index' OR (type = 'trigger' AND name = ?))",
                                  {Value(tbl), Value("trg_" + t.name + "_search_ai")});
  for (auto& d : defs.rows) {
    const std::string name = as_text(d[0]), ddl = as_text(d[1]);
    c.execute((ddl.rfind("CREATE TRIGGER", 0) == 0 ? "DROP TRIGGER " : "DROP INDEX ") + name);
    rebuild.push_back(ddl);
  }
  for (std::int64_t k = 1; k < copies; ++k) {
    const std::string id = fmt::format("(id + {})", k * base), off = std::to_string(k * gap / copies);
    std::string cols = "id, number, state, version, org_id, created_at, updated_at, created_by, updated_by, deleted_at, search_text";
    std::string vals = fmt::format("{0}, '{1}-' || {2}, state, version, org_id, created_at + {3}, updated_at + {3}, created_by, "
                                   "updated_by, deleted_at, '{4} ' || {2} || substr(search_text, length(number) + 1)",
                                   id, prefix, padded(id), off, lower_prefix);
    for (auto& f : t.fields) {
      cols += fmt::format(", \"{}\"", f.name);
      vals += f.type == model::FieldType::datetime ? fmt::format(", \"{}\" + {}", f.name, off) : fmt::format(", \"{}\"", f.name);
    }
    c.execute(fmt::format("INSERT INTO {} ({}) SELECT {} FROM {} WHERE id BETWEEN {} AND {}", t.table(), cols, vals, t.table(),
                          first, first + base - 1));
  }
  for (auto& ddl : rebuild) c.execute(ddl);
  if (!pg) c.execute(fmt::format("INSERT INTO fts_{0}(fts_{0}) VALUES ('rebuild')", t.name));
  c.execute(fmt::format("UPDATE sequences SET value = {} WHERE name = '{}'", first + base * copies - 1, t.name));
  if (pg) c.execute(fmt::format("SELECT setval(pg_get_serial_sequence('{0}', 'id'), (SELECT max(id) FROM {0}))", t.table()));
}

// The ids of every record of `t`, in creation order.
std::vector<std::int64_t> all_ids(store::Connection& c, const model::TypeDef& t) {
  std::vector<std::int64_t> out;
  for (auto& row : c.query(fmt::format("SELECT id FROM {} WHERE deleted_at IS NULL ORDER BY id", t.table())).rows)
    out.push_back(as_int(row[0]));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App cli{"kanri-bench-incidents: fill the database in KANRI_DATABASE with a year of incidents"};
  cli.add_option("--count", opt.count, "Incidents to create")->check(CLI::NonNegativeNumber);
  cli.add_option("--services", opt.services, "Services the incidents are about")->check(CLI::PositiveNumber);
  cli.add_option("--groups", opt.groups, "Support groups")->check(CLI::PositiveNumber);
  cli.add_option("--categories", opt.categories, "Categories (a few top ones, the rest below them)")->check(CLI::PositiveNumber);
  cli.add_option("--symptoms", opt.symptoms, "Distinct symptoms")->check(CLI::PositiveNumber);
  cli.add_option("--agents", opt.agents, "Agents (reporters and assignees)")->check(CLI::PositiveNumber);
  cli.add_option("--orgs", opt.orgs, "Customer organizations")->check(CLI::NonNegativeNumber);
  cli.add_option("--batch", opt.batch, "Incidents per transaction")->check(CLI::PositiveNumber);
  cli.add_option("--seed", opt.seed, "Random seed (same seed, same data)");
  cli.add_option("--spread-days", opt.spread_days, "opened_at spread over this many past days")->check(CLI::PositiveNumber);
  cli.add_option("--copies", opt.copies,
                 "Write count/copies incidents through the engine, then copy them with SQL to make count (a faster load)")
      ->check(CLI::PositiveNumber);
  bool no_transitions = false;
  cli.add_flag("--no-transitions", no_transitions, "Leave every incident new");
  cli.add_flag("--sla", opt.sla,
               "A business calendar and an active SLA per customer covering every service (every incident gets clocks); "
               "states of an open backlog");
  CLI11_PARSE(cli, argc, argv);
  opt.transitions = !no_transitions;

  auto eng = open_engine("kanri-bench-incidents");
  if (!eng) return 2;
  const model::Catalogue& cat = *eng->catalogue;
  const model::TypeDef* incident = cat.type("incident");
  for (const char* name : {"incident", "organization", "service", "support_group", "category", "resolution_policy"}) {
    if (!cat.type(name)) {
      std::cerr << "kanri-bench-incidents: the model has no '" << name << "' type\n";
      return 2;
    }
  }
  std::cerr << fmt::format("kanri-bench-incidents: {} incidents, batch {}, seed {} into {}\n", opt.count, opt.batch,
                           opt.seed, eng->db->describe());

  Rng rng(opt.seed);
  SystemClock wall;
  const EpochMs now = wall.now_ms();
  const EpochMs start = now - opt.spread_days * kDay;
  // A millisecond per read; each batch moves it on to its reports' time (advance_to below).
  SpreadClock clock(start, 1);
  InTransaction tx(*eng->db);
  engine::RecordService records(cat, tx, eng->rules, clock);
  const engine::Principal system = engine::Principal::system();
  auto t0 = std::chrono::steady_clock::now();

  try {
    Reference ref;
    Status rs = eng->db->write([&](store::Connection& c) -> Status {
      tx.bind(&c);
      struct Unbind {
        InTransaction& tx;
        ~Unbind() { tx.bind(nullptr); }
      } unbind{tx};
      if (all_ids(c, *cat.type("support_group")).empty()) {
        Rng ref_rng(opt.seed + 2);
        if (Status s = make_reference(c, records, cat, clock, ref_rng, opt, ref); !s) return s;
      }
      // Read back (also when an earlier run made them), in creation order.
      Rng unused(opt.seed + 2);  // every agent exists by now: nothing is drawn
      ref.agents = ensure_agents(c, clock, unused, "agent", opt.agents, "incident_manager", "kanri-bench-incidents");
      ref.orgs = all_ids(c, *cat.type("organization"));
      ref.services = all_ids(c, *cat.type("service"));
      ref.groups = all_ids(c, *cat.type("support_group"));
      ref.categories = all_ids(c, *cat.type("category"));
      return ok_status();
    });
    if (!rs) {
      std::cerr << "kanri-bench-incidents: reference data rejected: " << message(rs.error()) << "\n";
      return 1;
    }
    Rng symptom_rng(opt.seed + 1);
    ref.symptoms = make_symptoms(symptom_rng, opt.symptoms);
    const Draws draws{Zipf(std::max<size_t>(1, ref.orgs.size()), 0.8), Zipf(ref.services.size(), 1.1),
                      Zipf(ref.groups.size(), 1.0), Zipf(ref.categories.size(), 1.0), Zipf(ref.symptoms.size(), 1.0)};
    std::cerr << fmt::format("reference: {} organizations, {} agents, {} services, {} groups, {} categories in {:.1f} s\n",
                             ref.orgs.size(), ref.agents.size(), ref.services.size(), ref.groups.size(),
                             ref.categories.size(), seconds_since(t0));

    auto t1 = std::chrono::steady_clock::now();
    std::int64_t transitions = 0, in_progress = 0, window = 0;
    const std::int64_t total = opt.count;
    opt.count = total / opt.copies;  // through the engine; the rest are copies
    const EpochMs step = opt.spread_days * kDay / std::max<std::int64_t>(1, opt.count);
    std::int64_t first_id = 0, done = 0;
    // A run stopped while copying left the incidents made through the engine: copy those.
    eng->db->read([&](store::Connection& c) {
      store::Rows n = c.query(fmt::format("SELECT COUNT(*), MIN(id) FROM {}", incident->table()));
      if (opt.copies > 1 && as_int(n.rows[0][0]) == opt.count) {
        done = opt.count;
        first_id = as_int(n.rows[0][1]);
        std::cerr << fmt::format("the database holds the {} incidents to copy already\n", opt.count);
      }
    });
    while (done < opt.count) {
      auto tb = std::chrono::steady_clock::now();
      const std::int64_t n = std::min(opt.batch, opt.count - done);
      std::vector<IncidentPlan> plans;
      std::vector<json> bodies;
      for (std::int64_t i = 0; i < n; ++i) {
        const EpochMs opened = start + (done + i) * step;
        plans.push_back(make_incident(rng, ref, draws, opened, (now - opened) / kDay, opt.sla));
        bodies.push_back(plans.back().body);
        if (now - opened < 30 * kDay) ++window;
      }
      // Recorded as the reports come in: the clock starts the batch at its first report's time and
      // moves on about one report's gap per incident written (a handful of reads each).
      clock.advance_to(start + done * step);
      clock.set_step(std::max<EpochMs>(1, step / 6));
      std::int64_t batch_transitions = 0;
      Status s = eng->db->write([&](store::Connection& c) -> Status {
        tx.bind(&c);
        struct Unbind {
          InTransaction& tx;
          ~Unbind() { tx.bind(nullptr); }
        } unbind{tx};
        auto created = records.create_many(system, *incident, bodies);
        if (!created) return created.take_error();
        if (done == 0 && !created->empty()) first_id = created->front().id;
        if (!opt.transitions) return ok_status();
        for (size_t i = 0; i < created->size(); ++i) {
          const IncidentPlan& p = plans[i];
          const std::string key = std::to_string((*created)[i].id);
          auto step_to = [&](const char* name, const json& body) -> Status {
            auto r = records.transition(system, *incident, key, name, body, std::nullopt);
            if (!r) {
              Error e = r.take_error();
              e.code = std::string(name) + " of incident " + key + ": " + e.code;
              return e;
            }
            ++batch_transitions;
            return ok_status();
          };
          Status st = ok_status();
          switch (p.target) {
            case Target::fresh: break;
            case Target::assigned: st = step_to("assign", {{"assignee", p.assignee}}); break;
            case Target::in_progress: st = step_to("take", {{"assignee", p.assignee}}); break;
            case Target::resumed:  // paused while waiting for the requester, then worked on again
              st = step_to("take", {{"assignee", p.assignee}});
              if (st) st = step_to("wait_requester", {{"pending_reason", p.ja ? "利用者の回答待ち" : "Waiting for the caller's answer"}});
              if (st) st = step_to("take", {{"assignee", p.assignee}});
              break;
            case Target::pending:
              st = step_to("take", {{"assignee", p.assignee}});
              if (st) st = step_to("wait_supplier", {{"pending_reason", p.ja ? "ベンダーの回答待ち" : "Waiting for the vendor's fix"}});
              break;
            case Target::resolved:
            case Target::closed:
              st = step_to("resolve", {{"resolution_code", uniform(rng) < 0.8 ? "solved" : "workaround"},
                                       {"resolution", p.ja ? pick(rng, kResolutionsJa) : pick(rng, kResolutionsEn)}});
              if (st && p.target == Target::closed) st = step_to("confirm", json::object());
              break;
          }
          if (!st) return st;
        }
        return ok_status();
      });
      if (!s) {
        std::cerr << "kanri-bench-incidents: incidents rejected: " << message(s.error()) << "\n";
        return 1;
      }
      for (auto& p : plans)
        in_progress += opt.transitions && (p.target == Target::in_progress || p.target == Target::resumed);
      transitions += batch_transitions;
      done += n;
      const double bs = seconds_since(tb), total = seconds_since(t1), rate = static_cast<double>(done) / total;
      std::cerr << fmt::format("incidents: {:>9}/{} ({:5.1f}%)  batch {:.2f} s = {:>6.0f} rec/s  overall {:>6.0f} rec/s  ETA {:.0f} s\n",
                               done, opt.count, 100.0 * static_cast<double>(done) / static_cast<double>(opt.count), bs,
                               static_cast<double>(n) / bs, rate, static_cast<double>(opt.count - done) / std::max(rate, 1.0));
    }
    const double seconds = seconds_since(t1);
    const double rate = opt.count > 0 ? static_cast<double>(opt.count) / std::max(seconds, 1e-9) : 0.0;
    std::cerr << fmt::format("done: {} incidents ({} transitions) in {:.1f} s = {:.0f} incidents/s; {} opened in the last 30 days\n",
                             opt.count, transitions, seconds, rate, window);
    double copy_seconds = 0;
    if (opt.copies > 1 && opt.count > 0) {
      auto tc = std::chrono::steady_clock::now();
      std::cerr << fmt::format("copying them {} times with SQL\n", opt.copies - 1);
      Status cs = eng->db->write([&](store::Connection& c) -> Status {
        copy_incidents(c, *incident, first_id, opt.count, opt.copies, step);
        return ok_status();
      });
      if (!cs) {
        std::cerr << "kanri-bench-incidents: copies: " << message(cs.error()) << "\n";
        return 1;
      }
      copy_seconds = seconds_since(tc);
      std::cerr << fmt::format("copies: {} incidents in {:.1f} s\n", opt.count * (opt.copies - 1), copy_seconds);
    }
    std::cout << fmt::format("RESULT incidents={} engine_incidents={} seconds={:.3f} rate={:.1f} copy_seconds={:.1f} "
                             "transitions={} in_progress={} window={}\n",
                             opt.count * opt.copies, opt.count, seconds, rate, copy_seconds, transitions,
                             in_progress * opt.copies, window * opt.copies);
  } catch (const std::exception& e) {
    std::cerr << "kanri-bench-incidents: " << e.what() << "\n";
    return 1;
  }
  auto tc = std::chrono::steady_clock::now();
  eng->db.reset();  // closes (SQLite: checkpoints the WAL)
  std::cerr << fmt::format("closed the database in {:.1f} s\n", seconds_since(tc));
  return 0;
}
