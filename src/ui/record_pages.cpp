// The pages of every record type: list (filters, sort, search, keyset pages, bulk transitions,
// export), detail (fields, transitions, related records, history), create and edit forms.
// Generic over the model: a type added to model/*.toml appears here with no code.
#include "ui/record_pages.h"

#include <set>

#include <nlohmann/json.hpp>

#include "api/problem_render.h"
#include "core/text.h"
#include "engine/record_extras.h"
#include "http/form.h"
#include "http/multipart.h"
#include "ui/record_view.h"

namespace kanri::ui {

using nlohmann::json;
using model::FieldType;

namespace {

// Query parameters the pages use themselves; every other one is a list filter.
const std::set<std::string> kPageParams{"q", "sort", "cursor", "limit", "view", "lang", "format", "columns", "saved"};

using Params = std::vector<std::pair<std::string, std::string>>;

std::string query_string(const Params& params) {
  std::string q;
  for (auto& [k, v] : params) {
    if (v.empty()) continue;
    q += (q.empty() ? "?" : "&") + url_encode(k) + "=" + url_encode(v);
  }
  return q;
}

// The list's own parameters without the empty ones a filter form sends for "any".
Params list_params(const http::Request& req, const std::set<std::string>& drop = {}) {
  Params out;
  for (auto& [k, v] : req.query)
    if (!v.empty() && !drop.count(k) && k != "lang") out.emplace_back(k, v);
  return out;
}

engine::ListRequest to_list_request(const Params& params) {
  engine::ListRequest r;
  for (auto& [k, v] : params) {
    if (k == "q") r.q = v;
    else if (k == "sort") r.sort = v;
    else if (k == "cursor") r.cursor = v;
    else if (k == "limit") r.limit = v;
    else if (!kPageParams.count(k)) r.filters.emplace_back(k, v);
  }
  return r;
}

Params with(Params p, const std::string& k, const std::string& v) {
  p.emplace_back(k, v);
  return p;
}

std::string param(const Params& p, const std::string& name) {
  for (auto& [k, v] : p)
    if (k == name) return v;
  return "";
}

// The form fields of a posted body, by name; the last value wins except for repeated `ids`.
Typed typed_of(const std::vector<std::pair<std::string, std::string>>& form) {
  Typed t;
  for (auto& [k, v] : form) t[k] = v;
  return t;
}

// Whether `p` may run `tr` on `r` now: the state allows it, the model's roles and the
// permission scope cover the person.
bool may_run(const engine::Principal& p, const model::TypeDef& t, const model::TransitionDef& tr, const store::Record& r) {
  if (!tr.from.empty() && std::find(tr.from.begin(), tr.from.end(), r.state) == tr.from.end()) return false;
  if (!tr.roles.empty() && std::none_of(tr.roles.begin(), tr.roles.end(), [&](auto& role) { return p.has_role(role); }))
    return false;
  return engine::within_scope(p, p.scope(t.name, "transition:" + tr.name), r);
}

std::string column_label(const model::TypeDef& t, const std::string& c, const Web& web, const Visitor& v) {
  if (auto* f = t.field(c)) return f->label.in(v.lang);
  return web.t(v, "column." + c);
}

class RecordPages : public std::enable_shared_from_this<RecordPages> {
 public:
  explicit RecordPages(Web& web) : web_(web), records_(web.ctx().records), cat_(records_.catalogue()) {}

  void register_all(http::Router& router) {
    auto self = shared_from_this();
    auto on = [&](const char* method, const char* path, auto fn, bool changes) {
      router.add(method, path, web_.page([self, fn](http::Request& req, Visitor& v) {
        const model::TypeDef* t = self->cat_.by_collection(req.params.at(0));
        if (!t || v.principal.scope(t->name, "read") == engine::Scope::none) return self->not_found(req, v);
        return (self.get()->*fn)(req, v, *t);
      }, changes));
    };
    on("GET", "/r/{collection}", &RecordPages::list_page, false);
    on("GET", "/r/{collection}/new", &RecordPages::new_page, false);
    on("POST", "/r/{collection}", &RecordPages::create, true);
    on("GET", "/r/{collection}/export", &RecordPages::export_list, false);
    on("POST", "/r/{collection}/bulk", &RecordPages::bulk, true);
    on("POST", "/r/{collection}/views", &RecordPages::save_view, true);
    on("GET", "/r/{collection}/{key}", &RecordPages::detail_page, false);
    on("GET", "/r/{collection}/{key}/edit", &RecordPages::edit_page, false);
    on("POST", "/r/{collection}/{key}", &RecordPages::update, true);
    on("POST", "/r/{collection}/{key}/transitions/{name}", &RecordPages::transition, true);
    on("POST", "/r/{collection}/{key}/links", &RecordPages::add_link, true);
    on("POST", "/r/{collection}/{key}/links/{link}/delete", &RecordPages::remove_link, true);
    on("POST", "/r/{collection}/{key}/comments", &RecordPages::add_comment, true);
    on("GET", "/r/{collection}/{key}/attachments/{id}", &RecordPages::download, false);
    on("POST", "/r/{collection}/{key}/attachments/{id}/delete", &RecordPages::remove_attachment, true);
    on("POST", "/r/{collection}/views/{id}/delete", &RecordPages::delete_view, true);
    // An upload may be as large as [attachments] max_bytes, plus the multipart framing.
    router.add("POST", "/r/{collection}/{key}/attachments", web_.page([self](http::Request& req, Visitor& v) {
      const model::TypeDef* t = self->cat_.by_collection(req.params.at(0));
      if (!t || v.principal.scope(t->name, "read") == engine::Scope::none) return self->not_found(req, v);
      return self->upload(req, v, *t);
    }, true), web_.ctx().attachments.settings().max_bytes + 64 * 1024);
  }

