// The visitor's own account: profile (name, e-mail, language, time zone), password, API tokens
// and sessions; the language switch of the top bar; notifications sent to them and the
// subscriptions they may mute. Every change goes through the same directory and work-admin
// calls as the API, so rules and journal entries are the same.
#include "ui/profile_pages.h"

#include <nlohmann/json.hpp>

#include "api/problem_render.h"
#include "core/text.h"
#include "http/form.h"

namespace kanri::ui {

using nlohmann::json;

namespace {

using Form = std::vector<std::pair<std::string, std::string>>;

std::string safe_next(const std::string& next) {
  if (next.empty() || next[0] != '/' || next.rfind("//", 0) == 0 || next.find('\\') != std::string::npos) return "/";
  for (unsigned char ch : next)
    if (ch <= 0x20 || ch == 0x7f) return "/";
  return next;
}

const std::vector<std::string> kZones{"Asia/Tokyo",      "UTC",           "Asia/Seoul",       "Asia/Shanghai",
                                      "Asia/Singapore",  "Asia/Kolkata",  "Australia/Sydney", "Europe/London",
                                      "Europe/Berlin",   "Europe/Paris",  "America/New_York", "America/Chicago",
                                      "America/Denver", "America/Los_Angeles"};

class ProfilePages : public std::enable_shared_from_this<ProfilePages> {
 public:
  explicit ProfilePages(Web& web) : web_(web), ctx_(web.ctx()) {}

  void register_all(http::Router& router) {
    auto self = shared_from_this();
    auto get = [&](const char* path, http::Response (ProfilePages::*fn)(http::Request&, Visitor&)) {
      router.add("GET", path, web_.page([self, fn](http::Request& req, Visitor& v) { return (self.get()->*fn)(req, v); }));
    };
    auto post = [&](const char* path, http::Response (ProfilePages::*fn)(http::Request&, Visitor&)) {
      router.add("POST", path,
                 web_.page([self, fn](http::Request& req, Visitor& v) { return (self.get()->*fn)(req, v); }, true));
    };
    get("/me", &ProfilePages::profile_page);
    post("/me", &ProfilePages::update_profile);
    post("/me/language", &ProfilePages::switch_language);
    post("/me/password", &ProfilePages::change_password);
    post("/me/tokens", &ProfilePages::create_token);
    post("/me/tokens/{id}/revoke", &ProfilePages::revoke_token);
    post("/me/sessions/{id}/revoke", &ProfilePages::revoke_session);
    get("/me/notifications", &ProfilePages::notifications_page);
    post("/me/subscriptions/{id}/mute", &ProfilePages::mute);
  }

 private:
  http::Response profile_page(http::Request& req, Visitor& v) { return profile(req, v, {}, 200); }

