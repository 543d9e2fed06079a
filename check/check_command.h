#ifndef THAW_CHECK_CHECK_COMMAND_H_
#define THAW_CHECK_CHECK_COMMAND_H_

#include <string>
#include <vector>

#include "emulator/config/load_flags.h"

namespace thaw::check {

// `thaw check SCENARIO.yaml [--junit FILE] [--report FILE.html] [--events FILE.jsonl]`.
struct CheckOptions {
  std::string scenario;
  std::string junit;     // JUnit XML, one testcase per expectation; empty = none
  std::string report;    // the HTML timeline report; empty = none
  std::string events;    // the whole ledger as JSON lines; empty = none
  bool verbose = false;  // print the functions' logs (to stderr)
  bool quiet = false;    // no progress lines, only the table and the verdicts
  // How the scenario's `config:` file is read: --parameter-overrides, --overlay, --env-vars
  // (the scenario's own secrets, parameters and settings go over the overlay's).
  LoadFlags load;
};

// Runs the scenario and prints progress, the instance table and the verdicts on stdout.
// Returns the exit code: 0 when every expectation holds, 1 when one fails (or a step fails),
// 2 on a scenario or usage error (printed as "thaw: FILE:LINE: what is wrong").
int RunCheck(const CheckOptions& options);

}  // namespace thaw::check

#endif  // THAW_CHECK_CHECK_COMMAND_H_
