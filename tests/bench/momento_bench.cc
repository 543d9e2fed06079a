// thaw_momento_bench: the fake Momento's Get/Set, DictionaryGet (one field) and SortedSetFetch
// (by rank, the first 10 of 100, with scores) latency and throughput next to redis-server's
// GET/SET, HGET and ZRANGE 0 9 WITHSCORES (redis-benchmark), measured in the same run on the
// same machine, as ratios. It
// reports; it never asserts. Exit codes: 0 when every measurement completed, 1 when one failed,
// 2 on a usage error. Without redis-server/redis-benchmark the Redis half is reported missing.
//
//   thaw_momento_bench [--quick] [--thaw PATH] [--floor PATH|--no-floor] [--rounds N]
//                      [--momento-port PORT] [--tls] [--only METHOD] [--connections N]
//
// --only measures one method on the gRPC sides (at N connections only, with --connections) and
// prints no ratio: for a profiler attached to the fake (perf stat -p, perf record -p) to see
// that method's calls alone.
//
// Momento side: `thaw momento --port 0 --quiet --cache bench`, driven by a C++ gRPC async client
// (one completion-queue thread; one channel = one TCP connection per concurrent caller, each
// with one call in flight), as the SDK does with one call at a time per connection.
// With --tls, a second `thaw momento --tls` is measured in the same rounds (side "momento_tls",
// the same client over TLS trusting the server's ca.pem), and the TLS cost is printed.
// Redis side: `redis-server` on a free port without persistence, and
// `redis-benchmark -t get,set -n N -c {1|32} -d 3 --csv` (3-byte values, as the Momento side),
// and `redis-benchmark ... --csv HGET ...` / `ZRANGE ...` on a hash and sorted set seeded as the
// Momento side's dictionary and sorted set.
// Floor side ("grpc_floor"): `thaw_grpc_floor` (grpc_floor_server.cc), a bare gRPC server with
// canned answers of the same shapes, driven by the same client: what any gRPC server costs here
// with this client, so thaw/floor is the fake's own share and floor/Redis gRPC's.
// Targets (issues 5 and 15): for each method, p50 at 1 connection <= 2x Redis's; throughput at
// 32 connections >= 0.5x Redis's. Rounds alternate Momento, the floor and Redis; the medians are
// reported.
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"
#include "proto/momento/cacheclient.grpc.pb.h"
#include "tests/bench/bench_cli.h"
#include "tests/bench/child_process.h"

#ifndef THAW_BENCH_THAW_PATH
#define THAW_BENCH_THAW_PATH "thaw"
#endif
#ifndef THAW_BENCH_FLOOR_PATH
#define THAW_BENCH_FLOOR_PATH "thaw_grpc_floor"
#endif

namespace thaw::bench {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;
using std::chrono::milliseconds;

constexpr double kTargetP50Ratio = 2.0;
constexpr double kTargetC32Ratio = 0.5;
constexpr int kHighConcurrency = 32;
constexpr char kCache[] = "bench";
// The collections both sides read: a dictionary (hash) with one 3-byte field value, a sorted set
// of kSortedSetSize members fetched kFetchCount at a time from rank 0.
constexpr char kDictionary[] = "bench-dict";
constexpr char kField[] = "field";
constexpr char kSortedSet[] = "bench-zset";
constexpr int kSortedSetSize = 100;
constexpr int kFetchCount = 10;
// Methods measured, by their Momento names (Redis's results are filed under the same names).
constexpr const char* kMethods[] = {"Get", "Set", "DictionaryGet", "SortedSetFetch"};

std::string Member(int i) {
  char name[16];
  std::snprintf(name, sizeof(name), "m%03d", i);
  return name;
}

struct Options {
  bool quick = false;
  std::string thaw = THAW_BENCH_THAW_PATH;
  // The bare gRPC server; empty: no floor side.
  std::string floor = THAW_BENCH_FLOOR_PATH;
  int rounds = 0;  // 0: the plan's
  // Measure an already running fake Momento on this port (with a cache "bench") instead of
  // starting one; e.g. under a profiler.
  uint16_t momento_port = 0;
  // Also measure `thaw momento --tls`.
  bool tls = false;
  // One of kMethods: only that one, without Redis; empty: all.
  std::string only;
  int connections = 0;  // 0: 1 and kHighConcurrency
};

struct Plan {
  int rounds;
  milliseconds run;     // one Momento measurement
  int redis_requests;   // -n of one redis-benchmark measurement
  milliseconds warmup;  // Momento, per concurrency
};

Plan PlanFor(const Options& options) {
  Plan plan = options.quick ? Plan{1, milliseconds(1000), 20000, milliseconds(200)}
                            : Plan{3, milliseconds(3000), 100000, milliseconds(1000)};
  if (options.rounds > 0) plan.rounds = options.rounds;
  return plan;
}

struct Result {
  double rps = 0;
  double p50_us = 0;
  double p99_us = 0;
  bool ok = false;
};

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

Result MedianOf(const std::vector<Result>& results) {
  Result out;
  std::vector<double> rps, p50, p99;
  for (const Result& r : results) {
    if (!r.ok) return out;
    rps.push_back(r.rps);
    p50.push_back(r.p50_us);
    p99.push_back(r.p99_us);
  }
  out.rps = Median(rps);
  out.p50_us = Median(p50);
  out.p99_us = Median(p99);
  out.ok = !results.empty();
  return out;
}

double Percentile(std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const size_t index = std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()));
  return sorted[index];
}

