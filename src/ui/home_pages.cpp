// The home page (the visitor's open work, what is past its deadline, and counts by state as
// charts) and global search across every type with highlighted snippets (the requester portal
// is portal_pages.cpp). Generic over the model: owner fields say whose work a record is,
// deadline fields say when it is overdue.
#include "ui/home_pages.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/text.h"
#include "ui/record_view.h"

namespace kanri::ui {

using nlohmann::json;

namespace {

std::string html_escape(const std::string& s) { return kainjow::mustache::html_escape<std::string>(s); }

// Lower-cases ASCII only: Japanese has no case, and byte offsets must stay the same.
std::string ascii_lower(std::string s) {
  for (auto& ch : s)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return s;
}

// Moves `pos` back to the start of a UTF-8 character.
size_t char_start(const std::string& s, size_t pos) {
  while (pos > 0 && pos < s.size() && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) --pos;
  return pos;
}

// About 120 characters of `text` around the first word of the query found in it, escaped,
// with every occurrence of a query word marked. Empty when no word occurs.
std::string snippet(const std::string& text, const std::vector<std::string>& words) {
  std::string lower = ascii_lower(text);
  size_t first = std::string::npos;
  for (auto& w : words) {
    size_t p = lower.find(w);
    if (p != std::string::npos && p < first) first = p;
  }
  if (first == std::string::npos) return "";
  size_t begin = char_start(text, first > 120 ? first - 120 : 0);
  size_t end = char_start(text, std::min(text.size(), first + 240));
  if (end < text.size() && end <= begin) end = text.size();
  std::string out = begin > 0 ? "…" : "";
  size_t i = begin;
  while (i < end) {
    size_t best = std::string::npos, len = 0;
    for (auto& w : words) {
      size_t p = lower.find(w, i);
      if (p != std::string::npos && p < end && (p < best || (p == best && w.size() > len))) {
        best = p;
        len = w.size();
      }
    }
    if (best == std::string::npos) {
      out += html_escape(text.substr(i, end - i));
      break;
    }
    out += html_escape(text.substr(i, best - i)) + "<mark>" + html_escape(text.substr(best, len)) + "</mark>";
    i = best + len;
  }
  if (end < text.size()) out += "…";
  return out;
}

// The words of a query to highlight: split at spaces (ASCII and ideographic), lower-cased.
std::vector<std::string> query_words(const std::string& q) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    while (!cur.empty() && (cur.back() == '*' || cur.back() == '"')) cur.pop_back();
    while (!cur.empty() && cur.front() == '"') cur.erase(0, 1);
    if (!cur.empty()) out.push_back(ascii_lower(cur));
    cur.clear();
  };
  for (size_t i = 0; i < q.size(); ++i) {
    if (q[i] == ' ' || q[i] == '\t') flush();
    else if (q.compare(i, 3, "\xE3\x80\x80") == 0) {  // U+3000 ideographic space
      flush();
      i += 2;
    } else cur += q[i];
  }
  flush();
  return out;
}

class HomePages : public std::enable_shared_from_this<HomePages> {
 public:
  explicit HomePages(Web& web) : web_(web), records_(web.ctx().records), cat_(records_.catalogue()) {}

  void register_all(http::Router& router) {
    auto self = shared_from_this();
    router.add("GET", "/", web_.page([self](http::Request& req, Visitor& v) { return self->home(req, v); }));
    router.add("GET", "/search", web_.page([self](http::Request& req, Visitor& v) { return self->search(req, v); }));
  }

 private:
  // One row of a work list: the record, its type, state and deadline.
  data work_row(const model::TypeDef& t, const json& rec, const Visitor& v, const model::FieldDef* deadline) {
    data r = record_data(cat_, t, rec, v);
    r.set("type_label", t.label.in(v.lang));
    if (deadline) {
      r.set("deadline", show_field(cat_, *deadline, rec.value(deadline->name, json()), v).text);
      r.set("deadline_label", deadline->label.in(v.lang));
    }
    return r;
  }

