#include "check/scenario_runner.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "check/terminal_report.h"
#include "core/accounting.h"
#include "core/duration.h"
#include "core/event_kinds.h"
#include "core/status_macros.h"
#include "emulator/control/invoke_api.h"
#include "emulator/package/package_check.h"
#include "emulator/process/boost_process_launcher.h"
#include "host/emulator_session.h"

namespace thaw::check {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

bool RunResult::passed() const {
  for (const StepResult& s : steps) {
    if (!s.ok) return false;
  }
  for (const ExpectationResult& x : expectations) {
    if (!x.passed) return false;
  }
  return true;
}

namespace {

// Runs the packaging check over every function of `config`, appends its problems to the ledger
// and prints them on `warnings` (when not null).
void RecordPackageProblems(const ThawConfig& config, Ledger& ledger, std::FILE* warnings) {
  const package::PackageReport report = package::CheckPackages(config);
  for (const package::PackageProblem& p : report.problems) {
    const bool error = p.severity == package::PackageProblem::Severity::kError;
    ledger.Append(0, p.function, kinds::kPackageProblem,
                  {{"file", p.file}, {"severity", error ? "error" : "note"}, {"reason", p.reason}});
    if (warnings) {
      std::fprintf(warnings, "thaw: %s: package: %s\n", error ? "warning" : "note",
                   package::FormatProblem(p).c_str());
    }
  }
  if (warnings) std::fflush(warnings);
}

// How long a step waits for the instances it stopped to be gone, beyond the shutdown grace.
constexpr milliseconds kGoneSlack{10000};

struct Outcome {
  bool ok = true;
  std::string detail;
};

Outcome Fail(std::string why) { return {false, std::move(why)}; }

// Runs the steps of one scenario against one EmulatorSession, on the host's io thread.
class StepExecutor {
 public:
  // Called after each answered invoke of an invoke step with (answered, count).
  using Tick = std::function<void(int, int)>;

  StepExecutor(asio::io_context& io, EmulatorSession& host, Ledger& ledger,
               std::vector<FaultTarget*> extra_targets, Tick tick)
      : io_(io), host_(host), ledger_(ledger), tick_(std::move(tick)) {
    // The extra targets are found first: FaultRegistry::Find returns the first match.
    for (FaultTarget* target : extra_targets) faults_.Add(target);
    for (FaultTarget* target : host_.faults().targets()) faults_.Add(target);
  }

  asio::awaitable<Outcome> Execute(const Step& step) {
    switch (step.kind) {
      case Step::Kind::kInvoke:
        co_return co_await Invoke(step);
      case Step::Kind::kAdvance:
        co_return co_await Advance(step);
      case Step::Kind::kReap:
        co_return co_await Reap(step);
      case Step::Kind::kKill:
        co_return co_await Kill(step);
      case Step::Kind::kFault:
        co_return AddFault(step);
      case Step::Kind::kClearFaults:
        co_return ClearFaults(step);
      case Step::Kind::kRotateSecret:
        co_return Rotate(step);
      case Step::Kind::kWaitFor:
        co_return co_await WaitFor(step);
    }
    co_return Fail("unknown step");
  }

 private:
  // Waits until `done()` holds, re-checking after every ledger append (the listener runs on
  // the appending thread and posts here), or until `timeout`. `done` runs on the io thread;
  // no append can slip between its check and the wait, since both happen without yielding.
  asio::awaitable<bool> WaitUntil(const std::function<bool()>& done, milliseconds timeout) {
    auto timer = std::make_shared<asio::steady_timer>(io_);
    const auto deadline = steady_clock::now() + timeout;
    std::weak_ptr<asio::steady_timer> weak = timer;
    asio::io_context& io = io_;
    const int handle = ledger_.AddListener([&io, weak](uint64_t) {
      asio::post(io, [weak] {
        if (auto t = weak.lock()) t->cancel();
      });
    });
    bool ok = done();
    while (!ok && steady_clock::now() < deadline) {
      timer->expires_at(deadline);
      boost::system::error_code ec;
      co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
      ok = done();
    }
    ledger_.RemoveListener(handle);
    co_return ok;
  }