// One async unary call in flight per connection; completions re-issue at once.
class MomentoLoad {
 public:
  // `roots`: empty for plaintext, else the PEM CA to trust over TLS (as name "localhost").
  MomentoLoad(uint16_t port, int connections, const std::string& roots = "") {
    for (int i = 0; i < connections; ++i) {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // as the SDK: its own connection
      std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
      if (!roots.empty()) {
        args.SetSslTargetNameOverride("localhost");
        grpc::SslCredentialsOptions ssl;
        ssl.pem_root_certs = roots;
        credentials = grpc::SslCredentials(ssl);
      }
      auto channel =
          grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port), credentials, args);
      stubs_.push_back(cache_client::Scs::NewStub(channel));
    }
  }

  // Stores the item Get reads (a hit, as the floor's), and the dictionary and sorted set
  // DictionaryGet and SortedSetFetch read.
  bool Seed() {
    cache_client::DictionarySetRequest dictionary;
    dictionary.set_dictionary_name(kDictionary);
    cache_client::DictionaryFieldValuePair* pair = dictionary.add_items();
    pair->set_field(kField);
    pair->set_value("xxx");
    dictionary.set_ttl_milliseconds(3600000);
    cache_client::SortedSetPutRequest sorted;
    sorted.set_set_name(kSortedSet);
    for (int i = 0; i < kSortedSetSize; ++i) {
      cache_client::SortedSetElement* element = sorted.add_elements();
      element->set_value(Member(i));
      element->set_score(i);
    }
    sorted.set_ttl_milliseconds(3600000);
    auto context = [] {
      auto c = std::make_unique<grpc::ClientContext>();
      c->AddMetadata("cache", kCache);
      c->AddMetadata("authorization", "");
      return c;
    };
    cache_client::SetRequest set;
    set.set_cache_key("key");
    set.set_cache_body("xxx");
    set.set_ttl_milliseconds(3600000);
    cache_client::SetResponse set_response;
    cache_client::DictionarySetResponse dictionary_set;
    cache_client::SortedSetPutResponse sorted_put;
    grpc::Status status = stubs_[0]->Set(context().get(), set, &set_response);
    if (status.ok()) {
      status = stubs_[0]->DictionarySet(context().get(), dictionary, &dictionary_set);
    }
    if (status.ok()) status = stubs_[0]->SortedSetPut(context().get(), sorted, &sorted_put);
    if (!status.ok())
      std::fprintf(stderr, "momento_bench: seed: %s\n", status.error_message().c_str());
    return status.ok();
  }

  // Runs `method` (one of kMethods) for `duration`; latencies of calls that complete in it.
  Result Run(const std::string& method, milliseconds duration) {
    struct Call {
      int slot = 0;
      Clock::time_point start;
      grpc::ClientContext context;
      grpc::Status status;
      cache_client::GetResponse get;
      cache_client::SetResponse set;
      cache_client::DictionaryGetResponse dictionary_get;
      cache_client::SortedSetFetchResponse sorted_fetch;
      std::unique_ptr<grpc::ClientAsyncResponseReader<cache_client::GetResponse>> get_reader;
      std::unique_ptr<grpc::ClientAsyncResponseReader<cache_client::SetResponse>> set_reader;
      std::unique_ptr<grpc::ClientAsyncResponseReader<cache_client::DictionaryGetResponse>>
          dictionary_reader;
      std::unique_ptr<grpc::ClientAsyncResponseReader<cache_client::SortedSetFetchResponse>>
          sorted_reader;
    };
    grpc::CompletionQueue cq;
    cache_client::GetRequest get;
    get.set_cache_key("key");
    cache_client::SetRequest set;
    set.set_cache_key("key");
    set.set_cache_body("xxx");
    set.set_ttl_milliseconds(600000);
    cache_client::DictionaryGetRequest dictionary_get;
    dictionary_get.set_dictionary_name(kDictionary);
    dictionary_get.add_fields(kField);
    cache_client::SortedSetFetchRequest sorted_fetch;
    sorted_fetch.set_set_name(kSortedSet);
    sorted_fetch.set_with_scores(true);
    sorted_fetch.mutable_by_index()->set_inclusive_start_index(0);
    sorted_fetch.mutable_by_index()->set_exclusive_end_index(kFetchCount);
    auto issue = [&](int slot) {
      auto* call = new Call();
      call->slot = slot;
      call->context.AddMetadata("cache", kCache);
      call->context.AddMetadata("authorization", "");
      call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      call->start = Clock::now();
      if (method == "Get") {
        call->get_reader = stubs_[slot]->AsyncGet(&call->context, get, &cq);
        call->get_reader->Finish(&call->get, &call->status, call);
      } else if (method == "DictionaryGet") {
        call->dictionary_reader =
            stubs_[slot]->AsyncDictionaryGet(&call->context, dictionary_get, &cq);
        call->dictionary_reader->Finish(&call->dictionary_get, &call->status, call);
      } else if (method == "SortedSetFetch") {
        call->sorted_reader = stubs_[slot]->AsyncSortedSetFetch(&call->context, sorted_fetch, &cq);
        call->sorted_reader->Finish(&call->sorted_fetch, &call->status, call);
      } else {
        call->set_reader = stubs_[slot]->AsyncSet(&call->context, set, &cq);
        call->set_reader->Finish(&call->set, &call->status, call);
      }
    };
    std::vector<double> latencies;
    latencies.reserve(1 << 20);
    const Clock::time_point start = Clock::now();
    const Clock::time_point end = start + duration;
    for (size_t slot = 0; slot < stubs_.size(); ++slot) issue(static_cast<int>(slot));
    size_t in_flight = stubs_.size();
    bool failed = false;
    void* tag = nullptr;
    bool ok = false;
    while (in_flight > 0 && cq.Next(&tag, &ok)) {
      std::unique_ptr<Call> call(static_cast<Call*>(tag));
      --in_flight;
      const Clock::time_point now = Clock::now();
      if (!ok || !call->status.ok()) {
        std::fprintf(stderr, "momento_bench: %s failed: %s\n", method.c_str(),
                     call->status.error_message().c_str());
        failed = true;
      } else if (method == "DictionaryGet" && !call->dictionary_get.has_found()) {
        std::fprintf(stderr, "momento_bench: DictionaryGet missed (not seeded)\n");
        failed = true;
      } else if (method == "SortedSetFetch" &&
                 call->sorted_fetch.found().values_with_scores().elements_size() != kFetchCount) {
        std::fprintf(stderr, "momento_bench: SortedSetFetch answered the wrong elements\n");
        failed = true;
      } else if (now <= end) {
        latencies.push_back(std::chrono::duration<double, std::micro>(now - call->start).count());
      }
      if (now < end && !failed) {
        issue(call->slot);
        ++in_flight;
      }
    }
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) delete static_cast<Call*>(tag);
    Result result;
    if (failed || latencies.empty()) return result;
    const double seconds = std::chrono::duration<double>(duration).count();
    result.rps = static_cast<double>(latencies.size()) / seconds;
    std::sort(latencies.begin(), latencies.end());
    result.p50_us = Percentile(latencies, 0.50);
    result.p99_us = Percentile(latencies, 0.99);
    result.ok = true;
    return result;
  }

 private:
  std::vector<std::unique_ptr<cache_client::Scs::Stub>> stubs_;
};