  // `notes`: "error_<section>" or "notice_<section>" → text; "new_token" → the secret shown once.
  http::Response profile(const http::Request& req, const Visitor& v, const std::map<std::string, std::string>& notes,
                         int status) {
    auto me = ctx_.directory.me(v.principal);
    if (!me) return Web::redirect("/login");
    data d{data::type::object};
    for (auto& [k, text] : notes) d.set(k, text);
    if (auto s = Web::query(req, "saved"); s == "profile" || s == "password" || s == "revoked")
      d.set("notice_" + s, web_.t(v, "saved_" + s));
    const store::User& u = me->user;
    d.set("username", u.username);
    d.set("display_name", u.display_name);
    d.set("email", u.email);
    d.set("local", flag(u.auth_source == "local"));
    data langs{data::type::list};
    for (auto& [code, name] : std::vector<std::pair<std::string, std::string>>{{"ja", "日本語"}, {"en", "English"}}) {
      data l{data::type::object};
      l.set("value", code);
      l.set("label", name);
      l.set("selected", flag(u.language == code));
      langs << l;
    }
    d.set("languages", langs);
    data zones{data::type::list};
    bool known = false;
    for (auto& z : kZones) {
      data e{data::type::object};
      e.set("value", z);
      e.set("label", z);
      e.set("selected", flag(u.time_zone == z));
      known = known || u.time_zone == z;
      zones << e;
    }
    if (!known) {
      data e{data::type::object};
      e.set("value", u.time_zone);
      e.set("label", u.time_zone);
      e.set("selected", flag(true));
      zones << e;
    }
    d.set("zones", zones);
    data orgs{data::type::list};
    for (auto& o : me->organizations) orgs << data("name", o.name + " (" + o.number + ")");
    d.set("orgs", orgs);
    data tokens{data::type::list};
    if (auto list = ctx_.directory.tokens(v.principal, "", false))
      for (auto& t : *list) {
        if (t.token.revoked_at) continue;
        data e{data::type::object};
        e.set("id", std::to_string(t.token.id));
        e.set("label", t.token.label);
        e.set("created_at", v.format.datetime(t.token.created_at));
        e.set("expires_at", t.token.expires_at ? v.format.datetime(*t.token.expires_at) : web_.t(v, "never"));
        e.set("last_used_at", t.token.last_used_at ? v.format.datetime(*t.token.last_used_at) : "—");
        tokens << e;
      }
    d.set("tokens", tokens);
    d.set("no_tokens", flag(tokens.is_empty_list()));
    data sessions{data::type::list};
    if (auto list = ctx_.directory.sessions(v.principal, "", false))
      for (auto& s : *list) {
        if (s.session.revoked_at) continue;
        data e{data::type::object};
        e.set("id", std::to_string(s.session.id));
        e.set("created_at", v.format.datetime(s.session.created_at));
        e.set("last_seen_at", v.format.datetime(s.session.last_seen_at));
        e.set("ip", s.session.ip);
        e.set("user_agent", s.session.user_agent);
        e.set("method", s.session.method);
        e.set("current", flag(v.principal.session_id == s.session.id));
        sessions << e;
      }
    d.set("sessions", sessions);
    return web_.render(req, v, "profile", d, web_.t(v, "profile"), status, "me");
  }

  http::Response update_profile(http::Request& req, Visitor& v) {
    Form f;
    http::parse_form(req.body, f);
    json body{{"display_name", http::form_value(f, "display_name")},
              {"email", http::form_value(f, "email")},
              {"language", http::form_value(f, "language")},
              {"time_zone", http::form_value(f, "time_zone")}};
    auto r = ctx_.directory.update_profile(v.principal, body);
    if (!r) return profile(req, v, {{"error_profile", web_.error_sentence(v, r.error())}}, api::status_for(r.error().kind));
    return Web::client_redirect(req, "/me?saved=profile");
  }

  http::Response switch_language(http::Request& req, Visitor& v) {
    Form f;
    http::parse_form(req.body, f);
    std::string lang = http::form_value(f, "language");
    if (lang == "ja" || lang == "en") (void)ctx_.directory.update_profile(v.principal, json{{"language", lang}});
    return Web::client_redirect(req, safe_next(http::form_value(f, "next")));
  }

  http::Response change_password(http::Request& req, Visitor& v) {
    Form f;
    http::parse_form(req.body, f);
    std::string next = http::form_value(f, "new_password");
    if (next != http::form_value(f, "confirm_password"))
      return profile(req, v, {{"error_password", web_.t(v, "password_mismatch")}}, 422);
    auto s = ctx_.directory.change_password(v.principal, http::form_value(f, "current_password"), next);
    if (!s) return profile(req, v, {{"error_password", web_.error_sentence(v, s.error())}}, api::status_for(s.error().kind));
    return Web::client_redirect(req, "/me?saved=password");
  }

  http::Response create_token(http::Request& req, Visitor& v) {
    Form f;
    http::parse_form(req.body, f);
    json body{{"label", http::form_value(f, "label")}};
    if (auto days = parse_int(http::form_value(f, "expires_in_days"))) body["expires_in_days"] = *days;
    auto t = ctx_.directory.create_token(v.principal, body);
    if (!t) return profile(req, v, {{"error_tokens", web_.error_sentence(v, t.error())}}, api::status_for(t.error().kind));
    // The secret is shown on this response only; it is never stored in the clear.
    return profile(req, v, {{"new_token", t->secret}, {"new_token_label", t->view.token.label}}, 201);
  }

