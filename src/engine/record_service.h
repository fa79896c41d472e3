// The generic record service: create, read, update, delete, transition, link, list and
// history for any record type in the model, with no code per type. Validation, lifecycle
// rules and rule hooks run here; each write is one transaction that also appends the journal
// entry and the search text.
//
// Authorization is enforced here, for every caller (API, UI, CLI, jobs): a record outside the
// principal's read scope is not found (404), never forbidden, so its existence does not show;
// lists and searches are filtered in SQL by the same scope; an action the principal's roles do
// not grant on a record they can see is forbidden (403).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.h"
#include "engine/access.h"
#include "engine/principal.h"
#include "engine/rules.h"
#include "store/database.h"
#include "store/journal.h"
#include "store/links.h"
#include "store/records.h"

namespace kanri {
class MessageCatalogue;
}

namespace kanri::engine {

using store::Record;

// A list request as a client states it; parsed and checked against the model here.
struct ListRequest {
  std::vector<std::pair<std::string, std::string>> filters;  // "name", "created_at[gte]", …
  std::string q;       // full-text query
  std::string sort;    // "name,-updated_at"; empty = the type's default
  std::string cursor;  // from a previous page's next_cursor
  std::string limit;   // empty = 50; at most 500
};

struct ListResult {
  std::vector<Record> records;
  std::string next_cursor;  // empty on the last page
};

// A column of an export: a system column (number, state, created_at, updated_at; `field` null)
// or one of the type's fields, in the order the CSV header names them.
struct ExportColumn {
  std::string name;
  const model::FieldDef* field = nullptr;
};

// One cell of an export, typed, so that each format renders it its own way. `text` is the CSV
// form of every kind (the record's own spelling: enum and state names, ISO 8601 times);
// `number` is the value for numeric kinds: the number, 0/1, days since 1970-01-01 for a date,
// epoch milliseconds for a datetime, milliseconds for a duration.
struct ExportCell {
  enum class Kind { empty, text, number, boolean, date, datetime, duration, choice };
  Kind kind = Kind::empty;
  std::string text;
  double number = 0;
  const model::Label* label = nullptr;  // choice only: the enum value's or the state's label
};

struct LinkView {
  store::Link link;
  bool outgoing = true;                  // this record is the link's source
  const model::RelationDef* relation = nullptr;
  const model::TypeDef* other_type = nullptr;
  std::int64_t other_id = 0;
  store::RecordLabel other;
};

class RecordService {
 public:
  RecordService(const model::Catalogue& catalogue, store::Database& db, const RuleRegistry& rules,
                const Clock& clock);

  const model::Catalogue& catalogue() const { return catalogue_; }
  store::Database& database() { return db_; }
  // The type-aware SQL of the records, for rules that read inside their transaction.
  const store::RecordStore& store() const { return records_; }
  const Clock& clock() const { return clock_; }

  // Creates a record from a JSON object of fields; unknown, read-only and invalid fields are
  // each reported, and nothing is written unless every field is valid.
  Result<Record> create(const Principal& p, const model::TypeDef& t, const nlohmann::json& body);
  // Creates many records in one transaction: all or none. Errors name the item
  // ("items[3].name"). For imports and data generation; each record is journaled as usual.
  Result<std::vector<Record>> create_many(const Principal& p, const model::TypeDef& t,
                                          const std::vector<nlohmann::json>& bodies);
  // By id ("42") or number ("SVC-000042"). Deleted records are not found.
  Result<Record> get(const Principal& p, const model::TypeDef& t, std::string_view key);
  // Changes the given fields if the record is still at `expected_version`.
  Result<Record> update(const Principal& p, const model::TypeDef& t, std::string_view key,
                        const nlohmann::json& body, std::int64_t expected_version);
  // Soft-deletes; the record keeps its history. `expected_version` is checked when given.
  Result<Record> remove(const Principal& p, const model::TypeDef& t, std::string_view key,
                        std::optional<std::int64_t> expected_version);
  // Runs a lifecycle transition with the fields it takes.
  Result<Record> transition(const Principal& p, const model::TypeDef& t, std::string_view key,
                            const std::string& name, const nlohmann::json& body,
                            std::optional<std::int64_t> expected_version);
  // One page, by keyset; one database query for the records whatever the page size.
  Result<ListResult> list(const Principal& p, const model::TypeDef& t, const ListRequest& request);
  // Every record matching the request's filters and search (limit and cursor ignored), for an
  // export: needs both the read and the export permission, and lists what both scopes allow.
  // More than `max_rows` matches is an error that asks for a narrower filter.
  Result<std::vector<Record>> export_records(const Principal& p, const model::TypeDef& t, const ListRequest& request,
                                             size_t max_rows);

