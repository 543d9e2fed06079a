#ifndef THAW_CHECK_SCENARIO_RUNNER_H_
#define THAW_CHECK_SCENARIO_RUNNER_H_

#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "check/expectation.h"
#include "check/scenario.h"
#include "core/fault_target.h"
#include "core/ledger.h"
#include "emulator/control/log_sink.h"

namespace thaw::check {

// How one step went.
struct StepResult {
  const Step* step = nullptr;  // points into the Scenario given to Run()
  bool ok = false;
  bool skipped = false;  // not run because an earlier step failed
  // "9 ok", "reaped 2 instances", or why it failed ("timed out after 10s: 1 of 3 ...").
  std::string detail;
  double seconds = 0;
};

// A whole run: the steps, then every expectation evaluated over the final ledger.
struct RunResult {
  std::vector<StepResult> steps;
  std::vector<ExpectationResult> expectations;
  // The whole ledger at the end of the run, in seq order (after every instance stopped).
  std::vector<Event> events;
  double seconds = 0;

  // Every step ran and every expectation holds.
  bool passed() const;
};

// Runs a scenario in-process: an EmulatorSession (control plane, fake Momento, fake AWS) on an
// io_context driven by the calling thread; steps await the control plane directly (no HTTP).
// A step that fails (a wait_for that times out, a kill with no live instance, a fault the
// build has no target for) is recorded, the steps after it are skipped, and the expectations
// are still evaluated on what happened. Everything stops before Run() returns. Before the first
// step, the packaging check (emulator/package) reads every function's code directory and
// appends one package.problem event per problem (the default rule package.errors == 0 reads
// them). The rules, the report and the result's events read every event of the run, so the
// ledger it is given must have no window (core/ledger.h; `thaw check` builds it so).
class ScenarioRunner {
 public:
  struct Options {
    // Progress lines ("[2/4] invoke orders x9 (concurrency 3) ... 9 ok, 1.4 s"); null = none.
    std::FILE* progress = nullptr;
    bool color = false;
    // Rewrite the progress line as each invoke of a step answers ("... 350/1000"): for a
    // terminal.
    bool live = false;
    // The functions' log lines (START/END/REPORT, console output); null = discarded.
    LogSink* logs = nullptr;
    // Fault targets consulted before the fakes' own (EmulatorSession::faults()): a test
    // seam, so a recording target can prove that fault steps pass their spec through. They
    // must outlive Run().
    std::vector<FaultTarget*> fault_targets;
    // Add the rules that know the cause (CauseRules) after the scenario's own: `--defaults`.
    bool cause_rules = false;
    // Where the packaging check's problems are printed before the first step, one line each
    // ("thaw: warning: package: orders: x.node: built on macOS ..."); null = not printed. They
    // are in the ledger either way (package.problem events).
    std::FILE* warnings = stderr;
  };

  // `scenario` must outlive the result (StepResult points into it). `ledger` receives every
  // event (attach an --events writer to it before). Errors: the emulator cannot start (a fake
  // that cannot listen, a bad seed) — InvalidArgument / Internal, fit for the user.
  static absl::StatusOr<RunResult> Run(const Scenario& scenario, Ledger& ledger,
                                       const Options& options);
};

}  // namespace thaw::check

#endif  // THAW_CHECK_SCENARIO_RUNNER_H_
