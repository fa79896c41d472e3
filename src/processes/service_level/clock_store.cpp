#include "processes/service_level/clock_store.h"

#include <algorithm>

#include "processes/service_level/calendar_rules.h"
#include "store/journal.h"

namespace kanri::processes::service_level {

using json = nlohmann::json;

ClockMode mode_of(const std::string& name) {
  return name == "running" ? ClockMode::running : name == "paused" ? ClockMode::paused : ClockMode::stopped;
}

ClockState state_of(const store::StoredClock& k) {
  ClockState c;
  c.started = true;
  c.mode = mode_of(k.mode);
  c.started_at = k.started_at;
  c.since = k.since;
  c.elapsed_ms = k.elapsed_ms;
  c.target_ms = k.target_ms;
  c.target_ref = k.target_ref;
  c.breached_at = k.breached_at;
  c.stopped_at = k.stopped_at;
  c.ended = k.ended;
  return c;
}

void put_state(store::StoredClock& k, const ClockState& c) {
  k.mode = mode_name(c.mode);
  k.started_at = c.started_at;
  k.since = c.since;
  k.elapsed_ms = c.elapsed_ms;
  k.target_ms = c.target_ms;
  k.target_ref = c.target_ref;
  k.breached_at = c.breached_at;
  k.stopped_at = c.stopped_at;
  k.ended = c.ended;
}

BusinessCalendar around_the_clock() {
  CalendarDefinition d;
  for (auto& day : d.week) day = {{0, 86'400'000}};
  return *BusinessCalendar::make(d);
}

BusinessCalendar calendar_for(store::Connection& c, engine::RecordService& records, std::optional<std::int64_t> id) {
  const model::TypeDef* t = records.catalogue().type("business_calendar");
  if (!t || !id) return around_the_clock();
  auto r = records.store().find(c, *t, *id);
  if (!r) return around_the_clock();
  auto d = calendar_of(*r);
  if (!d) return around_the_clock();
  auto cal = BusinessCalendar::make(std::move(d).value());
  if (!cal) return around_the_clock();
  return std::move(*cal);
}

const BusinessCalendar& CalendarsAsOf::at(std::optional<std::int64_t> id, EpochMs when) {
  const model::TypeDef* t = records_.catalogue().type("business_calendar");
  if (!id || !t) return fallback_;
  auto& cur = current_[*id];
  if (!cur.loaded) {
    cur.loaded = true;
    if (auto r = records_.store().find(c_, *t, *id)) {
      cur.updated_at = r->updated_at;
      cur.number = r->number;
      cur.calendar = build(*r);
    }
  }
  if (!cur.calendar) return fallback_;
  if (cur.updated_at <= when) return *cur.calendar;
  // Edited since: as it was then. A calendar written after the entry's time (records dated
  // in the past, as the demo's are) was read as it is by the live clock too.
  if (!cur.entry_times) {
    cur.entry_times.emplace();
    for (auto& e : store::record_history(c_, t->name, *id)) cur.entry_times->push_back(e.at);
    std::sort(cur.entry_times->begin(), cur.entry_times->end());
  }
  const auto version = static_cast<std::size_t>(
      std::upper_bound(cur.entry_times->begin(), cur.entry_times->end(), when) - cur.entry_times->begin());
  auto [past, first] = cur.past.try_emplace(version);
  if (first) {
    auto old = records_.as_of_within(c_, *t, cur.number, when);
    if (old) past->second = build(*old);
  }
  return past->second ? *past->second : *cur.calendar;
}

std::optional<BusinessCalendar> CalendarsAsOf::build(const store::Record& r) {
  auto d = calendar_of(r);
  if (!d) return std::nullopt;
  return BusinessCalendar::make(std::move(d).value());
}

std::map<std::string, Replayed> replay_ticket(store::Connection& c, engine::RecordService&,
                                              CalendarsAsOf& calendars, const std::string& type, std::int64_t id,
                                              std::optional<EpochMs> until) {
  const auto entries = store::record_history(c, type, id, "sla_clock");
  return replay_entries(entries, calendars, type, until);
}

std::map<std::string, Replayed> replay_entries(std::span<const store::JournalEntry> entries, CalendarsAsOf& calendars, const std::string& type,
                                               std::optional<EpochMs> until) {
  std::map<std::string, Replayed> out;
  std::map<std::string, TimelineBuilder> builders;
  std::map<std::string, ClockPolicy> policies;
  for (const store::JournalEntry& e : entries) {
    json entry = json::parse(e.changes, nullptr, false);
    if (!entry.is_object()) continue;
    for (auto& [metric, part] : entry.items()) {
      if (!part.is_object()) continue;
      auto pit = policies.find(metric);
      if (pit == policies.end()) pit = policies.emplace(metric, ClockPolicy::of(type, metric)).first;
      TimelineBuilder* builder = until ? &builders.try_emplace(metric, pit->second).first->second : nullptr;
      Replayed& r = out[metric];
      if (part.contains("calendar") && part["calendar"].is_number_integer()) r.calendar_id = part["calendar"].get<std::int64_t>();
      const BusinessCalendar& cal = calendars.at(r.calendar_id, e.at);
      for (auto& ev : part.value("events", json::array())) {
        const ClockEvent event{ev.value("at", EpochMs{0}), ev.value("state", ""), ev.value("target_ms", std::int64_t{0}),
                               ev.value("target_ref", "")};
        if (builder) builder->add(event, cal);
        else r.clock = advance(r.clock, event, cal, pit->second);
      }
      r.last_written = e.at;
    }
  }
  for (auto& [metric, b] : builders) {
    Replayed& r = out[metric];
    r.clock = b.clock();
    r.timeline = b.finish(*until, calendars.at(r.calendar_id, *until));
  }
  return out;
}

json timeline_json(const std::vector<ClockSegment>& timeline) {
  json segments = json::array();
  for (auto& seg : timeline)
    segments.push_back({{"from", format_timestamp(seg.from)},
                        {"to", format_timestamp(seg.to)},
                        {"mode", mode_name(seg.mode)},
                        {"state", seg.state},
                        {"business_ms", seg.business_ms},
                        {"business", format_duration(seg.business_ms)},
                        {"target_time", seg.target_ms > 0 ? json(format_duration(seg.target_ms)) : json(nullptr)},
                        {"target_ref", seg.target_ref}});
  return segments;
}

json ref_of(store::Connection& c, engine::RecordService& records, const char* type, std::optional<std::int64_t> id) {
  const model::TypeDef* t = records.catalogue().type(type);
  if (!t || !id) return nullptr;
  auto r = records.store().find(c, *t, *id);
  if (!r) return {{"id", *id}};
  return {{"id", r->id}, {"number", r->number}};
}


}  // namespace kanri::processes::service_level
