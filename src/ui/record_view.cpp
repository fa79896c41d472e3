#include "ui/record_view.h"

#include <cmath>

#include "api/problem_render.h"
#include "core/text.h"
#include "core/value.h"

namespace kanri::ui {

using model::FieldType;
using nlohmann::json;

namespace {

std::string str(const json& v) { return v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump(); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string value_to_text(const Value& v) {
  if (auto* d = std::get_if<double>(&v)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", *d);
    return buf;
  }
  return as_text(v);
}

bool parses_as_number(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end && *end == '\0' && std::isfinite(out);
}

}  // namespace

Shown show_field(const model::Catalogue& cat, const model::FieldDef& f, const json& v, const Visitor& who) {
  if (v.is_null()) return {};
  switch (f.type) {
    case FieldType::integer:
      return {v.is_number() ? who.format.number(v.get<double>(), 0) : str(v), ""};
    case FieldType::decimal:
      return {v.is_number() ? who.format.number(v.get<double>(), f.scale) : str(v), ""};
    case FieldType::boolean:
      return {v.is_boolean() && v.get<bool>() ? (who.lang == "ja" ? "はい" : "Yes") : (who.lang == "ja" ? "いいえ" : "No"), ""};
    case FieldType::date:
      return {who.format.date(str(v)), ""};
    case FieldType::datetime: {
      auto at = parse_timestamp(str(v));
      return {at ? who.format.datetime(*at) : str(v), ""};
    }
    case FieldType::enumeration: {
      const model::EnumValue* e = f.enum_value(str(v));
      return {e ? e->label.in(who.lang) : str(v), ""};
    }
    case FieldType::user:
      return {v.contains("display") && v["display"].is_string() ? v["display"].get<std::string>()
                                                                   : "#" + str(v.value("id", json())),
              ""};
    case FieldType::ref:
    case FieldType::org: {
      const model::TypeDef* target = cat.type(f.target);
      std::string number = str(v.value("number", json()));
      std::string display = str(v.value("display", json()));
      if (number.empty()) return {"#" + str(v.value("id", json())), ""};  // not readable by this person
      return {display.empty() ? number : number + " " + display,
              target ? "/r/" + target->collection + "/" + number : ""};
    }
    case FieldType::json: {
      // A flat object (a request's answers) reads as one "name: value" line each.
      bool flat = v.is_object() && !v.empty();
      for (auto& [key, item] : v.items()) flat = flat && !item.is_structured();
      if (!flat) return {v.dump(2), ""};
      std::string lines;
      for (auto& [key, item] : v.items())
        lines += (lines.empty() ? "" : "\n") + key + ": " + (item.is_string() ? item.get<std::string>() : item.dump());
      return {lines, ""};
    }
    default:
      return {str(v), ""};
  }
}

std::string state_label(const model::TypeDef& t, const std::string& state, const std::string& lang) {
  if (t.lifecycle)
    if (auto* s = t.lifecycle->state(state)) return s->label.in(lang);
  return state;
}

std::string state_tone(const model::TypeDef& t, const std::string& state) {
  if (!t.lifecycle || state.empty()) return "plain";
  const model::StateDef* s = t.lifecycle->state(state);
  if (!s) return "plain";
  if (s->final || s->frozen) return "muted";
  if (state == t.lifecycle->initial) return "info";
  for (auto* w : {"pending", "waiting", "hold", "paused", "suspended", "draft", "proposed"})
    if (state.find(w) != std::string::npos) return "warning";
  return "success";
}

data record_data(const model::Catalogue& cat, const model::TypeDef& t, const json& rec, const Visitor& who) {
  data d{data::type::object};
  std::string number = str(rec.value("number", json()));
  d.set("id", str(rec.value("id", json())));
  d.set("number", number);
  d.set("href", "/r/" + t.collection + "/" + number);
  const model::FieldDef* df = t.field(t.display_field);
  d.set("display", df ? show_field(cat, *df, rec.value(t.display_field, json()), who).text : number);
  std::string state = str(rec.value("state", json()));
  d.set("state", state);
  d.set("has_state", flag(!state.empty()));
  d.set("state_label", state_label(t, state, who.lang));
  d.set("state_tone", state_tone(t, state));
  d.set("version", str(rec.value("version", json())));
  auto at = [&](const char* k) {
    auto ms = parse_timestamp(str(rec.value(k, json())));
    return ms ? who.format.datetime(*ms) : "";
  };
  d.set("created_at", at("created_at"));
  d.set("updated_at", at("updated_at"));
  auto who_did = [&](const char* k) {
    const json& u = rec.contains(k) ? rec[k] : json();
    return u.is_object() ? str(u.value("display", json())) : std::string();
  };
  d.set("created_by", who_did("created_by"));
  d.set("updated_by", who_did("updated_by"));
  data fields{data::type::list};
  for (auto& f : t.fields) {
    Shown s = show_field(cat, f, rec.value(f.name, json()), who);
    data fd{data::type::object};
    fd.set("name", f.name);
    fd.set("label", f.label.in(who.lang));
    fd.set("text", s.text);
    fd.set("href", s.href);
    fd.set("empty", flag(s.text.empty()));
    fd.set("long", flag(f.type == FieldType::longtext || f.type == FieldType::json));
    append(fields, std::move(fd));
  }
  put(d, "fields", std::move(fields));
  return d;
}

std::map<std::string, std::string> field_messages(Web& web, const Visitor& who, const model::TypeDef& t, const Error& e) {
  std::map<std::string, std::string> out;
  json body = api::problem_body(e, web.ctx().messages, who.lang, &t);
  for (auto& fe : body["errors"]) {
    std::string field = fe.value("field", "");
    std::string& slot = out[t.field(field) ? field : ""];
    slot += (slot.empty() ? "" : " ") + fe.value("message", "");
  }
  return out;
}

data error_data(Web& web, const Visitor& who, const Error& e, const model::TypeDef* t) {
  json body = api::problem_body(e, web.ctx().messages, who.lang, t);
  data d{data::type::object};
  d.set("title", body.value("title", ""));
  d.set("detail", body.value("detail", ""));
  data items{data::type::list};
  for (auto& fe : body["errors"]) {
    data i{data::type::object};
    std::string field = fe.value("field", "");
    i.set("message", fe.value("message", ""));
    i.set("anchor", t && t->field(field) ? "#f-" + field : "");
    items << i;
  }
  d.set("has_items", flag(!items.is_empty_list()));
  d.set("items", items);
  return d;
}

std::vector<std::string> editable_fields(const model::TypeDef& t) {
  std::vector<std::string> out;
  for (auto& f : t.fields)
    if (!f.read_only && f.computed.empty()) out.push_back(f.name);
  return out;
}

std::string input_value(const model::FieldDef& f, const json& v, const Visitor& who) {
  if (v.is_null()) return "";
  switch (f.type) {
    case FieldType::ref:
    case FieldType::org: {
      std::string number = str(v.value("number", json()));
      return number.empty() ? str(v.value("id", json())) : number;
    }
    case FieldType::user:
      return str(v.value("id", json()));
    case FieldType::boolean:
      return v.is_boolean() && v.get<bool>() ? "true" : "false";
    case FieldType::datetime: {
      auto at = parse_timestamp(str(v));
      return at ? who.format.datetime_input(*at) : str(v);
    }
    case FieldType::json:
      return v.dump(2);
    default:
      return str(v);
  }
}

data form_fields(const model::Catalogue& cat, const model::TypeDef& t, const std::vector<std::string>& names,
                 const Typed& typed, const json& rec, const std::map<std::string, std::string>& errors, const Visitor& who,
                 const std::string& id_prefix) {
  data list{data::type::list};
  for (auto& name : names) {
    const model::FieldDef* f = t.field(name);
    if (!f) continue;
    const model::TypeDef* target = f->is_reference() ? cat.type(f->target) : nullptr;
    std::string target_prefix = target ? target->number_prefix + "-000001" : "";
    std::string value;
    if (auto it = typed.find(name); it != typed.end()) value = it->second;
    else if (rec.is_object() && rec.contains(name)) value = input_value(*f, rec[name], who);
    else if (f->default_value && !rec.is_object())
      value = f->type == FieldType::duration ? format_duration(as_int(*f->default_value))
              : f->type == FieldType::boolean ? (as_int(*f->default_value) ? "true" : "false")
                                              : value_to_text(*f->default_value);
    data d{data::type::object};
    d.set("name", name);
    d.set("id", id_prefix + name);
    d.set("label", f->label.in(who.lang));
    d.set("help", f->help.in(who.lang));
    d.set("value", value);
    d.set("required", flag(f->required));
    auto err = errors.find(name);
    d.set("error", err == errors.end() ? "" : err->second);
    d.set("invalid", flag(err != errors.end()));
    std::string kind;
    switch (f->type) {
      case FieldType::longtext: kind = "textarea"; break;
      case FieldType::json: kind = "textarea"; break;
      case FieldType::integer: kind = "number"; d.set("step", "1"); break;
      case FieldType::decimal:
        kind = "number";
        d.set("step", f->scale > 0 ? "0." + std::string(static_cast<size_t>(f->scale - 1), '0') + "1" : "any");
        break;
      case FieldType::boolean: kind = "checkbox"; d.set("checked", flag(value == "true" || value == "1")); break;
      case FieldType::date: kind = "date"; break;
      case FieldType::datetime: kind = "datetime"; break;
      case FieldType::enumeration: {
        kind = "select";
        data opts{data::type::list};
        for (auto& ev : f->values) {
          data o{data::type::object};
          o.set("value", ev.name);
          o.set("label", ev.label.in(who.lang));
          o.set("selected", flag(ev.name == value));
          opts << o;
        }
        d.set("options", opts);
        break;
      }
      case FieldType::ref:
      case FieldType::org: kind = "ref"; d.set("target", f->target); d.set("target_prefix", target_prefix); break;
      case FieldType::user: kind = "user"; break;
      case FieldType::duration: kind = "text"; d.set("placeholder", "PT4H, P3D"); break;
      default: kind = "text"; break;
    }
    d.set("kind_" + kind, flag(true));
    if (f->min) d.set("min", value_to_text(Value(*f->min)));
    if (f->max) d.set("max", value_to_text(Value(*f->max)));
    if (f->max_length) d.set("maxlength", std::to_string(f->max_length));
    list << d;
  }
  return list;
}

json form_to_json(const model::TypeDef& t, const std::vector<std::string>& names, const Typed& typed, const Visitor& who) {
  json body = json::object();
  for (auto& name : names) {
    const model::FieldDef* f = t.field(name);
    if (!f) continue;
    auto it = typed.find(name);
    std::string v = it == typed.end() ? "" : it->second;
    if (f->type == FieldType::boolean) {
      body[name] = v == "true" || v == "on" || v == "1";
      continue;
    }
    if (it == typed.end()) continue;  // not on the form: left as it is
    std::string trimmed = std::string(trim(v));
    if (trimmed.empty()) {
      body[name] = nullptr;
      continue;
    }
    double num = 0;
    switch (f->type) {
      case FieldType::integer:
        if (auto i = parse_int(trimmed)) body[name] = *i;
        else body[name] = trimmed;
        break;
      case FieldType::decimal:
        if (parses_as_number(trimmed, num)) body[name] = num;
        else body[name] = trimmed;
        break;
      case FieldType::datetime:
        if (auto at = who.format.parse_datetime_input(trimmed)) body[name] = format_timestamp(*at);
        else body[name] = trimmed;
        break;
      case FieldType::user:
        if (auto i = parse_int(trimmed)) body[name] = *i;
        else body[name] = trimmed;
        break;
      case FieldType::json: {
        json parsed = json::parse(trimmed, nullptr, false);
        body[name] = parsed.is_discarded() ? json(trimmed) : parsed;
        break;
      }
      case FieldType::longtext:
        body[name] = v;  // keeps its line breaks and indentation
        break;
      default:
        body[name] = trimmed;
    }
  }
  return body;
}

}  // namespace kanri::ui