  const model::FieldDef* deadline_of(const model::TypeDef& t) {
    for (auto& f : t.fields)
      if (f.deadline && f.indexed) return &f;
    return nullptr;
  }

  http::Response home(http::Request& req, Visitor& v) {
    if (v.portal_only) return Web::redirect("/portal");
    data d{data::type::object};
    d.set("display_name", v.principal.display_name);
    data roles{data::type::list};
    for (auto& r : v.principal.roles) {
      std::string label = web_.t(v, "role." + r);
      data role{data::type::object};
      role.set("name", label == "ui.role." + r ? r : label);
      role.set("code", r);
      roles << role;
    }
    d.set("roles", roles);
    std::string me = v.principal.user_id ? std::to_string(*v.principal.user_id) : "0";
    std::string today = v.format.local_date(web_.ctx().clock.now_ms());
    data mine{data::type::list}, overdue{data::type::list}, charts{data::type::list};
    int chart_no = 0;
    for (auto& tp : cat_.types()) {
      const model::TypeDef& t = *tp;
      if (v.principal.scope(t.name, "read") == engine::Scope::none) continue;
      const model::FieldDef* deadline = deadline_of(t);
      // Mine: named in an owner field, still open. Read from the owner's index in the type's
      // own order (the 50 latest), the closed ones dropped, the rest by deadline: a filter on
      // the open states would make the planner sort every open record instead.
      for (auto& owner : t.owner_fields) {
        engine::ListRequest lr;
        lr.filters.emplace_back(owner, me);
        lr.limit = "50";
        auto page = records_.list(v.principal, t, lr);
        if (!page) continue;
        std::vector<std::pair<std::string, json>> open;
        for (auto& rec : records_.to_json(v.principal, page->records)) {
          const model::StateDef* st = t.lifecycle && rec.value("state", json()).is_string()
                                          ? t.lifecycle->state(rec["state"].get<std::string>())
                                          : nullptr;
          if (st && (st->final || st->frozen)) continue;
          std::string due = deadline && rec.value(deadline->name, json()).is_string() ? rec[deadline->name].get<std::string>() : "~";
          open.emplace_back(due, std::move(rec));
        }
        std::stable_sort(open.begin(), open.end(), [](auto& a, auto& b) { return a.first < b.first; });
        if (open.size() > 10) open.resize(10);
        for (auto& [due, rec] : open) append(mine, work_row(t, rec, v, deadline));
      }
      // Needs attention: past its deadline and still open. One query per open state, each
      // read in deadline order from the (state, deadline) index, then merged: a single
      // "state in (…)" lets the planner pick the state index and sort every open record.
      if (deadline) {
        std::vector<std::pair<std::string, json>> late;
        std::vector<std::string> each;
        if (t.lifecycle) {
          for (auto& s : t.lifecycle->states)
            if (!s.final && !s.frozen) each.push_back(s.name);
        } else {
          each.push_back("");
        }
        for (auto& state : each) {
          engine::ListRequest lr;
          lr.filters.emplace_back(deadline->name + "[lte]", deadline->type == model::FieldType::date ? today : today + "T00:00:00Z");
          if (!state.empty()) lr.filters.emplace_back("state", state);
          lr.sort = deadline->name;
          lr.limit = "10";
          auto page = records_.list(v.principal, t, lr);
          if (!page) continue;
          for (auto& rec : records_.to_json(v.principal, page->records)) {
            std::string due = rec.value(deadline->name, json()).is_string() ? rec[deadline->name].get<std::string>() : "";
            if (due.empty() || due >= today) continue;  // due today is not late yet
            late.emplace_back(due, std::move(rec));
          }
        }
        std::stable_sort(late.begin(), late.end(), [](auto& a, auto& b) { return a.first < b.first; });
        if (late.size() > 10) late.resize(10);
        for (auto& [due, rec] : late) append(overdue, work_row(t, rec, v, deadline));
      }
      // Counts by state, compared as a chart (and as a table for screen readers).
      if (t.lifecycle && chart_no < 6) {
        auto counts = records_.tally(v.principal, t, {}, {"state"});
        if (!counts || counts->empty()) continue;
        json labels = json::array(), values = json::array();
        data rows{data::type::list};
        for (auto& s : t.lifecycle->states) {
          std::int64_t n = 0;
          for (auto& c : *counts)
            if (as_text(c.keys[0]) == s.name) n = c.count;
          labels.push_back(s.label.in(v.lang));
          values.push_back(n);
          data row{data::type::object};
          row.set("label", s.label.in(v.lang));
          row.set("count", v.format.number(static_cast<double>(n), 0));
          row.set("href", "/r/" + t.collection + "?state=" + s.name);
          rows << row;
        }
        json config{{"type", "bar"},
                    {"data", {{"labels", labels}, {"datasets", json::array({{{"label", t.plural.in(v.lang)}, {"data", values}}})}}},
                    {"options", {{"plugins", {{"legend", {{"display", false}}}}}, {"maintainAspectRatio", false}}}};
        data chart{data::type::object};
        chart.set("id", "chart-" + std::to_string(chart_no++));
        chart.set("title", t.plural.in(v.lang));
        chart.set("href", "/r/" + t.collection);
        // JSON inside <script type="application/json">: "<" is escaped so no "</script>" can end it.
        std::string cfg = config.dump();
        std::string safe;
        for (char ch : cfg) safe += ch == '<' ? std::string("\\u003c") : std::string(1, ch);
        chart.set("config", safe);
        chart.set("rows", rows);
        charts << chart;
      }
    }
    d.set("mine", mine);
    d.set("no_mine", flag(mine.is_empty_list()));
    d.set("overdue", overdue);
    d.set("no_overdue", flag(overdue.is_empty_list()));
    d.set("charts", charts);
    d.set("has_charts", flag(!charts.is_empty_list()));
    return web_.render(req, v, "home", d, web_.t(v, "home_title"), 200, "home");
  }

