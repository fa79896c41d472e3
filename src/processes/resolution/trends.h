// The incident trend analysis (ISO/IEC 20000-1 8.6.3 "analyse data and trends on incidents to
// identify problems"): within the policy's window, incidents not yet tied to a problem that
// share a service, a category or a symptom, at least the policy's number of them, become a
// problem proposal that someone accepts or dismisses. A pattern already proposed is brought up
// to date rather than proposed twice; one dismissed is not proposed again within the window.
#pragma once

#include "engine/record_service.h"

namespace kanri::processes::resolution {

struct TrendRun {
  int patterns = 0;  // groups at or over the threshold
  int proposed = 0;  // new proposals
  int updated = 0;   // open proposals brought up to date
  int skipped = 0;   // dismissed within the window
};

// Runs the analysis in the caller's transaction; proposals are written as `p`.
Result<TrendRun> analyse_trends(store::Connection& c, engine::RecordService& records, const engine::Principal& p,
                                EpochMs now);

}  // namespace kanri::processes::resolution
