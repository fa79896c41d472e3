// Records as the pages show them, for any type of the model: each field's value for reading
// (locale dates, enum labels, links to referenced records) and each field's form control
// (kind, constraints, current value, its inline error). No code per record type.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/catalogue.h"
#include "ui/web.h"

namespace kanri::ui {

// A field's value as text for reading ("" when empty), and the link it leads to, if any.
struct Shown {
  std::string text;
  std::string href;
};
Shown show_field(const model::Catalogue& cat, const model::FieldDef& f, const nlohmann::json& v, const Visitor& who);
// A state's label, or the name of an unknown state.
std::string state_label(const model::TypeDef& t, const std::string& state, const std::string& lang);
// The badge tone of a state (CSS tone-*): info (initial), success (in progress), warning
// (waiting), muted (done or final), plain.
std::string state_tone(const model::TypeDef& t, const std::string& state);

// The record (as RecordService::to_json renders it) as mustache data: id, number, href,
// display, state, state_label, state_tone, version, and `fields` (label, text, href, long).
data record_data(const model::Catalogue& cat, const model::TypeDef& t, const nlohmann::json& rec, const Visitor& who);

// A form's input: what the person typed, by field name (kept on an error so nothing is lost).
using Typed = std::map<std::string, std::string>;
// Field name -> message, from an engine error in the visitor's language; messages of fields
// not on the form go under "" (shown above the form).
std::map<std::string, std::string> field_messages(Web& web, const Visitor& who, const model::TypeDef& t, const Error& e);

// The form controls for `names` (editable fields of `t`), filled from `typed`, else from the
// record `rec` (may be null), else from the field's default.
data form_fields(const model::Catalogue& cat, const model::TypeDef& t, const std::vector<std::string>& names,
                 const Typed& typed,
                 const nlohmann::json& rec, const std::map<std::string, std::string>& errors, const Visitor& who,
                 const std::string& id_prefix = "f-");
// The editable fields of a type, in model order (not read-only, not computed).
std::vector<std::string> editable_fields(const model::TypeDef& t);
// The value a form control holds for a record's field (an id or number for references, a
// username for users, the local time for a datetime).
std::string input_value(const model::FieldDef& f, const nlohmann::json& v, const Visitor& who);

// A form post (field -> text) as the JSON body the record service takes: numbers as numbers,
// check boxes as booleans, local times as UTC timestamps, empty as null. Text that does not
// parse is passed on as text, so the engine's own message says what is wrong with it.
nlohmann::json form_to_json(const model::TypeDef& t, const std::vector<std::string>& names, const Typed& typed,
                            const Visitor& who);

// The error alert above a form or list: a title and the messages.
data error_data(Web& web, const Visitor& who, const Error& e, const model::TypeDef* t);

}  // namespace kanri::ui