  // How many records matching the request's filters and search (sort, cursor and limit are
  // ignored) the principal may read, per combination of the `group_by` columns (the state, or
  // enum, reference, user, boolean, integer or date fields), with the sums of the `sums`
  // fields (integer or boolean). A column that cannot be grouped or summed is a bad request.
  Result<std::vector<store::Tally>> tally(const Principal& p, const model::TypeDef& t, const ListRequest& request,
                                          const std::vector<std::string>& group_by,
                                          const std::vector<std::string>& sums = {});

  // {"relation": "serves", "target": "ORG-000001" | 12 | {"id": 12}}
  Result<LinkView> link(const Principal& p, const model::TypeDef& t, std::string_view key,
                        const nlohmann::json& body);
  Status unlink(const Principal& p, const model::TypeDef& t, std::string_view key, std::int64_t link_id);
  Result<std::vector<LinkView>> links(const Principal& p, const model::TypeDef& t, std::string_view key);
  // The record as it was at `at`, rebuilt from its journal entries up to that moment (what the
  // risk register or an SLA said on the day of an audit). Deleted records can be read as they
  // were before their deletion; a record that did not exist yet is not found.
  Result<Record> as_of(const Principal& p, const model::TypeDef& t, std::string_view key, EpochMs at);
  // The same inside the caller's read or write, without access checks (for rules).
  Result<Record> as_of_within(store::Connection& c, const model::TypeDef& t, std::string_view key, EpochMs at);
  // The record as it was just before a change: `now` with each field of `changes` (as journaled:
  // field -> [before, after]) back to its before value. For an observer that compares.
  static Record before_change(const Record& now, const nlohmann::json& changes);
  Result<std::vector<store::JournalEntry>> history(const Principal& p, const model::TypeDef& t,
                                                   std::string_view key);

  // Records as JSON, with references rendered as {id, number, display}: one query per
  // referenced type for the whole list, never one per row.
  // The records as CSV (RFC 4180, UTF-8 with a BOM so spreadsheets read Japanese): a header of
  // field names, references as their number, users as their name; a cell that a spreadsheet
  // would run as a formula (=, +, -, @) is prefixed with an apostrophe.
  std::string to_csv(const Principal& p, const std::vector<Record>& records);
  // The columns every export of `t` has, CSV and XLSX alike.
  static std::vector<ExportColumn> export_columns(const model::TypeDef& t);
  // Calls `row` once per record, in order, with one cell per export_columns(t): references as
  // their number, users as their name, a reference the principal may not read as its id only.
  // References are resolved 500 records at a time, never one query per row.
  void export_cells(const Principal& p, const model::TypeDef& t, const std::vector<Record>& records,
                    const std::function<void(const std::vector<ExportCell>&)>& row);
  // The records as an XLSX workbook (its bytes): one sheet named after the type's plural label,
  // a bold frozen header of labels in `lang` with an autofilter, then the export cells typed:
  // numbers, booleans, real dates and datetimes (shown in `time_zone`, an IANA name), enums and
  // states as their label; text is always a string, never a formula. `messages` labels the
  // system columns. An unknown time zone is invalid; a failure to write the file is internal.
  Result<std::string> to_xlsx(const Principal& p, const model::TypeDef& t, const std::vector<Record>& records,
                              std::string_view lang, const MessageCatalogue& messages,
                              std::string_view time_zone = "UTC");
  // Journals that `p` exported `count` records of `t` with these query parameters (evidence
  // for 27001 A.8.12: who took which data out).
  // `format` is the file format delivered ("csv", "json", "xlsx").
  Status journal_export(const Principal& p, const model::TypeDef& t,
                        const std::vector<std::pair<std::string, std::string>>& query, size_t count,
                        std::string_view format);
  // A reference to a record the principal may not read shows its id only.
  nlohmann::json to_json(const Principal& p, const std::vector<Record>& records);
  nlohmann::json to_json(const Principal& p, const Record& record);

