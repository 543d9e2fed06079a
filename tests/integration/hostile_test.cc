// The hostile-input suite (issue 16): a real `thaw serve` under the abuse an attacker or a
// careless user or runtime brings (thousands of idle and half-sent connections, oversized and
// malformed requests, a flood of invokes against a small reserved concurrency, runtimes that
// answer twice, never poll again, write 100 MB of logs or hoard connections to their Runtime
// API). Each case asserts exactly one well-formed answer per request, that an ordinary invoke is
// still served during the attack, and that thaw's descriptors, threads and children return to
// their baseline afterwards.
#include <arpa/inet.h>
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/util/http_client.h"
#include "tests/util/proc_stats.h"
#include "tests/util/serve_process.h"
#include "tests/util/test_emulator.h"

namespace thaw::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Json = nlohmann::json;

const fs::path kRuntime = fs::path(THAW_SOURCE_DIR) / "tests/integration/hostile";
constexpr char kInvokePath[] = "/2015-03-31/functions/";

std::string InvokeTarget(const std::string& function) {
  return std::string(kInvokePath) + function + "/invocations";
}

// What thaw holds, read from /proc.
struct Holdings {
  size_t descriptors = 0;
  size_t threads = 0;
  size_t children = 0;
};

Holdings Read(pid_t pid) { return {CountDescriptors(pid), CountThreads(pid), CountChildren(pid)}; }

// Each descriptor of `pid` and what it is ("socket:[123]", "pipe:[45]", a path).
std::map<std::string, std::string> DescriptorTargets(pid_t pid) {
  std::map<std::string, std::string> out;
  const fs::path dir = "/proc/" + std::to_string(pid) + "/fd";
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    std::error_code link_error;
    out[entry.path().filename()] = fs::read_symlink(entry.path(), link_error).string();
  }
  return out;
}

std::string Describe(const Holdings& h) {
  return std::to_string(h.descriptors) + " descriptors, " + std::to_string(h.threads) +
         " threads, " + std::to_string(h.children) + " children";
}

