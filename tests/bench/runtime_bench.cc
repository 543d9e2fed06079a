// thaw_runtime_bench: thaw's Node.js and Python runtimes, each a real process per instance,
// against an in-process baseline measured in the same run, with one load generator and
// interleaved rounds. It reports; it never asserts a target. Exit codes: 0 when every measurement
// completed (targets met or not), 1 when one failed, 2 on a usage error.
//
//   thaw_runtime_bench [--quick] [--reps N] [--thaw PATH] [--sls-dir DIR] [--python PATH]
//                      [--no-freeze] [--b-thaw PATH] [--b-runtimes DIR] [--b-env NAME=VALUE]...
//                      [--b-no-freeze]
//
// The handler is the same trivial echo on every side: `async (e) => e` for Node.js,
// `def echo(event, context): return event` for Python.
//   node:   thaw (nodejs20.x, thaw's bootstrap.mjs) vs serverless-offline --useInProcess, the
//           handler run inside serverless-offline's own process (installed by
//           scripts/install-bench-deps.sh into DIR/node_modules; skipped when missing);
//   python: thaw (python3.11, thaw's bootstrap.py) vs the floor: a bare python3 HTTP loop (the
//           standard library's ThreadingHTTPServer, no logging) calling the handler in process,
//           with the interpreter thaw runs functions with.
// Each side: p50/p99 at 1 connection, then throughput at 8 connections (after a warm-up that
// lets thaw spawn its instances), repeated, in rounds that visit every side.
//
// An A/B of thaw itself: --b-thaw (another build), --b-runtimes (bootstraps from another
// directory, as THAW_RUNTIMES_DIR), --b-env (its environment) or --b-no-freeze starts a second
// `thaw serve` so changed, measured as two more sides in the same rounds; the report adds each
// runtime's B/A ratio. Drift of the machine between rounds then moves A and B alike, which separate
// runs of the bench do not promise.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/bench/bench_cli.h"
#include "tests/bench/child_process.h"
#include "tests/bench/load_generator.h"

#ifndef THAW_BENCH_THAW_PATH
#define THAW_BENCH_THAW_PATH "thaw"
#endif
#ifndef THAW_BENCH_SLS_DIR
#define THAW_BENCH_SLS_DIR "tests/bench/serverless_offline"
#endif

namespace thaw::bench {
namespace {

using Json = nlohmann::ordered_json;
using std::chrono::milliseconds;

constexpr char kPayload[] = R"({"hello":"thaw","n":1})";
constexpr int kHighConcurrency = 8;
// Targets (reported, never asserted): thaw's p50 at c1 at most the baseline's, and at c8 at
// least this share of its throughput.
constexpr double kTargetC8Share = 0.7;
// The freeze (SIGSTOP/SIGCONT per invoke) costs at most 10% of the p50 at c1 (--b-no-freeze).
constexpr double kTargetFreezeCost = 1.10;

constexpr char kNodeHandler[] = "export const echo = async (e) => e;\n";
constexpr char kPythonHandler[] = "def echo(event, context):\n    return event\n";
// The floor: the handler called in process behind the standard library's HTTP server.
constexpr char kPythonFloor[] = R"PY(import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, sys.argv[1])
from handler import echo


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The header and the body are two writes: without TCP_NODELAY the body waits for an ACK.
    disable_nagle_algorithm = True

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        answer = json.dumps(echo(json.loads(body) if body else {}, None)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print("listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
server.serve_forever()
)PY";

struct Options {
  bool quick = false;
  int reps = 0;  // 0: the plan's
  bool freeze = true;
  // The B thaw: started when any is set.
  std::string b_thaw;
  std::string b_runtimes;
  std::vector<std::string> b_env;  // NAME=VALUE
  bool b_freeze = true;
  std::string thaw = THAW_BENCH_THAW_PATH;
  std::string sls_dir = THAW_BENCH_SLS_DIR;
  std::string python = "/usr/bin/python3";
};

struct Plan {
  int reps;
  milliseconds c1_run;
  milliseconds c8_run;
  milliseconds warmup;
};

Plan MakePlan(bool quick) {
  if (quick) return Plan{1, milliseconds(500), milliseconds(700), milliseconds(400)};
  return Plan{5, milliseconds(1500), milliseconds(2000), milliseconds(1500)};
}

struct Sample {
  double rps = 0;
  double p50_us = 0;
  double p99_us = 0;
};

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[(values.size() - 1) / 2];
}

// One server measured: how to start it, where to send, and what it measured.
struct Side {
  std::string name;
  std::string target;
  std::vector<std::string> argv;
  milliseconds start_timeout{10000};
  std::unique_ptr<ChildProcess> process;
  uint16_t port = 0;
  bool skipped = false;
  std::string skip_reason;
  std::vector<Sample> c1;
  std::vector<Sample> c8;
  // Served by `thaw serve` number 0 (A) or 1 (B); -1: by its own process (argv).
  int thaw_server = -1;

