// thaw_soak_bench: a long run of warm invokes through `thaw serve`, to show that thaw's memory
// and descriptors stay flat however many invokes it answers, and that its counters stay exact.
//
//   thaw_soak_bench [--invokes N] [--windows W] [--connections C] [--ledger-window N]
//                   [--max-rss-mb M] [--max-slope-kb K] [--thaw PATH] [--echo-dir DIR]
//
// It starts one `thaw serve` child (the echo function, freeze on), warms one instance per
// connection, then sends N invokes (default 10,000,000) at C connections (default 4) in W
// equal windows (default 10). After each window it reports thaw's RSS, its open descriptors and
// the window's p50/p99 latency and throughput. At the end it reads /_thaw/metrics and
// /_thaw/instances and checks that the invocations counted are exactly the invokes answered.
// It also reports the RSS slope after the first window (KB per million invokes) and the ledger's
// events per invoke.
//
// Exit codes: 0 when every invoke answered the echo, the counts are exact and the RSS stayed within
// --max-rss-mb (default 200) and grew at most --max-slope-kb per million invokes after the first
// window (default: no slope bound); 1 otherwise; 2 on a usage error. CTest's soak.quick runs a
// scaled-down version (20,000 invokes) with the bounds.
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/bench/child_process.h"
#include "tests/bench/load_generator.h"
#include "tests/util/proc_stats.h"

#ifndef THAW_BENCH_THAW_PATH
#define THAW_BENCH_THAW_PATH "thaw"
#endif
#ifndef THAW_BENCH_ECHO_DIR
#define THAW_BENCH_ECHO_DIR "samples/echo"
#endif

