// Turns a client's list request (filters, sort, cursor, limit, full-text query) into a checked
// store::ListQuery. Every mistake is reported with the parameter it concerns.
#pragma once

#include <string>

#include "core/error.h"
#include "engine/record_service.h"
#include "store/records.h"

namespace kanri::engine {

struct ParsedList {
  store::ListQuery query;
  std::string sort_spec;      // the effective sort, canonical ("-updated_at,-id")
  bool empty_result = false;  // the query can match nothing (a search without any word)
};

Result<ParsedList> parse_list_request(store::Connection& c, const model::Catalogue& catalogue,
                                      const store::RecordStore& records, const model::TypeDef& t,
                                      const ListRequest& request);

// An opaque cursor for the page after the row with key `last_key` under `sort_spec`.
std::string encode_cursor(const std::string& sort_spec, const std::vector<Value>& last_key);

}  // namespace kanri::engine
