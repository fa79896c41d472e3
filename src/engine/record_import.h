// Importing records from another system's CSV export through an import mapping
// (engine/import_mapping.h): the last version of each source record becomes one Kanri record,
// written through RecordService::import_within, so each is validated by its fields' types,
// journaled (action "import") and searchable like any other.
#pragma once

#include <functional>
#include <vector>

#include "core/csv.h"
#include "engine/import_mapping.h"
#include "engine/record_service.h"

namespace kanri::engine {

struct ImportOptions {
  // Import the valid records and report the others; otherwise one invalid row imports nothing.
  bool skip_invalid = false;
  // Called now and then while records are written: (written so far, to write in all).
  std::function<void(std::size_t done, std::size_t total)> progress;
};

struct ImportReport {
  std::size_t rows_read = 0;      // data rows of the file, the header not counted
  std::size_t records = 0;        // distinct keys: the records the file describes
  std::size_t imported = 0;       // records made (0 unless everything was valid or skip_invalid)
  std::size_t updated = 0;        // existing records (the mapping's match field) changed
  std::size_t unchanged = 0;      // existing records the file describes as they already are
  std::size_t rejected = 0;       // rows that could not be imported
  std::vector<ImportProblem> problems;  // every reason, by CSV line (1 = the header)
};

// Reads every row of `csv` (header first), keeps the last version of each key, converts it by
// the mapping and writes all of it in one transaction as `p` (who needs the create permission
// on the mapping's type and, for references made on the way, on theirs). Every row is checked
// before anything is kept: a problem in any row rolls back the whole import unless
// `skip_invalid`. The report says what was read, written and rejected, and why. An Error is
// returned only for what stops the import as a whole (no permission, the database). With the
// mapping's `match` field, a source record already imported (a live record of the type holding
// its key in that field) is brought up to the file's version instead: journaled as "import"
// when anything changed, left alone otherwise; importing the same file twice changes nothing.
Result<ImportReport> import_records(RecordService& records, const Principal& p, const ImportMapping& mapping,
                                    CsvReader& csv, const ImportOptions& options = {});

}  // namespace kanri::engine