// Sends `request` on a new connection and reads until the server closes it (or the timeout).
std::string Exchange(uint16_t port, const std::string& request) {
  const int fd = ConnectLoopback(port);
  if (fd < 0) return "";
  timeval timeout{static_cast<time_t>(TestTimeout().count() / 1000), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer and close before it has read everything
    sent += static_cast<size_t>(n);
  }
  std::string answer;
  char buffer[4096];
  ssize_t n;
  while ((n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0) answer.append(buffer, n);
  ::close(fd);
  return answer;
}

class HostileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The test itself opens thousands of connections.
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);

    dir_ = fs::temp_directory_path() /
           ("thaw-hostile-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    const std::string runtime = kRuntime.string();
    std::ofstream(dir_ / "thaw.yaml")
        << "functions:\n"
        << "  echo: {runtime: provided.al2023, handler: echo, code: \"" << EchoDir() << "\"}\n"
        << "  limited: {runtime: provided.al2023, handler: echo, code: \"" << EchoDir()
        << "\", reserved_concurrency: 4}\n"
        // The bash runtimes get 60 s: a cold start with curl takes about a second on a busy
        // machine, several under the sanitizers, and the cases are not about timeouts.
        << "  twice: {runtime: provided.al2023, handler: twice, timeout: 60, code: \"" << runtime
        << "\"}\n"
        // stall's timeout is also how long its stuck instance lasts after answering.
        << "  stall: {runtime: provided.al2023, handler: stall, timeout: 5, code: \"" << runtime
        << "\"}\n"
        << "  flood: {runtime: provided.al2023, handler: flood, timeout: 60, code: \"" << runtime
        << "\", environment: {FLOOD_BYTES: \"" << ScaledCount(100) << "000000\"}}\n"
        << "  sockets: {runtime: provided.al2023, handler: sockets, timeout: 60, code: \""
        << runtime << "\", environment: {SOCKETS: \"300\"}}\n";
    serve_ =
        std::make_unique<ServeProcess>(dir_, std::vector<std::string>{"--no-watch", "--quiet"});
    ASSERT_NE(serve_->port(), 0) << serve_->Stderr();
    pid_ = serve_->pid();
    // Warm up: one instance of echo, so that the baseline holds what a served invoke leaves.
    ASSERT_EQ(Invoke("echo", R"({"warm":true})").status, 200);
    baseline_ = Read(pid_);
    baseline_fds_ = DescriptorTargets(pid_);
  }

  void TearDown() override {
    if (serve_) {
      EXPECT_EQ(serve_->Stop(), 0) << serve_->Stderr();
    }
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  HttpResult Invoke(const std::string& function, const std::string& payload) {
    HttpClient client(serve_->port());
    return client.Post(InvokeTarget(function), payload);
  }

  // One admin API call on a connection of its own, closed on return (a kept-alive one would
  // count against the baseline).
  HttpResult Admin(const std::string& method, const std::string& path,
                   const std::string& body = "") {
    HttpClient client(serve_->port());
    return client.Send(method, path, body);
  }

  // An ordinary invoke is served while the attack goes on.
  void ExpectServed() {
    const HttpResult r = Invoke("echo", R"({"still":"served"})");
    EXPECT_EQ(r.status, 200) << r.error << r.body;
    EXPECT_THAT(r.body, HasSubstr("served"));
  }

  // Waits (boundedly) until thaw holds no more than its baseline plus the idle instances it
  // legitimately keeps (`extra_children`, with their descriptors), then requires it.
  void ExpectBackToBaseline(size_t extra_children = 0) {
    const auto back = [&](const Holdings& h) {
      return h.descriptors <= baseline_.descriptors + extra_children * kDescriptorsPerInstance &&
             h.threads <= baseline_.threads && h.children <= baseline_.children + extra_children;
    };
    const auto deadline = std::chrono::steady_clock::now() + TestTimeout();
    Holdings now = Read(pid_);
    while (!back(now) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
      now = Read(pid_);
    }
    std::string added;
    for (const auto& [fd, target] : DescriptorTargets(pid_)) {
      if (baseline_fds_.count(fd) == 0 || baseline_fds_.at(fd) != target) {
        added += " " + fd + "->" + target;
      }
    }
    EXPECT_TRUE(back(now)) << "baseline: " << Describe(baseline_) << "; now: " << Describe(now)
                           << " (" << extra_children << " more instances allowed); new:" << added;
  }

  // What one kept instance holds in thaw: its Runtime API listener and connection, the pipes of
  // its output, its pidfd and sandbox handles (about 8, measured; 16 leaves room).
  static constexpr size_t kDescriptorsPerInstance = 16;

  fs::path dir_;
  std::unique_ptr<ServeProcess> serve_;
  pid_t pid_ = 0;
  Holdings baseline_;
  std::map<std::string, std::string> baseline_fds_;
};

// Slowloris: thousands of connections that send nothing, and requests that stop halfway. An
// ordinary invoke is served meanwhile; once they go, so does everything thaw held for them.
TEST_F(HostileTest, IdleAndHalfSentConnectionsDoNotStopServingAndLeaveNothing) {
  std::vector<int> idle;
  const int count = ScaledCount(2000);
  for (int i = 0; i < count; ++i) {
    const int fd = ConnectLoopback(serve_->port());
    ASSERT_GE(fd, 0) << "connection " << i;
    if (i % 4 == 0) {
      // A request that promises a body it never sends, or a header never ended.
      const std::string half =
          i % 8 == 0 ? "POST " + InvokeTarget("echo") + " HTTP/1.1\r\nContent-Length: 100\r\n\r\n{"
                     : "POST " + InvokeTarget("echo") + " HTTP/1.1\r\nHost: x\r\n";
      ASSERT_EQ(::send(fd, half.data(), half.size(), MSG_NOSIGNAL),
                static_cast<ssize_t>(half.size()));
    }
    idle.push_back(fd);
  }
  ExpectServed();
  for (const int fd : idle) ::close(fd);
  ExpectServed();
  ExpectBackToBaseline();
}

