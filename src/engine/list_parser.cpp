#include "engine/list_parser.h"

#include <charconv>

#include <nlohmann/json.hpp>

#include "core/crypto.h"
#include "core/text.h"
#include "core/time.h"
#include "store/accounts.h"
#include "store/search/tokenizer.h"

namespace kanri::engine {

using model::FieldType;
using nlohmann::json;

namespace {

constexpr int kDefaultLimit = 50, kMaxLimit = 500;

Error bad_parameter(const std::string& param, std::string code, MessageArgs args = {}) {
  Error e = Error::of(ErrorKind::bad_request, "query.invalid");
  e.fields.push_back({param, std::move(code), std::move(args)});
  return e;
}


// The stored value a filter text stands for, or an error naming the parameter.
Result<Value> filter_value(store::Connection& c, const model::Catalogue& catalogue, const store::RecordStore& records,
                           const model::TypeDef& t, const std::string& column, const std::string& param,
                           const std::string& text) {
  const model::FieldDef* f = t.field(column);
  auto bad = [&](std::string code, MessageArgs args = {}) -> Result<Value> {
    return bad_parameter(param, std::move(code), std::move(args));
  };
  if (!f) {
    if (column == "number") return Value(text);
    if (column == "state") {
      if (!t.lifecycle || !t.lifecycle->state(text)) return bad("filter.unknown_state", {{"value", text}});
      return Value(text);
    }
    if (column == "created_at" || column == "updated_at") {
      auto ms = parse_timestamp(text);
      if (!ms) return bad("field.type_datetime");
      return Value(*ms);
    }
    auto v = parse_int(text);
    if (!v) return bad("field.type_int");
    return Value(*v);
  }
  switch (f->type) {
    case FieldType::text: case FieldType::longtext: return Value(text);
    case FieldType::enumeration:
      if (!f->enum_value(text)) {
        std::string allowed;
        for (auto& v : f->values) allowed += (allowed.empty() ? "" : ", ") + v.name;
        return bad("field.enum", {{"allowed", allowed}});
      }
      return Value(text);
    case FieldType::integer: {
      auto v = parse_int(text);
      if (!v) return bad("field.type_int");
      return Value(*v);
    }
    case FieldType::decimal: {
      char* end = nullptr;
      double d = std::strtod(text.c_str(), &end);
      if (text.empty() || *end) return bad("field.type_decimal");
      return Value(d);
    }
    case FieldType::boolean:
      if (text == "true" || text == "1") return Value(std::int64_t{1});
      if (text == "false" || text == "0") return Value(std::int64_t{0});
      return bad("field.type_bool");
    case FieldType::date:
      if (!is_valid_date(text)) return bad("field.type_date");
      return Value(text);
    case FieldType::datetime: {
      auto ms = parse_timestamp(text);
      if (!ms) return bad("field.type_datetime");
      return Value(*ms);
    }
    case FieldType::duration: {
      auto ms = parse_duration(text);
      if (!ms) return bad("field.type_duration");
      return Value(*ms);
    }
    case FieldType::user: {
      if (auto id = parse_int(text)) return Value(*id);
      auto u = store::find_user_by_name(c, text);
      // An unknown user matches nothing; that is an answer, not an error.
      return u ? Value(u->id) : Value(std::int64_t{0});
    }
    case FieldType::ref: case FieldType::org: {
      if (auto id = parse_int(text)) return Value(*id);
      auto r = records.find_by_number(c, *catalogue.type(f->target), text);
      return r ? Value(r->id) : Value(std::int64_t{0});
    }
    case FieldType::json: break;
  }
  return bad("filter.unknown", {{"type", t.name}});
}

// The kind of value a sort column holds, to check a cursor before it reaches SQL.
enum class KeyKind { integer, number, text };

KeyKind key_kind(const model::TypeDef& t, const std::string& column) {
  const model::FieldDef* f = t.field(column);
  if (!f) return column == "number" || column == "state" ? KeyKind::text : KeyKind::integer;
  switch (f->type) {
    case FieldType::text: case FieldType::longtext: case FieldType::enumeration: case FieldType::date:
    case FieldType::json:
      return KeyKind::text;
    case FieldType::decimal:
      return KeyKind::number;
    default:
      return KeyKind::integer;
  }
}

json key_json(const Value& v) {
  if (auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  return nullptr;
}

}  // namespace

std::string encode_cursor(const std::string& sort_spec, const std::vector<Value>& last_key) {
  json k = json::array();
  for (auto& v : last_key) k.push_back(key_json(v));
  return base64url_encode(json{{"s", sort_spec}, {"k", k}}.dump());
}

Result<ParsedList> parse_list_request(store::Connection& c, const model::Catalogue& catalogue,
                                      const store::RecordStore& records, const model::TypeDef& t,
                                      const ListRequest& request) {
  ParsedList out;
  store::ListQuery& q = out.query;

  for (auto& [param, text] : request.filters) {
    std::string column = param, op = "eq";
    if (auto open = param.find('['); open != std::string::npos) {
      if (param.back() != ']') return bad_parameter(param, "filter.syntax");
      column = param.substr(0, open);
      op = param.substr(open + 1, param.size() - open - 2);
    }
    if (!store::RecordStore::is_listable_column(t, column)) return bad_parameter(param, "filter.unknown", {{"type", t.name}});
    store::Condition cond;
    cond.column = column;
    if (op == "eq") cond.op = store::Condition::Op::eq;
    else if (op == "gte") cond.op = store::Condition::Op::gte;
    else if (op == "lte") cond.op = store::Condition::Op::lte;
    else if (op == "in") cond.op = store::Condition::Op::in;
    else return bad_parameter(param, "filter.operator", {{"operator", op}});
    std::vector<std::string> parts;
    if (cond.op == store::Condition::Op::in) {
      size_t pos = 0;
      while (pos <= text.size()) {
        size_t comma = text.find(',', pos);
        if (comma == std::string::npos) comma = text.size();
        parts.push_back(text.substr(pos, comma - pos));
        pos = comma + 1;
      }
      if (parts.size() > 100) return bad_parameter(param, "filter.too_many_values", {{"max", "100"}});
    } else {
      parts.push_back(text);
    }
    for (auto& part : parts) {
      auto v = filter_value(c, catalogue, records, t, column, param, part);
      if (!v) return v.take_error();
      cond.values.push_back(std::move(v.value()));
    }
    q.where.push_back(std::move(cond));
  }

  if (!request.q.empty()) {
    if (request.q.size() > 500) return bad_parameter("q", "query.too_long", {{"max", "500"}});
    for (auto& term : search::parse_query(request.q)) q.search.push_back({term.token, term.prefix});
    if (q.search.empty()) out.empty_result = true;
  }

  std::string sort = request.sort;
  if (sort.empty()) sort = request.q.empty() ? t.default_sort : "-id";
  size_t pos = 0;
  while (pos <= sort.size()) {
    size_t comma = sort.find(',', pos);
    if (comma == std::string::npos) comma = sort.size();
    std::string item = sort.substr(pos, comma - pos);
    pos = comma + 1;
    bool desc = !item.empty() && item[0] == '-';
    std::string column = desc ? item.substr(1) : item;
    if (!store::RecordStore::is_listable_column(t, column)) return bad_parameter("sort", "sort.unknown", {{"column", column}});
    if (q.sort.size() >= 3 && column != "id") return bad_parameter("sort", "sort.too_many", {{"max", "3"}});
    q.sort.push_back({column, desc});
    if (column == "id") break;
  }
  if (q.sort.back().column != "id") q.sort.push_back({"id", q.sort.back().descending});
  for (auto& k : q.sort) out.sort_spec += (out.sort_spec.empty() ? "" : ",") + std::string(k.descending ? "-" : "") + k.column;

  if (!request.limit.empty()) {
    auto limit = parse_int(request.limit);
    if (!limit || *limit < 1 || *limit > kMaxLimit) return bad_parameter("limit", "query.limit", {{"max", std::to_string(kMaxLimit)}});
    q.limit = static_cast<int>(*limit);
  } else {
    q.limit = kDefaultLimit;
  }

  if (!request.cursor.empty()) {
    std::string raw;
    json cur;
    if (!base64url_decode(request.cursor, raw) || (cur = json::parse(raw, nullptr, false)).is_discarded() ||
        !cur.is_object() || !cur.contains("s") || !cur.contains("k") || !cur["k"].is_array())
      return bad_parameter("cursor", "cursor.invalid");
    if (cur["s"] != out.sort_spec) return bad_parameter("cursor", "cursor.other_sort");
    if (cur["k"].size() != q.sort.size()) return bad_parameter("cursor", "cursor.invalid");
    for (size_t i = 0; i < q.sort.size(); ++i) {
      const json& v = cur["k"][i];
      KeyKind kind = key_kind(t, q.sort[i].column);
      if (v.is_null() && q.sort[i].column != "id") q.after.emplace_back(std::monostate{});
      else if (kind == KeyKind::integer && v.is_number_integer()) q.after.emplace_back(v.get<std::int64_t>());
      else if (kind == KeyKind::number && v.is_number()) q.after.emplace_back(v.get<double>());
      else if (kind == KeyKind::text && v.is_string()) q.after.emplace_back(v.get<std::string>());
      else return bad_parameter("cursor", "cursor.invalid");  // edited by hand: refuse, never guess
    }
  }
  return out;
}

}  // namespace kanri::engine
