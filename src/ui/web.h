// What every web page shares: the signed-in visitor (session cookie, language, time zone,
// CSRF token), the templates, the built assets, and the layout around each page. Pages are
// server-rendered from mustache templates in web/templates; htmx asks for the same routes and
// gets the page's main part only (HX-Request), so every page works without JavaScript too.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <kainjow/mustache.hpp>

#include "api/api.h"
#include "api/gate.h"
#include "ui/assets.h"
#include "ui/format.h"

namespace kanri::ui {

using kainjow::mustache::data;

// The person behind a page request.
struct Visitor {
  engine::Principal principal;
  std::string secret;  // the session cookie's value
  std::string csrf;    // what forms and htmx send back
  std::string lang;
  LocaleFormat format;
  bool portal_only = false;  // a requester: sees the portal, not the agents' pages
};

class Web {
 public:
  Web(api::ApiContext& ctx, std::shared_ptr<api::Gate> gate, const std::string& web_dir);

  api::ApiContext& ctx() { return ctx_; }
  api::Gate& gate() { return *gate_; }
  const Assets& assets() const { return assets_; }

  // The signed-in visitor, or nothing (the caller redirects to /login).
  std::optional<Visitor> visitor(const http::Request& req);
  // A page that needs a visitor: the handler runs with one, or the browser goes to sign in.
  // `changes` handlers (POST) also need the CSRF token, as the field "csrf" or the header
  // X-CSRF-Token.
  http::Handler page(std::function<http::Response(http::Request&, Visitor&)> fn, bool changes = false);

  // A message of the catalogue's "ui" section.
  std::string t(const Visitor& v, const std::string& key, const MessageArgs& args = {}) const;
  std::string t(const std::string& lang, const std::string& key, const MessageArgs& args = {}) const;
  // Every "ui." message as {{t.key}} for templates (dots in keys become underscores).
  const data& texts(const std::string& lang) const;

  // Renders template `name` with `d`, inside the layout unless htmx asked for the main part
  // only. `title` is the page's title; `nav` the navigation entry to mark as current.
  http::Response render(const http::Request& req, const Visitor& v, const std::string& name, data d,
                        const std::string& title, int status = 200, const std::string& nav = "");
  // Renders a template with no layout (a fragment for htmx, or the sign-in page).
  std::string fragment(const std::string& name, const data& d) const;
  // Gzips `r`'s body when the browser accepts it and it is worth it.
  static void compress(const http::Request& req, http::Response& r);

  static http::Response redirect(const std::string& to);
  // For htmx: a redirect it follows with a full page load.
  static http::Response client_redirect(const http::Request& req, const std::string& to);
  static bool is_htmx(const http::Request& req) { return !req.header("hx-request").empty(); }

  // Query parameter or "".
  static std::string query(const http::Request& req, const std::string& name);
  // An engine error as one sentence in the visitor's language: the problem's detail, then
  // each field's message (what the API's problem document says, for a page's alert).
  std::string error_sentence(const Visitor& v, const Error& e, const model::TypeDef* t = nullptr) const;

  // The navigation: process areas with the types the visitor may list.
  data navigation(const Visitor& v, const std::string& current) const;

 private:
  api::ApiContext& ctx_;
  std::shared_ptr<api::Gate> gate_;
  std::map<std::string, std::string> templates_;  // name -> source
  std::map<std::string, std::unique_ptr<kainjow::mustache::mustache>> compiled_;
  std::map<std::string, data> texts_;  // lang -> {{t.*}}
  Assets assets_;
};

// Percent-encodes for a URL's query or path: letters, digits and -_.~ stay as they are.
std::string url_encode(const std::string& s);

// Booleans for mustache.
inline data flag(bool b) { return b ? data(data::type::bool_true) : data(data::type::bool_false); }

// kainjow's set() and push_back() copy the whole value, nested lists included; a page of 50
// rows was spending most of its time copying. These move it in instead: the element is made
// empty through the library's API, then the value is moved into it (the element itself is not
// const; the library only hands it out as const).
inline void put(data& object, const std::string& key, data&& value) {
  object.set(key, data{});
  *const_cast<data*>(object.get(key)) = std::move(value);
}
inline void append(data& list, data&& value) {
  list.push_back(data{});
  const_cast<data&>(list.list_value().back()) = std::move(value);
}

}  // namespace kanri::ui