// Oversized headers, an oversized body and bytes that are not HTTP each get an answer in Lambda's
// error shape (not a reset, which SDKs retry), and the connection is closed.
TEST_F(HostileTest, OversizedAndMalformedRequestsAreAnsweredInLambdasShape) {
  const std::string big_header =
      "POST " + InvokeTarget("echo") +
      " HTTP/1.1\r\nHost: x\r\nX-Amz-Client-Context: " + std::string(100 * 1024, 'a') +
      "\r\nContent-Length: 2\r\n\r\n{}";
  std::string answer = Exchange(serve_->port(), big_header);
  EXPECT_THAT(answer, ::testing::StartsWith("HTTP/1.1 431")) << answer.substr(0, 300);
  EXPECT_THAT(answer, HasSubstr("x-amzn-ErrorType"));

  const std::string big_body = std::string(7 * 1024 * 1024, ' ');
  answer =
      Exchange(serve_->port(), "POST " + InvokeTarget("echo") +
                                   " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
                                   std::to_string(big_body.size()) + "\r\n\r\n" + big_body);
  EXPECT_THAT(answer, ::testing::StartsWith("HTTP/1.1 413")) << answer.substr(0, 300);
  EXPECT_THAT(answer, HasSubstr("RequestEntityTooLargeException"));

  answer = Exchange(serve_->port(), "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_THAT(answer, ::testing::StartsWith("HTTP/1.1 400")) << answer.substr(0, 300);
  EXPECT_THAT(answer, HasSubstr("x-amzn-ErrorType"));

  answer = Exchange(
      serve_->port(),
      std::string("POST /2015-03-31/functions/\xff\xfe/invocations "
                  "HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"));
  EXPECT_THAT(answer, ::testing::StartsWith("HTTP/1.1 4")) << answer.substr(0, 300);

  ExpectServed();
  ExpectBackToBaseline();
}

// 10,000 invokes from 64 callers against a reserved concurrency of 4: every one is answered,
// either with the function's answer or with Lambda's throttle, never dropped or malformed.
TEST_F(HostileTest, AFloodAgainstReservedConcurrencyGetsOneWellFormedAnswerEach) {
  const int callers = 64;
  const int per_caller = ScaledCount(10000) / callers + 1;
  std::atomic<int> served{0};
  std::atomic<int> throttled{0};
  std::atomic<int> other{0};
  std::vector<std::string> odd;
  std::mutex odd_mu;
  std::vector<std::thread> threads;
  for (int c = 0; c < callers; ++c) {
    threads.emplace_back([&, c] {
      HttpClient client(serve_->port());
      for (int i = 0; i < per_caller; ++i) {
        const std::string payload =
            "{\"c\":" + std::to_string(c) + ",\"i\":" + std::to_string(i) + "}";
        const HttpResult r = client.Post(InvokeTarget("limited"), payload);
        if (r.status == 200 && r.body.find(payload) != std::string::npos) {
          ++served;
        } else if (r.status == 429 && r.Header("x-amzn-errortype") == "TooManyRequestsException" &&
                   Json::parse(r.body, nullptr, false).value("Reason", "") ==
                       "ReservedFunctionConcurrentInvocationLimitExceeded") {
          ++throttled;
        } else {
          ++other;
          std::lock_guard<std::mutex> lock(odd_mu);
          if (odd.size() < 5) odd.push_back(std::to_string(r.status) + " " + r.error + r.body);
        }
      }
    });
  }
  ExpectServed();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(served + throttled, callers * per_caller) << ::testing::PrintToString(odd);
  EXPECT_EQ(other, 0) << ::testing::PrintToString(odd);
  EXPECT_GT(served, 0);
  // The ledger counted each: GET /_thaw/metrics has the function's invokes and throttles.
  const HttpResult metrics = Admin("GET", "/_thaw/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body,
              HasSubstr("thaw_invocations_total{function=\"limited\",outcome=\"success\"} " +
                        std::to_string(served.load())));
  EXPECT_THAT(metrics.body, HasSubstr("thaw_throttles_total{function=\"limited\"} " +
                                      std::to_string(throttled.load())));
  // At most its four instances stay, idle.
  ExpectBackToBaseline(4);
}

// A runtime that answers twice, and for an id it never got: the caller gets the first answer
// only, and the Runtime API refuses the others in its own shape (403, 400).
TEST_F(HostileTest, ARuntimeAnsweringTwiceOrForUnknownIdsIsRefusedAndTheCallerGetsOneAnswer) {
  HttpResult r = Invoke("twice", "{}");
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(Json::parse(r.body)["first"], true);
  r = Invoke("twice", "{}");
  ASSERT_EQ(r.status, 200) << r.error;
  const Json answer = Json::parse(r.body);
  EXPECT_EQ(answer["first"], true);
  EXPECT_EQ(answer["second"], 403) << "the second answer to one event";
  EXPECT_EQ(answer["unknown"], 400) << "an answer for an id that was never given";
  ExpectServed();
  ExpectBackToBaseline(1);
}

// A runtime that answers and then never polls again: its caller has its answer. The next event,
// offered to it (it looked idle), is not lost to a timeout: at the answered event's deadline the
// stuck environment is reset, as Lambda's invoke phase (which lasts until /next) times out, and
// the event goes to a new instance.
TEST_F(HostileTest, AnEventOfferedToARuntimeThatNeverPollsAgainGoesToAnotherInstance) {
  HttpResult r = Invoke("stall", "{}");
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, R"({"stalled":true})");
  r = Invoke("stall", "{}");
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, R"({"stalled":true})");
  EXPECT_EQ(r.Header("x-amz-function-error"), "");
  ExpectServed();
  const HttpResult metrics = Admin("GET", "/_thaw/metrics");
  EXPECT_THAT(metrics.body, HasSubstr("thaw_instances_spawned_total{function=\"stall\"} 2"));
  EXPECT_THAT(metrics.body,
              HasSubstr("thaw_invocations_total{function=\"stall\",outcome=\"success\"} 2"));
  const HttpResult events = Admin("GET", "/_thaw/events");
  size_t reset = 0;
  const Json page = Json::parse(events.body);
  for (const Json& e : page["events"]) {
    if (e["kind"] == "instance.gone" && e["function"] == "stall" &&
        e["attrs"]["reason"] == "timeout") {
      ++reset;
    }
  }
  EXPECT_EQ(reset, 1u) << events.body;
  // The second instance is reset in turn, at its own answer's deadline.
  ExpectBackToBaseline();
}