namespace thaw::bench {
namespace {

using std::chrono::milliseconds;
using ::thaw::testing::ReadRssKb;

constexpr char kEchoTarget[] = "/2015-03-31/functions/echo/invocations";
constexpr char kPayload[] = "{}";

struct Options {
  uint64_t invokes = 10'000'000;
  int windows = 10;
  int connections = 4;
  // Passed to `thaw serve --ledger-window` when set; thaw's default otherwise.
  std::optional<uint64_t> ledger_window;
  long max_rss_mb = 200;
  // KB of RSS per million invokes after the first window; negative: not checked.
  double max_slope_kb = -1;
  std::string thaw = THAW_BENCH_THAW_PATH;
  std::string echo_dir = THAW_BENCH_ECHO_DIR;
};

struct Window {
  uint64_t invokes = 0;
  double seconds = 0;
  double p50_us = 0;
  double p99_us = 0;
  long rss_kb = 0;
  int fds = 0;
};

constexpr char kUsage[] =
    "usage: thaw_soak_bench [--invokes N] [--windows W] [--connections C] [--ledger-window N]\n"
    "                       [--max-rss-mb M] [--max-slope-kb K] [--thaw PATH] [--echo-dir DIR]\n"
    "  --invokes N         warm invokes to send (default 10000000)\n"
    "  --windows W         report RSS, descriptors and latency W times (default 10)\n"
    "  --connections C     concurrent keep-alive connections (default 4)\n"
    "  --ledger-window N   pass --ledger-window N to thaw serve (default: thaw's default)\n"
    "  --max-rss-mb M      fail when thaw's RSS exceeds M MB at any window (default 200)\n"
    "  --max-slope-kb K    fail when RSS grows more than K KB per million invokes after the\n"
    "                      first window (default: reported, not checked)\n"
    "Exit 0 when every invoke answered 200, the counts are exact and the bounds held; 1\n"
    "otherwise; 2 on a usage error.\n";

// Open descriptors of `pid`, from /proc/<pid>/fd; -1 when unavailable.
int CountFds(pid_t pid) {
  DIR* dir = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (dir == nullptr) return -1;
  int n = 0;
  while (const dirent* entry = ::readdir(dir)) n += entry->d_name[0] != '.';
  ::closedir(dir);
  return n;
}

class Soak {
 public:
  explicit Soak(Options options) : options_(std::move(options)) {}
  ~Soak() {
    thaw_.reset();
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  int Main() {
    if (!Start() || !Warm() || !Run() || !Check()) {
      std::fprintf(stderr, "thaw_soak_bench: FAILED: %s\n", failure_.c_str());
      return 1;
    }
    return 0;
  }

 private:
  bool Fail(const std::string& what) {
    failure_ = what;
    return false;
  }

  static void Progress(const char* format, ...) __attribute__((format(printf, 1, 2))) {
    va_list args;
    va_start(args, format);
    std::fputs("[soak] ", stderr);
    std::vfprintf(stderr, format, args);
    std::fputc('\n', stderr);
    va_end(args);
  }

  bool Start() {
    if (::access(options_.thaw.c_str(), X_OK) != 0) {
      return Fail("thaw binary not executable: " + options_.thaw + " (pass --thaw PATH)");
    }
    char dir_template[] = "/tmp/thaw-soak-XXXXXX";
    if (::mkdtemp(dir_template) == nullptr) return Fail("mkdtemp failed");
    dir_ = dir_template;
    const std::string config_path = dir_ + "/thaw.yaml";
    {
      std::ofstream config(config_path);
      config << "# Generated by thaw_soak_bench.\n"
             << "functions:\n"
             << "  echo:\n"
             << "    runtime: provided.al2023\n"
             << "    handler: echo\n"
             << "    code: \"" << std::filesystem::absolute(options_.echo_dir).string() << "\"\n"
             << "    memory: 128\n"
             << "    timeout: 10\n"
             << "settings:\n"
             << "  account_concurrency: 1000\n";
      if (!config) return Fail("cannot write " + config_path);
    }
    std::vector<std::string> argv = {options_.thaw, "serve", "--config", config_path,
                                     "--port",      "0",     "--quiet",  "--no-watch"};
    if (options_.ledger_window) {
      argv.push_back("--ledger-window");
      argv.push_back(std::to_string(*options_.ledger_window));
    }
    std::string error;
    std::string line;
    thaw_ = ChildProcess::Start(argv, dir_ + "/thaw.out", &error);
    if (!thaw_) return Fail("cannot start thaw: " + error);
    if (!thaw_->WaitForLine("listening on", milliseconds(10000), &line, &error)) {
      return Fail("thaw serve: " + error);
    }
    port_ = PortFromLine(line);
    if (port_ == 0) return Fail("thaw serve: no port in '" + line + "'");
    Progress("thaw pid %d on :%u, %" PRIu64 " invokes at c%d in %d windows", thaw_->pid(), port_,
             options_.invokes, options_.connections, options_.windows);
    return true;
  }

  static RequestSpec EchoSpec() {
    RequestSpec spec;
    spec.target = kEchoTarget;
    spec.body = kPayload;
    spec.expected_body = kPayload;
    return spec;
  }

  bool CheckRun(const RunResult& r, const std::string& what) {
    if (r.failures() == 0) return true;
    return Fail(what + ": " + std::to_string(r.ok) + " ok, " + std::to_string(r.failures()) +
                " failed; first: " + r.first_error);
  }

  // One instance per connection (cold starts), so the windows measure warm invokes only.
  bool Warm() {
    pool_ = std::make_unique<ClientPool>(port_, options_.connections, 1);
    std::string error;
    if (!pool_->Connect(&error)) return Fail("connect: " + error);
    RunLimits limits;
    limits.per_connection = 20;
    limits.max_duration = milliseconds(30000);
    const RunResult r = pool_->Run(EchoSpec(), limits);
    if (!CheckRun(r, "warm-up")) return false;
    sent_ += r.ok;
    start_rss_kb_ = ReadRssKb(thaw_->pid());
    start_fds_ = CountFds(thaw_->pid());
    Progress("warm: %" PRIu64 " invokes; thaw RSS %ld KB, %d descriptors", r.ok, start_rss_kb_,
             start_fds_);
    return true;
  }

  bool Run() {
    const uint64_t per_window = std::max<uint64_t>(1, options_.invokes / options_.windows);
    std::printf("%-7s %12s %10s %10s %10s %10s %6s\n", "window", "invokes", "invokes/s", "p50 us",
                "p99 us", "RSS KB", "fds");
    for (int w = 0; w < options_.windows; ++w) {
      RunLimits limits;
      limits.max_requests = w + 1 == options_.windows
                                ? options_.invokes - per_window * (options_.windows - 1)
                                : per_window;
      // At least 2 ms an invoke before the time bound stops a window: a stuck thaw fails.
      limits.max_duration = milliseconds(10000 + limits.max_requests * 2);
      const RunResult r = pool_->Run(EchoSpec(), limits);
      // A function error (a 200 whose body is not the echo) is an invocation like any other:
      // counted, reported, and it fails the run at the end, after the measurement.
      if (r.transport_errors > 0 || r.bad_status > 0) {
        return Fail("window " + std::to_string(w + 1) + ": " + std::to_string(r.transport_errors) +
                    " transport errors, " + std::to_string(r.bad_status) +
                    " non-200 answers; first: " + r.first_error);
      }
      if (r.ok + r.bad_body < limits.max_requests) {
        return Fail("window " + std::to_string(w + 1) + " stopped by its time bound");
      }
      if (r.bad_body > 0) {
        Progress("window %d: %" PRIu64 " function errors; first: %s", w + 1, r.bad_body,
                 r.first_error.c_str());
        if (first_function_error_.empty()) first_function_error_ = r.first_error;
      }
      sent_ += r.ok + r.bad_body;
      function_errors_ += r.bad_body;
      Window window{.invokes = r.ok,
                    .seconds = r.elapsed_s,
                    .p50_us = PercentileUs(r.latencies_ns, 50),
                    .p99_us = PercentileUs(r.latencies_ns, 99),
                    .rss_kb = ReadRssKb(thaw_->pid()),
                    .fds = CountFds(thaw_->pid())};
      std::printf("%-7d %12" PRIu64 " %10.0f %10.0f %10.0f %10ld %6d\n", w + 1, sent_,
                  r.Throughput(), window.p50_us, window.p99_us, window.rss_kb, window.fds);
      std::fflush(stdout);
      windows_.push_back(window);
      if (window.rss_kb > options_.max_rss_mb * 1024) {
        return Fail("thaw RSS " + std::to_string(window.rss_kb) + " KB exceeds --max-rss-mb " +
                    std::to_string(options_.max_rss_mb));
      }
    }
    return true;
  }

  // GET `target` on thaw; "" (and a failure) unless it answers 200.
  std::string Get(const std::string& target) {
    std::string body;
    std::string error;
    const int status = FetchOnce(port_, "GET", target, "", milliseconds(10000), &body, &error);
    if (status != 200) {
      Fail("GET " + target + ": " + (status == 0 ? error : "HTTP " + std::to_string(status)));
      return "";
    }
    return body;
  }

  // The value of the Prometheus sample `name{labels}`, or -1.
  static long long Metric(const std::string& text, const std::string& sample) {
    const size_t at = text.find(sample + " ");
    if (at == std::string::npos) return -1;
    return std::strtoll(text.c_str() + at + sample.size() + 1, nullptr, 10);
  }

  bool Check() {
    const std::string metrics = Get("/_thaw/metrics");
    if (metrics.empty()) return false;
    const long long succeeded =
        Metric(metrics, "thaw_invocations_total{function=\"echo\",outcome=\"success\"}");
    // Every outcome's counter: an invoke that failed is counted under its outcome.
    long long counted = 0;
    const std::string prefix = "thaw_invocations_total{function=\"echo\"";
    for (size_t at = metrics.find(prefix); at != std::string::npos;
         at = metrics.find(prefix, at + 1)) {
      counted += std::strtoll(metrics.c_str() + metrics.find("} ", at) + 2, nullptr, 10);
    }
    const long long cold = Metric(metrics, "thaw_cold_starts_total{function=\"echo\"}");
    const long long spawned = Metric(metrics, "thaw_instances_spawned_total{function=\"echo\"}");
    const std::string instances_text = Get("/_thaw/instances");
    if (instances_text.empty()) return false;
    const nlohmann::json instances = nlohmann::json::parse(instances_text, nullptr, false);
    long long per_instance = 0;
    if (instances.is_object()) {
      for (const auto& i : instances["instances"]) per_instance += i.value("invocations", 0LL);
    }
    // since=max: the answer's last_seq is the ledger's last event.
    const std::string tail = Get("/_thaw/events?since=18446744073709551614");
    if (tail.empty()) return false;
    const uint64_t events = nlohmann::json::parse(tail).value("last_seq", uint64_t{0});

    const Window& first = windows_.front();
    const Window& last = windows_.back();
    uint64_t after_first = 0;
    for (size_t i = 1; i < windows_.size(); ++i) after_first += windows_[i].invokes;
    const double slope_kb = after_first > 0 ? static_cast<double>(last.rss_kb - first.rss_kb) *
                                                  1e6 / static_cast<double>(after_first)
                                            : 0;
    long peak_rss = 0;
    int peak_fds = 0;
    for (const Window& w : windows_) {
      peak_rss = std::max(peak_rss, w.rss_kb);
      peak_fds = std::max(peak_fds, w.fds);
    }
    std::printf(
        "\ninvokes answered %" PRIu64 " (%" PRIu64
        " function errors); /_thaw/metrics counts %lld (%lld successes, cold starts %lld, "
        "instances %lld); /_thaw/instances sums %lld\n"
        "ledger events %" PRIu64
        " (%.2f per invoke)\n"
        "thaw RSS %ld KB after warm-up, %ld KB after window 1, %ld KB at the end (peak %ld KB); "
        "slope after window 1: %.0f KB per million invokes\n"
        "descriptors %d after warm-up, %d at the end (peak %d)\n",
        sent_, function_errors_, counted, succeeded, cold, spawned, per_instance, events,
        sent_ > 0 ? static_cast<double>(events) / static_cast<double>(sent_) : 0, start_rss_kb_,
        first.rss_kb, last.rss_kb, peak_rss, slope_kb, start_fds_, last.fds, peak_fds);
    nlohmann::ordered_json json = {{"invokes", sent_},
                                   {"function_errors", function_errors_},
                                   {"counted", counted},
                                   {"succeeded", succeeded},
                                   {"events", events},
                                   {"rss_start_kb", start_rss_kb_},
                                   {"rss_first_window_kb", first.rss_kb},
                                   {"rss_end_kb", last.rss_kb},
                                   {"rss_peak_kb", peak_rss},
                                   {"rss_slope_kb_per_million", slope_kb},
                                   {"fds_start", start_fds_},
                                   {"fds_end", last.fds},
                                   {"p99_us_last_window", last.p99_us}};
    std::printf("%s\n", json.dump().c_str());
    if (counted != static_cast<long long>(sent_)) {
      return Fail("/_thaw/metrics counts " + std::to_string(counted) + " invocations, " +
                  std::to_string(sent_) + " were answered");
    }
    if (succeeded != static_cast<long long>(sent_ - function_errors_)) {
      return Fail("/_thaw/metrics counts " + std::to_string(succeeded) + " successes, " +
                  std::to_string(sent_ - function_errors_) + " invokes answered the echo");
    }
    if (per_instance != static_cast<long long>(sent_)) {
      return Fail("/_thaw/instances sums " + std::to_string(per_instance) + " invocations, " +
                  std::to_string(sent_) + " were answered");
    }
    if (cold != spawned || spawned < 1 || spawned > options_.connections) {
      return Fail("cold starts " + std::to_string(cold) + ", instances " + std::to_string(spawned) +
                  ": expected one per instance, at most one per connection");
    }
    if (last.fds > start_fds_ + 8) {
      return Fail("descriptors grew from " + std::to_string(start_fds_) + " to " +
                  std::to_string(last.fds));
    }
    if (options_.max_slope_kb >= 0 && slope_kb > options_.max_slope_kb) {
      return Fail("RSS grew " + std::to_string(slope_kb) + " KB per million invokes, more than " +
                  std::to_string(options_.max_slope_kb));
    }
    if (function_errors_ > 0) {
      return Fail(
          std::to_string(function_errors_) +
          " invokes answered a function error (counted exactly); first: " + first_function_error_);
    }
    return true;
  }

  const Options options_;
  std::string dir_;
  std::unique_ptr<ChildProcess> thaw_;
  uint16_t port_ = 0;
  std::unique_ptr<ClientPool> pool_;
  // Invokes answered (successes and function errors), and the function errors among them.
  uint64_t sent_ = 0;
  uint64_t function_errors_ = 0;
  std::string first_function_error_;
  long start_rss_kb_ = 0;
  int start_fds_ = 0;
  std::vector<Window> windows_;
  std::string failure_;
};

int ParseOptions(int argc, char** argv, Options* options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    auto number = [&](auto* out, double min) {
      if (value == nullptr) return false;
      char* end = nullptr;
      const double n = std::strtod(value, &end);
      if (*end != '\0' || n < min) return false;
      *out = static_cast<std::remove_pointer_t<decltype(out)>>(n);
      ++i;
      return true;
    };
    bool ok = true;
    if (arg == "--invokes") {
      ok = number(&options->invokes, 1);
    } else if (arg == "--windows") {
      ok = number(&options->windows, 1);
    } else if (arg == "--connections") {
      ok = number(&options->connections, 1);
    } else if (arg == "--ledger-window") {
      uint64_t window = 0;
      ok = number(&window, 0);
      options->ledger_window = window;
    } else if (arg == "--max-rss-mb") {
      ok = number(&options->max_rss_mb, 1);
    } else if (arg == "--max-slope-kb") {
      ok = number(&options->max_slope_kb, 0);
    } else if (arg == "--thaw" && value != nullptr) {
      options->thaw = argv[++i];
    } else if (arg == "--echo-dir" && value != nullptr) {
      options->echo_dir = argv[++i];
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "thaw_soak_bench: bad argument '%s'\n", arg.c_str());
      return 2;
    }
  }
  if (options->windows > static_cast<int>(options->invokes)) options->windows = 1;
  return -1;
}

}  // namespace
}  // namespace thaw::bench

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  thaw::bench::Options options;
  const int parsed = thaw::bench::ParseOptions(argc, argv, &options);
  if (parsed >= 0) {
    if (parsed == 2) std::fputs(thaw::bench::kUsage, stderr);
    return parsed;
  }
  thaw::bench::Soak soak(options);
  return soak.Main();
}
