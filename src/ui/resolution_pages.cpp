#include "ui/resolution_pages.h"

#include <nlohmann/json.hpp>

#include "api/problem_render.h"
#include "processes/resolution/service_desk.h"
#include "processes/service_level/ticket_clocks.h"
#include "ui/record_view.h"

namespace kanri::ui {

using nlohmann::json;

namespace {

// What every panel of the incident's page starts with, and its answer when the incident cannot
// be read (or the panel cannot be made).
data panel_data(http::Request& req, Visitor& v) {
  data d{data::type::object};
  d.set("lang", v.lang);
  d.set("number", req.params.at(0));
  d.set("back", "/r/incidents/" + req.params.at(0));
  return d;
}

http::Response panel_error(Web& web, http::Request& req, Visitor& v, data& d, const Error& e,
                           const model::TypeDef* incident) {
  d.set("error", error_data(web, v, e, incident));
  return web.render(req, v, "error", d, web.t(v, "error_title"), api::status_for(e.kind));
}

// A panel of the incident's page: the fragment alone for htmx, which loads it in place, or a
// page of its own (titled "<template>_title" and the incident's number) without JavaScript.
http::Response panel(Web& web, http::Request& req, Visitor& v, const std::string& name, data& d) {
  if (Web::is_htmx(req)) {
    http::Response r;
    r.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
    r.headers.emplace_back("Vary", "HX-Request");
    r.body = web.fragment(name, d);
    return r;
  }
  return web.render(req, v, name, d, web.t(v, name + "_title") + " " + req.params.at(0), 200, "incidents");
}

// /r/incidents/{key}/suggestions: the panel alone for htmx (the detail page loads it in
// place), or a page of its own without JavaScript.
http::Response suggestions(Web& web, http::Request& req, Visitor& v) {
  const model::Catalogue& cat = web.ctx().records.catalogue();
  const model::TypeDef* incident = cat.type("incident");
  processes::resolution::ServiceDesk desk(web.ctx().records);
  auto found = incident ? desk.suggestions(v.principal, req.params.at(0))
                        : Result<json>(Error::of(ErrorKind::not_found, "record.not_found"));
  data d = panel_data(req, v);
  if (!found) return panel_error(web, req, v, d, found.error(), incident);
  data groups{data::type::list};
  bool any = false;
  for (auto& [key, type] : std::vector<std::pair<const char*, const char*>>{
           {"known_errors", "known_error"}, {"knowledge", "knowledge_article"}, {"incidents", "incident"}}) {
    const model::TypeDef* t = cat.type(type);
    if (!t) continue;
    data items{data::type::list};
    for (auto& s : (*found)[key]) {
      const json& rec = s["record"];
      data item = record_data(cat, *t, rec, v);
      std::string reasons;
      for (auto& why : s["reasons"]) reasons += (reasons.empty() ? "" : ", ") + web.t(v, "suggested_by_" + why.get<std::string>());
      item.set("reasons", reasons);
      if (t->field("workaround") && rec.value("workaround", json()).is_string()) item.set("workaround", rec["workaround"].get<std::string>());
      items << item;
    }
    data g{data::type::object};
    g.set("id", key);
    g.set("label", t->plural.in(v.lang));
    g.set("empty", flag(items.is_empty_list()));
    any = any || !items.is_empty_list();
    g.set("items", items);
    groups << g;
  }
  d.set("groups", groups);
  d.set("nothing", flag(!any));
  return panel(web, req, v, "suggestions", d);
}

// /r/incidents/{key}/clocks and /r/requests/{key}/clocks: the ticket's SLA clocks with their
// timelines, as a panel for htmx or a page of its own.
http::Response clocks(Web& web, http::Request& req, Visitor& v, const char* type) {
  const model::Catalogue& cat = web.ctx().records.catalogue();
  const model::TypeDef* ticket = cat.type(type);
  auto found = processes::service_level::ticket_clocks_json(web.ctx().records, v.principal, type, req.params.at(0),
                                                            web.ctx().clock.now_ms());
  data d = panel_data(req, v);
  if (!found) return panel_error(web, req, v, d, found.error(), ticket);
  auto when = [&](const json& iso) -> std::string {
    auto ms = iso.is_string() ? parse_timestamp(iso.get<std::string>()) : std::nullopt;
    return ms ? v.format.datetime(*ms) : "—";
  };
  auto span = [](const json& iso) -> std::string {
    auto ms = iso.is_string() ? parse_duration(iso.get<std::string>()) : std::nullopt;
    return ms ? readable_duration(*ms) : "—";
  };
  const model::TypeDef* agreement = cat.type("agreement");
  data list{data::type::list};
  for (auto& k : (*found)["items"]) {
    data c{data::type::object};
    const std::string metric = k.value("metric", "");
    c.set("metric", metric);
    c.set("measure", web.t(v, "clock_metric_" + metric));
    c.set("mode", web.t(v, "clock_mode_" + k.value("state", "stopped")));
    c.set("breached", flag(k.value("breached", false)));
    c.set("breached_at", when(k["breached_at"]));
    c.set("target", span(k["target_time"]));
    c.set("used", readable_duration(k.value("elapsed_ms", std::int64_t{0})));
    c.set("due", when(k["due_at"]));
    if (agreement && k["agreement"].is_object() && k["agreement"].contains("number")) {
      c.set("agreement", k["agreement"]["number"].get<std::string>());
      c.set("agreement_href", "/r/" + agreement->collection + "/" + k["agreement"]["number"].get<std::string>());
      c.set("version", std::to_string(k.value("agreement_version", 0)));
    }
    data segments{data::type::list};
    for (auto& seg : k["timeline"]) {
      data s{data::type::object};
      s.set("from", when(seg["from"]));
      s.set("to", when(seg["to"]));
      s.set("mode", web.t(v, "clock_mode_" + seg.value("mode", "stopped")));
      s.set("state", ticket && ticket->lifecycle ? state_label(*ticket, seg.value("state", ""), v.lang) : seg.value("state", ""));
      s.set("counted", readable_duration(seg.value("business_ms", std::int64_t{0})));
      s.set("target", span(seg["target_time"]));
      segments << s;
    }
    c.set("segments", segments);
    list << c;
  }
  d.set("clocks", list);
  d.set("none", flag(list.is_empty_list()));
  return panel(web, req, v, "clocks", d);
}

}  // namespace

void register_resolution_pages(http::Router& router, Web& web) {
  router.add("GET", "/r/incidents/{key}/clocks",
             web.page([&web](http::Request& req, Visitor& v) { return clocks(web, req, v, "incident"); }));
  router.add("GET", "/r/requests/{key}/clocks",
             web.page([&web](http::Request& req, Visitor& v) { return clocks(web, req, v, "service_request"); }));
  router.add("GET", "/r/incidents/{key}/suggestions",
             web.page([&web](http::Request& req, Visitor& v) { return suggestions(web, req, v); }));
}

}  // namespace kanri::ui
