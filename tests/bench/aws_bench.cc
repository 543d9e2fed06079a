// thaw_aws_bench: GetSecretValue through the fake AWS (`thaw aws --sigv4 on`: every request's
// SigV4 signature verified, the secret looked up, the ledger event appended) next to the bare
// loopback Beast server answering `{}`, both measured in the same run from the same client
// pool, at 1 and 32 keep-alive connections. Prints requests per second, latencies and the
// ratio aws/bare (the target is >= 0.5 at 32 connections); --quick fits a CI step and never
// fails on the target.
//   thaw_aws_bench [--quick] [--thaw PATH]
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "fakes/aws/sigv4.h"
#include "fakes/aws/sigv4_verifier.h"
#include "tests/bench/bare_server.h"
#include "tests/bench/bench_cli.h"
#include "tests/bench/child_process.h"
#include "tests/bench/load_generator.h"

namespace thaw::bench {
namespace {

using std::chrono::milliseconds;

constexpr char kAkid[] = "AKIATHAWBENCH";
constexpr char kSecret[] = "bench-secret";

struct Options {
  bool quick = false;
  std::string thaw = THAW_BENCH_THAW_PATH;
};

uint16_t PortFromLine(const std::string& line) {
  const size_t colon = line.rfind(':');
  if (colon == std::string::npos) return 0;
  return static_cast<uint16_t>(std::atoi(line.c_str() + colon + 1));
}

// A GetSecretValue request signed now for `port` (the signature stays valid for 5 minutes;
// the server still verifies it on every request).
RequestSpec SignedGetSecretValue(uint16_t port) {
  aws::sigv4::SignedRequest request;
  request.method = "POST";
  request.target = "/";
  request.body = R"({"SecretId":"bench/momento"})";
  request.headers = {{"Host", "127.0.0.1:" + std::to_string(port)},
                     {"Content-Type", "application/json"},
                     {"X-Amz-Target", "secretsmanager.GetSecretValue"}};
  aws::sigv4::SignRequest(request, kAkid, kSecret, "",
                          aws::FormatAmzDate(std::chrono::system_clock::now()), "us-east-1",
                          "secretsmanager");
  RequestSpec spec;
  spec.target = "/";
  spec.body = request.body;
  for (const auto& [name, value] : request.headers) {
    // The load generator writes Host and Content-Type itself, with the same values.
    if (name != "Host" && name != "Content-Type") spec.headers.emplace_back(name, value);
  }
  spec.expected_substring = "\"SecretString\"";
  return spec;
}

struct Measured {
  double rps = 0;
  double p50_us = 0;
  double p99_us = 0;
  uint64_t failures = 0;
  std::string first_error;
};

Measured Measure(uint16_t port, int connections, const RequestSpec& spec, milliseconds warm,
                 milliseconds duration) {
  ClientPool pool(port, connections, connections > 1 ? 2 : 1);
  Measured out;
  std::string error;
  if (!pool.Connect(&error)) {
    out.failures = 1;
    out.first_error = error;
    return out;
  }
  RunLimits limits;
  limits.max_requests = 100'000'000;
  limits.max_duration = warm;
  pool.Run(spec, limits);
  limits.max_duration = duration;
  RunResult result = pool.Run(spec, limits);
  out.rps = result.Throughput();
  out.p50_us = PercentileUs(result.latencies_ns, 50);
  out.p99_us = PercentileUs(result.latencies_ns, 99);
  out.failures = result.failures();
  out.first_error = result.first_error;
  return out;
}

int Run(const Options& options) {
  if (::access(options.thaw.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "thaw_aws_bench: no thaw binary at %s (--thaw PATH)\n",
                 options.thaw.c_str());
    return 2;
  }
  char dir_template[] = "/tmp/thaw-aws-bench-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) {
    std::perror("mkdtemp");
    return 2;
  }
  const std::string dir = dir_template;
  {
    std::ofstream config(dir + "/seeds.yaml");
    config << "secrets:\n  bench/momento: {value: {MOMENTO_API_KEY: \"bench-key\"}}\n";
  }
  std::string error;
  std::string line;
  auto bare = ChildProcess::Start({"/proc/self/exe", "--bare-server"}, dir + "/bare.out", &error);
  if (!bare || !bare->WaitForLine("listening on", milliseconds(5000), &line, &error)) {
    std::fprintf(stderr, "thaw_aws_bench: bare server: %s\n", error.c_str());
    return 1;
  }
  const uint16_t bare_port = PortFromLine(line);
  auto aws = ChildProcess::Start(
      {options.thaw, "aws", "--port", "0", "--quiet", "--sigv4", "on", "--access-key",
       std::string(kAkid) + ":" + kSecret, "--config", dir + "/seeds.yaml"},
      dir + "/aws.out", &error);
  if (!aws || !aws->WaitForLine("listening on", milliseconds(10000), &line, &error)) {
    std::fprintf(stderr, "thaw_aws_bench: thaw aws: %s\n", error.c_str());
    return 1;
  }
  const uint16_t aws_port = PortFromLine(line);