  http::Response revoke_token(http::Request& req, Visitor& v) {
    auto id = parse_int(req.params.at(0));
    auto s = id ? ctx_.directory.revoke_token(v.principal, *id) : Status(Error::of(ErrorKind::not_found, "record.not_found"));
    if (!s) return profile(req, v, {{"error_tokens", web_.error_sentence(v, s.error())}}, api::status_for(s.error().kind));
    return Web::client_redirect(req, "/me?saved=revoked#tokens");
  }

  http::Response revoke_session(http::Request& req, Visitor& v) {
    auto id = parse_int(req.params.at(0));
    auto s = id ? ctx_.directory.revoke_session(v.principal, *id) : Status(Error::of(ErrorKind::not_found, "record.not_found"));
    if (!s) return profile(req, v, {{"error_sessions", web_.error_sentence(v, s.error())}}, api::status_for(s.error().kind));
    if (id && v.principal.session_id == *id) return Web::client_redirect(req, "/login");
    return Web::client_redirect(req, "/me?saved=revoked#sessions");
  }

  http::Response notifications_page(http::Request& req, Visitor& v) { return notifications(req, v, "", 200); }

  http::Response notifications(const http::Request& req, const Visitor& v, const std::string& error, int status) {
    data d{data::type::object};
    d.set("error", error);
    data subs{data::type::list};
    if (auto mine = ctx_.work.my_subscriptions(v.principal))
      for (auto& s : (*mine)["items"]) {
        data e{data::type::object};
        e.set("id", std::to_string(s.value("id", 0)));
        e.set("name", s.value("name", ""));
        std::string event = s.value("event", "");
        e.set("event", web_.ctx().messages.text(v.lang, "ui.event_name." + event) == "ui.event_name." + event
                           ? event
                           : web_.ctx().messages.text(v.lang, "ui.event_name." + event));
        std::string rt = s.value("record_type", "");
        const model::TypeDef* t = ctx_.records.catalogue().type(rt);
        e.set("record_type", t ? t->plural.in(v.lang) : rt == "*" ? web_.t(v, "all_types") : rt);
        e.set("mandatory", flag(s.value("mandatory", false)));
        e.set("muted", flag(s.value("muted", false)));
        e.set("may_mute", flag(s.value("may_mute", false)));
        subs << e;
      }
    d.set("subscriptions", subs);
    data sent{data::type::list};
    if (auto list = ctx_.work.notifications(v.principal, {{"limit", "50"}, {"recipient", v.principal.username}}))
      for (auto& n : (*list)["items"]) {
        data e{data::type::object};
        e.set("subject", n.value("subject", ""));
        e.set("state", n.value("state", ""));
        e.set("state_label", web_.t(v, "outbox_" + n.value("state", std::string("pending"))));
        auto at = parse_timestamp(n.value("created_at", ""));
        e.set("at", at ? v.format.datetime(*at) : "");
        std::string number = n.contains("record") && n["record"].is_object() ? n["record"].value("number", "") : "";
        e.set("record", number);
        sent << e;
      }
    d.set("sent", sent);
    d.set("no_sent", flag(sent.is_empty_list()));
    return web_.render(req, v, "notifications", d, web_.t(v, "my_notifications"), status, "me");
  }

  http::Response mute(http::Request& req, Visitor& v) {
    Form f;
    http::parse_form(req.body, f);
    auto id = parse_int(req.params.at(0));
    bool muted = http::form_value(f, "muted") == "true";
    auto s = id ? ctx_.work.set_mute(v.principal, *id, muted) : Status(Error::of(ErrorKind::not_found, "record.not_found"));
    if (!s) return notifications(req, v, web_.error_sentence(v, s.error()), api::status_for(s.error().kind));
    return Web::client_redirect(req, "/me/notifications");
  }

  Web& web_;
  api::ApiContext& ctx_;
};

}  // namespace

void register_profile_pages(http::Router& router, Web& web) { std::make_shared<ProfilePages>(web)->register_all(router); }

}  // namespace kanri::ui
