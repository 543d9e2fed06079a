// thaw_vtime_bench: what virtual time (emulator/vtime: the clock preload in every instance)
// costs a warm invoke when nothing was advanced, in one run. Two `thaw serve` children, one with
// settings.virtual_time: true and one with false, serve the same functions (the echo function's
// `clock` handler, which reads six clocks, and a Node.js handler reading its clocks and setting a
// timer); invokes alternate between them. It reports (never asserts) the p50 and p90 of each and
// their ratio (target: within noise, issue 18).
// Exit codes: 0 when every measurement completed, 1 when one failed, 2 on a usage error.
//
//   thaw_vtime_bench [--quick] [--warm N]
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

namespace thaw::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Server {
  std::unique_ptr<ChildProcess> process;
  uint16_t port = 0;
};

bool StartServer(const std::filesystem::path& dir, bool virtual_time, Server* server) {
  const std::string name = virtual_time ? "virtual" : "real";
  const std::filesystem::path config = dir / (name + ".yaml");
  std::ofstream(config) << "functions:\n"
                        << "  cpp: {runtime: provided.al2023, handler: clock, code: \""
                        << THAW_BENCH_ECHO_DIR << "\"}\n"
                        << "  node: {runtime: nodejs20.x, handler: clock.handler, code: \""
                        << THAW_BENCH_VTIME_DIR << "\"}\n"
                        << "settings: {virtual_time: " << (virtual_time ? "true" : "false")
                        << "}\n";
  std::string error;
  server->process = ChildProcess::Start(
      {THAW_BENCH_THAW_PATH, "serve", "--port", "0", "--quiet", "--config", config.string()},
      (dir / (name + ".out")).string(), &error);
  std::string line;
  if (!server->process ||
      !server->process->WaitForLine("listening", std::chrono::seconds(20), &line, &error)) {
    std::fprintf(stderr, "thaw_vtime_bench: thaw serve (%s): %s\n", name.c_str(), error.c_str());
    return false;
  }
  server->port = PortFromLine(line);
  return server->port != 0;
}

// Milliseconds one invoke took; negative when it failed.
double TimeInvoke(testing::HttpClient& client, const std::string& target) {
  const auto start = Clock::now();
  const testing::HttpResult result = client.Post(target, "{}");
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (result.status != 200) {
    std::fprintf(stderr, "thaw_vtime_bench: %s: %d %s%s\n", target.c_str(), result.status,
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
  int warm = 2000;
  bool quick = false;
  CLI::App app{
      "Warm invokes with settings.virtual_time on vs off (no advance), alternating. 1 when a\n"
      "measurement failed, 2 on a usage error.",
      "thaw_vtime_bench"};
  CLI::Option* quick_flag = app.add_flag("--quick", quick, "200 warm invokes of each side");
  app.add_option("--warm", warm, "warm invokes of each side")
      ->check(CLI::PositiveNumber)
      ->excludes(quick_flag)
      ->capture_default_str();
  if (auto exit_code = ParseCommandLine(app, argc, argv)) return *exit_code;
  if (quick) warm = 200;
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("thaw-vtime-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  Server on;
  Server off;
  if (!StartServer(dir, true, &on) || !StartServer(dir, false, &off)) return 1;
  thaw::testing::HttpClient on_client(on.port, std::chrono::seconds(30));
  thaw::testing::HttpClient off_client(off.port, std::chrono::seconds(30));

  for (const std::string function : {"cpp", "node"}) {
    const std::string target = "/2015-03-31/functions/" + function + "/invocations";
    std::vector<double> with, without;
    // Alternating, so both see the same machine; a few unrecorded rounds first (the cold start).
    for (int i = -50; i < warm; ++i) {
      const double a = TimeInvoke(on_client, target);
      const double b = TimeInvoke(off_client, target);
      if (a < 0 || b < 0) return 1;
      if (i < 0) continue;
      with.push_back(a);
      without.push_back(b);
    }
    const double p50_on = Percentile(with, 0.5);
    const double p50_off = Percentile(without, 0.5);
    std::printf("warm invoke, %s (%d each, no advance)\n", function.c_str(), warm);
    std::printf("  virtual_time: false  p50 %7.3f ms  p90 %7.3f ms\n", p50_off,
                Percentile(without, 0.9));
    std::printf("  virtual_time: true   p50 %7.3f ms  p90 %7.3f ms\n", p50_on,
                Percentile(with, 0.9));
    std::printf("  ratio %.3f (target: within noise)\n", p50_on / p50_off);
  }
  on.process->Stop(std::chrono::seconds(2));
  off.process->Stop(std::chrono::seconds(2));
  std::filesystem::remove_all(dir);
  return 0;
}
