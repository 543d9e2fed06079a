// The test function thaw's own tests and demo run: one binary, its behaviour chosen by _HANDLER.
//   echo        answers the event unchanged
//   error       fails through /error with errorType TestError
//   crash       exits with status 42 in the middle of the invoke
//   print       prints {"lines":N} lines to stdout and stderr, then echoes
//   pid         answers {"pid":<pid>,"invocations":<count in this process>}
//   sleep       sleeps {"ms":N} milliseconds, then answers {"slept_ms":N}
//   env         answers the whole environment as a JSON object
//   context     answers the request's id, ARN, trace id, deadline and client context
//   big         answers a JSON string of {"bytes":N} bytes
//   init_error  reports an init error (Runtime.TestInitError) and exits
//   init_crash  exits with status 3 before asking for an event
//   ticker      a background thread counts 1 ms ticks; answers {"ticks":N,"pid":P}
//   hog         allocates and touches {"mb":N} megabytes, keeps them, answers {"held_mb":total}
//   sigterm     on SIGTERM prints "got SIGTERM" and exits 0 (a graceful shutdown)
//   clock       answers what every clock reads, in ms: realtime/monotonic (clock_gettime),
//               gettimeofday, time, system/steady (std::chrono), and the deadline's remaining_ms
// Any handler first sleeps THAW_ECHO_INIT_SLEEP_MS milliseconds during init when that is set,
// and ignores SIGTERM when THAW_ECHO_IGNORE_SIGTERM is set.
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "emulator/runtimes/cpp/runtime.h"
#include "nlohmann/json.hpp"

extern char** environ;

namespace {

using thaw::runtime::InvocationRequest;
using thaw::runtime::InvocationResponse;

long Field(const std::string& payload, const char* name, long fallback) {
  const auto json = nlohmann::json::parse(payload, nullptr, false);
  if (json.is_object() && json.contains(name) && json[name].is_number_integer()) {
    return json[name].get<long>();
  }
  return fallback;
}

}  // namespace

int main() {
  const char* handler_env = std::getenv("_HANDLER");
  const std::string handler = handler_env ? handler_env : "echo";
  if (handler == "init_error") {
    thaw::runtime::ReportInitError("Runtime.TestInitError", "init failed on purpose");
    return 1;
  }
  if (handler == "init_crash") return 3;
  if (const char* init_sleep = std::getenv("THAW_ECHO_INIT_SLEEP_MS")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::atol(init_sleep)));
  }
  static std::atomic<long> ticks{0};
  if (handler == "ticker") {
    std::thread([] {
      while (true) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        ++ticks;
      }
    }).detach();
  }
  if (std::getenv("THAW_ECHO_IGNORE_SIGTERM")) std::signal(SIGTERM, SIG_IGN);
  if (handler == "sigterm") {
    std::signal(SIGTERM, [](int) {
      static const char kMessage[] = "got SIGTERM\n";
      (void)!::write(1, kMessage, sizeof(kMessage) - 1);
      ::_exit(0);
    });
  }
  std::vector<std::unique_ptr<char[]>> held;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  long invocations = 0;

  return thaw::runtime::Run([&](const InvocationRequest& req) -> InvocationResponse {
    ++invocations;
    if (handler == "error") return InvocationResponse::Failure("TestError", "failed on purpose");
    if (handler == "crash") {
      std::printf("crashing now\n");
      std::fflush(stdout);
      std::_Exit(42);
    }
    if (handler == "print") {
      const long lines = Field(req.payload, "lines", 10);
      for (long i = 0; i < lines; ++i) {
        std::printf("stdout line %ld\n", i);
        std::fprintf(stderr, "stderr line %ld\n", i);
      }
      std::fflush(stdout);
      return InvocationResponse::Success(req.payload);
    }
    if (handler == "clock") {
      using std::chrono::duration_cast;
      using std::chrono::milliseconds;
      const auto ms = [](const timespec& ts) {
        return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
      };
      timespec realtime{}, monotonic{};
      ::clock_gettime(CLOCK_REALTIME, &realtime);
      ::clock_gettime(CLOCK_MONOTONIC, &monotonic);
      timeval tv{};
      ::gettimeofday(&tv, nullptr);
      return InvocationResponse::Success(nlohmann::json{
          {"realtime_ms", ms(realtime)},
          {"monotonic_ms", ms(monotonic)},
          {"gettimeofday_ms", static_cast<int64_t>(tv.tv_sec) * 1000 + tv.tv_usec / 1000},
          {"time_s", static_cast<int64_t>(::time(nullptr))},
          {"system_ms",
           duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
               .count()},
          {"steady_ms",
           duration_cast<milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
               .count()},
          {"remaining_ms",
           req.RemainingTime().count()}}.dump());
    }
    if (handler == "pid") {
      return InvocationResponse::Success(
          nlohmann::json{{"pid", ::getpid()}, {"invocations", invocations}}.dump());
    }
    if (handler == "sleep") {
      const long ms = Field(req.payload, "ms", 100);
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      return InvocationResponse::Success(nlohmann::json{{"slept_ms", ms}}.dump());
    }
    if (handler == "env") {
      nlohmann::json env = nlohmann::json::object();
      for (char** e = environ; *e; ++e) {
        const std::string entry(*e);
        const size_t eq = entry.find('=');
        env[entry.substr(0, eq)] = eq == std::string::npos ? "" : entry.substr(eq + 1);
      }
      return InvocationResponse::Success(env.dump());
    }
    if (handler == "context") {
      return InvocationResponse::Success(nlohmann::json{
          {"request_id", req.request_id},
          {"function_arn", req.function_arn},
          {"trace_id", req.trace_id},
          {"client_context", req.client_context},
          {"remaining_ms", req.RemainingTime().count()},
          {"deadline_ms",
           std::chrono::duration_cast<std::chrono::milliseconds>(req.deadline.time_since_epoch())
               .count()}}.dump());
    }
    if (handler == "ticker") {
      return InvocationResponse::Success(
          nlohmann::json{{"ticks", ticks.load()}, {"pid", ::getpid()}}.dump());
    }
    if (handler == "hog") {
      const long mb = Field(req.payload, "mb", 1);
      for (long i = 0; i < mb; ++i) {
        held.emplace_back(new char[1 << 20]);
        std::memset(held.back().get(), 1, 1 << 20);
      }
      return InvocationResponse::Success(
          nlohmann::json{{"held_mb", static_cast<long>(held.size())}}.dump());
    }
    if (handler == "big") {
      const long bytes = Field(req.payload, "bytes", 1024);
      return InvocationResponse::Success("\"" + std::string(bytes > 2 ? bytes - 2 : 0, 'x') + "\"");
    }
    return InvocationResponse::Success(req.payload);
  });
}
