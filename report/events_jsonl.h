#ifndef THAW_REPORT_EVENTS_JSONL_H_
#define THAW_REPORT_EVENTS_JSONL_H_

#include <istream>
#include <vector>

#include "absl/status/statusor.h"
#include "core/ledger.h"

namespace thaw::report {

// Reads ledger events written as JSON lines (Event::ToJson, as `--events FILE` writes them):
// {"seq","t","ms","instance","function","kind","attrs"}, one per line; blank lines are
// skipped. Also takes a saved GET /_thaw/events answer ({"events":[...]}). `kind` is
// required; the other fields default to 0, "" or {}; `t` is not read (the report uses `ms`).
// InvalidArgument naming the line for a line that is not such an object. Reads all of `in`.
absl::StatusOr<std::vector<Event>> ReadEventsJsonl(std::istream& in);

// Where the last run begins. `--events` appends, so one file may hold several runs, each
// numbering its events from seq 1; the last run starts after the last drop in seq. 0 when
// there is a single run (or none).
size_t LastRunStart(const std::vector<Event>& events);

}  // namespace thaw::report

#endif  // THAW_REPORT_EVENTS_JSONL_H_
