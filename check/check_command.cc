#include "check/check_command.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "check/junit_writer.h"
#include "check/scenario.h"
#include "check/scenario_runner.h"
#include "check/terminal_report.h"
#include "core/ledger_jsonl_writer.h"
#include "emulator/control/log_sink.h"
#include "emulator/runtimes/ric/prepare_runtime_clients.h"
#include "report/html_report.h"

namespace thaw::check {
namespace {

int ScenarioError(const std::string& what) {
  std::fprintf(stderr, "thaw: %s\n", what.c_str());
  return 2;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out.flush());
}

}  // namespace

int RunCheck(const CheckOptions& options) {
  auto load_options = MakeLoadOptions(options.load);
  if (!load_options.ok()) return ScenarioError(std::string(load_options.status().message()));
  auto scenario = LoadScenarioFile(options.scenario, *load_options);
  if (!scenario.ok()) return ScenarioError(std::string(scenario.status().message()));
  // `runtime_client: aws-lambda-ric` functions need the official client installed (once).
  auto announce = [](const std::string& message) {
    std::fprintf(stderr, "thaw: %s\n", message.c_str());
    std::fflush(stderr);
  };
  if (auto status = PrepareRuntimeClients(scenario->config, announce); !status.ok()) {
    return ScenarioError(std::string(status.message()));
  }

  Ledger ledger;
  std::unique_ptr<LedgerJsonlWriter> events;
  if (!options.events.empty()) {
    if (options.events != "-") std::ofstream(options.events, std::ios::trunc);  // a fresh file
    auto writer = LedgerJsonlWriter::Open(ledger, options.events);
    if (!writer.ok()) return ScenarioError(std::string(writer.status().message()));
    events = *std::move(writer);
  }

  const bool color = UseColor(stdout);
  std::fprintf(stdout, "thaw check: %s (%s): %zu steps, %zu expectations\n", scenario->name.c_str(),
               scenario->path.c_str(), scenario->steps.size(), scenario->expectations.size());
  std::fflush(stdout);
  StreamLogSink stderr_logs(stderr);
  ScenarioRunner::Options run_options;
  run_options.progress = options.quiet ? nullptr : stdout;
  run_options.color = color;
  run_options.live = ::isatty(::fileno(stdout)) == 1;
  run_options.logs = options.verbose ? &stderr_logs : nullptr;
  auto result = ScenarioRunner::Run(*scenario, ledger, run_options);
  if (!result.ok()) return ScenarioError(std::string(result.status().message()));
  if (events) events->Flush();

  std::fprintf(stdout, "\n");
  PrintInstanceTable(stdout, ledger, color);
  std::fprintf(stdout, "\n");
  PrintVerdicts(stdout, *scenario, *result, color);

  int exit_code = result->passed() ? 0 : 1;
  if (!options.junit.empty()) {
    if (WriteFile(options.junit, RenderJunit(*scenario, *result))) {
      std::fprintf(stdout, "JUnit:  %s\n", options.junit.c_str());
    } else {
      exit_code = ScenarioError("cannot write --junit " + options.junit);
    }
  }
  if (!options.report.empty()) {
    report::ReportInput input;
    input.title = scenario->name;
    input.events = result->events;
    for (const ExpectationResult& x : result->expectations) {
      std::string detail = x.measured;
      for (const std::string& line : x.failures) detail += "\n" + line;
      input.verdicts.push_back({x.expectation.text, x.passed, detail});
    }
    if (WriteFile(options.report, report::RenderHtmlReport(input))) {
      std::fprintf(stdout, "Report: %s\n", options.report.c_str());
    } else {
      exit_code = ScenarioError("cannot write --report " + options.report);
    }
  }
  if (events && options.events != "-") std::fprintf(stdout, "Events: %s\n", options.events.c_str());
  std::fflush(stdout);
  return exit_code;
}

}  // namespace thaw::check
