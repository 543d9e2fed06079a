#include "check/junit_writer.h"

#include <chrono>
#include <cstdio>
#include <sstream>

#include "core/ledger.h"
#include "core/markup_escape.h"

namespace thaw::check {
namespace {

struct Counts {
  int tests = 0;
  int failures = 0;
  int errors = 0;
  int skipped = 0;
  double seconds = 0;

  void Add(const Counts& other) {
    tests += other.tests;
    failures += other.failures;
    errors += other.errors;
    skipped += other.skipped;
    seconds += other.seconds;
  }
};

std::string Seconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3f", seconds);
  return text;
}

Counts CountOf(const JunitSuite& suite) {
  Counts counts;
  if (suite.result == nullptr) {
    counts.tests = 1;
    (suite.error.empty() ? counts.skipped : counts.errors) = 1;
    return counts;
  }
  for (const auto& x : suite.result->expectations) counts.failures += x.passed ? 0 : 1;
  for (const auto& s : suite.result->steps) counts.errors += (!s.ok && !s.skipped) ? 1 : 0;
  counts.tests = static_cast<int>(suite.result->expectations.size()) + counts.errors;
  counts.seconds = suite.result->seconds;
  return counts;
}

void OpenSuite(std::ostringstream& out, const std::string& name, const std::string& path,
               const Counts& counts) {
  out << "  <testsuite name=\"" << MarkupEscape(name) << "\" tests=\"" << counts.tests
      << "\" failures=\"" << counts.failures << "\" errors=\"" << counts.errors << "\" skipped=\""
      << counts.skipped << "\" time=\"" << Seconds(counts.seconds) << "\" timestamp=\""
      << FormatIsoTime(std::chrono::system_clock::now()) << "\" file=\"" << MarkupEscape(path)
      << "\">\n";
}

// A scenario that did not run: one testcase, an <error> (could not be loaded or run) or
// <skipped> (not run).
void RenderUnrun(std::ostringstream& out, const JunitSuite& suite) {
  const std::string name = suite.scenario ? suite.scenario->name : suite.path;
  OpenSuite(out, name, suite.path, CountOf(suite));
  out << "    <testcase name=\"" << (suite.error.empty() ? "run" : "load") << "\" classname=\""
      << MarkupEscape("thaw.check." + name) << "\" file=\"" << MarkupEscape(suite.path)
      << "\" time=\"0\">\n";
  if (suite.error.empty()) {
    out << "      <skipped message=\"not run: --fail-fast stopped the run\"/>\n";
  } else {
    out << "      <error message=\"" << MarkupEscape(suite.error) << "\">"
        << MarkupEscape(suite.error) << "</error>\n";
  }
  out << "    </testcase>\n  </testsuite>\n";
}

void RenderSuite(std::ostringstream& out, const Scenario& scenario, const RunResult& result) {
  const JunitSuite suite{scenario.path, &scenario, &result, ""};
  const std::string classname = MarkupEscape("thaw.check." + scenario.name);
  OpenSuite(out, scenario.name, scenario.path, CountOf(suite));
  for (const auto& s : result.steps) {
    if (s.ok || s.skipped) continue;
    out << "    <testcase name=\"step: " << MarkupEscape(s.step->text) << "\" classname=\""
        << classname << "\" file=\"" << MarkupEscape(scenario.path) << "\" line=\"" << s.step->line
        << "\" time=\"" << Seconds(s.seconds) << "\">\n";
    out << "      <error message=\"" << MarkupEscape(s.detail) << "\">"
        << MarkupEscape(scenario.path + ":" + std::to_string(s.step->line) + ": " + s.detail)
        << "</error>\n";
    out << "    </testcase>\n";
  }
  for (const auto& x : result.expectations) {
    out << "    <testcase name=\"" << MarkupEscape(x.expectation.text) << "\" classname=\""
        << classname << "\" file=\"" << MarkupEscape(scenario.path) << "\" line=\""
        << x.expectation.line << "\" time=\"0\">\n";
    if (!x.passed) {
      std::string body;
      for (const std::string& line : x.failures) body += line + "\n";
      body += x.expectation.line > 0 ? scenario.path + ":" + std::to_string(x.expectation.line)
                                     : scenario.path + ": a default rule (state a rule on " +
                                           x.expectation.metric + " to replace it)";
      out << "      <failure message=\""
          << MarkupEscape(x.expectation.text + " (" + x.measured + ")")
          << "\" type=\"expectation\">" << MarkupEscape(body) << "</failure>\n";
    } else {
      out << "      <system-out>" << MarkupEscape("measured: " + x.measured) << "</system-out>\n";
    }
    out << "    </testcase>\n";
  }
  out << "  </testsuite>\n";
}

}  // namespace

std::string RenderJunit(const std::vector<JunitSuite>& suites) {
  Counts total;
  for (const JunitSuite& suite : suites) total.Add(CountOf(suite));
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"thaw check\" tests=\"" << total.tests << "\" failures=\""
      << total.failures << "\" errors=\"" << total.errors << "\" skipped=\"" << total.skipped
      << "\" time=\"" << Seconds(total.seconds) << "\">\n";
  for (const JunitSuite& suite : suites) {
    if (suite.scenario != nullptr && suite.result != nullptr) {
      RenderSuite(out, *suite.scenario, *suite.result);
    } else {
      RenderUnrun(out, suite);
    }
  }
  out << "</testsuites>\n";
  return out.str();
}

std::string RenderJunit(const Scenario& scenario, const RunResult& result) {
  return RenderJunit({JunitSuite{scenario.path, &scenario, &result, ""}});
}

}  // namespace thaw::check
