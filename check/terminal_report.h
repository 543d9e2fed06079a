#ifndef THAW_CHECK_TERMINAL_REPORT_H_
#define THAW_CHECK_TERMINAL_REPORT_H_

#include <cstdio>

#include "check/scenario.h"
#include "check/scenario_runner.h"
#include "core/ledger.h"

namespace thaw::check {

// Prints one row per instance of the run (function, init time, invocations, errors, Momento
// connections and data connections, secret and parameter fetches, how it ended) and a total
// row. Counts come from the ledger queries. `color` adds ANSI colours.
void PrintInstanceTable(std::FILE* out, const Ledger& ledger, bool color);

// Prints every expectation (PASS / FAIL, what was measured, and for a failure the lines that
// name the instances and events that broke it, with the rule's line), failed steps, and a
// final verdict line.
void PrintVerdicts(std::FILE* out, const Scenario& scenario, const RunResult& result, bool color);

// Whether to colour `out`: a terminal, and NO_COLOR unset or empty (https://no-color.org).
bool UseColor(std::FILE* out);

}  // namespace thaw::check

#endif  // THAW_CHECK_TERMINAL_REPORT_H_