  http::Response not_found(const http::Request& req, const Visitor& v) {
    data d{data::type::object};
    d.set("heading", web_.t(v, "not_found_title"));
    d.set("message", web_.t(v, "not_found_page"));
    return web_.render(req, v, "error", d, web_.t(v, "not_found_title"), 404);
  }

  http::Response failure(const http::Request& req, const Visitor& v, const Error& e, const model::TypeDef* t) {
    if (e.kind == ErrorKind::not_found) return not_found(req, v);
    data d{data::type::object};
    d.set("error", error_data(web_, v, e, t));
    return web_.render(req, v, "error", d, web_.t(v, "error_title"), api::status_for(e.kind));
  }

  // ---- list ------------------------------------------------------------------------------

  http::Response list_page(http::Request& req, Visitor& v, const model::TypeDef& t) {
    Params params = list_params(req, {"saved"});
    data d = type_data(t, v);
    auto page = records_.list(v.principal, t, to_list_request(params));
    std::string sort = param(params, "sort");
    // Columns: the model's list columns.
    data columns{data::type::list};
    for (auto& c : t.list_columns) {
      data col{data::type::object};
      col.set("name", c);
      col.set("label", column_label(t, c, web_, v));
      bool sortable = store::RecordStore::is_listable_column(t, c) && (t.field(c) ? t.field(c)->indexed : true);
      col.set("sortable", flag(sortable));
      if (sortable) {
        bool asc = sort == c, desc = sort == "-" + c;
        Params p = params;
        std::erase_if(p, [](auto& kv) { return kv.first == "sort" || kv.first == "cursor"; });
        p.emplace_back("sort", asc ? "-" + c : c);
        col.set("sort_href", "/r/" + t.collection + query_string(p));
        col.set("aria_sort", asc ? "ascending" : desc ? "descending" : "none");
        col.set("sorted_asc", flag(asc));
        col.set("sorted_desc", flag(desc));
      }
      columns << col;
    }
    d.set("columns", columns);
    if (!page) {
      d.set("error", error_data(web_, v, page.error(), &t));
    } else {
      json rows = records_.to_json(v.principal, page->records);
      data list{data::type::list};
      for (size_t i = 0; i < rows.size(); ++i) {
        // Only what a row shows: its id and number, and its columns.
        data r{data::type::object};
        r.set("id", std::to_string(rows[i].value("id", 0)));
        r.set("number", rows[i].value("number", ""));
        data cells{data::type::list};
        for (auto& c : t.list_columns) append(cells, cell(t, c, rows[i], r, v));
        put(r, "cells", std::move(cells));
        append(list, std::move(r));
      }
      put(d, "rows", std::move(list));
      d.set("empty", flag(rows.empty()));
      if (!page->next_cursor.empty()) {
        Params p = params;
        std::erase_if(p, [](auto& kv) { return kv.first == "cursor"; });
        p.emplace_back("cursor", page->next_cursor);
        d.set("next_href", "/r/" + t.collection + query_string(p));
      }
      d.set("has_pager", flag(!page->next_cursor.empty() || !param(params, "cursor").empty()));
      if (!param(params, "cursor").empty()) {
        Params p = params;
        std::erase_if(p, [](auto& kv) { return kv.first == "cursor"; });
        d.set("first_href", "/r/" + t.collection + query_string(p));
      }
    }
    d.set("q", param(params, "q"));
    d.set("sort", sort);
    d.set("filters", filters(t, params, v));
    d.set("filtered", flag(!to_list_request(params).filters.empty() || !param(params, "q").empty()));
    Params exp = params;
    std::erase_if(exp, [](auto& kv) { return kv.first == "cursor" || kv.first == "limit"; });
    d.set("export_csv", "/r/" + t.collection + "/export" + query_string(with(exp, "format", "csv")));
    d.set("export_xlsx", "/r/" + t.collection + "/export" + query_string(with(exp, "format", "xlsx")));
    d.set("here", "/r/" + t.collection + query_string(params));
    d.set("views", views_data(t, v, params));
    data bulk = bulk_transitions(t, v);
    d.set("has_bulk", flag(!bulk.is_empty_list()));
    d.set("bulk", bulk);
    return web_.render(req, v, "list", std::move(d), t.plural.in(v.lang), 200, t.collection);
  }

  data cell(const model::TypeDef& t, const std::string& c, const json& row, const data& r, const Visitor& v) {
    data d{data::type::object};
    d.set("column", c);
    if (auto* f = t.field(c)) {
      Shown s = show_field(cat_, *f, row.value(c, json()), v);
      d.set("text", s.text);
      d.set("href", s.href);
    } else if (c == "number") {
      d.set("text", row.value("number", ""));
      d.set("href", "/r/" + t.collection + "/" + row.value("number", ""));
      d.set("primary", flag(true));
    } else if (c == "state") {
      std::string st = row.value("state", json()).is_string() ? row["state"].get<std::string>() : "";
      d.set("badge", flag(!st.empty()));
      d.set("text", state_label(t, st, v.lang));
      d.set("tone", state_tone(t, st));
    } else if (c == "created_at" || c == "updated_at") {
      auto at = parse_timestamp(row.value(c, ""));
      d.set("text", at ? v.format.datetime(*at) : "");
    } else {
      d.set("text", row.value(c, json()).is_string() ? row[c].get<std::string>() : "");
    }
    // The display field links to the record too, so a list reads like a list of things.
    const data* href = d.get("href");
    if (c == t.display_field && (!href || href->string_value().empty()))
      d.set("href", "/r/" + t.collection + "/" + row.value("number", ""));
    (void)r;
    return d;
  }

