#ifndef THAW_CHECK_JUNIT_WRITER_H_
#define THAW_CHECK_JUNIT_WRITER_H_

#include <string>

#include "check/scenario.h"
#include "check/scenario_runner.h"

namespace thaw::check {

// The run as JUnit XML for CI systems: one <testsuite> named after the scenario, one
// <testcase> per expectation (a <failure> with the lines that name the instances and events
// when it failed), and one per failed step (an <error>). Pure; thread-safe.
std::string RenderJunit(const Scenario& scenario, const RunResult& result);

}  // namespace thaw::check

#endif  // THAW_CHECK_JUNIT_WRITER_H_
