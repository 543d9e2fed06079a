#include "check/check_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <regex>
#include <thread>

#include "check/junit_writer.h"
#include "check/scenario.h"
#include "check/scenario_files.h"
#include "check/scenario_runner.h"
#include "check/terminal_report.h"
#include "core/ledger_jsonl_writer.h"
#include "emulator/control/log_sink.h"
#include "emulator/runtimes/ric/prepare_runtime_clients.h"
#include "report/html_report.h"

namespace thaw::check {
namespace {

namespace fs = std::filesystem;
using Verdict = ScenarioSummary::Verdict;

int ScenarioError(const std::string& what) {
  std::fprintf(stderr, "thaw: %s\n", what.c_str());
  return 2;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out.flush());
}

// "[function:instance] line" onto a stdio stream; a run of many writes each scenario's logs into
// its own buffered block. Thread-safe (stdio locks the stream for each call).
class FileLogSink : public LogSink {
 public:
  explicit FileLogSink(std::FILE* out) : out_(out) {}
  void Line(const std::string& function, int64_t instance, std::string_view line) override {
    std::fprintf(out_, "[%s:%lld] %.*s\n", function.c_str(), static_cast<long long>(instance),
                 static_cast<int>(line.size()), line.data());
  }

 private:
  std::FILE* out_;
};

// Where one scenario's run prints and writes.
struct RunOutputs {
  std::FILE* out = stdout;     // the header, progress, table, verdicts, "Report: ..." lines
  std::FILE* errors = stderr;  // "thaw: ..." errors, the packaging check's warnings
  bool live = false;           // rewrite the progress line as invokes answer
  LogSink* logs = nullptr;     // the functions' logs; null = discarded
  std::string junit;           // single run only: this scenario's JUnit file
  std::string report;          // its HTML report file
  std::string events;          // its JSON-lines file ("-" = `out`)
};

struct Ran {
  int exit_code = 2;
  std::optional<RunResult> result;  // set when the scenario ran
  std::string error;                // set when it could not run or its outputs not be written
};

// Runs one loaded scenario and prints its block on `outputs.out`.
Ran RunScenario(const Scenario& scenario, const CheckOptions& options, const RunOutputs& outputs) {
  Ran ran;
  auto fail = [&](const std::string& what) {
    std::fprintf(outputs.errors, "thaw: %s\n", what.c_str());
    ran.error = what;
    ran.exit_code = 2;
    return ran;
  };
  Ledger ledger;
  std::unique_ptr<LedgerJsonlWriter> events;
  if (!outputs.events.empty()) {
    if (outputs.events != "-") std::ofstream(outputs.events, std::ios::trunc);  // a fresh file
    auto writer = LedgerJsonlWriter::Open(ledger, outputs.events);
    if (!writer.ok()) return fail(std::string(writer.status().message()));
    events = *std::move(writer);
  }

  const bool color = UseColor(stdout);
  std::fprintf(outputs.out, "thaw check: %s (%s): %zu steps, %zu expectations\n",
               scenario.name.c_str(), scenario.path.c_str(), scenario.steps.size(),
               scenario.expectations.size());
  std::fflush(outputs.out);
  ScenarioRunner::Options run_options;
  run_options.progress = options.quiet ? nullptr : outputs.out;
  run_options.color = color;
  run_options.live = outputs.live;
  run_options.logs = outputs.logs;
  run_options.warnings = outputs.errors;
  run_options.cause_rules = options.defaults;
  auto result = ScenarioRunner::Run(scenario, ledger, run_options);
  if (!result.ok()) return fail(std::string(result.status().message()));
  if (events) events->Flush();

  std::fprintf(outputs.out, "\n");
  PrintInstanceTable(outputs.out, ledger, color);
  std::fprintf(outputs.out, "\n");
  PrintVerdicts(outputs.out, scenario, *result, color);

  ran.exit_code = result->passed() ? 0 : 1;
  auto write = [&](const char* flag, const std::string& path, const std::string& text,
                   const char* label) {
    if (WriteFile(path, text)) {
      std::fprintf(outputs.out, "%s %s\n", label, path.c_str());
    } else {
      fail(std::string("cannot write ") + flag + " " + path);
    }
  };
  if (!outputs.junit.empty())
    write("--junit", outputs.junit, RenderJunit(scenario, *result), "JUnit: ");
  if (!outputs.report.empty()) {
    report::ReportInput input;
    input.title = scenario.name;
    input.events = result->events;
    for (const ExpectationResult& x : result->expectations) {
      std::string detail = x.measured;
      for (const std::string& line : x.failures) detail += "\n" + line;
      input.verdicts.push_back({x.expectation.text, x.passed, detail});
    }
    write("--report", outputs.report, report::RenderHtmlReport(input), "Report:");
  }
  if (events && outputs.events != "-") {
    std::fprintf(outputs.out, "Events: %s\n", outputs.events.c_str());
  }
  std::fflush(outputs.out);
  ran.result = *std::move(result);
  return ran;
}

// `runtime_client: aws-lambda-ric` functions need the official client installed (once).
absl::Status PrepareClients(Scenario& scenario) {
  auto announce = [](const std::string& message) {
    std::fprintf(stderr, "thaw: %s\n", message.c_str());
    std::fflush(stderr);
  };
  return PrepareRuntimeClients(scenario.config, announce);
}

int RunOne(const CheckOptions& options, const std::string& path) {
  auto load_options = MakeLoadOptions(options.load);
  if (!load_options.ok()) return ScenarioError(std::string(load_options.status().message()));
  auto scenario = LoadScenarioFile(path, *load_options);
  if (!scenario.ok()) return ScenarioError(std::string(scenario.status().message()));
  if (auto status = PrepareClients(*scenario); !status.ok()) {
    return ScenarioError(std::string(status.message()));
  }
  StreamLogSink stderr_logs(stderr);
  RunOutputs outputs;
  outputs.live = ::isatty(::fileno(stdout)) == 1;
  outputs.logs = options.verbose ? &stderr_logs : nullptr;
  outputs.junit = options.junit;
  outputs.report = options.report;
  outputs.events = options.events;
  return RunScenario(*scenario, options, outputs).exit_code;
}

// The stem of a scenario's files in a --report / --events directory: its path without the
// extension, a `scenario.yaml` named by its directory ("samples/node-guide/scenario.yaml" ->
// "samples_node-guide"), '/' as '_'.
std::string ArtifactStem(const std::string& path) {
  fs::path p = fs::path(path).lexically_normal();
  std::string stem = p.filename().string();
  for (const char* suffix : {".yaml", ".yml"}) {
    if (stem.size() > std::strlen(suffix) && stem.ends_with(suffix)) {
      stem.resize(stem.size() - std::strlen(suffix));
      break;
    }
  }
  std::string dir = p.parent_path().string();
  if (stem == "scenario" && !dir.empty()) {
    stem = dir;
  } else if (!dir.empty()) {
    stem = dir + "/" + stem;
  }
  while (stem.starts_with("../")) stem.erase(0, 3);
  while (stem.starts_with("/")) stem.erase(0, 1);
  std::replace(stem.begin(), stem.end(), '/', '_');
  return stem.empty() || stem == ".." ? "scenario" : stem;
}

// One scenario of a run of many.
struct Entry {
  std::string path;
  std::optional<Scenario> scenario;  // unset when it could not be loaded
  std::string error;                 // why it could not be loaded or run
  std::optional<RunResult> result;   // set when it ran
  std::string block;                 // what it printed, shown whole when it ends
  bool started = false;
  bool done = false;
  int exit_code = 2;
};

// Runs `entry` (loaded) with its block buffered in memory.
void RunBuffered(Entry& entry, const CheckOptions& options) {
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* block = ::open_memstream(&buffer, &size);
  if (block == nullptr) {
    entry.error = "cannot buffer the output of " + entry.path;
    return;
  }
  FileLogSink logs(block);
  RunOutputs outputs;
  outputs.out = block;
  outputs.errors = block;
  outputs.logs = options.verbose ? &logs : nullptr;
  const std::string stem = ArtifactStem(entry.path);
  if (!options.report.empty())
    outputs.report = (fs::path(options.report) / stem).string() + ".html";
  if (!options.events.empty())
    outputs.events = (fs::path(options.events) / stem).string() + ".jsonl";
  Ran ran = RunScenario(*entry.scenario, options, outputs);
  // open_memstream sets `buffer` and `size` for good only at fclose (which may move it).
  std::fclose(block);
  entry.block.assign(buffer, size);
  std::free(buffer);
  entry.exit_code = ran.exit_code;
  entry.error = ran.error;
  entry.result = std::move(ran.result);
}

// The status line of a run of many, for a terminal: which scenarios are running.
std::string StatusLine(const std::vector<Entry>& entries) {
  size_t done = 0;
  std::string running;
  for (const Entry& e : entries) {
    done += e.done ? 1 : 0;
    if (e.started && !e.done) running += (running.empty() ? "" : ", ") + e.scenario->name;
  }
  return "  [" + std::to_string(done) + "/" + std::to_string(entries.size()) + " done] running " +
         running;
}

ScenarioSummary Summarize(const Entry& e) {
  ScenarioSummary s;
  s.path = e.path;
  s.name = e.scenario ? e.scenario->name : "";
  if (!e.error.empty() || (e.done && !e.result)) {
    s.verdict = Verdict::kError;
    s.detail = e.error;
  } else if (e.result) {
    s.verdict = e.result->passed() ? Verdict::kPassed : Verdict::kFailed;
    s.seconds = e.result->seconds;
    s.rules = static_cast<int>(e.result->expectations.size());
    for (const ExpectationResult& x : e.result->expectations) s.rules_passed += x.passed ? 1 : 0;
    for (const StepResult& step : e.result->steps) {
      if (!step.ok) s.detail = "a step failed";
    }
  }
  return s;
}

int RunMany(const CheckOptions& options, const std::vector<std::string>& files) {
  const auto started = std::chrono::steady_clock::now();
  if (options.events == "-") {
    return ScenarioError("--events -: one scenario only; with many, name a directory");
  }
  for (const std::string* dir : {&options.report, &options.events}) {
    std::error_code ec;
    if (!dir->empty() && !fs::create_directories(*dir, ec) && (ec || !fs::is_directory(*dir))) {
      return ScenarioError(*dir +
                           ": with many scenarios, --report and --events name a "
                           "directory, and this one cannot be made" +
                           (ec ? ": " + ec.message() : ""));
    }
  }
  auto load_options = MakeLoadOptions(options.load);
  if (!load_options.ok()) return ScenarioError(std::string(load_options.status().message()));

  std::vector<Entry> entries;
  for (const std::string& path : files) {
    Entry entry;
    entry.path = path;
    auto scenario = LoadScenarioFile(path, *load_options);
    if (scenario.ok()) {
      entry.scenario = *std::move(scenario);
    } else {
      entry.error = std::string(scenario.status().message());
    }
    entries.push_back(std::move(entry));
  }
  if (!options.filter.empty()) {
    std::regex filter;
    try {
      filter = std::regex(options.filter, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return ScenarioError("--filter " + options.filter +
                           ": not a regular expression: " + e.what());
    }
    std::erase_if(entries, [&](const Entry& e) {
      return !std::regex_search(e.path, filter) &&
             !(e.scenario && std::regex_search(e.scenario->name, filter));
    });
    if (entries.empty()) {
      return ScenarioError("--filter " + options.filter + ": matches none of the " +
                           std::to_string(files.size()) + " scenarios");
    }
  }
  // Installs are announced and done one at a time, before any scenario starts.
  for (Entry& e : entries) {
    if (!e.scenario) continue;
    if (absl::Status status = PrepareClients(*e.scenario); !status.ok()) {
      e.error = std::string(status.message());
      e.scenario.reset();
    }
  }

  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int jobs = std::max(1, options.jobs > 0 ? options.jobs : cores);
  const bool color = UseColor(stdout);
  const bool live = !options.quiet && ::isatty(::fileno(stdout)) == 1;
  std::fprintf(stdout, "thaw check: %zu scenarios, %d at a time%s\n", entries.size(),
               std::min<int>(jobs, static_cast<int>(entries.size())),
               options.fail_fast ? ", stopping at the first failure" : "");
  std::fflush(stdout);

  std::mutex mu;
  std::condition_variable changed;
  std::deque<size_t> finished;  // ended, block not printed yet
  size_t next = 0;
  bool stop = false;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i].scenario) {
      entries[i].done = true;  // malformed: reported in order with the others
      finished.push_back(i);
    }
  }
  auto worker = [&] {
    while (true) {
      size_t i;
      {
        std::lock_guard<std::mutex> lock(mu);
        while (next < entries.size() && !entries[next].scenario) ++next;
        if (stop || next >= entries.size()) return;
        i = next++;
        entries[i].started = true;
      }
      changed.notify_all();
      RunBuffered(entries[i], options);
      {
        std::lock_guard<std::mutex> lock(mu);
        entries[i].done = true;
        finished.push_back(i);
        if (options.fail_fast && entries[i].exit_code != 0) stop = true;
      }
      changed.notify_all();
    }
  };
  std::vector<std::thread> workers;
  for (int j = 0; j < std::min<int>(jobs, static_cast<int>(entries.size())); ++j) {
    workers.emplace_back(worker);
  }

  // Blocks are printed whole as scenarios end; a terminal also sees which are running.
  std::unique_lock<std::mutex> lock(mu);
  std::string shown;
  while (true) {
    while (!finished.empty()) {
      const Entry& e = entries[finished.front()];
      finished.pop_front();
      if (!shown.empty()) std::fprintf(stdout, "\r\033[K");
      shown.clear();
      std::fprintf(stdout, "\n");
      if (e.scenario) {
        std::fwrite(e.block.data(), 1, e.block.size(), stdout);
      } else {
        std::fprintf(stdout, "thaw check: %s: not loaded\nthaw: %s\n", e.path.c_str(),
                     e.error.c_str());
      }
    }
    const bool all_done = std::all_of(entries.begin(), entries.end(), [&](const Entry& e) {
      return e.done || (stop && !e.started) || !e.scenario;
    });
    if (all_done) break;
    if (live) {
      std::string status = StatusLine(entries);
      if (status != shown) {
        std::fprintf(stdout, "\r\033[K%s", status.c_str());
        shown = status;
      }
    }
    std::fflush(stdout);
    changed.wait(lock);
  }
  lock.unlock();
  for (std::thread& t : workers) t.join();

  std::vector<ScenarioSummary> summary;
  std::vector<JunitSuite> suites;
  bool failed = false;
  bool error = false;
  for (const Entry& e : entries) {
    summary.push_back(Summarize(e));
    failed |= summary.back().verdict == Verdict::kFailed;
    error |= summary.back().verdict == Verdict::kError;
    JunitSuite suite{e.path, e.scenario ? &*e.scenario : nullptr, e.result ? &*e.result : nullptr,
                     e.error};
    suites.push_back(suite);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(stdout, "\n");
  PrintScenarioSummary(stdout, summary, seconds, color);
  int exit_code = error ? 2 : failed ? 1 : 0;
  if (!options.junit.empty()) {
    if (WriteFile(options.junit, RenderJunit(suites))) {
      std::fprintf(stdout, "JUnit:  %s\n", options.junit.c_str());
    } else {
      exit_code = ScenarioError("cannot write --junit " + options.junit);
    }
  }
  if (!options.report.empty()) std::fprintf(stdout, "Reports: %s/\n", options.report.c_str());
  if (!options.events.empty()) std::fprintf(stdout, "Events: %s/\n", options.events.c_str());
  std::fflush(stdout);
  return exit_code;
}

}  // namespace

int RunCheck(const CheckOptions& options) {
  auto files = FindScenarioFiles(options.scenarios);
  if (!files.ok()) return ScenarioError(std::string(files.status().message()));
  // One file named as such is the single run (printed as it goes); a directory or several
  // files are a run of many, whatever they hold, so --report and --events mean one thing.
  std::error_code error;
  const bool one = options.scenarios.size() == 1 && files->size() == 1 &&
                   !fs::is_directory(options.scenarios[0], error);
  if (one && options.filter.empty()) return RunOne(options, files->front());
  return RunMany(options, *files);
}

}  // namespace thaw::check
