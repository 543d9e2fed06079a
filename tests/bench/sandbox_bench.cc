// thaw_sandbox_bench: what the sandbox costs, in one run. Two `thaw serve` children, one with
// settings.isolation: process and one with sandbox, serve the echo function; invokes alternate
// between them. It reports (never asserts):
//   - cold starts (keepalive 0: every invoke starts a new instance): p50/p90 of each, and the
//     sandbox's extra cost (target: at most +5 ms, issue 12);
//   - warm invokes: p50 of each, and their ratio (target: unaffected).
// Exit codes: 0 when every measurement completed, 1 when one failed, 2 on a usage error.
//
//   thaw_sandbox_bench [--quick] [--cold N] [--warm N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/bench/bench_cli.h"
#include "tests/bench/child_process.h"
#include "tests/util/http_client.h"

#ifndef THAW_BENCH_THAW_PATH
#define THAW_BENCH_THAW_PATH "thaw"
#endif
#ifndef THAW_BENCH_ECHO_DIR
#define THAW_BENCH_ECHO_DIR "samples/echo"
#endif

namespace thaw::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kColdTarget[] = "/2015-03-31/functions/cold/invocations";
constexpr char kWarmTarget[] = "/2015-03-31/functions/warm/invocations";
constexpr double kTargetColdExtraMs = 5;

struct Server {
  std::unique_ptr<ChildProcess> process;
  uint16_t port = 0;
};

bool StartServer(const std::filesystem::path& dir, const std::string& isolation, Server* server) {
  const std::filesystem::path config = dir / (isolation + ".yaml");
  std::ofstream(config) << "functions:\n"
                        << "  cold: {runtime: provided.al2023, handler: echo, code: \""
                        << THAW_BENCH_ECHO_DIR << "\", keepalive: 0s}\n"
                        << "  warm: {runtime: provided.al2023, handler: echo, code: \""
                        << THAW_BENCH_ECHO_DIR << "\"}\n"
                        << "settings: {isolation: " << isolation << "}\n";
  std::string error;
  server->process = ChildProcess::Start(
      {THAW_BENCH_THAW_PATH, "serve", "--port", "0", "--quiet", "--config", config.string()},
      (dir / (isolation + ".out")).string(), &error);
  std::string line;
  if (!server->process ||
      !server->process->WaitForLine("listening", std::chrono::seconds(20), &line, &error)) {
    std::fprintf(stderr, "thaw_sandbox_bench: thaw serve (%s): %s\n", isolation.c_str(),
                 error.c_str());
    return false;
  }
  server->port = PortFromLine(line);
  return server->port != 0;
}

// Milliseconds one invoke took; negative when it failed.
double TimeInvoke(testing::HttpClient& client, const char* target) {
  const auto start = Clock::now();
  const testing::HttpResult result = client.Post(target, "{}");
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (result.status != 200) {
    std::fprintf(stderr, "thaw_sandbox_bench: %s: %d %s%s\n", target, result.status,
                 result.error.c_str(), result.body.c_str());
    return -1;
  }
  return ms;
}

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(p * static_cast<double>(values.size() - 1))];
}

}  // namespace
}  // namespace thaw::bench

int main(int argc, char** argv) {
  using namespace thaw::bench;
  int cold = 200;
  int warm = 2000;
  bool quick = false;
  CLI::App app{
      "Cold starts and warm invokes with settings.isolation sandbox vs process, alternating, in\n"
      "one run. 1 when a measurement failed, 2 on a usage error.",
      "thaw_sandbox_bench"};
  CLI::Option* quick_flag = app.add_flag("--quick", quick, "30 cold starts and 200 warm invokes");
  app.add_option("--cold", cold, "cold starts of each side")
      ->check(CLI::PositiveNumber)
      ->excludes(quick_flag)
      ->capture_default_str();
  app.add_option("--warm", warm, "warm invokes of each side")
      ->check(CLI::PositiveNumber)
      ->excludes(quick_flag)
      ->capture_default_str();
  if (auto exit_code = ParseCommandLine(app, argc, argv)) return *exit_code;
  if (quick) {
    cold = 30;
    warm = 200;
  }
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("thaw-sandbox-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  Server process;
  Server sandbox;
  if (!StartServer(dir, "process", &process) || !StartServer(dir, "sandbox", &sandbox)) return 1;
  thaw::testing::HttpClient process_client(process.port, std::chrono::seconds(30));
  thaw::testing::HttpClient sandbox_client(sandbox.port, std::chrono::seconds(30));

  std::vector<double> cold_process, cold_sandbox, warm_process, warm_sandbox;
  // Alternating, so both see the same machine; a few unrecorded rounds first.
  for (int i = -5; i < cold; ++i) {
    const double p = TimeInvoke(process_client, kColdTarget);
    const double s = TimeInvoke(sandbox_client, kColdTarget);
    if (p < 0 || s < 0) return 1;
    if (i < 0) continue;
    cold_process.push_back(p);
    cold_sandbox.push_back(s);
  }
  for (int i = -50; i < warm; ++i) {
    const double p = TimeInvoke(process_client, kWarmTarget);
    const double s = TimeInvoke(sandbox_client, kWarmTarget);
    if (p < 0 || s < 0) return 1;
    if (i < 0) continue;
    warm_process.push_back(p);
    warm_sandbox.push_back(s);
  }
  process.process->Stop(std::chrono::seconds(2));
  sandbox.process->Stop(std::chrono::seconds(2));
  std::filesystem::remove_all(dir);

  const double cold_p50_process = Percentile(cold_process, 0.5);
  const double cold_p50_sandbox = Percentile(cold_sandbox, 0.5);
  const double warm_p50_process = Percentile(warm_process, 0.5);
  const double warm_p50_sandbox = Percentile(warm_sandbox, 0.5);
  std::printf("cold start (%d each, echo function, end to end)\n", cold);
  std::printf("  process  p50 %7.2f ms  p90 %7.2f ms\n", cold_p50_process,
              Percentile(cold_process, 0.9));
  std::printf("  sandbox  p50 %7.2f ms  p90 %7.2f ms\n", cold_p50_sandbox,
              Percentile(cold_sandbox, 0.9));
  std::printf("  sandbox extra: %+.2f ms at p50 (target <= +%.0f ms: %s), ratio %.2f\n",
              cold_p50_sandbox - cold_p50_process, kTargetColdExtraMs,
              cold_p50_sandbox - cold_p50_process <= kTargetColdExtraMs ? "met" : "NOT met",
              cold_p50_sandbox / cold_p50_process);
  std::printf("warm invoke (%d each)\n", warm);
  std::printf("  process  p50 %7.3f ms\n  sandbox  p50 %7.3f ms\n  ratio %.2f\n", warm_p50_process,
              warm_p50_sandbox, warm_p50_sandbox / warm_p50_process);
  return 0;
}
