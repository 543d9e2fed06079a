// thaw check's terminal output: the instance table from the ledger, the verdict lines, and
// colour only on a terminal without NO_COLOR.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "check/terminal_report.h"

namespace thaw::check {
namespace {

using ::testing::HasSubstr;

// Everything `print` writes to a FILE*.
template <typename Fn>
std::string Capture(Fn print) {
  std::FILE* file = std::tmpfile();
  print(file);
  std::fflush(file);
  std::rewind(file);
  std::string text;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), file)) > 0;) text.append(buffer, n);
  std::fclose(file);
  return text;
}

TEST(TerminalReportTest, ColourOnlyOnATerminalWithoutNoColor) {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  std::FILE* tty = std::fopen(::ptsname(master), "w");
  ASSERT_NE(tty, nullptr);
  ::unsetenv("NO_COLOR");
  EXPECT_TRUE(UseColor(tty));
  ::setenv("NO_COLOR", "1", 1);
  EXPECT_FALSE(UseColor(tty));
  ::setenv("NO_COLOR", "", 1);  // empty means unset (no-color.org)
  EXPECT_TRUE(UseColor(tty));
  ::unsetenv("NO_COLOR");
  std::FILE* file = std::tmpfile();
  EXPECT_FALSE(UseColor(file));
  std::fclose(file);
  std::fclose(tty);
  ::close(master);
}

TEST(TerminalReportTest, OneRowPerInstanceWithConnectionsAndFetches) {
  Ledger ledger;
  ledger.Append(1, "orders", "instance.spawned", {{"isolation", "sandbox"}});
  ledger.Append(1, "orders", "sandbox.egress_blocked", {{"host", "api.example.com"}});
  ledger.Append(1, "orders", "instance.ready", {{"init_ms", 812.4}});
  for (int i = 0; i < 3; ++i) {
    const std::string id = "c" + std::to_string(i);
    ledger.Append(1, "orders", "momento.connection.opened", {{"connection", id}});
    ledger.Append(1, "orders", "momento.rpc", {{"connection", id}, {"plane", "data"}});
    ledger.Append(
        1, "orders", "aws.request",
        {{"operation", "GetSecretValue"}, {"outcome", i == 2 ? "AccessDeniedException" : "ok"}});
    ledger.Append(1, "orders", "invoke.end",
                  {{"outcome", i == 1 ? "function_error:Error" : "success"}});
  }
  ledger.Append(1, "orders", "instance.gone", {{"reason", "idle"}});
  const std::string table = Capture([&](std::FILE* f) { PrintInstanceTable(f, ledger, false); });
  EXPECT_THAT(table, ::testing::HasSubstr("isolation"));
  EXPECT_THAT(table, ::testing::HasSubstr("egress"));
  EXPECT_THAT(table,
              ::testing::ContainsRegex("1 +orders +sandbox +812 ms +3 +1 +3 +3 +3 +1 +1 +- +idle"));
  EXPECT_THAT(table, ::testing::ContainsRegex("total +1 inst\\. +1 cold +3 +1 +3 +3 +3 +1 +1"));
  EXPECT_THAT(table, HasSubstr("failed calls"));
  EXPECT_THAT(table, ::testing::Not(HasSubstr("\033[")));
  EXPECT_THAT(Capture([&](std::FILE* f) { PrintInstanceTable(f, ledger, true); }),
              HasSubstr("\033[31;1m"));  // the errors cell
}

// The clock column: how far each instance's clocks were ahead of real time when it ended, with
// virtual time; "real" without it, or when its program is out of the preload's reach.
TEST(TerminalReportTest, TheClockColumnShowsEachInstancesOffset) {
  Ledger ledger;
  ledger.Append(1, "early", "instance.spawned", {{"virtual_time", true}});
  ledger.Append(2, "off", "instance.spawned", {{"virtual_time", false}});
  ledger.Append(3, "gone", "instance.spawned", {{"virtual_time", true}});
  ledger.Append(4, "static", "instance.spawned", {{"virtual_time", true}});
  ledger.Append(4, "static", "clock.not_virtual", {{"reason", "statically linked"}});
  ledger.Append(0, "", "clock.advanced", {{"by_ms", 300000}, {"offset_ms", 300000}});
  ledger.Append(3, "gone", "instance.gone", {{"reason", "idle"}});
  ledger.Append(5, "late", "instance.spawned", {{"virtual_time", true}});
  ledger.Append(0, "", "clock.advanced", {{"by_ms", 1200000}, {"offset_ms", 1500000}});
  const std::string table = Capture([&](std::FILE* f) { PrintInstanceTable(f, ledger, false); });
  EXPECT_THAT(table, HasSubstr("clock"));
  EXPECT_THAT(table, ::testing::ContainsRegex("1 +early .* \\+25m +running"));
  EXPECT_THAT(table, ::testing::ContainsRegex("2 +off .* real +running"));
  EXPECT_THAT(table, ::testing::ContainsRegex("3 +gone .* \\+5m +idle"));
  EXPECT_THAT(table, ::testing::ContainsRegex("4 +static .* real +running"));
  EXPECT_THAT(table, ::testing::ContainsRegex("5 +late .* \\+25m +running"));
}

