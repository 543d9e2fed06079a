#ifndef THAW_CHECK_TERMINAL_REPORT_H_
#define THAW_CHECK_TERMINAL_REPORT_H_

#include <cstdio>
#include <string>
#include <vector>

#include "check/scenario.h"
#include "check/scenario_runner.h"
#include "core/ledger.h"

namespace thaw::check {

// The ANSI colours of `thaw check`'s output; Paint gives `code` when colouring, else "".
inline constexpr const char* kGreen = "\033[32m";
inline constexpr const char* kRed = "\033[31;1m";
inline constexpr const char* kDim = "\033[2m";
inline constexpr const char* kBold = "\033[1m";
inline constexpr const char* kReset = "\033[0m";
inline const char* Paint(bool color, const char* code) { return color ? code : ""; }

// Prints one row per instance of the run (function, init time, invocations, errors, Momento
// connections and data connections, secret and parameter fetches, how it ended) and a total
// row. Counts come from the ledger queries. `color` adds ANSI colours.
void PrintInstanceTable(std::FILE* out, const Ledger& ledger, bool color);

// Prints every expectation (PASS / FAIL, what was measured, and for a failure the lines that
// name the instances and events that broke it, with the rule's line), failed steps, and a
// final verdict line.
void PrintVerdicts(std::FILE* out, const Scenario& scenario, const RunResult& result, bool color);

// One scenario of a run of many (`thaw check DIR`), as the closing summary shows it.
struct ScenarioSummary {
  enum class Verdict { kPassed, kFailed, kError, kNotRun };
  std::string path;  // the scenario file
  std::string name;  // its name; empty when it could not be loaded
  Verdict verdict = Verdict::kNotRun;
  int rules = 0;         // expectations evaluated
  int rules_passed = 0;  // of them, held
  double seconds = 0;
  std::string detail;  // kError: why ("x.yaml:3: ..."); kFailed: "a step failed" or empty
};

// Prints one line per scenario (verdict, name, file, rules held, time) and a total line
// ("7 scenarios: 5 passed, 1 failed, 1 error, 0 not run (12.3 s)").
void PrintScenarioSummary(std::FILE* out, const std::vector<ScenarioSummary>& scenarios,
                          double seconds, bool color);

// Whether to colour `out`: a terminal, and NO_COLOR unset or empty (https://no-color.org).
bool UseColor(std::FILE* out);

}  // namespace thaw::check

#endif  // THAW_CHECK_TERMINAL_REPORT_H_