// A port nobody listens on right now (redis-server cannot pick one itself).
uint16_t FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::string FindProgram(const std::string& name) {
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/usr/sbin"}) {
    const std::string path = std::string(dir) + "/" + name;
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

// redis-benchmark --csv: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",
// "p95_latency_ms","p99_latency_ms","max_latency_ms" (7.0), one line per test.
// With `command` (a Redis command line), that command instead of the GET/SET tests; its result
// is filed under `name`.
std::map<std::string, Result> RunRedisBenchmark(const std::string& program, uint16_t port,
                                                int connections, int requests,
                                                const std::string& command_line = "",
                                                const std::string& name = "") {
  std::map<std::string, Result> out;
  const std::string command =
      "timeout 120 " + program + " -h 127.0.0.1 -p " + std::to_string(port) +
      (command_line.empty() ? " -t get,set -d 3" : "") + " -n " + std::to_string(requests) +
      " -c " + std::to_string(connections) + " --csv " + command_line + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[1024];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) {
    std::string line(buffer);
    std::vector<std::string> fields;
    std::stringstream stream(line);
    std::string field;
    while (std::getline(stream, field, ',')) {
      field.erase(std::remove(field.begin(), field.end(), '"'), field.end());
      field.erase(std::remove(field.begin(), field.end(), '\n'), field.end());
      fields.push_back(field);
    }
    if (fields.size() < 7 || fields[0] == "test") continue;
    if (command_line.empty() && fields[0] != "GET" && fields[0] != "SET") continue;
    Result result;
    result.rps = std::atof(fields[1].c_str());
    result.p50_us = std::atof(fields[4].c_str()) * 1000;
    result.p99_us = std::atof(fields[6].c_str()) * 1000;
    result.ok = result.rps > 0;
    out[!name.empty() ? name : fields[0] == "GET" ? "Get" : "Set"] = result;
  }
  pclose(pipe);
  return out;
}