  // A filter control for the state and for every indexed field.
  data filters(const model::TypeDef& t, const Params& params, const Visitor& v) {
    data list{data::type::list};
    auto add_select = [&](const std::string& name, const std::string& label, const std::vector<std::pair<std::string, std::string>>& opts) {
      data f{data::type::object};
      f.set("name", name);
      f.set("id", "filter-" + name);
      f.set("label", label);
      f.set("kind_select", flag(true));
      data o{data::type::list};
      std::string current = param(params, name);
      for (auto& [val, lab] : opts) {
        data e{data::type::object};
        e.set("value", val);
        e.set("label", lab);
        e.set("selected", flag(val == current));
        o << e;
      }
      f.set("options", o);
      f.set("any", web_.t(v, "filter_any"));
      list << f;
    };
    if (t.lifecycle) {
      std::vector<std::pair<std::string, std::string>> opts;
      for (auto& s : t.lifecycle->states) opts.emplace_back(s.name, s.label.in(v.lang));
      add_select("state", web_.t(v, "column.state"), opts);
    }
    for (auto& fd : t.fields) {
      if (!fd.indexed || fd.type == FieldType::json) continue;
      std::string label = fd.label.in(v.lang);
      if (fd.type == FieldType::enumeration) {
        std::vector<std::pair<std::string, std::string>> opts;
        for (auto& e : fd.values) opts.emplace_back(e.name, e.label.in(v.lang));
        add_select(fd.name, label, opts);
      } else if (fd.type == FieldType::boolean) {
        add_select(fd.name, label, {{"true", web_.t(v, "yes")}, {"false", web_.t(v, "no")}});
      } else if (fd.type == FieldType::date || fd.type == FieldType::integer || fd.type == FieldType::decimal) {
        for (auto* op : {"gte", "lte"}) {
          data f{data::type::object};
          std::string name = fd.name + "[" + op + "]";
          f.set("name", name);
          f.set("id", "filter-" + fd.name + "-" + op);
          f.set("label", label + " " + web_.t(v, std::string("filter_") + op));
          f.set(fd.type == FieldType::date ? "kind_date" : "kind_number", flag(true));
          f.set("value", param(params, name));
          list << f;
        }
      } else {
        data f{data::type::object};
        f.set("name", fd.name);
        f.set("id", "filter-" + fd.name);
        f.set("label", label);
        f.set("kind_text", flag(true));
        f.set("value", param(params, fd.name));
        if (fd.type == FieldType::user) f.set("placeholder", web_.t(v, "filter_user_hint"));
        else if (fd.is_reference()) f.set("placeholder", web_.t(v, "filter_ref_hint"));
        list << f;
      }
    }
    return list;
  }

  // Transitions that take no fields can run on many records at once.
  data bulk_transitions(const model::TypeDef& t, const Visitor& v) {
    data list{data::type::list};
    if (!t.lifecycle) return list;
    for (auto& tr : t.lifecycle->transitions) {
      if (!tr.required_fields.empty()) continue;
      if (v.principal.scope(t.name, "transition:" + tr.name) == engine::Scope::none) continue;
      if (!tr.roles.empty() &&
          std::none_of(tr.roles.begin(), tr.roles.end(), [&](auto& role) { return v.principal.has_role(role); }))
        continue;
      data e{data::type::object};
      e.set("name", tr.name);
      e.set("label", tr.label.in(v.lang));
      list << e;
    }
    return list;
  }

  http::Response bulk(http::Request& req, Visitor& v, const model::TypeDef& t) {
    std::vector<std::pair<std::string, std::string>> form;
    http::parse_form(req.body, form);
    std::string name = http::form_value(form, "transition");
    std::string back = http::form_value(form, "back");
    if (back.empty() || back[0] != '/' || back.rfind("//", 0) == 0) back = "/r/" + t.collection;
    data d = type_data(t, v);
    data results{data::type::list};
    int done = 0, failed = 0;
    for (auto& [k, id] : form) {
      if (k != "ids") continue;
      auto r = records_.transition(v.principal, t, id, name, json::object(), std::nullopt);
      data e{data::type::object};
      e.set("key", id);
      if (r) {
        ++done;
        e.set("number", r->number);
        e.set("href", "/r/" + t.collection + "/" + r->number);
        e.set("ok", flag(true));
      } else {
        ++failed;
        e.set("number", id);
        e.set("message", web_.error_sentence(v, r.error(), &t));
      }
      results << e;
    }
    const model::TransitionDef* tr = t.lifecycle ? t.lifecycle->transition(name) : nullptr;
    d.set("transition", tr ? tr->label.in(v.lang) : name);
    d.set("results", results);
    d.set("summary", web_.t(v, "bulk_summary", {{"done", std::to_string(done)}, {"failed", std::to_string(failed)}}));
    d.set("nothing", flag(done + failed == 0));
    d.set("back", back);
    return web_.render(req, v, "bulk_result", d, t.plural.in(v.lang), failed && !done ? 422 : 200, t.collection);
  }