TEST(TerminalReportTest, BlockedEgressIsListedOncePerDestination) {
  Ledger ledger;
  for (int64_t instance : {1, 2, 2}) {
    ledger.Append(instance, "orders", "instance.spawned", {{"isolation", "sandbox"}});
    ledger.Append(instance, "orders", "sandbox.egress_blocked",
                  {{"host", "api.example.com"},
                   {"address", "198.18.0.1"},
                   {"port", 443},
                   {"protocol", "tcp"}});
  }
  ledger.Append(2, "orders", "sandbox.egress_blocked", {{"host", "x.test"}, {"query", "TXT"}});
  const std::string table = Capture([&](std::FILE* f) { PrintInstanceTable(f, ledger, false); });
  EXPECT_THAT(table, HasSubstr("egress blocked:\n"
                               "    api.example.com:443/tcp ×3 (instances 1, 2)\n"
                               "    x.test (lookup TXT) ×1 (instance 2)\n"));
  // A name that says why it was tried gets a hint.
  ledger.Append(1, "orders", "sandbox.egress_blocked",
                {{"host", "cache.cell-4-us-west-2-1.prod.a.momentohq.com"}, {"port", 443}});
  ledger.Append(1, "orders", "sandbox.egress_blocked",
                {{"host", "dynamodb.us-east-1.amazonaws.com"}, {"port", 443}});
  const std::string hinted = Capture([&](std::FILE* f) { PrintInstanceTable(f, ledger, false); });
  EXPECT_THAT(hinted, HasSubstr("    cache.cell-4-us-west-2-1.prod.a.momentohq.com:443 ×1 "
                                "(instance 1)\n      a Momento endpoint from a key thaw did not "
                                "mint (hardcoded, or read from where thaw does not put one): put "
                                "{{momento_api_key}} in the secret or variable the handler reads "
                                "its key from\n"));
  EXPECT_THAT(hinted, HasSubstr("    dynamodb.us-east-1.amazonaws.com:443 ×1 (instance 1)\n      "
                                "thaw fakes Secrets Manager and SSM Parameter Store only"));
  EXPECT_THAT(hinted, HasSubstr("    api.example.com:443/tcp ×3 (instances 1, 2)\n    cache."));
  Ledger quiet;
  quiet.Append(1, "orders", "instance.spawned", {{"isolation", "sandbox"}});
  EXPECT_THAT(Capture([&](std::FILE* f) { PrintInstanceTable(f, quiet, false); }),
              ::testing::Not(HasSubstr("egress blocked")));
}

TEST(TerminalReportTest, VerdictLinesNameTheRuleItsLineAndTheOffenders) {
  Scenario scenario;
  scenario.name = "demo";
  scenario.path = "s.yaml";
  RunResult run;
  run.seconds = 1.5;
  Expectation rule;
  rule.text = "momento.data_connections per instance == 1";
  rule.line = 14;
  run.expectations.push_back({rule, false, "1 to 3 over 2 instances", {"instance 2 opened 3"}});
  rule.text = "errors == 0";
  rule.line = 15;
  run.expectations.push_back({rule, true, "0", {}});
  const std::string out = Capture([&](std::FILE* f) { PrintVerdicts(f, scenario, run, false); });
  EXPECT_THAT(out, HasSubstr("  FAIL  momento.data_connections per instance == 1  (1 to 3 over "
                             "2 instances)\n        instance 2 opened 3\n        s.yaml:14\n"));
  EXPECT_THAT(out, HasSubstr("  PASS  errors == 0  (0)\n"));
  EXPECT_THAT(out, HasSubstr("FAILED demo: 1 of 2 expectations failed (1.5 s)"));
}

TEST(TerminalReportTest, TheSummaryOfManyHasOneLinePerScenarioAndTheTotals) {
  using Verdict = ScenarioSummary::Verdict;
  const std::vector<ScenarioSummary> scenarios = {
      {"a/scenario.yaml", "orders", Verdict::kPassed, 5, 5, 1.25, ""},
      {"b/long-name.scenario.yaml", "checkout", Verdict::kFailed, 7, 6, 8.0, "a step failed"},
      {"bad.scenario.yaml", "", Verdict::kError, 0, 0, 0,
       "bad.scenario.yaml:3: steps: expected a list"},
      {"c/scenario.yaml", "late", Verdict::kNotRun, 0, 0, 0, ""},
  };
  const std::string text =
      Capture([&](std::FILE* out) { PrintScenarioSummary(out, scenarios, 9.5, /*color=*/false); });
  EXPECT_EQ(
      text,
      "Scenarios\n"
      "  PASS   orders    a/scenario.yaml            5/5 rules hold     1.2 s\n"
      "  FAIL   checkout  b/long-name.scenario.yaml  6/7 rules hold     8.0 s  a step failed\n"
      "  ERROR            bad.scenario.yaml          -                         "
      "bad.scenario.yaml:3: steps: expected a list\n"
      "  -      late      c/scenario.yaml            -                         not run "
      "(--fail-fast)\n"
      "\n4 scenarios: 1 passed, 1 failed, 1 error, 1 not run (9.5 s)\n");
}

}  // namespace
}  // namespace thaw::check