// Prints the table, the ratios and their targets, and the JSON line; 1 when a measurement
// failed. `tls`, `floor` and `redis`: whether those sides were measured.
int PrintReport(const Options& options, const Plan& plan,
                const std::map<std::string, std::vector<Result>>& samples, bool tls, bool floor,
                bool redis) {
  Json report = {{"quick", options.quick}, {"rounds", plan.rounds}};
  bool failed = false;
  std::printf("%-11s %-14s %4s %12s %10s %10s\n", "side", "op", "conc", "req/s", "p50 us",
              "p99 us");
  for (const auto& [key, results] : samples) {
    const Result median = MedianOf(results);
    if (!median.ok) failed = true;
    report["results"][key] = {{"rps", median.rps},
                              {"p50_us", median.p50_us},
                              {"p99_us", median.p99_us},
                              {"ok", median.ok}};
    std::istringstream parts(key);
    std::string side, method, conc;
    std::getline(parts, side, '.');
    std::getline(parts, method, '.');
    std::getline(parts, conc, '.');
    std::printf("%-11s %-14s %4s %12.0f %10.0f %10.0f\n", side.c_str(), method.c_str(),
                conc.c_str() + 1, median.rps, median.p50_us, median.p99_us);
  }
  if (tls) {
    auto value = [&](const std::string& key, const char* field) {
      return report["results"][key][field].get<double>();
    };
    const double p50_added =
        value("momento_tls.Get.c1", "p50_us") - value("momento.Get.c1", "p50_us");
    const double c32_ratio = value("momento_tls.Get.c32", "rps") / value("momento.Get.c32", "rps");
    report["tls"] = {{"get_p50_c1_added_us", p50_added}, {"get_rps_c32_vs_plaintext", c32_ratio}};
    std::printf(
        "TLS: Get p50 at 1 connection %+.0f us; Get throughput at 32 connections %.2fx "
        "plaintext's\n",
        p50_added, c32_ratio);
  }
  if (redis) {
    auto value = [&](const std::string& key, const char* field) {
      return report["results"][key][field].get<double>();
    };
    const double p50_ratio = value("momento.Get.c1", "p50_us") / value("redis.Get.c1", "p50_us");
    const double c32_ratio = value("momento.Get.c32", "rps") / value("redis.Get.c32", "rps");
    const double set_c32_ratio = value("momento.Set.c32", "rps") / value("redis.Set.c32", "rps");
    report["ratios"] = {{"get_p50_c1_vs_redis", p50_ratio},
                        {"get_rps_c32_vs_redis", c32_ratio},
                        {"set_rps_c32_vs_redis", set_c32_ratio}};
    std::printf(
        "Get p50 at 1 connection: %.2fx Redis's (target <= %.1fx: %s)\n"
        "Get throughput at 32 connections: %.2fx Redis's (target >= %.1fx: %s); Set: %.2fx\n",
        p50_ratio, kTargetP50Ratio, p50_ratio <= kTargetP50Ratio ? "met" : "missed", c32_ratio,
        kTargetC32Ratio, c32_ratio >= kTargetC32Ratio ? "met" : "missed", set_c32_ratio);
    // The collections against HGET and ZRANGE, with the same targets.
    for (const auto& [method, redis_name, key] :
         {std::tuple{"DictionaryGet", "HGET", "dictionary_get"},
          std::tuple{"SortedSetFetch", "ZRANGE", "sorted_set_fetch"}}) {
      const std::string m(method);
      const double p50 =
          value("momento." + m + ".c1", "p50_us") / value("redis." + m + ".c1", "p50_us");
      const double c32 =
          value("momento." + m + ".c32", "rps") / value("redis." + m + ".c32", "rps");
      report["ratios"][std::string(key) + "_p50_c1_vs_redis"] = p50;
      report["ratios"][std::string(key) + "_rps_c32_vs_redis"] = c32;
      std::printf(
          "%s vs %s: p50 at 1 connection %.2fx (target <= %.1fx: %s); throughput at 32 "
          "connections %.2fx (target >= %.1fx: %s)\n",
          method, redis_name, p50, kTargetP50Ratio, p50 <= kTargetP50Ratio ? "met" : "missed", c32,
          kTargetC32Ratio, c32 >= kTargetC32Ratio ? "met" : "missed");
    }
  }
  if (floor) {
    auto value = [&](const std::string& key, const char* field) {
      return report["results"][key][field].get<double>();
    };
    // The fake's own share (thaw/floor) and gRPC's (floor/Redis): their product is thaw/Redis.
    std::printf("vs the gRPC floor (a bare gRPC server, canned answers, the same client):\n");
    for (const auto& [method, key] :
         {std::pair{"Get", "get"}, std::pair{"DictionaryGet", "dictionary_get"},
          std::pair{"SortedSetFetch", "sorted_set_fetch"}}) {
      const std::string m(method);
      const double thaw_p50 = value("momento." + m + ".c1", "p50_us");
      const double floor_p50 = value("grpc_floor." + m + ".c1", "p50_us");
      const double thaw_rps = value("momento." + m + ".c32", "rps");
      const double floor_rps = value("grpc_floor." + m + ".c32", "rps");
      Json& entry = report["floor"][key];
      entry["p50_c1_added_us"] = thaw_p50 - floor_p50;
      entry["thaw_p50_c1_vs_floor"] = thaw_p50 / floor_p50;
      entry["thaw_rps_c32_vs_floor"] = thaw_rps / floor_rps;
      std::printf(
          "  %-14s p50 at 1 connection %.0f vs %.0f us: %.2fx (%+.0f us); throughput at 32 "
          "connections %.2fx",
          method, thaw_p50, floor_p50, thaw_p50 / floor_p50, thaw_p50 - floor_p50,
          thaw_rps / floor_rps);
      if (redis) {
        const double floor_p50_ratio = floor_p50 / value("redis." + m + ".c1", "p50_us");
        const double floor_rps_ratio = floor_rps / value("redis." + m + ".c32", "rps");
        entry["floor_p50_c1_vs_redis"] = floor_p50_ratio;
        entry["floor_rps_c32_vs_redis"] = floor_rps_ratio;
        std::printf("; the floor vs Redis: p50 %.2fx, throughput %.2fx", floor_p50_ratio,
                    floor_rps_ratio);
      }
      std::printf("\n");
    }
  }
  std::printf("%s\n", report.dump().c_str());
  return failed ? 1 : 0;
}