  // For the services that hang things on records (engine/record_extras.h), inside their own
  // transaction: the record by id or number, not found unless it lies within p's read scope;
  // and a journal entry on the record's chain, with the change's observers run (events).
  Result<Record> find_visible(store::Connection& c, const Principal& p, const model::TypeDef& t, std::string_view key);
  Status journal(store::Connection& c, const Principal& p, const Record& r, const std::string& action,
                 const nlohmann::json& changes);
  // For rules, inside the transaction of the write that causes them (engine/rules.h):
  // creates a record as `p` within `create_scope` (the rule decides whether p may cause it;
  // Scope::all for what the system makes), with every field check and its journal entry.
  Result<Record> create_within(store::Connection& c, const Principal& p, const model::TypeDef& t,
                               const nlohmann::json& body, Scope create_scope);
  // For imports (engine/record_import.h), inside the import's transaction: creates a record
  // like create_within, journaled under the action "import", but `body` may also set read-only
  // fields and `state` puts it in any state of its lifecycle (empty: the initial one), for a
  // record whose history happened in another system. Every value is still checked by its
  // field's type and constraints; computed fields and the write rules (action "import") run.
  Result<Record> import_within(store::Connection& c, const Principal& p, const model::TypeDef& t,
                               const nlohmann::json& body, const std::string& state, Scope create_scope);
  // For a later import of a record imported before: brings `r` to `body` and `state` (empty:
  // kept) like import_within would have written it, journaled as "import" when anything
  // changed. The result has r's version when nothing changed.
  Result<Record> reimport_within(store::Connection& c, const Principal& p, Record r, const nlohmann::json& body,
                                 const std::string& state, Scope scope);
  // Links `from` to `to` by one of from's relations, journaled on both; an existing link is kept.
  Status link_within(store::Connection& c, const Principal& p, const Record& from, const std::string& relation,
                     const Record& to);
  // Sets fields (read-only ones too) and optionally the state of `r` as a rule decided,
  // journaled under `action` (for example "auto_close"); no permission or lifecycle check.
  Result<Record> change_within(store::Connection& c, const Principal& p, Record r, const nlohmann::json& fields,
                               const std::string& action, const std::string& to_state = "");
  // Whether p may see the user (a reference in a field or a filter).
  bool user_visible(store::Connection& c, const Principal& p, std::int64_t user_id);
  // The numbers and display texts of the records of `t` with these ids that p may read.
  std::map<std::int64_t, store::RecordLabel> labels(const Principal& p, const model::TypeDef& t,
                                                    const std::vector<std::int64_t>& ids);
  // Filter values naming a user p may not see are made to match nothing.
  void hide_unseen_users(store::Connection& c, const Principal& p, const model::TypeDef& t, store::ListQuery& q);

 private:
  struct Draft;
  struct ReferenceLabels;
  // The numbers and names of the references and users in `records` that `p` may see.
  ReferenceLabels reference_labels(const Principal& p, const model::TypeDef& t, const Record* begin,
                                   const Record* end);
  Result<Record> find(store::Connection& c, const model::TypeDef& t, std::string_view key);
  // Forbidden unless `action` is granted on `r` (which the caller has found visible).
  Status authorize(const Principal& p, const std::string& action, const Record& r);
  // Gives the record its organization: from the type's org field, else the creator's.
  void assign_org(const Principal& p, Record& r, bool creating);
  // By id or number, deleted records included.
  std::optional<Record> find_any(store::Connection& c, const model::TypeDef& t, std::string_view key);
  // Reads the record a write is about; checks the version, and that it is not frozen when
  // `must_be_editable`.
  Status load_for_change(store::Connection& c, const Principal& p, const std::string& action, const model::TypeDef& t,
                         std::string_view key, std::optional<std::int64_t> expected_version, bool must_be_editable,
                         Record& r);
  // Stores `r` as the version after `before` (unless someone wrote in between) and journals it.
  Status save_change(store::Connection& c, const Principal& p, Record& r, const Record& before,
                     const std::string& action, const nlohmann::json& changes);
  std::vector<FieldError> apply_fields(store::Connection& c, const Principal& p, const model::TypeDef& t,
                                       const nlohmann::json& body, Record& r, bool creating,
                                       const model::TransitionDef* transition, bool importing = false);
  // create_within and import_within: a new record from `body`, journaled under `action`.
  Result<Record> insert_new(store::Connection& c, const Principal& p, const model::TypeDef& t,
                            const nlohmann::json& body, Scope create_scope, const std::string& action,
                            const std::string* state);
  std::optional<FieldError> resolve_reference(store::Connection& c, const Principal& p, const model::FieldDef& f,
                                              const std::string& lookup, Value& out);
  void compute_fields(Record& r);
  std::string search_text(const Record& r) const;
  nlohmann::json diff(const Record* before, const Record& after) const;

  const model::Catalogue& catalogue_;
  store::Database& db_;
  const RuleRegistry& rules_;
  const Clock& clock_;
  store::RecordStore records_;
};

}  // namespace kanri::engine
