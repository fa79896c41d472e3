// Rows of record types: read, insert, update and list with keyset pagination and full-text
// search. SQL for each type is built once, when the RecordStore is made, not per request.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/time.h"
#include "model/catalogue.h"
#include "store/database.h"

namespace kanri::store {

struct Record {
  const model::TypeDef* type = nullptr;
  std::int64_t id = 0;
  std::string number;
  std::string state;  // empty for types without a lifecycle
  std::int64_t version = 0;
  std::optional<std::int64_t> org_id;
  EpochMs created_at = 0, updated_at = 0;
  std::optional<std::int64_t> created_by, updated_by;
  std::optional<EpochMs> deleted_at;
  std::vector<Value> fields;  // by model::FieldDef::position

  const Value& get(const model::FieldDef& f) const { return fields[f.position]; }
};

struct Condition {
  enum class Op { eq, gte, lte, in };
  std::string column;  // a field name or a system column (validated by the caller)
  Op op = Op::eq;
  std::vector<Value> values;  // one value, several for `in`; NULL compares with IS NULL
};

struct SearchTerm {
  std::string token;
  bool prefix = false;
};

struct SortKey {
  std::string column;
  bool descending = false;
};

// The rows of a type a principal may see; the store adds it to the SQL of a list, so counts,
// pages, cursors and search hits never include anything else.
struct Visibility {
  std::string org_column = "org_id";       // "id" for organizations, which are their own tenant
  std::vector<std::int64_t> orgs;          // rows whose org_column is one of these
  std::optional<std::int64_t> user;        // or rows this user created or is named in
  std::vector<std::string> owner_columns;  // the type's owner fields (user fields)
  bool every_row = false;                  // no organization or user filter, only the restriction
  // or rows where each of these columns holds its value (the type's public records)
  std::vector<std::pair<std::string, std::string>> public_rows;
  std::string restricted_column;           // rows where this bool field is true are left out
};

struct ListQuery {
  std::optional<Visibility> visible;  // absent: every row
  std::vector<Condition> where;
  std::vector<SearchTerm> search;  // all must match
  std::vector<SortKey> sort;       // `id` is appended as the final tie-breaker if absent
  std::vector<Value> after;        // keyset: the sort values (with id) of the last row seen
  int limit = 50;
};

struct ListPage {
  std::vector<Record> records;
  std::vector<Value> last_key;  // sort values of the last record when more rows follow
  bool more = false;
};

// One group of a tally: its key values (in group_by order), how many rows, and the sums.
struct Tally {
  std::vector<Value> keys;
  std::int64_t count = 0;
  std::vector<std::int64_t> sums;
};

// Number and display text of referenced records, for rendering references without a query each.
struct RecordLabel {
  std::string number;
  std::string display;
};

class RecordStore {
 public:
  RecordStore(const model::Catalogue& catalogue, Dialect dialect);

  std::optional<Record> find(Connection& c, const model::TypeDef& t, std::int64_t id) const;
  std::optional<Record> find_by_number(Connection& c, const model::TypeDef& t, const std::string& number) const;
  // Gives `r` the next number of its type (inside the creating transaction).
  void assign_number(Connection& c, Record& r) const;
  // Inserts numbered `r` (its id is assigned here) with its search text.
  void insert(Connection& c, Record& r, const std::string& search_text) const;
  // Writes `r` if its stored version is still `expected_version`; false when it changed meanwhile.
  bool update(Connection& c, const Record& r, std::int64_t expected_version, const std::string& search_text) const;
  // One query, whatever the page size. Deleted records are never listed.
  ListPage list(Connection& c, const model::TypeDef& t, const ListQuery& q) const;
  // Labels of the records with these ids, in one query; unknown, deleted and (with `visible`)
  // invisible ids are absent.
  std::map<std::int64_t, RecordLabel> labels(Connection& c, const model::TypeDef& t, const std::vector<std::int64_t>& ids,
                                             const std::optional<Visibility>& visible = std::nullopt) const;
  // The sort key of `r` for `sort` (as ListPage::last_key would hold it).
  static std::vector<Value> key_of(const Record& r, const std::vector<SortKey>& sort);
  // True for a column a list can filter or sort on (a field or one of the system columns).
  // How many live rows match `q` (its visibility, conditions and search; sort, keyset and limit
  // are ignored) for each combination of the `group_by` columns, largest count first (then by key), with the
  // sums of the `sums` columns (integers or booleans, NULL as 0). No group_by: one row, or none
  // when nothing matches. For reports and the charts of the home page.
  std::vector<Tally> tally(Connection& c, const model::TypeDef& t, const ListQuery& q,
                           const std::vector<std::string>& group_by, const std::vector<std::string>& sums = {}) const;
  // The SQL condition (on alias t) that the search text matches every term.
  std::string search_condition(const model::TypeDef& t, const std::vector<SearchTerm>& terms,
                               std::vector<Value>& params) const;
  static bool is_listable_column(const model::TypeDef& t, const std::string& column);
  static Value column_value(const Record& r, const std::string& column);

 private:
  struct TypeSql {
    std::string select_list;
    std::string find, find_number, insert, update;
  };
  const TypeSql& sql(const model::TypeDef& t) const;
  Record read_row(const model::TypeDef& t, const std::vector<Value>& row) const;

  Dialect dialect_;
  std::unordered_map<const model::TypeDef*, TypeSql> sql_;
};

}  // namespace kanri::store
