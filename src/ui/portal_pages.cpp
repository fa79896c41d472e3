// The requester portal (ISO/IEC 20000-1 8.6.2: requesters order from the catalogue and follow
// their requests): what they may report or ask, the request catalogue grouped by service, the
// help articles meant for them, and their own tickets. An order page turns the request type's
// questions into form controls and creates the request through the record service, like any
// form; its answers are checked by the same rule as the API's (processes/resolution).
#include "ui/portal_pages.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "api/problem_render.h"
#include "core/text.h"
#include "http/form.h"
#include "processes/resolution/request_form.h"
#include "processes/service_level/catalogue.h"
#include "ui/record_view.h"

namespace kanri::ui {

using nlohmann::json;
using processes::resolution::Question;

namespace {

// The record types the catalogue is made of (model/request_type.toml and its neighbours).
constexpr const char* kRequestType = "request_type";
constexpr const char* kRequest = "service_request";
constexpr const char* kArticle = "knowledge_article";

// A question's control on the order form: "answer:" keeps it apart from the request's fields.
std::string control_of(const Question& q) { return "answer:" + q.name; }

std::string trimmed(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string str(const json& v) { return v.is_string() ? v.get<std::string>() : ""; }

// A field of a record as text; "" when an extension removed the field.
std::string text_of(const store::Record& r, const char* name) {
  const model::FieldDef* f = r.type->field(name);
  return f ? as_text(r.get(*f)) : "";
}

// The answers object from the posted controls: a box is true or false, a whole number a number
// (anything else typed is passed on, so the rule names the question), an empty one left out.
json answers_of(const std::vector<Question>& questions, const Typed& typed) {
  json out = json::object();
  for (auto& q : questions) {
    auto it = typed.find(control_of(q));
    if (q.kind == "bool") {
      if (it != typed.end()) out[q.name] = it->second == "true";
      continue;
    }
    std::string text = it == typed.end() ? "" : trimmed(it->second);
    if (text.empty()) continue;
    if (q.kind == "int") {
      if (auto n = parse_int(text)) out[q.name] = *n;
      else out[q.name] = text;
    } else {
      out[q.name] = q.kind == "longtext" ? it->second : text;
    }
  }
  return out;
}

class PortalPages : public std::enable_shared_from_this<PortalPages> {
 public:
  explicit PortalPages(Web& web) : web_(web), records_(web.ctx().records), cat_(records_.catalogue()) {}

  void register_all(http::Router& router) {
    auto self = shared_from_this();
    router.add("GET", "/portal", web_.page([self](http::Request& req, Visitor& v) { return self->portal(req, v); }));
    router.add("GET", "/portal/order/{key}", web_.page([self](http::Request& req, Visitor& v) { return self->order_page(req, v); }));
    router.add("POST", "/portal/order/{key}",
               web_.page([self](http::Request& req, Visitor& v) { return self->order(req, v); }, true));
  }

 private:
  // What a requester needs: report or ask (the portal types they may create; service requests
  // are ordered from the catalogue instead), the catalogue, the help articles (searched with
  // ?help=), and their own tickets with their state; a ticket opens on its detail page.
  http::Response portal(http::Request& req, Visitor& v) {
    data d{data::type::object};
    data offers{data::type::list}, tickets{data::type::list};
    data catalogue = catalogue_data(v);
    std::string me = v.principal.user_id ? std::to_string(*v.principal.user_id) : "0";
    for (auto& tp : cat_.types()) {
      const model::TypeDef& t = *tp;
      if (!t.portal) continue;
      if (v.principal.scope(t.name, "create") != engine::Scope::none && !(t.name == kRequest && cat_.type(kRequestType))) {
        data o{data::type::object};
        o.set("label", t.label.in(v.lang));
        o.set("description", t.description.in(v.lang));
        o.set("href", "/r/" + t.collection + "/new");
        offers << o;
      }
      if (v.principal.scope(t.name, "read") == engine::Scope::none) continue;
      engine::ListRequest lr;
      // A requester sees their own tickets anyway (created by them or naming them); anyone
      // else here sees what they created.
      if (v.principal.scope(t.name, "read") != engine::Scope::own) lr.filters.emplace_back("created_by", me);
      lr.sort = "-updated_at";
      lr.limit = "50";
      if (auto page = records_.list(v.principal, t, lr))
        for (auto& rec : records_.to_json(v.principal, page->records)) {
          data r = record_data(cat_, t, rec, v);
          r.set("type_label", t.label.in(v.lang));
          tickets << r;
        }
    }
    d.set("offers", offers);
    d.set("no_offers", flag(offers.is_empty_list() && catalogue.is_empty_list()));
    d.set("has_catalogue", flag(!catalogue.is_empty_list()));
    data services = services_data(v);
    d.set("has_services", flag(!services.is_empty_list()));
    d.set("services", services);
    d.set("catalogue", catalogue);
    std::string help_q = Web::query(req, "help");
    d.set("help_q", help_q);
    d.set("may_read_help", flag(cat_.type(kArticle) && v.principal.scope(kArticle, "read") != engine::Scope::none));
    data help = help_articles(v, help_q, {}, 20);
    d.set("no_help", flag(help.is_empty_list()));
    d.set("help", help);
    d.set("tickets", tickets);
    d.set("no_tickets", flag(tickets.is_empty_list()));
    return web_.render(req, v, "portal", d, web_.t(v, "portal_title"), 200, "portal");
  }

  // A customer's own services from the catalogue as GET /api/v1/catalogue shows them: the
  // live services that serve their organization, their hours and the SLAs agreed for them.
  data services_data(const Visitor& v) {
    data out{data::type::list};
    if (v.principal.kind != "requester") return out;
    auto shown = processes::service_level::service_catalogue(records_, v.principal, {}, 0);
    if (!shown) return out;
    auto text_of = [](const json& j, const char* key) {
      return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
    };
    for (auto& s : (*shown)["services"]) {
      data row{data::type::object};
      row.set("number", text_of(s, "number"));
      row.set("name", text_of(s, "name"));
      row.set("description", text_of(s, "description"));
      row.set("support_hours", text_of(s, "support_hours"));
      const json& hours = s.value("service_hours", json());
      row.set("service_hours", hours.is_object() ? text_of(hours, "name") + " (" + text_of(hours, "time_zone") + ")" : "");
      data agreements{data::type::list};
      for (auto& a : s.value("agreements", json::array())) {
        data ag{data::type::object};
        ag.set("title", text_of(a, "title"));
        ag.set("number", text_of(a, "number"));
        data targets{data::type::list};
        for (auto& t : a.value("targets", json::array())) targets << data(text_of(t, "summary"));
        ag.set("targets", targets);
        agreements << ag;
      }
      row.set("agreements", agreements);
      out << row;
    }
    return out;
  }

  // The request types the visitor may order now (offered), grouped by service in the order of
  // the services' names, each with what one gets and the target fulfilment time.
  data catalogue_data(const Visitor& v) {
    data groups{data::type::list};
    const model::TypeDef* types = cat_.type(kRequestType);
    if (!types || !cat_.type(kRequest) || v.principal.scope(kRequest, "create") == engine::Scope::none) return groups;
    engine::ListRequest lr;
    lr.filters.emplace_back("state", "offered");
    lr.sort = "name";
    lr.limit = "500";
    auto page = records_.list(v.principal, *types, lr);
    if (!page) return groups;
    std::vector<std::pair<std::string, std::vector<json>>> by_service;
    for (auto& rec : records_.to_json(v.principal, page->records)) {
      std::string service = rec.value("service", json()).is_object() ? str(rec["service"].value("display", json())) : "";
      auto it = std::find_if(by_service.begin(), by_service.end(), [&](auto& g) { return g.first == service; });
      if (it == by_service.end()) it = by_service.insert(by_service.end(), {service, {}});
      it->second.push_back(std::move(rec));
    }
    std::stable_sort(by_service.begin(), by_service.end(), [](auto& a, auto& b) { return a.first < b.first; });
    for (auto& [service, items] : by_service) {
      data list{data::type::list};
      for (auto& rec : items) {
        data e{data::type::object};
        e.set("number", str(rec.value("number", json())));
        e.set("name", str(rec.value("name", json())));
        e.set("description", str(rec.value("description", json())));
        e.set("target", target_text(v, str(rec.value("target_time", json()))));
        e.set("href", "/portal/order/" + str(rec.value("number", json())));
        list << e;
      }
      data g{data::type::object};
      g.set("service", service);
      g.set("items", list);
      groups << g;
    }
    return groups;
  }

  // A target fulfilment time as a person says it: "within 3 days", "4時間以内".
  std::string target_text(const Visitor& v, const std::string& iso) {
    auto ms = parse_duration(iso);
    if (!ms || *ms <= 0) return "";
    constexpr std::int64_t minute = 60'000, hour = 60 * minute, day = 24 * hour;
    if (*ms % day == 0) return web_.t(v, "within_days", {{"n", std::to_string(*ms / day)}});
    if (*ms % hour == 0) return web_.t(v, "within_hours", {{"n", std::to_string(*ms / hour)}});
    return web_.t(v, "within_minutes", {{"n", std::to_string((*ms + minute - 1) / minute)}});
  }

  // Published articles meant for everyone (what requesters may read), newest first; those
  // matching `q` when given, of `service` when given.
  data help_articles(const Visitor& v, const std::string& q, const std::string& service, int limit) {
    data list{data::type::list};
    const model::TypeDef* t = cat_.type(kArticle);
    if (!t || v.principal.scope(kArticle, "read") == engine::Scope::none) return list;
    engine::ListRequest lr;
    lr.filters = {{"state", "published"}, {"audience", "everyone"}};
    if (!service.empty()) lr.filters.emplace_back("service", service);
    lr.q = q;
    lr.limit = std::to_string(limit);
    auto page = records_.list(v.principal, *t, lr);
    if (!page) return list;
    for (auto& rec : records_.to_json(v.principal, page->records)) list << article_data(*t, rec, v);
    return list;
  }

  data article_data(const model::TypeDef& t, const json& rec, const Visitor& v) {
    data e = record_data(cat_, t, rec, v);
    e.set("body", str(rec.value("body", json())));
    return e;
  }

  http::Response not_found(const http::Request& req, const Visitor& v) {
    data d{data::type::object};
    d.set("heading", web_.t(v, "not_found_title"));
    d.set("message", web_.t(v, "not_found_page"));
    return web_.render(req, v, "error", d, web_.t(v, "not_found_title"), 404);
  }

  // The request type named in the path, if the visitor may order it now.
  std::optional<store::Record> orderable(const http::Request& req, const Visitor& v) {
    const model::TypeDef* types = cat_.type(kRequestType);
    if (!types || !cat_.type(kRequest) || v.principal.scope(kRequest, "create") == engine::Scope::none) return std::nullopt;
    if (v.principal.scope(kRequestType, "read") == engine::Scope::none) return std::nullopt;
    auto type = records_.get(v.principal, *types, req.params.at(0));
    if (!type || type->state != "offered") return std::nullopt;
    return std::move(*type);
  }

  // The request's own fields on the order form: the portal's short form without the type and
  // the answers, which the page itself supplies.
  std::vector<std::string> own_fields(const model::TypeDef& t) {
    std::vector<std::string> out;
    for (auto& name : t.portal_fields.empty() ? editable_fields(t) : t.portal_fields)
      if (name != "request_type" && name != "answers") out.push_back(name);
    return out;
  }

  http::Response order_page(http::Request& req, Visitor& v) {
    auto type = orderable(req, v);
    if (!type) return not_found(req, v);
    return order_form(req, v, *type, {}, {}, 200);
  }

  http::Response order(http::Request& req, Visitor& v) {
    auto type = orderable(req, v);
    if (!type) return not_found(req, v);
    const model::TypeDef& t = *cat_.type(kRequest);
    std::vector<std::pair<std::string, std::string>> form;
    http::parse_form(req.body, form);
    Typed typed;
    for (auto& [k, val] : form) typed[k] = val;  // a check box posts "false", then "true" when ticked
    auto questions = processes::resolution::questions_of(text_of(*type, "form"));
    json body = form_to_json(t, own_fields(t), typed, v);
    body["request_type"] = type->id;
    body["answers"] = answers_of(questions, typed);
    auto made = records_.create(v.principal, t, body);
    if (!made) {
      if (made.error().kind != ErrorKind::invalid) {
        data d{data::type::object};
        d.set("error", error_data(web_, v, made.error(), &t));
        return web_.render(req, v, "error", d, web_.t(v, "error_title"), api::status_for(made.error().kind), "portal");
      }
      return order_form(req, v, *type, typed, messages(v, t, questions, made.error()), 422);
    }
    return Web::client_redirect(req, "/r/" + t.collection + "/" + made->number + "?saved=created");
  }

  // The engine's field errors by the control they concern: an answer's error at its
  // question's control (the question named by its label, the kind in words), the rest at
  // their field, or above the form ("").
  std::map<std::string, std::string> messages(const Visitor& v, const model::TypeDef& t, const std::vector<Question>& questions,
                                              Error e) {
    std::vector<std::string> slots;
    const auto fields = own_fields(t);
    for (auto& fe : e.fields) {
      std::string slot = std::find(fields.begin(), fields.end(), fe.field) != fields.end() ? fe.field : "";
      if (fe.field == "answers" && fe.args.count("question")) {
        auto q = std::find_if(questions.begin(), questions.end(), [&](auto& q) { return q.name == fe.args["question"]; });
        if (q != questions.end()) {
          fe.args["question"] = q->label(v.lang);
          slot = control_of(*q);
        }
      }
      if (fe.code == "request.answer_type") {  // the kind in words, for people rather than programs
        fe.code = "ui.answer_kind";
        fe.args["kind"] = web_.t(v, "question_kind." + fe.args["kind"]);
      }
      slots.push_back(slot);
    }
    json body = api::problem_body(e, web_.ctx().messages, v.lang, &t);
    std::map<std::string, std::string> out;
    for (size_t i = 0; i < slots.size() && i < body["errors"].size(); ++i) {
      std::string& m = out[slots[i]];
      m += (m.empty() ? "" : " ") + body["errors"][i].value("message", "");
    }
    return out;
  }

  // The question as a control of the form (partials/field_input): the kind's control, the
  // label in the visitor's language, the required mark, what was typed and its error.
  data question_control(const Question& q, const Typed& typed, const std::map<std::string, std::string>& errors,
                        const Visitor& v) {
    const std::string name = control_of(q);
    auto it = typed.find(name);
    const std::string value = it == typed.end() ? "" : it->second;
    data d{data::type::object};
    d.set("name", name);
    d.set("id", "q-" + q.name);
    d.set("label", q.label(v.lang));
    d.set("help", "");
    d.set("value", value);
    d.set("required", flag(q.required));
    auto err = errors.find(name);
    d.set("error", err == errors.end() ? "" : err->second);
    d.set("invalid", flag(err != errors.end()));
    if (q.kind == "longtext") d.set("kind_textarea", flag(true));
    else if (q.kind == "date") d.set("kind_date", flag(true));
    else if (q.kind == "int") d.set("kind_number", flag(true));
    else if (q.kind == "bool") {
      d.set("kind_checkbox", flag(true));
      d.set("checked", flag(value == "true"));
    } else if (q.kind == "enum") {
      d.set("kind_select", flag(true));
      data opts{data::type::list};
      for (auto& choice : q.values) {
        data o{data::type::object};
        o.set("value", choice);
        o.set("label", choice);
        o.set("selected", flag(choice == value));
        opts << o;
      }
      d.set("options", opts);
    } else {
      d.set("kind_text", flag(true));
    }
    return d;
  }

  http::Response order_form(const http::Request& req, const Visitor& v, const store::Record& type, const Typed& typed,
                            const std::map<std::string, std::string>& errors, int status) {
    const model::TypeDef& t = *cat_.type(kRequest);
    json rec = records_.to_json(v.principal, type);
    data d{data::type::object};
    const std::string name = str(rec.value("name", json()));
    d.set("name", name);
    d.set("description", str(rec.value("description", json())));
    d.set("service", rec.value("service", json()).is_object() ? str(rec["service"].value("display", json())) : "");
    d.set("target", target_text(v, str(rec.value("target_time", json()))));
    d.set("action", "/portal/order/" + type.number);
    data questions{data::type::list}, summary{data::type::list};
    auto form = processes::resolution::questions_of(text_of(type, "form"));
    for (auto& q : form) {
      questions << question_control(q, typed, errors, v);
      if (auto err = errors.find(control_of(q)); err != errors.end()) {
        data e{data::type::object};
        e.set("anchor", "#q-" + q.name);
        e.set("message", err->second);
        summary << e;
      }
    }
    d.set("questions", questions);
    d.set("has_questions", flag(!questions.is_empty_list()));
    const auto own = own_fields(t);
    d.set("fields", form_fields(cat_, t, own, typed, json(), errors, v));
    for (auto& f : own)
      if (auto err = errors.find(f); err != errors.end()) {
        data e{data::type::object};
        e.set("anchor", "#f-" + f);
        e.set("message", err->second);
        summary << e;
      }
    auto general = errors.find("");
    d.set("general_error", general == errors.end() ? "" : general->second);
    d.set("has_errors", flag(!errors.empty()));
    d.set("error_summary", summary);
    // Help for this request: its instructions when they are meant for everyone, then the other
    // help articles on its service.
    data help{data::type::list};
    const model::TypeDef* kb = cat_.type(kArticle);
    std::string first;
    if (kb && rec.value("instructions", json()).is_object() && !str(rec["instructions"].value("number", json())).empty()) {
      auto article = records_.get(v.principal, *kb, str(rec["instructions"]["number"]));
      if (article && article->state == "published" && text_of(*article, "audience") == "everyone") {
        help << article_data(*kb, records_.to_json(v.principal, *article), v);
        first = article->number;
      }
    }
    if (rec.value("service", json()).is_object()) {
      data more = help_articles(v, "", std::to_string(rec["service"].value("id", 0)), 5);
      for (auto& a : more.list_value())
        if (a.get("number")->string_value() != first) help << a;
    }
    d.set("articles", help);
    d.set("has_articles", flag(!help.is_empty_list()));
    return web_.render(req, v, "portal_order", d, web_.t(v, "order_title", {{"name", name}}), status, "portal");
  }

  Web& web_;
  engine::RecordService& records_;
  const model::Catalogue& cat_;
};

}  // namespace

void register_portal_pages(http::Router& router, Web& web) { std::make_shared<PortalPages>(web)->register_all(router); }

}  // namespace kanri::ui