int Main(int argc, char** argv) {
  Options options;
  CLI::App app{
      "The fake Momento's Get/Set and collections next to redis-server's (redis-benchmark) and a\n"
      "bare gRPC server's, as ratios. Prints a table and one JSON line; 1 when a measurement\n"
      "failed, 2 on a usage error.",
      "thaw_momento_bench"};
  app.add_flag("--quick", options.quick, "about 15 seconds (CI)");
  app.add_option("--thaw", options.thaw, "the thaw binary")->capture_default_str();
  CLI::Option* floor_option =
      app.add_option("--floor", options.floor, "the bare gRPC server (the floor)")
          ->capture_default_str();
  bool no_floor = false;
  app.add_flag("--no-floor", no_floor, "measure no floor side")->excludes(floor_option);
  app.add_option("--rounds", options.rounds, "rounds (default: the plan's)")
      ->check(CLI::PositiveNumber);
  app.add_option("--momento-port", options.momento_port,
                 "measure an already running fake Momento (with a cache \"bench\") on this port "
                 "instead of starting one; e.g. under a profiler");
  app.add_flag("--tls", options.tls, "also measure `thaw momento --tls`");
  app.add_option("--only", options.only, "only this method, without Redis")
      ->check(CLI::IsMember(std::vector<std::string>(std::begin(kMethods), std::end(kMethods))));
  app.add_option(
         "--connections", options.connections,
         "only this many connections (default: 1 and " + std::to_string(kHighConcurrency) + ")")
      ->check(CLI::PositiveNumber);
  if (auto exit_code = ParseCommandLine(app, argc, argv)) return *exit_code;
  if (no_floor) options.floor.clear();
  signal(SIGPIPE, SIG_IGN);
  // As thaw itself does (cli/cli.cc): Debian's abseil checks every absl::Mutex gRPC
  // takes for deadlock cycles, which would bill this client's bookkeeping to the fake.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const Plan plan = PlanFor(options);
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("thaw-momento-bench-" + std::to_string(getpid())))
          .string();
  std::filesystem::create_directories(dir);

  std::string error;
  std::unique_ptr<ChildProcess> momento;
  std::string line;
  uint16_t momento_port = options.momento_port;
  if (momento_port == 0) {
    momento =
        ChildProcess::Start({options.thaw, "momento", "--port", "0", "--quiet", "--cache", kCache},
                            dir + "/momento.out", &error);
    if (!momento ||
        !momento->WaitForLine("listening on", std::chrono::seconds(10), &line, &error)) {
      std::fprintf(stderr, "momento_bench: thaw momento did not start: %s\n", error.c_str());
      return 1;
    }
    momento_port = static_cast<uint16_t>(std::atoi(line.substr(line.rfind(':') + 1).c_str()));
  }
  std::unique_ptr<ChildProcess> momento_tls;
  uint16_t momento_tls_port = 0;
  std::string roots;
  if (options.tls) {
    const std::string tls_dir = dir + "/tls";
    momento_tls = ChildProcess::Start({options.thaw, "momento", "--port", "0", "--quiet", "--cache",
                                       kCache, "--tls", "--tls-dir", tls_dir},
                                      dir + "/momento-tls.out", &error);
    if (!momento_tls ||
        !momento_tls->WaitForLine("listening on", std::chrono::seconds(10), &line, &error)) {
      std::fprintf(stderr, "momento_bench: thaw momento --tls did not start: %s\n", error.c_str());
      return 1;
    }
    // "thaw momento: listening on 127.0.0.1:PORT (TLS, CA ...)"
    const std::string endpoint = line.substr(line.find("listening on ") + 13);
    momento_tls_port =
        static_cast<uint16_t>(std::atoi(endpoint.substr(endpoint.find(':') + 1).c_str()));
    std::ifstream in(tls_dir + "/ca.pem");
    std::stringstream pem;
    pem << in.rdbuf();
    roots = pem.str();
  }

  std::unique_ptr<ChildProcess> floor;
  uint16_t floor_port = 0;
  if (!options.floor.empty()) {
    floor = ChildProcess::Start({options.floor}, dir + "/floor.out", &error);
    if (!floor || !floor->WaitForLine("listening on", std::chrono::seconds(10), &line, &error)) {
      std::fprintf(stderr, "momento_bench: %s did not start: %s\n", options.floor.c_str(),
                   error.c_str());
      return 1;
    }
    floor_port = static_cast<uint16_t>(std::atoi(line.substr(line.rfind(':') + 1).c_str()));
  }

  const std::string redis_server = FindProgram("redis-server");
  const std::string redis_benchmark = FindProgram("redis-benchmark");
  std::unique_ptr<ChildProcess> redis;
  uint16_t redis_port = 0;
  // One method (--only) is for a profiler on the fake: Redis, measured apart, adds nothing there.
  const bool with_redis = options.only.empty();
  if (with_redis && !redis_server.empty() && !redis_benchmark.empty()) {
    redis_port = FreePort();
    redis = ChildProcess::Start(
        {redis_server, "--bind", "127.0.0.1", "--port", std::to_string(redis_port), "--save", "",
         "--appendonly", "no", "--dir", dir, "--daemonize", "no"},
        dir + "/redis.out", &error);
    if (!redis || !redis->WaitForLine("Ready to accept connections", std::chrono::seconds(10),
                                      &line, &error)) {
      std::fprintf(stderr, "momento_bench: redis-server did not start: %s\n", error.c_str());
      return 1;
    }
  } else if (with_redis) {
    std::fprintf(stderr,
                 "momento_bench: redis-server/redis-benchmark not installed "
                 "(scripts/install-deps.sh --test); reporting the fake Momento alone\n");
  }

  // Redis's side of DictionaryGet and SortedSetFetch: the same data, the same reads.
  const std::string hget = std::string("HGET ") + kDictionary + " " + kField;
  const std::string zrange =
      std::string("ZRANGE ") + kSortedSet + " 0 " + std::to_string(kFetchCount - 1) + " WITHSCORES";
  if (redis) {
    std::string zadd = std::string("ZADD ") + kSortedSet;
    for (int i = 0; i < kSortedSetSize; ++i) zadd += " " + std::to_string(i) + " " + Member(i);
    RunRedisBenchmark(redis_benchmark, redis_port, 1, 1,
                      std::string("HSET ") + kDictionary + " " + kField + " xxx", "seed");
    RunRedisBenchmark(redis_benchmark, redis_port, 1, 1, zadd, "seed");
  }
  if (!MomentoLoad(momento_port, 1).Seed()) return 1;
  if (momento_tls && !MomentoLoad(momento_tls_port, 1, roots).Seed()) return 1;

  std::vector<std::string> methods(std::begin(kMethods), std::end(kMethods));
  if (!options.only.empty()) methods = {options.only};
  std::vector<int> concurrencies = {1, kHighConcurrency};
  if (options.connections > 0) concurrencies = {options.connections};
  std::map<std::string, std::vector<Result>> samples;  // "<side>.<method>.c<n>"
  for (int connections : concurrencies) {
    MomentoLoad load(momento_port, connections);
    for (const std::string& method : methods) load.Run(method, plan.warmup);
    std::unique_ptr<MomentoLoad> tls_load;
    if (momento_tls) {
      tls_load = std::make_unique<MomentoLoad>(momento_tls_port, connections, roots);
      for (const std::string& method : methods) tls_load->Run(method, plan.warmup);
    }
    std::unique_ptr<MomentoLoad> floor_load;
    if (floor) {
      floor_load = std::make_unique<MomentoLoad>(floor_port, connections);
      for (const std::string& method : methods) floor_load->Run(method, plan.warmup);
    }
    for (int round = 0; round < plan.rounds; ++round) {
      for (const std::string& method : methods) {
        samples["momento." + method + ".c" + std::to_string(connections)].push_back(
            load.Run(method, plan.run));
        if (tls_load) {
          samples["momento_tls." + method + ".c" + std::to_string(connections)].push_back(
              tls_load->Run(method, plan.run));
        }
        if (floor_load) {
          samples["grpc_floor." + method + ".c" + std::to_string(connections)].push_back(
              floor_load->Run(method, plan.run));
        }
      }
      if (redis) {
        for (auto& [method, result] :
             RunRedisBenchmark(redis_benchmark, redis_port, connections, plan.redis_requests)) {
          samples["redis." + method + ".c" + std::to_string(connections)].push_back(result);
        }
        for (const auto& [command_line, name] :
             {std::pair{hget, "DictionaryGet"}, std::pair{zrange, "SortedSetFetch"}}) {
          for (auto& [method, result] :
               RunRedisBenchmark(redis_benchmark, redis_port, connections, plan.redis_requests,
                                 command_line, name)) {
            samples["redis." + method + ".c" + std::to_string(connections)].push_back(result);
          }
        }
      }
    }
  }
  if (momento) momento->Stop(milliseconds(1000));
  if (momento_tls) momento_tls->Stop(milliseconds(1000));
  if (floor) floor->Stop(milliseconds(1000));
  if (redis) redis->Stop(milliseconds(1000));
  std::filesystem::remove_all(dir);

  // A partial run has nothing to take ratios of.
  const bool ratios = options.only.empty() && options.connections == 0;
  return PrintReport(options, plan, samples, ratios && momento_tls != nullptr,
                     ratios && floor != nullptr, ratios && redis != nullptr);
}

}  // namespace
}  // namespace thaw::bench

int main(int argc, char** argv) { return thaw::bench::Main(argc, argv); }
