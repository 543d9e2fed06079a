#ifndef THAW_CHECK_JUNIT_WRITER_H_
#define THAW_CHECK_JUNIT_WRITER_H_

#include <string>
#include <vector>

#include "check/scenario.h"
#include "check/scenario_runner.h"

namespace thaw::check {

// The run as JUnit XML for CI systems: one <testsuite> named after the scenario, one
// <testcase> per expectation (a <failure> with the lines that name the instances and events
// when it failed), and one per failed step (an <error>). Pure; thread-safe.
std::string RenderJunit(const Scenario& scenario, const RunResult& result);

// One scenario file of a run of many (`thaw check DIR`): it ran, or it could not be loaded or
// run (`error`), or it was not run (`--fail-fast` stopped the run first).
struct JunitSuite {
  std::string path;                    // the scenario file
  const Scenario* scenario = nullptr;  // null when the file could not be loaded
  const RunResult* result = nullptr;   // null when it did not run
  std::string error;                   // why it could not be loaded or run ("x.yaml:3: ...")
};

// Many scenarios as one JUnit document: one <testsuite> per entry, in order. A scenario that
// could not be loaded or run is a suite with one <testcase> holding an <error>; one not run is
// a suite with one skipped <testcase>. Pure; thread-safe.
std::string RenderJunit(const std::vector<JunitSuite>& suites);

}  // namespace thaw::check

#endif  // THAW_CHECK_JUNIT_WRITER_H_