  RequestSpec bare_spec;
  bare_spec.target = "/";
  bare_spec.body = "{}";
  bare_spec.expected_body = "{}";
  const RequestSpec aws_spec = SignedGetSecretValue(aws_port);
  const milliseconds warm(options.quick ? 200 : 500);
  const milliseconds duration(options.quick ? 1500 : 4000);
  const int reps = options.quick ? 1 : 3;

  std::printf(
      "thaw_aws_bench (%s): GetSecretValue with SigV4 verification (thaw aws) vs the "
      "bare loopback Beast server, same client pool, %d rep(s) of %lld ms, median\n",
      options.quick ? "--quick" : "full", reps, static_cast<long long>(duration.count()));
  std::printf("%6s %12s %12s %7s %10s %10s %10s %10s\n", "conns", "bare rps", "aws rps", "ratio",
              "bare p50", "aws p50", "bare p99", "aws p99");
  bool failed = false;
  double ratio_at_32 = 0;
  for (int connections : {1, 32}) {
    std::vector<Measured> bare_runs, aws_runs;
    for (int rep = 0; rep < reps; ++rep) {
      // Alternate, so drift in the machine's load affects both alike.
      bare_runs.push_back(Measure(bare_port, connections, bare_spec, warm, duration));
      aws_runs.push_back(Measure(aws_port, connections, aws_spec, warm, duration));
    }
    auto median = [](std::vector<Measured> runs) {
      std::sort(runs.begin(), runs.end(),
                [](const Measured& a, const Measured& b) { return a.rps < b.rps; });
      return runs[runs.size() / 2];
    };
    const Measured b = median(bare_runs);
    const Measured a = median(aws_runs);
    for (const Measured* m : {&b, &a}) {
      if (m->failures > 0) {
        std::fprintf(stderr, "thaw_aws_bench: %llu failed requests: %s\n",
                     static_cast<unsigned long long>(m->failures), m->first_error.c_str());
        failed = true;
      }
    }
    const double ratio = b.rps > 0 ? a.rps / b.rps : 0;
    if (connections == 32) ratio_at_32 = ratio;
    std::printf("%6d %12.0f %12.0f %7.2f %8.0fus %8.0fus %8.0fus %8.0fus\n", connections, b.rps,
                a.rps, ratio, b.p50_us, a.p50_us, b.p99_us, a.p99_us);
  }
  std::printf("target: aws/bare >= 0.50 at 32 connections: %s (%.2f)%s\n",
              ratio_at_32 >= 0.5 ? "met" : "NOT met", ratio_at_32,
              options.quick ? " [--quick: reported, not enforced]" : "");
  std::fflush(stdout);
  aws->Stop(milliseconds(5000));
  bare->Stop(milliseconds(2000));
  std::filesystem::remove_all(dir);
  if (failed) return 1;
  return options.quick || ratio_at_32 >= 0.5 ? 0 : 1;
}

}  // namespace
}  // namespace thaw::bench

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--bare-server") == 0) {
    return thaw::bench::RunBareServer();
  }
  ::signal(SIGPIPE, SIG_IGN);
  thaw::bench::Options options;
  CLI::App app{
      "GetSecretValue with SigV4 through `thaw aws` against a bare loopback HTTP server, at 1 and\n"
      "32 connections. Exit 0 when the ratio at 32 connections is at least 0.5 (always with\n"
      "--quick), 1 otherwise, 2 on a usage error.",
      "thaw_aws_bench"};
  app.add_flag("--quick", options.quick, "a few seconds (CI); the target is reported only");
  app.add_option("--thaw", options.thaw, "the thaw binary")->capture_default_str();
  if (auto exit_code = thaw::bench::ParseCommandLine(app, argc, argv)) return *exit_code;
  return thaw::bench::Run(options);
}
