#include "processes/resolution/service_desk.h"

#include <algorithm>
#include <map>

#include "core/text.h"
#include "engine/refusals.h"
#include "processes/record_fields.h"

namespace kanri::processes::resolution {

using json = nlohmann::json;

namespace {

constexpr int kPerBasis = 10;

}  // namespace

Result<json> ServiceDesk::suggestions(const engine::Principal& p, std::string_view incident_key) {
  const model::Catalogue& cat = records_.catalogue();
  const model::TypeDef* incident = cat.type("incident");
  const model::TypeDef* known_error = cat.type("known_error");
  if (!incident) return Error::of(ErrorKind::not_found, "record.not_found", {{"key", std::string(incident_key)}});
  auto inc = records_.get(p, *incident, incident_key);
  if (!inc) return inc.take_error();
  const store::Record& r = *inc;

  // Each candidate keeps why it came up; more reasons rank it higher.
  struct Candidate {
    store::Record record;
    std::vector<std::string> reasons;
  };
  auto collect = [&](const model::TypeDef& t, std::vector<std::pair<std::string, engine::ListRequest>> bases,
                     std::int64_t exclude) {
    std::map<std::int64_t, Candidate> found;
    for (auto& [reason, request] : bases) {
      request.limit = std::to_string(kPerBasis);
      auto page = records_.list(p, t, request);
      if (!page) continue;  // no read right on the type: nothing to suggest from it
      for (auto& rec : page->records) {
        if (rec.id == exclude || rec.state == "retired") continue;
        auto& c = found.try_emplace(rec.id, Candidate{rec, {}}).first->second;
        c.reasons.push_back(reason);
      }
    }
    std::vector<Candidate> out;
    for (auto& [_, c] : found) out.push_back(std::move(c));
    std::stable_sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.reasons.size() > b.reasons.size(); });
    return out;
  };
  auto by = [](const char* field_name, const Value& v) {
    engine::ListRequest q;
    q.filters.push_back({field_name, std::to_string(as_int(v))});
    q.sort = "-updated_at";
    return q;
  };
  std::string words = text(r, "symptom");
  if (words.empty()) words = text(r, "title");

  json out{{"known_errors", json::array()}, {"knowledge", json::array()}, {"incidents", json::array()}};
  auto render = [&](const std::vector<Candidate>& list, json& into) {
    for (auto& c : list) {
      json item = records_.to_json(p, c.record);
      into.push_back({{"record", item}, {"reasons", c.reasons}});
    }
  };
  // The bases of one kind of suggestion: the incident's service and category where `t` has
  // those fields, and the text; `only` narrows each (published articles only).
  auto bases_for = [&](const model::TypeDef& t, const std::string& text_query,
                       const std::vector<std::pair<std::string, std::string>>& only) {
    std::vector<std::pair<std::string, engine::ListRequest>> bases;
    for (const char* name : {"service", "category"})
      if (t.field(name) && !is_null(field(r, name))) bases.push_back({name, by(name, field(r, name))});
    if (!text_query.empty()) {
      engine::ListRequest q;
      q.q = utf8_prefix(text_query, 200);
      bases.push_back({"text", q});
    }
    for (auto& [_, request] : bases) request.filters.insert(request.filters.end(), only.begin(), only.end());
    return bases;
  };
  if (known_error && p.scope(known_error->name, "read") != engine::Scope::none)
    render(collect(*known_error, bases_for(*known_error, words, {}), 0), out["known_errors"]);
  if (const model::TypeDef* article = cat.type("knowledge_article")) {
    // Published articles only: a draft is not yet knowledge anyone should follow.
    auto found = collect(*article, bases_for(*article, words, {{"state", "published"}}), 0);
    if (found.size() > static_cast<size_t>(kPerBasis)) found.resize(kPerBasis);
    render(found, out["knowledge"]);
  }
  auto similar = collect(*incident, bases_for(*incident, text(r, "symptom"), {}), r.id);
  if (similar.size() > static_cast<size_t>(kPerBasis)) similar.resize(kPerBasis);
  render(similar, out["incidents"]);
  return out;
}

Result<TrendRun> ServiceDesk::analyse(const engine::Principal& p) {
  const model::TypeDef* proposal = records_.catalogue().type("problem_proposal");
  if (!proposal) return Error::of(ErrorKind::not_found, "record.not_found", {{"type", "problem_proposal"}, {"key", "-"}});
  // The analysis reads every organization's incidents: it is the provider's, for those who may
  // create proposals everywhere.
  if (p.scope(proposal->name, "create") != engine::Scope::all) return engine::access_denied("create", *proposal);
  TrendRun run;
  Status s = records_.database().write([&](store::Connection& c) -> Status {
    auto done = analyse_trends(c, records_, p, records_.clock().now_ms());
    if (!done) return done.take_error();
    run = *done;
    return ok_status();
  });
  if (!s) return s.take_error();
  return run;
}

}  // namespace kanri::processes::resolution