  bool IsGone(int64_t id) const {
    return ledger_.Count([id](const Event& e) {
      return e.instance == id && e.kind == kinds::kInstanceGone;
    }) > 0;
  }

  // Live instances being stopped right now.
  std::vector<int64_t> Stopping() {
    std::vector<int64_t> ids;
    for (const auto& item : host_.control().InstancesJson()) {
      if (item.value("state", "") == "stopping") ids.push_back(item["id"].get<int64_t>());
    }
    return ids;
  }

  // Waits for every instance in `ids` to be gone, so that the next step sees them gone.
  asio::awaitable<Outcome> WaitGone(std::vector<int64_t> ids, std::string done_text) {
    const milliseconds timeout = host_.config().settings.shutdown_grace + kGoneSlack;
    const bool gone = co_await WaitUntil(
        [this, &ids] {
          for (int64_t id : ids) {
            if (!IsGone(id)) return false;
          }
          return true;
        },
        timeout);
    if (!gone) co_return Fail("instances still running " + FormatDuration(timeout) + " later");
    co_return Outcome{true, std::move(done_text)};
  }

  static std::string IdList(const std::vector<int64_t>& ids) {
    std::string out;
    for (int64_t id : ids) out += (out.empty() ? "" : ", ") + std::to_string(id);
    return out;
  }

  static InvokeCall CallOf(const Step& s) {
    InvokeCall call;
    call.function_name = s.function;
    call.invocation_type = s.invocation_type;
    call.payload = s.payload;
    return call;
  }

