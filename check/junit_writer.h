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

// `text` with XML's special characters escaped (and control characters other than tab and
// newline dropped, which XML 1.0 cannot carry).
std::string XmlEscape(const std::string& text);

}  // namespace thaw::check

#endif  // THAW_CHECK_JUNIT_WRITER_H_