  http::Response export_list(http::Request& req, Visitor& v, const model::TypeDef& t) {
    Params params = list_params(req, {"cursor", "limit"});
    std::string format = param(params, "format");
    if (format.empty()) format = "csv";
    if (format != "csv" && format != "xlsx") {
      Error e = Error::of(ErrorKind::bad_request, "query.invalid");
      e.fields.push_back({"format", "export.format", {}});
      return failure(req, v, e, &t);
    }
    auto rows = records_.export_records(v.principal, t, to_list_request(params), web_.ctx().config.export_max_rows);
    if (!rows) return failure(req, v, rows.error(), &t);
    http::Response r;
    std::string day = v.format.local_date(web_.ctx().clock.now_ms());
    std::erase(day, '-');
    if (format == "xlsx") {
      auto book = records_.to_xlsx(v.principal, t, *rows, v.lang, web_.ctx().messages, v.principal.time_zone);
      if (!book) return failure(req, v, book.error(), &t);
      r.body = std::move(*book);
      r.headers.emplace_back("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    } else {
      r.body = records_.to_csv(v.principal, *rows);
      r.headers.emplace_back("Content-Type", "text/csv; charset=utf-8");
    }
    // No export leaves without its journal entry (evidence of who took which data out).
    if (auto j = records_.journal_export(v.principal, t, params, rows->size(), format); !j)
      return failure(req, v, j.error(), &t);
    r.set_header("Content-Disposition", "attachment; filename=\"" + t.collection + "-" + day + "." + format + "\"");
    return r;
  }

  // ---- detail ----------------------------------------------------------------------------

  data type_data(const model::TypeDef& t, const Visitor& v) {
    data d{data::type::object};
    d.set("type_label", t.label.in(v.lang));
    d.set("type_plural", t.plural.in(v.lang));
    d.set("type_description", t.description.in(v.lang));
    d.set("collection", t.collection);
    d.set("list_href", "/r/" + t.collection);
    d.set("can_create", flag(v.principal.scope(t.name, "create") != engine::Scope::none));
    d.set("can_export", flag(v.principal.scope(t.name, "export") != engine::Scope::none));
    return d;
  }

  http::Response detail_page(http::Request& req, Visitor& v, const model::TypeDef& t) {
    data extra{data::type::object};
    std::string saved = Web::query(req, "saved");
    if (saved == "created" || saved == "updated" || saved == "transition" || saved == "linked" || saved == "unlinked")
      extra.set("notice", web_.t(v, "saved_" + saved));
    return detail(req, v, t, req.params.at(1), extra, 200);
  }

  // The detail page; `extra` carries a failed transition's form or a link error back to it.
  http::Response detail(const http::Request& req, const Visitor& v, const model::TypeDef& t, const std::string& key,
                        data extra, int status) {
    auto r = records_.get(v.principal, t, key);
    if (!r) return failure(req, v, r.error(), &t);
    json rec = records_.to_json(v.principal, *r);
    data d = type_data(t, v);
    data rd = record_data(cat_, t, rec, v);
    std::string base = "/r/" + t.collection + "/" + r->number;
    d.set("base", base);
    const model::StateDef* st = t.lifecycle ? t.lifecycle->state(r->state) : nullptr;
    d.set("can_edit", flag(engine::within_scope(v.principal, v.principal.scope(t.name, "update"), *r) &&
                           !(st && (st->frozen || st->final))));
    // Transitions the person may run now; one that takes fields opens a small form.
    data transitions{data::type::list};
    std::string open = extra.get("open_transition") ? extra.get("open_transition")->string_value() : "";
    if (t.lifecycle)
      for (auto& tr : t.lifecycle->transitions) {
        if (!may_run(v.principal, t, tr, *r)) continue;
        data e{data::type::object};
        e.set("name", tr.name);
        e.set("label", tr.label.in(v.lang));
        e.set("to_label", state_label(t, tr.to, v.lang));
        e.set("action", base + "/transitions/" + tr.name);
        e.set("version", std::to_string(r->version));
        std::vector<std::string> fields = tr.fields;
        for (auto& f : tr.required_fields)
          if (std::find(fields.begin(), fields.end(), f) == fields.end()) fields.push_back(f);
        bool is_open = open == tr.name;
        Typed typed;
        std::map<std::string, std::string> errors;
        if (is_open) {
          if (auto* x = extra.get("typed_json")) {
            json j = json::parse(x->string_value(), nullptr, false);
            if (j.is_object())
              for (auto& [k, val] : j.items()) typed[k] = val.get<std::string>();
          }
          if (auto* x = extra.get("errors_json")) {
            json j = json::parse(x->string_value(), nullptr, false);
            if (j.is_object())
              for (auto& [k, val] : j.items()) errors[k] = val.get<std::string>();
          }
          e.set("general_error", errors.count("") ? errors[""] : "");
        }
        e.set("has_fields", flag(!fields.empty()));
        e.set("open", flag(is_open));
        e.set("fields", form_fields(cat_, t, fields, typed, is_open ? json() : rec, errors, v, "t-" + tr.name + "-"));
        transitions << e;
      }
    d.set("transitions", transitions);
    // The resolution process's suggestions for an incident, loaded into the page by htmx
    // (ui/resolution_pages.h); without JavaScript the link opens them as a page.
    if (t.name == "incident" && !v.portal_only) d.set("suggestions_href", base + "/suggestions");
    if ((t.name == "incident" || t.name == "service_request") && !v.portal_only) d.set("clocks_href", base + "/clocks");
    put(d, "links", links_data(v, t, *r));
    put(d, "extras", extras_data(v, t, *r, extra));
    put(d, "history", history_data(v, t, *r));
    for (auto* k : {"link_error", "notice", "comment_error", "attachment_error"})
      if (auto* x = extra.get(k)) d.set(k, *x);
    std::string title = r->number + " " + rd.get("display")->string_value();
    put(d, "record", std::move(rd));
    return web_.render(req, v, "detail", std::move(d), title, status, t.collection);
  }

  data links_data(const Visitor& v, const model::TypeDef& t, const store::Record& r) {
    data groups{data::type::list};
    auto links = records_.links(v.principal, t, std::to_string(r.id));
    bool can_link = engine::within_scope(v.principal, v.principal.scope(t.name, "update"), r);
    std::string base = "/r/" + t.collection + "/" + r.number;
    if (links) {
      std::map<std::string, data> by_label;
      std::vector<std::string> order;
      for (auto& l : *links) {
        std::string label = l.relation ? (l.outgoing ? l.relation->label : l.relation->inverse_label).in(v.lang)
                                       : l.link.relation;
        if (label.empty() && l.relation) label = l.relation->label.in(v.lang);
        if (!by_label.count(label)) {
          order.push_back(label);
          data g{data::type::object};
          g.set("label", label);
          g.set("items", data{data::type::list});
          by_label.emplace(label, g);
        }
        data item{data::type::object};
        item.set("number", l.other.number.empty() ? "#" + std::to_string(l.other_id) : l.other.number);
        item.set("display", l.other.display);
        item.set("type", l.other_type ? l.other_type->label.in(v.lang) : "");
        item.set("href", l.other_type && !l.other.number.empty() ? "/r/" + l.other_type->collection + "/" + l.other.number : "");
        item.set("remove", can_link ? base + "/links/" + std::to_string(l.link.id) + "/delete" : "");
        data& g = by_label.at(label);
        data items = *g.get("items");
        items << item;
        g.set("items", items);
      }
      for (auto& label : order) groups << by_label.at(label);
    }
    data d{data::type::object};
    d.set("groups", groups);
    d.set("empty", flag(groups.is_empty_list()));
    d.set("can_link", flag(can_link && !t.relations.empty()));
    d.set("action", base + "/links");
    data rels{data::type::list};
    for (auto& rel : t.relations) {
      data e{data::type::object};
      e.set("name", rel.name);
      const model::TypeDef* target = cat_.type(rel.target);
      e.set("label", rel.label.in(v.lang) + (target ? " → " + target->label.in(v.lang) : ""));
      rels << e;
    }
    d.set("relations", rels);
    return d;
  }

  // The journal of the record, newest first: who did what, when, each field before → after.
  // References in the changes are shown by number and name, as far as the visitor may read
  // them: the ids are put into stand-in records and rendered like any record.
  data history_data(const Visitor& v, const model::TypeDef& t, const store::Record& r) {
    data list{data::type::list};
    auto entries = records_.history(v.principal, t, std::to_string(r.id));
    if (!entries) return list;
    struct Change {
      const model::FieldDef* field;
      std::string name;
      json before, after;
      int before_at = -1, after_at = -1;  // index into the stand-ins
    };
    std::vector<std::vector<Change>> changes(entries->size());
    std::vector<store::Record> standins;
    auto standin = [&](const model::FieldDef* f, const json& value) -> int {
      if (!f || !(f->is_reference() || f->type == FieldType::user) || !value.is_number_integer()) return -1;
      store::Record s;
      s.type = &t;
      s.fields.resize(t.fields.size());
      s.fields[f->position] = value.get<std::int64_t>();
      standins.push_back(std::move(s));
      return static_cast<int>(standins.size() - 1);
    };
    for (size_t i = 0; i < entries->size(); ++i) {
      json c = json::parse((*entries)[i].changes, nullptr, false);
      if (!c.is_object()) continue;
      for (auto& [name, pair] : c.items()) {
        if (!pair.is_array() || pair.size() != 2) continue;
        const model::FieldDef* f = t.field(name);
        changes[i].push_back({f, name, pair[0], pair[1], standin(f, pair[0]), standin(f, pair[1])});
      }
    }
    json shown = standins.empty() ? json::array() : records_.to_json(v.principal, standins);
    auto text = [&](const Change& ch, const json& value, int at) {
      if (at >= 0) return show_field(cat_, *ch.field, shown[static_cast<size_t>(at)][ch.name], v).text;
      return change_text(t, ch.field, ch.name, value, v);
    };
    for (size_t n = entries->size(); n-- > 0;) {
      const store::JournalEntry& e = (*entries)[n];
      data item{data::type::object};
      item.set("at", v.format.datetime(e.at));
      item.set("at_iso", format_timestamp(e.at));
      item.set("who", e.principal);
      std::string action = e.action, label;
      if (action.rfind("transition:", 0) == 0 && t.lifecycle) {
        const model::TransitionDef* tr = t.lifecycle->transition(action.substr(11));
        label = web_.t(v, "action.transition", {{"name", tr ? tr->label.in(v.lang) : action.substr(11)}});
      } else {
        std::string key = "action." + action;
        label = web_.ctx().messages.text(v.lang, "ui." + key);
        if (label == "ui." + key) label = action;
      }
      item.set("action", label);
      data rows{data::type::list};
      for (auto& ch : changes[n]) {
        data row{data::type::object};
        row.set("field", ch.field ? ch.field->label.in(v.lang) : column_label(t, ch.name, web_, v));
        row.set("before", text(ch, ch.before, ch.before_at));
        row.set("after", text(ch, ch.after, ch.after_at));
        append(rows, std::move(row));
      }
      item.set("has_changes", flag(!rows.is_empty_list()));
      put(item, "changes", std::move(rows));
      append(list, std::move(item));
    }
    return list;
  }

  std::string change_text(const model::TypeDef& t, const model::FieldDef* f, const std::string& name, const json& v,
                          const Visitor& who) {
    if (v.is_null()) return "—";
    if (name == "state" && v.is_string()) return state_label(t, v.get<std::string>(), who.lang);
    if (f && f->type != FieldType::text && f->type != FieldType::longtext) {
      std::string s = show_field(cat_, *f, v, who).text;
      return s.empty() ? "—" : s;
    }
    return v.is_string() ? v.get<std::string>() : v.dump();
  }

  // ---- forms -----------------------------------------------------------------------------

  // A requester creating a portal ticket sees the portal's short form; everyone else every
  // editable field.
  static std::vector<std::string> form_field_names(const model::TypeDef& t, const Visitor& v, bool creating) {
    if (creating && v.portal_only && t.portal && !t.portal_fields.empty()) return t.portal_fields;
    return editable_fields(t);
  }

  http::Response new_page(http::Request& req, Visitor& v, const model::TypeDef& t) {
    if (v.principal.scope(t.name, "create") == engine::Scope::none) return not_found(req, v);
    return form_page(req, v, t, nullptr, {}, {}, 200);
  }

  http::Response edit_page(http::Request& req, Visitor& v, const model::TypeDef& t) {
    auto r = records_.get(v.principal, t, req.params.at(1));
    if (!r) return failure(req, v, r.error(), &t);
    return form_page(req, v, t, &*r, {}, {}, 200);
  }

  // The create or edit form; on an error it keeps what was typed and shows each message at its
  // field. A conflict (someone saved in between) shows their version beside the typed one.
  http::Response form_page(const http::Request& req, const Visitor& v, const model::TypeDef& t, const store::Record* r,
                           const Typed& typed, const std::map<std::string, std::string>& errors, int status,
                           const Typed* conflict_post = nullptr) {
    data d = type_data(t, v);
    json rec = r ? records_.to_json(v.principal, *r) : json();
    d.set("editing", flag(r != nullptr));
    d.set("action", r ? "/r/" + t.collection + "/" + r->number : "/r/" + t.collection);
    d.set("cancel", r ? "/r/" + t.collection + "/" + r->number : "/r/" + t.collection);
    d.set("version", r ? std::to_string(r->version) : "");
    if (r) d.set("record", record_data(cat_, t, rec, v));
    d.set("fields", form_fields(cat_, t, form_field_names(t, v, r == nullptr), typed, rec, errors, v));
    // The values the form was read with, so that a save sends only what the person changed.
    data originals{data::type::list};
    if (r)
      for (auto& name : editable_fields(t)) {
        data o{data::type::object};
        o.set("name", "orig:" + name);
        o.set("value", input_value(*t.field(name), rec.value(name, json()), v));
        originals << o;
      }
    d.set("originals", originals);
    auto general = errors.find("");
    d.set("general_error", general == errors.end() ? "" : general->second);
    d.set("has_errors", flag(!errors.empty()));
    data summary{data::type::list};
    for (auto& [field, msg] : errors) {
      if (field.empty()) continue;
      data e{data::type::object};
      e.set("anchor", "#f-" + field);
      e.set("message", msg);
      summary << e;
    }
    d.set("error_summary", summary);
    if (conflict_post) {
      // `typed` holds only the person's changes; `r` is the saved version.
      data diffs{data::type::list};
      for (auto& [name, value] : typed) {
        const model::FieldDef* f = t.field(name);
        if (!f) continue;
        auto orig = conflict_post->find("orig:" + name);
        std::string saved = input_value(*f, rec.value(name, json()), v);
        data e{data::type::object};
        e.set("label", f->label.in(v.lang));
        e.set("theirs", show_field(cat_, *f, rec.value(name, json()), v).text);
        e.set("mine", value);
        // Both changed this field: the one to settle.
        e.set("both", flag(orig != conflict_post->end() && comparable(*f, orig->second) != comparable(*f, saved)));
        diffs << e;
      }
      d.set("conflict", flag(true));
      d.set("conflict_fields", diffs);
      if (rec.contains("updated_by") && rec["updated_by"].is_object() && rec["updated_by"].value("display", json()).is_string())
        d.set("conflict_by", rec["updated_by"]["display"].get<std::string>());
    }
    std::string title = r ? web_.t(v, "edit_title", {{"number", r->number}})
                          : web_.t(v, "new_title", {{"type", t.label.in(v.lang)}});
    return web_.render(req, v, "form", d, title, status, t.collection);
  }

  http::Response create(http::Request& req, Visitor& v, const model::TypeDef& t) {
    std::vector<std::pair<std::string, std::string>> form;
    http::parse_form(req.body, form);
    Typed typed = typed_of(form);
    auto names = form_field_names(t, v, true);
    auto r = records_.create(v.principal, t, form_to_json(t, names, typed, v));
    if (!r) {
      if (r.error().kind != ErrorKind::invalid) return failure(req, v, r.error(), &t);
      return form_page(req, v, t, nullptr, typed, field_messages(web_, v, t, r.error()), 422);
    }
    return Web::client_redirect(req, "/r/" + t.collection + "/" + r->number + "?saved=created");
  }

  // A control's value normalised for comparison (check boxes post "true"/"on" or nothing).
  static std::string comparable(const model::FieldDef& f, const std::string& text) {
    if (f.type != FieldType::boolean) return text;
    return text == "true" || text == "on" || text == "1" ? "true" : "false";
  }

  http::Response update(http::Request& req, Visitor& v, const model::TypeDef& t) {
    std::vector<std::pair<std::string, std::string>> form;
    http::parse_form(req.body, form);
    Typed typed = typed_of(form);
    auto version = parse_int(http::form_value(form, "version"));
    auto current = records_.get(v.principal, t, req.params.at(1));
    if (!current) return failure(req, v, current.error(), &t);
    if (!version) version = current->version;
    // What the person changed: each control against the value the form was read with (carried
    // as "orig:<field>"); a field they left alone is not theirs to overwrite.
    json now = records_.to_json(v.principal, *current);
    Typed mine;
    for (auto& name : editable_fields(t)) {
      const model::FieldDef& f = *t.field(name);
      auto it = typed.find(name);
      std::string value = comparable(f, it == typed.end() ? "" : it->second);
      auto orig = typed.find("orig:" + name);
      std::string was = orig != typed.end() ? comparable(f, orig->second) : comparable(f, input_value(f, now.value(name, json()), v));
      if (value != was) mine[name] = it == typed.end() ? value : it->second;
    }
    // Someone saved since the form was read: nothing is written. The form comes back from
    // the saved version with only the person's own changes on it, and says where they meet.
    if (current->version != *version) return form_page(req, v, t, &*current, mine, {{"", web_.t(v, "conflict_message")}}, 409, &typed);
    std::vector<std::string> names;
    for (auto& [k, val] : mine) names.push_back(k);
    auto r = records_.update(v.principal, t, req.params.at(1), form_to_json(t, names, mine, v), *version);
    if (!r) {
      if (r.error().kind == ErrorKind::precondition_failed) {
        auto newer = records_.get(v.principal, t, req.params.at(1));
        if (newer) return form_page(req, v, t, &*newer, mine, {{"", web_.t(v, "conflict_message")}}, 409, &typed);
      }
      if (r.error().kind != ErrorKind::invalid) return failure(req, v, r.error(), &t);
      return form_page(req, v, t, &*current, typed, field_messages(web_, v, t, r.error()), 422);
    }
    return Web::client_redirect(req, "/r/" + t.collection + "/" + r->number + "?saved=updated");
  }

  http::Response transition(http::Request& req, Visitor& v, const model::TypeDef& t) {
    std::vector<std::pair<std::string, std::string>> form;
    http::parse_form(req.body, form);
    Typed typed = typed_of(form);
    std::string name = req.params.at(2);
    const model::TransitionDef* tr = t.lifecycle ? t.lifecycle->transition(name) : nullptr;
    std::vector<std::string> fields;
    if (tr) {
      fields = tr->fields;
      for (auto& f : tr->required_fields)
        if (std::find(fields.begin(), fields.end(), f) == fields.end()) fields.push_back(f);
    }
    json body = form_to_json(t, fields, typed, v);
    // An empty field is simply not sent: the transition's own rules say whether it was needed.
    for (auto it = body.begin(); it != body.end();)
      it = it->is_null() ? body.erase(it) : std::next(it);
    auto version = parse_int(http::form_value(form, "version"));
    auto r = records_.transition(v.principal, t, req.params.at(1), name, body,
                                 version ? std::optional<std::int64_t>(*version) : std::nullopt);
    if (!r) {
      const Error& e = r.error();
      if (e.kind == ErrorKind::not_found) return not_found(req, v);
      data extra{data::type::object};
      extra.set("open_transition", name);
      json typed_json = json::object();
      for (auto& f : fields)
        if (typed.count(f)) typed_json[f] = typed[f];
      extra.set("typed_json", typed_json.dump());
      auto msgs = e.kind == ErrorKind::invalid ? field_messages(web_, v, t, e) : std::map<std::string, std::string>{};
      if (e.kind != ErrorKind::invalid) {
        json b = api::problem_body(e, web_.ctx().messages, v.lang, &t);
        msgs[""] = b.value("detail", "");
      }
      // A message about a field the form does not show goes above the form.
      std::map<std::string, std::string> shown;
      for (auto& [k, m] : msgs) {
        std::string slot = std::find(fields.begin(), fields.end(), k) != fields.end() ? k : "";
        shown[slot] += (shown[slot].empty() ? "" : " ") + m;
      }
      extra.set("errors_json", json(shown).dump());
      return detail(req, v, t, req.params.at(1), extra, api::status_for(e.kind));
    }
    return Web::client_redirect(req, "/r/" + t.collection + "/" + r->number + "?saved=transition");
  }

  http::Response add_link(http::Request& req, Visitor& v, const model::TypeDef& t) {
    std::vector<std::pair<std::string, std::string>> form;
    http::parse_form(req.body, form);
    json body{{"relation", http::form_value(form, "relation")}, {"target", http::form_value(form, "target")}};
    auto l = records_.link(v.principal, t, req.params.at(1), body);
    if (!l) {
      if (l.error().kind == ErrorKind::not_found && l.error().code == "record.not_found" &&
          !records_.get(v.principal, t, req.params.at(1)))
        return not_found(req, v);
      data extra{data::type::object};
      extra.set("link_error", web_.error_sentence(v, l.error(), &t));
      return detail(req, v, t, req.params.at(1), extra, api::status_for(l.error().kind));
    }
    return Web::client_redirect(req, "/r/" + t.collection + "/" + req.params.at(1) + "?saved=linked#related");
  }

  http::Response remove_link(http::Request& req, Visitor& v, const model::TypeDef& t) {
    auto id = parse_int(req.params.at(2));
    auto s = id ? records_.unlink(v.principal, t, req.params.at(1), *id)
                : Status(Error::of(ErrorKind::not_found, "record.not_found"));
    if (!s) return failure(req, v, s.error(), &t);
    return Web::client_redirect(req, "/r/" + t.collection + "/" + req.params.at(1) + "?saved=unlinked#related");
  }

  // ---- saved views -----------------------------------------------------------------------

  // The visitor's own and the shared views of the type, the one in use marked, and whether
  // the current filters can be saved (and shared).
  data views_data(const model::TypeDef& t, const Visitor& v, const Params& params) {
    Params p = params;
    std::erase_if(p, [](auto& kv) { return kv.first == "cursor"; });
    std::string current = query_string(p);
    if (!current.empty()) current.erase(0, 1);
    data d{data::type::object};
    data list{data::type::list};
    if (auto views = web_.ctx().views.list(v.principal, t.name))
      for (auto& view : *views) {
        data e{data::type::object};
        e.set("id", std::to_string(view.id));
        e.set("name", view.name);
        e.set("href", "/r/" + t.collection + (view.query.empty() ? "" : "?" + view.query));
        e.set("shared", flag(view.shared));
        e.set("owner", view.owner);
        e.set("current", flag(view.query == current));
        e.set("delete", engine::SavedViewService::may_change(v.principal, view)
                            ? "/r/" + t.collection + "/views/" + std::to_string(view.id) + "/delete"
                            : "");
        list << e;
      }
    d.set("items", list);
    d.set("has_items", flag(!list.is_empty_list()));
    d.set("query", current);
    d.set("action", "/r/" + t.collection + "/views");
    d.set("may_share", flag(engine::SavedViewService::may_share(v.principal)));
    return d;
  }

  http::Response save_view(http::Request& req, Visitor& v, const model::TypeDef& t) {
    std::vector<std::pair<std::string, std::string>> form;
    http::parse_form(req.body, form);
    std::string query = http::form_value(form, "query");
    json body{{"type", t.name}, {"name", http::form_value(form, "name")}, {"query", query},
              {"shared", http::form_value(form, "shared") == "true"}};
    auto r = web_.ctx().views.create(v.principal, body);
    if (!r) return failure(req, v, r.error(), &t);
    return Web::client_redirect(req, "/r/" + t.collection + (query.empty() ? "" : "?" + query));
  }

  http::Response delete_view(http::Request& req, Visitor& v, const model::TypeDef& t) {
    auto id = parse_int(req.params.at(1));
    auto s = id ? web_.ctx().views.remove(v.principal, *id) : Status(Error::of(ErrorKind::not_found, "record.not_found"));
    if (!s) return failure(req, v, s.error(), &t);
    return Web::client_redirect(req, "/r/" + t.collection);
  }

  // ---- comments, work log, attachments ----------------------------------------------------

  data extras_data(const Visitor& v, const model::TypeDef& t, const store::Record& r, const data& extra) {
    auto& comments = web_.ctx().comments;
    auto& files = web_.ctx().attachments;
    std::string base = "/r/" + t.collection + "/" + r.number;
    data d{data::type::object};
    data thread{data::type::list};
    if (auto page = comments.list(v.principal, t, std::to_string(r.id), "", 0, 500))
      for (auto& c : page->items) {
        data e{data::type::object};
        e.set("author", c.author.empty() ? "system" : c.author);
        e.set("at", v.format.datetime(c.created_at));
        e.set("at_iso", format_timestamp(c.created_at));
        e.set("body", c.body);
        e.set("work_log", flag(c.kind == "work_log"));
        thread << e;
      }
    d.set("thread", thread);
    d.set("no_thread", flag(thread.is_empty_list()));
    bool may_comment = comments.may_add(v.principal, r, "comment");
    bool may_log = comments.may_add(v.principal, r, "work_log");
    d.set("may_comment", flag(may_comment || may_log));
    d.set("may_log", flag(may_log));
    d.set("comment_action", base + "/comments");
    if (auto* typed = extra.get("comment_body")) d.set("comment_body", *typed);
    data list{data::type::list};
    if (auto all = files.list(v.principal, t, std::to_string(r.id)))
      for (auto& a : *all) {
        data e{data::type::object};
        e.set("name", a.file_name);
        e.set("href", base + "/attachments/" + std::to_string(a.id));
        e.set("size", v.format.number(static_cast<double>(a.size) / 1024.0, 1) + " KB");
        e.set("by", a.uploader);
        e.set("at", v.format.datetime(a.uploaded_at));
        e.set("remove", engine::within_scope(v.principal, v.principal.scope(t.name, "update"), r)
                            ? base + "/attachments/" + std::to_string(a.id) + "/delete"
                            : "");
        list << e;
      }
    d.set("files", list);
    d.set("no_files", flag(list.is_empty_list()));
    d.set("may_attach", flag(may_comment || may_log));
    d.set("upload_action", base + "/attachments");
    d.set("max_bytes", std::to_string(files.settings().max_bytes));
    d.set("max_size", v.format.number(static_cast<double>(files.settings().max_bytes) / (1024.0 * 1024.0), 0) + " MB");
    return d;
  }

  http::Response add_comment(http::Request& req, Visitor& v, const model::TypeDef& t) {
    std::vector<std::pair<std::string, std::string>> form;
    http::parse_form(req.body, form);
    std::string kind = http::form_value(form, "kind");
    if (kind.empty()) kind = "comment";
    std::string body = http::form_value(form, "body");
    auto c = web_.ctx().comments.add(v.principal, t, req.params.at(1), kind, body);
    if (!c) {
      if (c.error().kind == ErrorKind::not_found) return not_found(req, v);
      data extra{data::type::object};
      extra.set("comment_error", web_.error_sentence(v, c.error(), &t));
      extra.set("comment_body", body);  // nothing typed is lost
      return detail(req, v, t, req.params.at(1), extra, api::status_for(c.error().kind));
    }
    return Web::client_redirect(req, "/r/" + t.collection + "/" + req.params.at(1) + "#thread");
  }

  http::Response upload(http::Request& req, Visitor& v, const model::TypeDef& t) {
    auto parts = http::parse_multipart(req.header("content-type"), req.body);
    const http::FormPart* file = nullptr;
    if (parts)
      for (auto& part : *parts)
        if (part.name == "file" && !part.file_name.empty()) file = &part;
    data extra{data::type::object};
    if (!file) {
      extra.set("attachment_error", web_.t(v, "choose_file"));
      return detail(req, v, t, req.params.at(1), extra, 422);
    }
    auto a = web_.ctx().attachments.upload(v.principal, t, req.params.at(1), file->file_name, file->body);
    if (!a) {
      if (a.error().kind == ErrorKind::not_found) return not_found(req, v);
      extra.set("attachment_error", web_.error_sentence(v, a.error(), &t));
      return detail(req, v, t, req.params.at(1), extra, api::status_for(a.error().kind));
    }
    return Web::client_redirect(req, "/r/" + t.collection + "/" + req.params.at(1) + "#attachments");
  }

  http::Response download(http::Request& req, Visitor& v, const model::TypeDef& t) {
    auto id = parse_int(req.params.at(2));
    if (!id) return not_found(req, v);
    auto a = web_.ctx().attachments.download(v.principal, t, req.params.at(1), *id);
    if (!a) return failure(req, v, a.error(), &t);
    http::Response r;
    r.body = std::move(a->bytes);
    r.headers.emplace_back("Content-Type", a->attachment.content_type);
    r.set_header("Content-Disposition", http::attachment_disposition(a->attachment.file_name));
    r.set_header("Content-Security-Policy", "default-src 'none'; sandbox");
    return r;
  }

  http::Response remove_attachment(http::Request& req, Visitor& v, const model::TypeDef& t) {
    auto id = parse_int(req.params.at(2));
    auto s = id ? web_.ctx().attachments.remove(v.principal, t, req.params.at(1), *id)
                : Status(Error::of(ErrorKind::not_found, "record.not_found"));
    if (!s) {
      if (s.error().kind == ErrorKind::not_found) return not_found(req, v);
      data extra{data::type::object};
      extra.set("attachment_error", web_.error_sentence(v, s.error(), &t));
      return detail(req, v, t, req.params.at(1), extra, api::status_for(s.error().kind));
    }
    return Web::client_redirect(req, "/r/" + t.collection + "/" + req.params.at(1) + "#attachments");
  }

  Web& web_;
  engine::RecordService& records_;
  const model::Catalogue& cat_;
};

}  // namespace

void register_record_pages(http::Router& router, Web& web) { std::make_shared<RecordPages>(web)->register_all(router); }

}  // namespace kanri::ui