  asio::awaitable<Outcome> Invoke(const Step& s) {
    if (s.invocation_type == "DryRun" || s.invocation_type == "Event") {
      for (int i = 0; i < s.count; ++i) {
        InvokeAnswer answer = co_await host_.Invoke(CallOf(s));
        if (!answer.error.ok()) {
          co_return Fail(AwsErrorType(answer.error) + ": " + std::string(answer.error.message()));
        }
      }
      co_return Outcome{true,
                        std::to_string(s.count) +
                            (s.invocation_type == "Event" ? " queued" : " dry runs (nothing ran)")};
    }
    struct Tally {
      explicit Tally(asio::io_context& io) : done(io, steady_clock::time_point::max()) {}
      int started = 0;
      int running = 0;
      int ok = 0;
      int function_errors = 0;
      int api_errors = 0;
      std::string first_error;
      asio::steady_timer done;
    };
    auto tally = std::make_shared<Tally>(io_);
    const int workers = std::min(s.concurrency, s.count);
    tally->running = workers;
    // Each worker invokes one event after another, so at most `concurrency` are in flight; all
    // start before any answer arrives, so the first round needs `concurrency` instances.
    for (int w = 0; w < workers; ++w) {
      asio::co_spawn(
          io_,
          [this, &s, tally]() -> asio::awaitable<void> {
            while (tally->started < s.count) {
              ++tally->started;
              InvokeAnswer outcome = co_await host_.Invoke(CallOf(s));
              if (!outcome.error.ok()) {
                ++tally->api_errors;
                if (tally->first_error.empty()) {
                  tally->first_error =
                      AwsErrorType(outcome.error) + ": " + std::string(outcome.error.message());
                }
              } else if (!outcome.result.function_error.empty()) {
                ++tally->function_errors;
                if (tally->first_error.empty()) {
                  tally->first_error = outcome.result.payload.substr(0, 160);
                }
              } else {
                ++tally->ok;
              }
              if (tick_) tick_(tally->ok + tally->function_errors + tally->api_errors, s.count);
            }
            if (--tally->running == 0) tally->done.cancel();
          },
          asio::detached);
    }
    while (tally->running > 0) {
      boost::system::error_code ec;
      co_await tally->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    std::string detail = std::to_string(tally->ok) + " ok";
    if (tally->function_errors) {
      detail += ", " + std::to_string(tally->function_errors) + " function errors";
    }
    if (tally->api_errors) detail += ", " + std::to_string(tally->api_errors) + " refused";
    if (!tally->first_error.empty()) detail += " (first: " + tally->first_error + ")";
    co_return Outcome{true, detail};
  }

  asio::awaitable<Outcome> Advance(const Step& s) {
    host_.AdvanceClock(s.duration);
    std::vector<int64_t> stopped = Stopping();
    std::string text = "clock +" + FormatDuration(s.duration);
    if (!stopped.empty()) text += "; instances " + IdList(stopped) + " stopped";
    co_return co_await WaitGone(std::move(stopped), text);
  }

  asio::awaitable<Outcome> Reap(const Step& s) {
    std::vector<int64_t> ids = host_.ReapIdle(s.function, s.instance);
    if (s.instance && ids.empty()) {
      co_return Fail("instance " + std::to_string(s.instance) + " is not idle (or not running)");
    }
    std::string text = ids.empty() ? "no idle instance" : "reaped instances " + IdList(ids);
    co_return co_await WaitGone(std::move(ids), text);
  }

  asio::awaitable<Outcome> Kill(const Step& s) {
    int64_t target = 0;
    if (s.instance) {
      std::vector<Event> spawned = ledger_.Select([&s](const Event& e) {
        return e.kind == kinds::kInstanceSpawned && e.function == s.function;
      });
      if (static_cast<size_t>(s.instance) > spawned.size()) {
        co_return Fail(s.function + " has had " + std::to_string(spawned.size()) +
                       " instances, so there is no #" + std::to_string(s.instance));
      }
      target = spawned[s.instance - 1].instance;
    } else {
      for (const auto& item : host_.control().InstancesJson()) {
        if (item.value("function", "") == s.function && item.value("state", "") != "stopping") {
          target = std::max(target, item["id"].get<int64_t>());
        }
      }
      if (!target) co_return Fail(s.function + " has no running instance to kill");
    }
    if (!host_.KillInstance(target)) {
      co_return Fail("instance " + std::to_string(target) + " is no longer running");
    }
    std::vector<int64_t> ids(1, target);
    std::string text = "killed instance " + std::to_string(target);
    co_return co_await WaitGone(std::move(ids), std::move(text));
  }

  Outcome AddFault(const Step& s) {
    FaultTarget* target = faults_.Find(s.service);
    if (!target) {
      return Fail("this build of thaw has no fault target for '" + s.service +
                  "' (the fake does not take faults yet)");
    }
    auto id = target->AddFault(s.spec);
    if (!id.ok()) return Fail(std::string(id.status().message()));
    return {true, "fault " + *id + " installed"};
  }

  Outcome ClearFaults(const Step& s) {
    if (!s.service.empty()) {
      FaultTarget* target = faults_.Find(s.service);
      if (!target) return Fail("this build of thaw has no fault target for '" + s.service + "'");
      target->ClearFaults();
      return {true, s.service + " faults cleared"};
    }
    faults_.ClearFaults();
    return {true, "faults cleared"};
  }

  Outcome Rotate(const Step& s) {
    auto version = host_.RotateSecret(s.secret, s.value);
    if (!version.ok()) return Fail(std::string(version.status().message()));
    return {true, "new version " + *version};
  }

  asio::awaitable<Outcome> WaitFor(const Step& s) {
    auto count = [this, &s] {
      return ledger_.Count([&s](const Event& e) {
        return e.kind == s.event_kind && (s.function.empty() || e.function == s.function);
      });
    };
    const bool ok = co_await WaitUntil(
        [&count, &s] { return count() >= static_cast<size_t>(s.count); }, s.duration);
    if (!ok) {
      co_return Fail("timed out after " + FormatDuration(s.duration) + ": " +
                     std::to_string(count()) + " of " + std::to_string(s.count) + " " +
                     s.event_kind + " events");
    }
    co_return Outcome{true, std::to_string(count()) + " " + s.event_kind + " events"};
  }

  asio::io_context& io_;
  EmulatorSession& host_;
  Ledger& ledger_;
  // The extra targets first, then the fakes'.
  FaultRegistry faults_;
  Tick tick_;
};

}  // namespace

absl::StatusOr<RunResult> ScenarioRunner::Run(const Scenario& scenario, Ledger& ledger,
                                              const Options& options) {
  const auto started = steady_clock::now();
  RecordPackageProblems(scenario.config, ledger, options.warnings);
  asio::io_context io(1);
  NullLogSink null_logs;
  LogSink& logs = options.logs ? *options.logs : null_logs;
  BoostProcessLauncher launcher(io);
  ASSIGN_OR_RETURN(auto host,
                   EmulatorSession::Create(io, scenario.config, ledger, logs, launcher, {}));
  for (const std::string& cache : scenario.caches) host->CreateCache(cache);

  RunResult result;
  std::FILE* out = options.progress;
  const bool color = options.color;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        const size_t total = scenario.steps.size();
        size_t current = 0;
        StepExecutor::Tick tick;
        if (out && options.live) {
          tick = [&](int answered, int count) {
            std::fprintf(out, "\r  [%zu/%zu] %s ... %d/%d", current + 1, total,
                         scenario.steps[current].text.c_str(), answered, count);
            std::fflush(out);
          };
        }
        StepExecutor executor(io, *host, ledger, options.fault_targets, tick);
        bool failed = false;
        for (size_t i = 0; i < total; ++i) {
          const Step& step = scenario.steps[i];
          current = i;
          StepResult r;
          r.step = &step;
          if (failed) {
            r.skipped = true;
            r.detail = "skipped: an earlier step failed";
            result.steps.push_back(std::move(r));
            continue;
          }
          if (out) {
            std::fprintf(out, "  [%zu/%zu] %s ... ", i + 1, total, step.text.c_str());
            std::fflush(out);
          }
          const uint64_t step_seq =
              ledger.Append(0, step.function, kinds::kScenarioStep,
                            {{"index", i + 1}, {"step", step.text}, {"line", step.line}});
          const auto step_start = steady_clock::now();
          Outcome outcome;
          try {
            outcome = co_await executor.Execute(step);
          } catch (const std::exception& e) {
            outcome = Fail(std::string("internal error: ") + e.what());
          }
          // What failed on the way, even without a rule: calls to the fakes and attempts to
          // leave the sandbox a handler may have swallowed.
          std::map<std::string, long> failed_calls;
          for (const Event& e : ledger.Since(step_seq)) {
            if (const auto call = AsFakeCall(e); call && call->failed) ++failed_calls[call->what];
          }
          if (!failed_calls.empty()) {
            outcome.detail += "; failed calls: " + DescribeCounts(failed_calls);
          }
          r.ok = outcome.ok;
          r.detail = outcome.detail;
          r.seconds = std::chrono::duration<double>(steady_clock::now() - step_start).count();
          if (out && options.live) {
            // Past the live counter: the line is written again, then the result.
            std::fprintf(out, "\r\033[K  [%zu/%zu] %s ... ", i + 1, total, step.text.c_str());
          }
          if (out) {
            std::fprintf(out, "%s%s%s %s (%.1f s)\n", Paint(color, outcome.ok ? kGreen : kRed),
                         outcome.ok ? "ok" : "FAILED", Paint(color, kReset), outcome.detail.c_str(),
                         r.seconds);
            std::fflush(out);
          }
          failed = !outcome.ok;
          result.steps.push_back(std::move(r));
        }
        co_await host->Shutdown(scenario.config.settings.shutdown_grace);
        io.stop();
      },
      asio::detached);
  io.run();
  host.reset();

  result.events = ledger.Since(0);
  std::vector<std::string> functions;
  for (const auto& [name, fn] : scenario.config.functions) functions.push_back(name);
  for (const Expectation& x : scenario.expectations) {
    result.expectations.push_back(Evaluate(x, result.events, functions));
  }
  if (options.cause_rules) {
    for (const Expectation& x : CauseRules(scenario, result.events)) {
      result.expectations.push_back(Evaluate(x, result.events, functions));
    }
  }
  result.seconds = std::chrono::duration<double>(steady_clock::now() - started).count();
  return result;
}

}  // namespace thaw::check