// A runtime that writes 100 MB of log lines: its invoke is answered, thaw keeps serving, and
// what thaw buffered for the output is given back.
TEST_F(HostileTest, ARuntimeWriting100MbOfLogsIsServedAndThawKeepsServing) {
  std::thread flood([&] {
    const HttpResult r = Invoke("flood", "{}");
    EXPECT_EQ(r.status, 200) << r.error;
    EXPECT_EQ(r.body, R"({"flooded":true})");
  });
  ExpectServed();
  flood.join();
  ExpectServed();
  ExpectBackToBaseline(1);
}

// A runtime that opens 300 connections to its own Runtime API: past the instance's cap, thaw
// answers 503 and closes them, so its descriptors stay bounded; the runtime's own answer is
// refused while it hoards them, and accepted once it lets them go.
TEST_F(HostileTest, ARuntimeHoardingRuntimeApiConnectionsIsCappedAndLeavesNothing) {
  const HttpResult r = Invoke("sockets", "{}");
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  const Json answer = Json::parse(r.body);
  EXPECT_EQ(answer["opened"], 300) << r.body;
  EXPECT_EQ(answer["refused"], 503) << "its answer while it held every connection";
  ExpectServed();
  ASSERT_EQ(Admin("POST", "/_thaw/reap", R"({"function":"sockets"})").status, 200);
  ExpectBackToBaseline();
}

}  // namespace
}  // namespace thaw::testing