  http::Response search(http::Request& req, Visitor& v) {
    std::string q = Web::query(req, "q");
    data d{data::type::object};
    d.set("q", q);
    data groups{data::type::list};
    int total = 0;
    if (!q.empty()) {
      auto words = query_words(q);
      for (auto& tp : cat_.types()) {
        const model::TypeDef& t = *tp;
        if (v.principal.scope(t.name, "read") == engine::Scope::none) continue;
        engine::ListRequest lr;
        lr.q = q;
        lr.limit = "5";
        auto page = records_.list(v.principal, t, lr);
        if (!page) {
          if (page.error().kind == ErrorKind::bad_request) {
            d.set("error", error_data(web_, v, page.error(), &t));
            break;
          }
          continue;
        }
        if (page->records.empty()) continue;
        data items{data::type::list};
        for (auto& rec : records_.to_json(v.principal, page->records)) {
          data r = record_data(cat_, t, rec, v);
          std::string snip;
          for (auto& f : t.fields) {
            if (!f.searchable || !rec.value(f.name, json()).is_string()) continue;
            std::string text = rec[f.name].get<std::string>();
            if (f.type == model::FieldType::enumeration) continue;
            snip = snippet(text, words);
            if (!snip.empty()) {
              r.set("snippet_field", f.label.in(v.lang));
              break;
            }
          }
          r.set("snippet", snip);
          items << r;
          ++total;
        }
        data g{data::type::object};
        g.set("label", t.plural.in(v.lang));
        g.set("items", items);
        g.set("more_href", "/r/" + t.collection + "?q=" + url_encode(q));
        g.set("more", flag(!page->next_cursor.empty()));
        groups << g;
      }
    }
    d.set("groups", groups);
    d.set("searched", flag(!q.empty()));
    d.set("nothing", flag(!q.empty() && total == 0 && !d.get("error")));
    return web_.render(req, v, "search", d, q.empty() ? web_.t(v, "search_nav") : q + " · " + web_.t(v, "search_nav"), 200,
                       "search");
  }

  Web& web_;
  engine::RecordService& records_;
  const model::Catalogue& cat_;
};

}  // namespace

void register_home_pages(http::Router& router, Web& web) { std::make_shared<HomePages>(web)->register_all(router); }

}  // namespace kanri::ui
