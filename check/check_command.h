#ifndef THAW_CHECK_CHECK_COMMAND_H_
#define THAW_CHECK_CHECK_COMMAND_H_

#include <string>
#include <vector>

#include "emulator/config/load_flags.h"

namespace thaw::check {

// `thaw check [FILES or DIRECTORIES]... [--junit FILE] [--report PATH] [--events PATH]
// [-j N] [--filter REGEX] [--fail-fast]`.
struct CheckOptions {
  // Scenario files, or directories searched for scenario.yaml / *.scenario.yaml
  // (FindScenarioFiles). One file: the single run, printed as it goes. Several files or a
  // directory: a run of many, each scenario in its own emulator, `jobs` at a time.
  std::vector<std::string> scenarios;
  // JUnit XML, one testcase per expectation; with many scenarios one file, one testsuite per
  // scenario. Empty = none.
  std::string junit;
  // The HTML timeline report; with many scenarios a directory receiving NAME.html per
  // scenario. Empty = none.
  std::string report;
  // The whole ledger as JSON lines ("-" = stdout, one scenario only); with many scenarios a
  // directory receiving NAME.jsonl per scenario. Empty = none.
  std::string events;
  bool verbose = false;    // print the functions' logs (to stderr; with many, in each block)
  bool quiet = false;      // no progress lines, only the table and the verdicts
  int jobs = 0;            // scenarios run at once; 0 = the number of cores
  std::string filter;      // ECMAScript regex: keeps scenarios whose file or name it matches
  bool fail_fast = false;  // start no scenario after the first that fails
  bool defaults = false;   // add the rules that know the cause (CauseRules) to every scenario
  // How the scenario's `config:` file is read: --parameter-overrides, --overlay, --env-vars
  // (the scenario's own secrets, parameters and settings go over the overlay's).
  LoadFlags load;
};

// Runs the scenarios and prints progress, the instance table and the verdicts on stdout (with
// many, each scenario's block when it ends, then a summary line per scenario).
// Returns the exit code: 0 when every expectation holds, 1 when one fails (or a step fails),
// 2 on a scenario or usage error (printed as "thaw: FILE:LINE: what is wrong"); with many
// scenarios, 2 when any could not be loaded or run, else 1 when any failed.
int RunCheck(const CheckOptions& options);

}  // namespace thaw::check

#endif  // THAW_CHECK_CHECK_COMMAND_H_