  double P50() const {
    std::vector<double> v;
    for (const Sample& s : c1) v.push_back(s.p50_us);
    return Median(v);
  }
  double P99() const {
    std::vector<double> v;
    for (const Sample& s : c1) v.push_back(s.p99_us);
    return Median(v);
  }
  double C1Rps() const {
    std::vector<double> v;
    for (const Sample& s : c1) v.push_back(s.rps);
    return Median(v);
  }
  double C8Rps() const {
    std::vector<double> v;
    for (const Sample& s : c8) v.push_back(s.rps);
    return Median(v);
  }
  Json ToJson() const {
    if (skipped) return Json{{"skipped", skip_reason}};
    return Json{
        {"c1_rps", C1Rps()}, {"c1_p50_us", P50()}, {"c1_p99_us", P99()}, {"c8_rps", C8Rps()}};
  }
};

Side NewSide(std::string name, std::string target) {
  Side side;
  side.name = std::move(name);
  side.target = std::move(target);
  return side;
}

// A port free now (the kernel's choice), for servers that must be told one.
uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

class Bench {
 public:
  Bench(Options options, Plan plan) : options_(std::move(options)), plan_(plan) {}
  ~Bench() {
    for (Side& side : sides_) side.process.reset();
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  int Main() {
    if (!Prepare() || !Start() || !Measure()) {
      std::fprintf(stderr, "thaw_runtime_bench: MEASUREMENT FAILED: %s\n", failure_.c_str());
      return 1;
    }
    for (Side& side : sides_) {
      if (side.process) side.process->Stop(milliseconds(3000));
    }
    Report();
    return 0;
  }

 private:
  bool Fail(const std::string& what) {
    failure_ = what;
    return false;
  }

  static void Progress(const std::string& line) {
    std::fprintf(stderr, "[thaw_runtime_bench] %s\n", line.c_str());
  }

  bool Prepare() {
    char dir_template[] = "/tmp/thaw-runtime-bench-XXXXXX";
    if (::mkdtemp(dir_template) == nullptr) return Fail(std::string("mkdtemp: ") + strerror(errno));
    dir_ = dir_template;
    // fn/: the functions' code (thaw's and the floor's); sls/: serverless-offline's project.
    const std::string fn_dir = dir_ + "/fn";
    const std::string sls_dir = dir_ + "/sls";
    std::error_code mkdir_error;
    std::filesystem::create_directories(fn_dir, mkdir_error);
    std::filesystem::create_directories(sls_dir, mkdir_error);
    auto write = [this](const std::string& name, const std::string& text) {
      std::ofstream out(dir_ + "/" + name);
      out << text;
      return static_cast<bool>(out);
    };
    auto config = [&](bool freeze) {
      return std::string("# Generated by thaw_runtime_bench.\n") +
             "functions:\n"
             "  node: {runtime: nodejs20.x, handler: handler.echo, code: \"" +
             fn_dir +
             "\", memory: 256, timeout: 10}\n"
             "  python: {runtime: python3.11, handler: handler.echo, code: \"" +
             fn_dir + "\", python: \"" + options_.python +
             "\", memory: 256, timeout: 10}\n"
             "settings:\n"
             "  account_concurrency: 1000\n"
             "  freeze: " +
             (freeze ? "true" : "false") + "\n";
    };
    const std::string serverless =
        "service: thawbench\n"
        "frameworkVersion: '3'\n"
        "provider: {name: aws, runtime: nodejs20.x, region: us-east-1}\n"
        "plugins: [serverless-offline]\n"
        "functions:\n"
        "  echo: {handler: handler.echo}\n";
    if (!write("fn/handler.mjs", kNodeHandler) || !write("fn/handler.py", kPythonHandler) ||
        !write("sls/handler.mjs", kNodeHandler) || !write("floor.py", kPythonFloor) ||
        !write("thaw.yaml", config(options_.freeze)) ||
        (HasB() && !write("thaw-b.yaml", config(options_.b_freeze))) ||
        !write("sls/serverless.yml", serverless)) {
      return Fail("cannot write the functions into " + dir_);
    }
    if (::access(options_.thaw.c_str(), X_OK) != 0) {
      return Fail("thaw binary not executable: " + options_.thaw + " (pass --thaw PATH)");
    }

    Side thaw_node = NewSide("thaw node", "/2015-03-31/functions/node/invocations");
    thaw_node.thaw_server = 0;
    Side sls = NewSide("serverless-offline --useInProcess",
                       "/2015-03-31/functions/thawbench-dev-echo/invocations");
    sls.start_timeout = milliseconds(60000);
    const std::filesystem::path modules =
        std::filesystem::absolute(options_.sls_dir) / "node_modules";
    const std::filesystem::path sls_bin = modules / "serverless" / "bin" / "serverless.js";
    if (!std::filesystem::exists(sls_bin)) {
      sls.skipped = true;
      sls.skip_reason = "not installed (" + sls_bin.string() +
                        "): run scripts/install-bench-deps.sh, as `make bench` does";
    } else {
      std::error_code ec;
      std::filesystem::create_directory_symlink(modules, sls_dir + "/node_modules", ec);
      if (ec) return Fail("cannot link " + modules.string() + ": " + ec.message());
      // Telemetry, update checks and notifications off: nothing of serverless leaves the machine.
      const std::string command =
          "cd " + ShellQuote(sls_dir) +
          " && exec env SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off "
          "SLS_DEPRECATION_DISABLE='*' SLS_INTERACTIVE_SETUP_DISABLE=1 node " +
          ShellQuote(sls_bin.string()) +
          " offline start --useInProcess --noTimeout --host 127.0.0.1 --lambdaPort " +
          std::to_string(FreePort()) + " --httpPort " + std::to_string(FreePort()) +
          " --websocketPort " + std::to_string(FreePort()) + " --albPort " +
          std::to_string(FreePort()) + " 2>&1";
      sls.argv = {"/bin/sh", "-c", command};
    }
    Side thaw_python = NewSide("thaw python", "/2015-03-31/functions/python/invocations");
    thaw_python.thaw_server = 0;
    Side floor = NewSide("python3 floor (http.server, in process)", "/");
    floor.argv = {options_.python, "-B", dir_ + "/floor.py", fn_dir};
    sides_.push_back(std::move(thaw_node));
    sides_.push_back(std::move(sls));
    sides_.push_back(std::move(thaw_python));
    sides_.push_back(std::move(floor));
    if (HasB()) {
      for (int i : {0, 2}) {
        Side b = NewSide(sides_[i].name + " [B]", sides_[i].target);
        b.thaw_server = 1;
        sides_.push_back(std::move(b));
      }
    }
    return true;
  }

  bool HasB() const {
    return !options_.b_thaw.empty() || !options_.b_runtimes.empty() || !options_.b_env.empty() ||
           !options_.b_freeze;
  }

  // One `thaw serve`: A with thaw.yaml; B with thaw-b.yaml and, when set, B's binary and runtimes.
  bool StartThaw(int which, uint16_t* port) {
    std::vector<std::string> argv;
    if (which == 1) {
      argv = {"/usr/bin/env"};
      if (!options_.b_runtimes.empty()) argv.push_back("THAW_RUNTIMES_DIR=" + options_.b_runtimes);
      argv.insert(argv.end(), options_.b_env.begin(), options_.b_env.end());
    }
    const std::string config = dir_ + (which == 0 ? "/thaw.yaml" : "/thaw-b.yaml");
    const std::string out = dir_ + (which == 0 ? "/thaw.out" : "/thaw-b.out");
    for (const std::string& arg :
         {which == 1 && !options_.b_thaw.empty() ? options_.b_thaw : options_.thaw,
          std::string("serve"), std::string("--config"), config, std::string("--port"),
          std::string("0"), std::string("--quiet"), std::string("--no-watch")}) {
      argv.push_back(arg);
    }
    const std::string name = which == 0 ? "thaw serve" : "thaw serve [B]";
    std::string error;
    std::string line;
    auto process = ChildProcess::Start(argv, out, &error);
    if (!process) return Fail("cannot start " + name + ": " + error);
    if (!process->WaitForLine("listening on", milliseconds(10000), &line, &error)) {
      return Fail(name + ": " + error + " (its output: " + out + ")");
    }
    *port = PortFromLine(line);
    if (*port == 0) return Fail(name + ": no port in '" + line + "'");
    Progress(name + " on :" + std::to_string(*port));
    thaws_.push_back(std::move(process));
    return true;
  }

  bool Start() {
    uint16_t thaw_ports[2] = {0, 0};
    for (int which = 0; which < (HasB() ? 2 : 1); ++which) {
      if (!StartThaw(which, &thaw_ports[which])) return false;
    }
    std::string error;
    std::string line;
    for (Side& side : sides_) {
      if (side.skipped) continue;
      if (side.thaw_server >= 0) {
        side.port = thaw_ports[side.thaw_server];
        continue;
      }
      const std::string out = dir_ + "/side" + std::to_string(&side - sides_.data()) + ".out";
      side.process = ChildProcess::Start(side.argv, out, &error);
      if (!side.process) return Fail("cannot start " + side.name + ": " + error);
      if (!side.process->WaitForLine("listening on", side.start_timeout, &line, &error)) {
        return Fail(side.name + ": " + error + " (its output: " + out + ")");
      }
      side.port = PortFromLine(line);
      if (side.port == 0) return Fail(side.name + ": no port in '" + line + "'");
      Progress(side.name + " on :" + std::to_string(side.port));
    }
    return true;
  }

  static RequestSpec Spec(const Side& side) {
    RequestSpec spec;
    spec.target = side.target;
    spec.body = kPayload;
    // Python's json.dumps adds spaces: the echo is checked by its content, not byte for byte.
    spec.expected_substring = "\"thaw\"";
    return spec;
  }

  // One run on fresh connections (serverless-offline closes a keep-alive connection idle for
  // 5 s, longer than the other sides' runs take), after a warm-up on them.
  bool Run(Side& side, int connections, milliseconds duration, Sample* out) {
    ClientPool pool(side.port, connections, connections > 1 ? 2 : 1);
    std::string error;
    if (!pool.Connect(&error)) return Fail(side.name + ": " + error);
    RunLimits warm;
    warm.max_requests = 100'000'000;
    warm.max_duration = plan_.warmup;
    const RunResult w = pool.Run(Spec(side), warm);
    if (w.failures() > 0 || w.ok == 0) return Fail(side.name + " warm-up: " + w.first_error);
    RunLimits limits = warm;
    limits.max_duration = duration;
    const RunResult r = pool.Run(Spec(side), limits);
    if (r.failures() > 0 || r.ok == 0) {
      return Fail(side.name + " c" + std::to_string(connections) + ": " +
                  std::to_string(r.failures()) + " failures; first: " + r.first_error);
    }
    *out =
        Sample{r.Throughput(), PercentileUs(r.latencies_ns, 50), PercentileUs(r.latencies_ns, 99)};
    return true;
  }

  bool Measure() {
    for (int rep = 1; rep <= plan_.reps; ++rep) {
      for (Side& side : sides_) {
        if (side.skipped) continue;
        Sample s;
        if (!Run(side, 1, plan_.c1_run, &s)) return false;
        side.c1.push_back(s);
        Progress(Fmt(rep, side.name, "c1", s));
      }
      for (Side& side : sides_) {
        if (side.skipped) continue;
        Sample s;
        if (!Run(side, kHighConcurrency, plan_.c8_run, &s)) return false;
        side.c8.push_back(s);
        Progress(Fmt(rep, side.name, "c8", s));
      }
    }
    return true;
  }

  std::string Fmt(int rep, const std::string& name, const char* what, const Sample& s) const {
    char buf[256];
    std::snprintf(buf, sizeof(buf), "rep %d/%d %-40s %s: %7.0f req/s  p50 %6.0f us  p99 %6.0f us",
                  rep, plan_.reps, name.c_str(), what, s.rps, s.p50_us, s.p99_us);
    return buf;
  }

  void Compare(const char* label, const Side& thaw, const Side& base, Json* ratios) const {
    if (base.skipped || thaw.skipped) {
      std::printf("%s: baseline skipped: %s\n", label, base.skip_reason.c_str());
      (*ratios)[label] = Json{{"skipped", base.skip_reason}};
      return;
    }
    const double p50_ratio = base.P50() > 0 ? thaw.P50() / base.P50() : 0;
    const double c8_share = base.C8Rps() > 0 ? thaw.C8Rps() / base.C8Rps() : 0;
    std::printf("%-8s p50 c1: thaw %.0f us / baseline %.0f us = %.2fx (target <= 1.00x: %s)\n",
                label, thaw.P50(), base.P50(), p50_ratio, p50_ratio <= 1.0 ? "met" : "MISSED");
    std::printf("%-8s throughput c8: thaw %.0f/s / baseline %.0f/s = %.2fx (target >= %.2fx: %s)\n",
                label, thaw.C8Rps(), base.C8Rps(), c8_share, kTargetC8Share,
                c8_share >= kTargetC8Share ? "met" : "MISSED");
    (*ratios)[label] = Json{{"p50_thaw_over_base", p50_ratio},
                            {"p50_met", p50_ratio <= 1.0},
                            {"c8_thaw_over_base", c8_share},
                            {"c8_met", c8_share >= kTargetC8Share}};
  }

  std::string BDescription() const {
    std::vector<std::string> parts;
    if (!options_.b_thaw.empty()) parts.push_back("thaw " + options_.b_thaw);
    if (!options_.b_runtimes.empty()) parts.push_back("runtimes from " + options_.b_runtimes);
    parts.insert(parts.end(), options_.b_env.begin(), options_.b_env.end());
    if (!options_.b_freeze) parts.push_back("freeze off");
    std::string text;
    for (const std::string& part : parts) text += (text.empty() ? "" : ", ") + part;
    return text;
  }

  // B against A: the ratio of their medians, and the median of each round's own ratio (a round
  // measures A and B seconds apart, so drift between rounds cancels in it).
  // When B is A with the freeze off and nothing else, also the freeze's target (issue 19): A's
  // p50 at c1 within kTargetFreezeCost of B's, judged on the per-round ratio.
  void CompareB(const char* label, const Side& a, const Side& b, Json* ratios) const {
    const double p50 = a.P50() > 0 ? b.P50() / a.P50() : 0;
    const double c8 = a.C8Rps() > 0 ? b.C8Rps() / a.C8Rps() : 0;
    std::vector<double> p50_rounds;
    std::vector<double> c8_rounds;
    for (size_t i = 0; i < a.c1.size() && i < b.c1.size(); ++i) {
      if (a.c1[i].p50_us > 0) p50_rounds.push_back(b.c1[i].p50_us / a.c1[i].p50_us);
    }
    for (size_t i = 0; i < a.c8.size() && i < b.c8.size(); ++i) {
      if (a.c8[i].rps > 0) c8_rounds.push_back(b.c8[i].rps / a.c8[i].rps);
    }
    std::printf(
        "%-8s B/A: p50 c1 %.0f / %.0f us = %.2fx (per round: median %.2fx), throughput c8 %.0f / "
        "%.0f/s = %.2fx (per round: median %.2fx)\n",
        label, b.P50(), a.P50(), p50, Median(p50_rounds), b.C8Rps(), a.C8Rps(), c8,
        Median(c8_rounds));
    Json ratio = Json{{"p50", p50},
                      {"p50_per_round", Median(p50_rounds)},
                      {"c8", c8},
                      {"c8_per_round", Median(c8_rounds)}};
    const bool freeze_only = options_.freeze && !options_.b_freeze && options_.b_thaw.empty() &&
                             options_.b_runtimes.empty() && options_.b_env.empty();
    if (freeze_only && Median(p50_rounds) > 0) {
      const double cost = 1.0 / Median(p50_rounds);
      const bool met = cost <= kTargetFreezeCost;
      std::printf("%-8s freeze's cost: p50 c1 with / without = %.2fx (target <= %.2fx: %s)\n",
                  label, cost, kTargetFreezeCost, met ? "met" : "MISSED");
      ratio["freeze_cost"] = cost;
      ratio["freeze_cost_met"] = met;
    }
    (*ratios)[std::string(label) + "_b_over_a"] = std::move(ratio);
  }

  void Report() const {
    std::printf(
        "\nthaw_runtime_bench (%s, freeze %s): payload %s, every answer checked; median "
        "over %d interleaved round(s)\n\n",
        options_.quick ? "--quick" : "full", options_.freeze ? "on" : "off", kPayload, plan_.reps);
    std::printf("%-42s %10s %10s %10s %10s\n", "side", "c1 req/s", "c1 p50 us", "c1 p99 us",
                "c8 req/s");
    Json sides = Json::object();
    for (const Side& side : sides_) {
      if (side.skipped) {
        std::printf("%-42s skipped: %s\n", side.name.c_str(), side.skip_reason.c_str());
      } else {
        std::printf("%-42s %10.0f %10.0f %10.0f %10.0f\n", side.name.c_str(), side.C1Rps(),
                    side.P50(), side.P99(), side.C8Rps());
      }
      sides[side.name] = side.ToJson();
    }
    std::printf("\n");
    Json ratios = Json::object();
    Compare("node", sides_[0], sides_[1], &ratios);
    Compare("python", sides_[2], sides_[3], &ratios);
    if (HasB()) {
      std::printf("\nB: %s\n", BDescription().c_str());
      CompareB("node", sides_[0], sides_[4], &ratios);
      CompareB("python", sides_[2], sides_[5], &ratios);
    }
    const Json json = {{"bench", "runtime"},        {"mode", options_.quick ? "quick" : "full"},
                       {"freeze", options_.freeze}, {"b", HasB() ? Json(BDescription()) : Json()},
                       {"reps", plan_.reps},        {"sides", sides},
                       {"ratios", ratios}};
    std::printf("\n%s\n", json.dump().c_str());
    std::fflush(stdout);
  }

  const Options options_;
  const Plan plan_;
  std::string dir_;
  std::string failure_;
  std::vector<std::unique_ptr<ChildProcess>> thaws_;
  std::vector<Side> sides_;
};

// Declares the command line on CLI11 (bench_cli.h: --help 0, a usage error 2).
std::optional<int> ParseOptions(int argc, char** argv, Options* options) {
  CLI::App app{
      "thaw's Node.js and Python runtimes against in-process baselines (serverless-offline\n"
      "--useInProcess, a bare python3 HTTP loop), interleaved. Prints a table and one JSON line.\n"
      "Exit 0 when every measurement completed (targets are reported, not asserted), 1 when a\n"
      "measurement failed, 2 on a usage error.",
      "thaw_runtime_bench"};
  app.add_flag("--quick", options->quick, "a few seconds (CI); default is about a minute");
  app.add_option("--reps", options->reps, "rounds (default: 5, --quick 1); each visits every side")
      ->check(CLI::Range(1, 1000));
  app.add_option("--thaw", options->thaw, "the thaw binary")->capture_default_str();
  app.add_option("--sls-dir", options->sls_dir,
                 "where serverless-offline is installed (DIR/node_modules); missing: the Node.js "
                 "baseline is skipped")
      ->capture_default_str();
  app.add_option("--python", options->python,
                 "the interpreter of thaw's Python function and of the floor")
      ->capture_default_str();
  bool no_freeze = false;
  app.add_flag("--no-freeze", no_freeze, "measure thaw with settings.freeze: false");
  app.add_option("--b-thaw", options->b_thaw,
                 "A/B: also measure a second thaw binary (another build), in the same rounds")
      ->check(CLI::ExistingFile);
  app.add_option("--b-runtimes", options->b_runtimes,
                 "A/B: also measure a second thaw whose bootstraps come from DIR (as "
                 "THAW_RUNTIMES_DIR=DIR), in the same rounds")
      ->check(CLI::ExistingDirectory);
  app.add_option("--b-env", options->b_env,
                 "A/B: NAME=VALUE in the second thaw's environment (repeat for more)")
      ->check([](const std::string& value) {
        return value.find('=') == std::string::npos || value.front() == '='
                   ? std::string("expected NAME=VALUE")
                   : std::string();
      });
  bool b_no_freeze = false;
  app.add_flag("--b-no-freeze", b_no_freeze,
               "A/B: also measure a second thaw with settings.freeze: false, in the same rounds");
  if (auto exit_code = ParseCommandLine(app, argc, argv)) return exit_code;
  options->freeze = !no_freeze;
  options->b_freeze = !b_no_freeze;
  return std::nullopt;
}

}  // namespace
}  // namespace thaw::bench

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  thaw::bench::Options options;
  if (auto exit_code = thaw::bench::ParseOptions(argc, argv, &options)) return *exit_code;
  thaw::bench::Plan plan = thaw::bench::MakePlan(options.quick);
  if (options.reps > 0) plan.reps = options.reps;
  thaw::bench::Bench bench(options, plan);
  return bench.Main();
}
