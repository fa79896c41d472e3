// The data model in memory: every record type with its fields, lifecycle and relations, as
// declared in model/*.toml. Built once at start-up by load_model() and read-only afterwards.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/value.h"

namespace kanri::model {

// A text in both languages of the product.
struct Label {
  std::string en, ja;
  const std::string& in(std::string_view lang) const { return lang == "ja" && !ja.empty() ? ja : en; }
};

enum class FieldType {
  text, longtext, integer, decimal, boolean, date, datetime, duration, enumeration, ref, user,
  org, json
};
// The model's spelling of a type ("int", "enum", ...), and back.
std::string_view field_type_name(FieldType t);
std::optional<FieldType> parse_field_type(std::string_view s);

struct EnumValue {
  std::string name;
  Label label;
};

struct FieldDef {
  std::string name;
  FieldType type = FieldType::text;
  Label label;
  Label help;
  bool required = false;
  bool indexed = false;
  bool searchable = false;
  bool read_only = false;            // set only by rules, never by a client
  bool deadline = false;             // a date by which something is due: past it, the record needs attention
  std::optional<Value> default_value;
  std::int64_t max_length = 0;       // code points, for text types; 0 = type default
  std::optional<double> min, max;    // for int and decimal
  int scale = -1;                    // digits after the point for decimal; -1 = any
  std::vector<EnumValue> values;     // for enum
  std::string target;                // record type for ref (org fields target "organization")
  std::string computed;              // rule that computes this field on every write
  std::size_t position = 0;          // index into Record::fields
  int line = 0;                      // where it was declared, for messages
  std::string file;                  // the model file that declared it (an extension may differ)

  const EnumValue* enum_value(std::string_view name) const;
  bool is_reference() const { return type == FieldType::ref || type == FieldType::org; }
};

struct StateDef {
  std::string name;
  Label label;
  bool frozen = false;  // records in this state cannot be edited, only transitioned or superseded
  bool final = false;
};

struct TransitionDef {
  std::string name;
  Label label;
  std::vector<std::string> from;      // empty = from any state
  std::string to;
  std::vector<std::string> required_fields;  // fields that must have a value after the transition
  std::vector<std::string> fields;    // fields the transition may set (requires are included)
  std::vector<std::string> roles;     // who may run it; empty = anyone who may update
  std::vector<std::string> hooks;     // rules run before the transition commits
};

struct Lifecycle {
  std::string initial;
  std::vector<StateDef> states;
  std::vector<TransitionDef> transitions;
  const StateDef* state(std::string_view name) const;
  const TransitionDef* transition(std::string_view name) const;
};

struct RelationDef {
  std::string name;
  std::string target;
  Label label;
  Label inverse_label;
};

struct TypeDef {
  std::string name;
  std::string collection;  // URL segment: /api/v1/<collection>
  Label label;
  Label plural;
  Label description;
  std::string number_prefix;
  std::vector<std::string> clauses;
  std::string display_field;
  std::vector<FieldDef> fields;
  std::optional<Lifecycle> lifecycle;
  std::vector<RelationDef> relations;
  std::vector<std::string> list_columns;
  std::string default_sort;  // "-updated_at", "name"
  std::string file;          // the model file that declared it
  // Which organization a record belongs to, for access scopes: "self" (the record is an
  // organization), the name of an org field, or empty (the creating user's primary organization).
  std::string org_field;
  // User fields that make a record "own" for that user, besides created_by (a requester, an owner).
  std::vector<std::string> owner_fields;
  // Where the web UI's navigation lists the type: one of kAreas (catalogue.cpp).
  std::string area = "other";
  // Whether requesters report or ask through the portal with this type (incidents, requests).
  bool portal = false;
  // The fields a requester fills in on the portal's form (empty: every editable field).
  std::vector<std::string> portal_fields;
  // A bool field that restricts a record when true (a security incident): then only principals
  // granted `read_restricted` on the type see it at all; empty: no record is restricted.
  std::string restricted_field;
  // The records anyone granted `read_public` on the type may read whatever their read scope:
  // those where each column (`state` or an indexed enum field) holds its value
  // (`public_when = { state = "published", audience = "everyone" }`); empty: none are public.
  std::vector<std::pair<std::string, std::string>> public_when;
  // Indexes over several columns (fields or system columns, in order), for a filter that one
  // single-column index cannot serve in the list's order: `indexes = [["group", "state", "updated_at"]]`.
  std::vector<std::vector<std::string>> indexes;

  const FieldDef* field(std::string_view name) const;
  const RelationDef* relation(std::string_view name) const;
  std::string table() const { return "rec_" + name; }
};

class Catalogue {
 public:
  const TypeDef* type(std::string_view name) const;
  const TypeDef* by_collection(std::string_view collection) const;
  const std::vector<std::unique_ptr<TypeDef>>& types() const { return types_; }
  void add(std::unique_ptr<TypeDef> t) { types_.push_back(std::move(t)); }

 private:
  std::vector<std::unique_ptr<TypeDef>> types_;
};

// The process areas the navigation groups types by, in the order it shows them.
const std::vector<std::string>& areas();

// Names every record has besides its fields; a field may not take one of these.
bool is_system_column(std::string_view name);
// The platform's own resources (users, roles, the journal…), which permissions name like
// record types; no record type may take one of these names.
const std::vector<std::string>& platform_resource_names();
// URL segments under /api/v1 that the platform's own resources use; no collection may take one.
bool is_reserved_collection(std::string_view name);

// The model as the API describes it (GET /api/v1/types).
nlohmann::json describe(const TypeDef& type);

}  // namespace kanri::model
