// The Runtime API and the Invoke API together, with the test playing the runtime by hand
// (FakeProcessLauncher starts no process), so every protocol edge can be reached.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <future>
#include <mutex>
#include <optional>
#include <tuple>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "emulator/control/ids.h"
#include "nlohmann/json.hpp"
#include "tests/util/fake_process_launcher.h"
#include "tests/util/test_emulator.h"

namespace thaw::testing {
// Named as well: a unity build compiles this file with the others of its binary.
namespace runtime_api_test {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr char kConfig[] = R"(
functions:
  fn:
    runtime: provided.al2023
    handler: whatever
    code: {{echo}}
    timeout: 1
  other:
    runtime: provided
    code: {{echo}}
  # Its runtime posts 6 MB answers: fn's 1 s would time them out on a slow build (TSan).
  large:
    runtime: provided.al2023
    code: {{echo}}
    timeout: 60
settings:
  account_concurrency: 2
)";

constexpr char kNext[] = "/2018-06-01/runtime/invocation/next";

std::string InvocationPath(const std::string& id, const std::string& action) {
  return "/2018-06-01/runtime/invocation/" + id + "/" + action;
}

class RuntimeApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto emu = TestEmulator::Start(kConfig, [this](boost::asio::io_context& io) {
      auto launcher = std::make_unique<FakeProcessLauncher>(io);
      fake_ = launcher.get();
      return launcher;
    });
    ASSERT_TRUE(emu.ok()) << emu.status();
    emu_ = *std::move(emu);
  }

  FakeProcessLauncher& launcher() { return *fake_; }
  // Starts an invoke on another thread.
  std::future<HttpResult> InvokeAsync(const std::string& fn, const std::string& payload = "{}",
                                      std::map<std::string, std::string> headers = {}) {
    return std::async(std::launch::async, [this, fn, payload, headers] {
      HttpClient client(emu_->port(), TestTimeout());
      return client.Post("/2015-03-31/functions/" + fn + "/invocations", payload, headers);
    });
  }

  // A runtime client for the n-th launched instance.
  std::unique_ptr<HttpClient> Runtime(size_t n) {
    auto spec = launcher().WaitForLaunch(n, TestTimeout());
    EXPECT_TRUE(spec.ok()) << spec.status();
    return std::make_unique<HttpClient>(launcher().RuntimeApiPort(n), TestTimeout());
  }

  // Runs one invoke to its answer, so that instance 1 is up and between events; returns a
  // client for its Runtime API (null when that invoke did not go as it should).
  std::unique_ptr<HttpClient> WarmInstance() {
    auto invoke = InvokeAsync("fn");
    auto runtime = Runtime(1);
    const HttpResult next = runtime->Get(kNext);
    const HttpResult posted = runtime->Post(
        InvocationPath(next.Header("Lambda-Runtime-Aws-Request-Id"), "response"), "{}");
    EXPECT_EQ(posted.status, 202) << posted.body;
    const HttpResult answer = invoke.get();
    EXPECT_EQ(answer.status, 200) << answer.body;
    return posted.status == 202 && answer.status == 200 ? std::move(runtime) : nullptr;
  }

  FakeProcessLauncher* fake_ = nullptr;
  std::unique_ptr<TestEmulator> emu_;
};

TEST_F(RuntimeApiTest, EventIsDeliveredWithLambdaHeadersAndAnswerReachesTheCaller) {
  auto invoke = InvokeAsync("fn", R"({"hello":"world"})");
  auto runtime = Runtime(1);
  const HttpResult next = runtime->Get(kNext);
  ASSERT_EQ(next.status, 200) << next.error << next.body;
  EXPECT_EQ(next.body, R"({"hello":"world"})");
  const std::string id = next.Header("Lambda-Runtime-Aws-Request-Id");
  EXPECT_THAT(id, MatchesRegex("[0-9a-f-]{36}"));
  EXPECT_EQ(next.Header("Lambda-Runtime-Invoked-Function-Arn"),
            "arn:aws:lambda:us-east-1:123456789012:function:fn");
  EXPECT_THAT(next.Header("Lambda-Runtime-Trace-Id"), HasSubstr("Root=1-"));
  const long long deadline = std::stoll(next.Header("Lambda-Runtime-Deadline-Ms"));
  const long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  EXPECT_GT(deadline, now + 500);
  EXPECT_LE(deadline, now + 1000);
  EXPECT_EQ(next.Header("Lambda-Runtime-Client-Context"), "");

  const HttpResult posted = runtime->Post(InvocationPath(id, "response"), R"({"ok":true})");
  EXPECT_EQ(posted.status, 202);
  EXPECT_EQ(posted.body, R"({"status":"OK"})");

  const HttpResult result = invoke.get();
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, R"({"ok":true})");
  EXPECT_EQ(result.Header("x-amzn-RequestId"), id);
  EXPECT_EQ(result.Header("X-Amz-Executed-Version"), "$LATEST");
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "");
}

// Sends `request` on a new loopback connection with receive timestamps on; returns the socket.
int SendWithTimestamps(uint16_t port, const std::string& request) {
  const int fd = ConnectLoopback(port);
  if (fd < 0) return -1;
  const int on = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) != 0 ||
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// The first bytes that reach `fd`, and when the kernel received them.
struct Arrival {
  std::string bytes;
  timespec at{};
};

std::optional<Arrival> FirstArrival(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(TestTimeout().count())) != 1) return std::nullopt;
  char data[4096];
  iovec iov{data, sizeof(data)};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  const ssize_t n = ::recvmsg(fd, &msg, 0);
  if (n <= 0) return std::nullopt;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      Arrival arrival{std::string(data, static_cast<size_t>(n)), {}};
      std::memcpy(&arrival.at, CMSG_DATA(c), sizeof(timespec));
      return arrival;
    }
  }
  return std::nullopt;
}

// The caller waits for its answer; the runtime, which has sent its /next along, does not wait for
// its 202. So the caller's answer is written first: the kernel's receive timestamps (one thaw
// thread writes both, so they are ordered as written) show it.
TEST_F(RuntimeApiTest, TheCallersAnswerIsWrittenBeforeTheRuntimes202) {
  const int caller = SendWithTimestamps(
      emu_->port(),
      "POST /2015-03-31/functions/fn/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: "
      "2\r\n\r\n{}");
  ASSERT_GE(caller, 0);
  absl::Cleanup close_caller = [caller] { ::close(caller); };
  auto runtime = Runtime(1);
  const HttpResult next = runtime->Get(kNext);
  ASSERT_EQ(next.status, 200) << next.error;
  const int answer = SendWithTimestamps(
      launcher().RuntimeApiPort(1),
      "POST " + InvocationPath(next.Header("Lambda-Runtime-Aws-Request-Id"), "response") +
          " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
  ASSERT_GE(answer, 0);
  absl::Cleanup close_answer = [answer] { ::close(answer); };
  const std::optional<Arrival> accepted = FirstArrival(answer);
  const std::optional<Arrival> result = FirstArrival(caller);
  ASSERT_TRUE(accepted && result);
  EXPECT_THAT(accepted->bytes, ::testing::StartsWith("HTTP/1.1 202"));
  EXPECT_THAT(result->bytes, ::testing::StartsWith("HTTP/1.1 200"));
  EXPECT_LT(std::tie(result->at.tv_sec, result->at.tv_nsec),
            std::tie(accepted->at.tv_sec, accepted->at.tv_nsec));
}

TEST_F(RuntimeApiTest, LaunchGetsTheBootstrapAndItsOwnRuntimeApi) {
  auto invoke = InvokeAsync("fn");
  auto spec = launcher().WaitForLaunch(1, TestTimeout());
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->executable, std::filesystem::path(EchoDir()) / "bootstrap");
  EXPECT_EQ(spec->working_dir, std::filesystem::path(EchoDir()));
  EXPECT_THAT(spec->env, Contains("_HANDLER=whatever"));
  EXPECT_THAT(spec->env, Contains("AWS_LAMBDA_FUNCTION_NAME=fn"));
  launcher().Exit(1, 0);
  invoke.get();
}

TEST_F(RuntimeApiTest, WrongRequestIdIs400AndASecondAnswerIs403) {
  auto invoke = InvokeAsync("fn");
  auto runtime = Runtime(1);
  const HttpResult next = runtime->Get(kNext);
  const std::string id = next.Header("Lambda-Runtime-Aws-Request-Id");

  const HttpResult wrong = runtime->Post(InvocationPath(NewRequestId(), "response"), "{}");
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(nlohmann::json::parse(wrong.body)["errorType"], "InvalidRequestID");

  EXPECT_EQ(runtime->Post(InvocationPath(id, "response"), "1").status, 202);
  const HttpResult again = runtime->Post(InvocationPath(id, "response"), "2");
  EXPECT_EQ(again.status, 403);
  EXPECT_EQ(nlohmann::json::parse(again.body)["errorType"], "InvalidStateTransition");
  EXPECT_EQ(invoke.get().body, "1");
}

TEST_F(RuntimeApiTest, NextWhileHoldingAnUnansweredEventIs403) {
  auto invoke = InvokeAsync("fn");
  auto runtime = Runtime(1);
  const HttpResult next = runtime->Get(kNext);
  const HttpResult second = runtime->Get(kNext);
  EXPECT_EQ(second.status, 403);
  runtime->Post(InvocationPath(next.Header("Lambda-Runtime-Aws-Request-Id"), "response"), "{}");
  EXPECT_EQ(invoke.get().status, 200);
}

TEST_F(RuntimeApiTest, ASecondConcurrentNextReplacesTheFirstWhichIs403) {
  auto runtime = WarmInstance();
  ASSERT_NE(runtime, nullptr);

  // Two polls at once, on two connections, with no event (a runtime that reconnected and left
  // its old poll behind): the newer one is kept, the older one is answered at once.
  std::promise<HttpResult> first_answer;
  std::atomic<bool> answered{false};
  auto poll = [&] {
    HttpClient client(launcher().RuntimeApiPort(1), TestTimeout());
    HttpResult result = client.Get(kNext);
    if (!answered.exchange(true)) first_answer.set_value(result);
    return result;
  };
  auto a = std::async(std::launch::async, poll);
  auto b = std::async(std::launch::async, poll);
  auto replaced = first_answer.get_future();
  ASSERT_EQ(replaced.wait_for(TestTimeout()), std::future_status::ready) << "no poll was answered";
  const HttpResult older = replaced.get();
  EXPECT_EQ(older.status, 403) << older.body;
  EXPECT_EQ(nlohmann::json::parse(older.body)["errorType"], "InvalidStateTransition");

  // The next event goes to the poll still waiting, and only to it.
  auto second_invoke = InvokeAsync("fn", R"({"n":2})");
  const HttpResult ra = a.get();
  const HttpResult rb = b.get();
  EXPECT_EQ((ra.status == 403) + (rb.status == 403), 1);
  const HttpResult& delivered = ra.status == 403 ? rb : ra;
  ASSERT_EQ(delivered.status, 200) << delivered.error;
  EXPECT_EQ(delivered.body, R"({"n":2})");
  EXPECT_EQ(
      runtime
          ->Post(InvocationPath(delivered.Header("Lambda-Runtime-Aws-Request-Id"), "response"), "2")
          .status,
      202);
  EXPECT_EQ(second_invoke.get().body, "2");
}

TEST_F(RuntimeApiTest, AnEventIsNotHandedToAPollWhoseRuntimeHasClosedTheConnection) {
  auto runtime = WarmInstance();
  ASSERT_NE(runtime, nullptr);

  // A runtime polls, then closes the connection while the poll waits.
  {
    const int fd = ConnectLoopback(launcher().RuntimeApiPort(1));
    ASSERT_GE(fd, 0);
    const std::string get = std::string("GET ") + kNext + " HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(::send(fd, get.data(), get.size(), MSG_NOSIGNAL), static_cast<ssize_t>(get.size()));
    ::close(fd);
  }
  // A request on another connection, answered after the server has seen that close (it came
  // first).
  EXPECT_EQ(HttpClient(launcher().RuntimeApiPort(1), TestTimeout())
                .Get("/2018-06-01/runtime/unknown")
                .status,
            404);
  // Then an event, assigned to the instance before its runtime polls again: an Event invoke is
  // answered once queued, and the queued event is assigned on the emulator thread before
  // anything posted after it runs.
  ASSERT_EQ(emu_->Invoke("fn", R"({"n":2})", {{"X-Amz-Invocation-Type", "Event"}}).status, 202);
  emu_->RunOnLoop([] {});

  // The event waits for a runtime that is there.
  const HttpResult delivered = runtime->Get(kNext);
  ASSERT_EQ(delivered.status, 200) << delivered.error << delivered.body;
  EXPECT_EQ(delivered.body, R"({"n":2})");
  EXPECT_EQ(
      runtime
          ->Post(InvocationPath(delivered.Header("Lambda-Runtime-Aws-Request-Id"), "response"), "2")
          .status,
      202);
  EXPECT_TRUE(emu_->WaitForEvent("invoke.async_done", "fn").ok());
}

// A frozen runtime is continued once its event's bytes are already waiting on its /next
// connection: it then wakes once, not once for the SIGCONT and again for the event. A large
// event (it could not all sit in the socket's buffers while the runtime is stopped) is
// continued first.
TEST_F(RuntimeApiTest, AFrozenRuntimeIsContinuedOnceItsEventIsWritten) {
  std::promise<void> stopped;
  std::promise<void> continued;
  std::atomic<int> fd{-1};
  // Bytes of the /next answer the test has read so far.
  std::atomic<size_t> received{0};
  // Whether any of the answer had reached the runtime's socket when it was continued: read by
  // the emulator thread at the SIGCONT (what is still queued on the socket, then what the test
  // has read: in that order, a read in between is counted, never missed).
  std::vector<bool> written_at_continue;
  std::mutex mu;
  launcher().OnSignal([&](int signal) {
    if (signal == SIGSTOP) {
      try {
        stopped.set_value();
      } catch (const std::future_error&) {
      }
    }
    if (signal != SIGCONT || fd.load() < 0) return;
    int queued = 0;
    ::ioctl(fd.load(), FIONREAD, &queued);
    const bool written = queued > 0 || received.load() > 0;
    {
      std::lock_guard<std::mutex> lock(mu);
      written_at_continue.push_back(written);
    }
    continued.set_value();
  });
  {  // Instance 1 up and between events (`large`: a 60 s timeout for the 1 MB event).
    auto invoke = InvokeAsync("large");
    auto runtime = Runtime(1);
    const HttpResult next = runtime->Get(kNext);
    ASSERT_EQ(
        runtime
            ->Post(InvocationPath(next.Header("Lambda-Runtime-Aws-Request-Id"), "response"), "{}")
            .status,
        202);
    ASSERT_EQ(invoke.get().status, 200);
  }

  for (const size_t payload_bytes : {size_t{100}, size_t{1024 * 1024}}) {
    SCOPED_TRACE(payload_bytes);
    const int socket = ConnectLoopback(launcher().RuntimeApiPort(1));
    ASSERT_GE(socket, 0);
    fd = socket;
    // The runtime polls with nothing to do: frozen.
    stopped = std::promise<void>();
    continued = std::promise<void>();
    received = 0;
    const std::string get = std::string("GET ") + kNext + " HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(::send(socket, get.data(), get.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(get.size()));
    ASSERT_EQ(stopped.get_future().wait_for(TestTimeout()), std::future_status::ready);

    const std::string payload = "\"" + std::string(payload_bytes, 'x') + "\"";
    auto invoke = InvokeAsync("large", payload);
    // Read the whole answer (its header, then Content-Length bytes), continued or not.
    std::string answer;
    size_t header_end = std::string::npos;
    size_t length = 0;
    char buffer[64 * 1024];
    while (header_end == std::string::npos || answer.size() < header_end + 4 + length) {
      pollfd p{socket, POLLIN, 0};
      ASSERT_EQ(::poll(&p, 1, static_cast<int>(TestTimeout().count())), 1);
      const ssize_t n = ::recv(socket, buffer, sizeof(buffer), 0);
      ASSERT_GT(n, 0);
      answer.append(buffer, static_cast<size_t>(n));
      received += static_cast<size_t>(n);
      if (header_end == std::string::npos &&
          (header_end = answer.find("\r\n\r\n")) != std::string::npos) {
        const size_t at = answer.find("Content-Length: ");
        ASSERT_NE(at, std::string::npos);
        length = std::stoul(answer.substr(at + 16));
      }
    }
    // The continue may come just after the last byte was read (a small event's, once its write
    // has completed).
    ASSERT_EQ(continued.get_future().wait_for(TestTimeout()), std::future_status::ready);
    fd = -1;
    EXPECT_EQ(answer.substr(header_end + 4), payload);
    const size_t id_at = answer.find("Lambda-Runtime-Aws-Request-Id: ");
    ASSERT_NE(id_at, std::string::npos);
    const std::string id = answer.substr(id_at + 31, answer.find("\r\n", id_at) - id_at - 31);
    ::close(socket);
    EXPECT_EQ(HttpClient(launcher().RuntimeApiPort(1), TestTimeout())
                  .Post(InvocationPath(id, "response"), "1")
                  .status,
              202);
    EXPECT_EQ(invoke.get().status, 200);
  }
  std::lock_guard<std::mutex> lock(mu);
  // The small event: continued after its write. The large one: before (not all of it could be
  // written to a stopped reader).
  EXPECT_THAT(written_at_continue, ::testing::ElementsAre(true, false));
}

TEST_F(RuntimeApiTest, FunctionErrorIsUnhandledWithTheRuntimesBody) {
  auto invoke = InvokeAsync("fn");
  auto runtime = Runtime(1);
  const std::string id = runtime->Get(kNext).Header("Lambda-Runtime-Aws-Request-Id");
  const std::string body = R"({"errorType":"TypeError","errorMessage":"boom","trace":[]})";
  EXPECT_EQ(runtime
                ->Post(InvocationPath(id, "error"), body,
                       {{"Lambda-Runtime-Function-Error-Type", "Function.TypeError"}})
                .status,
            202);
  const HttpResult result = invoke.get();
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(result.body, body);
  // A function error does not reset the environment: the same instance takes the next event.
  auto second = InvokeAsync("fn");
  const HttpResult next = runtime->Get(kNext);
  ASSERT_EQ(next.status, 200);
  runtime->Post(InvocationPath(next.Header("Lambda-Runtime-Aws-Request-Id"), "response"), "2");
  EXPECT_EQ(second.get().body, "2");
}

TEST_F(RuntimeApiTest, OversizedResponseIs413ForTheRuntimeAndAnErrorForTheCaller) {
  auto invoke = InvokeAsync("large");
  auto runtime = Runtime(1);
  const std::string id = runtime->Get(kNext).Header("Lambda-Runtime-Aws-Request-Id");
  const HttpResult posted =
      runtime->Post(InvocationPath(id, "response"), std::string(6 * 1024 * 1024 + 101, 'x'));
  EXPECT_EQ(posted.status, 413) << posted.error;
  EXPECT_EQ(nlohmann::json::parse(posted.body)["errorType"], "RequestEntityTooLarge");
  const HttpResult result = invoke.get();
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(nlohmann::json::parse(result.body)["errorType"], "Function.ResponseSizeTooLarge");
}

TEST_F(RuntimeApiTest, ResponseOfExactlyTheLimitIsAccepted) {
  auto invoke = InvokeAsync("large");
  auto runtime = Runtime(1);
  const std::string id = runtime->Get(kNext).Header("Lambda-Runtime-Aws-Request-Id");
  EXPECT_EQ(
      runtime->Post(InvocationPath(id, "response"), std::string(6 * 1024 * 1024 + 100, 'x')).status,
      202);
  EXPECT_EQ(invoke.get().body.size(), 6u * 1024 * 1024 + 100);
}

TEST_F(RuntimeApiTest, InitErrorIsServedToTheFirstInvokeAndResetsTheInstance) {
  auto invoke = InvokeAsync("fn");
  auto runtime = Runtime(1);
  const std::string body = R"({"errorType":"Runtime.ImportModuleError","errorMessage":"nope"})";
  EXPECT_EQ(runtime
                ->Post("/2018-06-01/runtime/init/error", body,
                       {{"Lambda-Runtime-Function-Error-Type", "Runtime.ImportModuleError"}})
                .status,
            202);
  const HttpResult result = invoke.get();
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(result.body, body);
  auto gone = emu_->WaitForEvent("instance.gone", "fn");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->attrs["reason"], "init_error");
  EXPECT_THAT(launcher().Signals(1), Contains(SIGKILL));
  // The next event gets a new environment.
  auto second = InvokeAsync("fn");
  auto runtime2 = Runtime(2);
  const HttpResult next = runtime2->Get(kNext);
  runtime2->Post(InvocationPath(next.Header("Lambda-Runtime-Aws-Request-Id"), "response"), "3");
  EXPECT_EQ(second.get().body, "3");
}

TEST_F(RuntimeApiTest, InitErrorAfterInitIs403) {
  auto invoke = InvokeAsync("fn");
  auto runtime = Runtime(1);
  const HttpResult next = runtime->Get(kNext);
  EXPECT_EQ(runtime->Post("/2018-06-01/runtime/init/error", "{}").status, 403);
  runtime->Post(InvocationPath(next.Header("Lambda-Runtime-Aws-Request-Id"), "response"), "{}");
  invoke.get();
}

TEST_F(RuntimeApiTest, ExitDuringAnInvokeIsRuntimeExitError) {
  auto invoke = InvokeAsync("fn");
  auto runtime = Runtime(1);
  const std::string id = runtime->Get(kNext).Header("Lambda-Runtime-Aws-Request-Id");
  launcher().Exit(1, 42);
  const HttpResult result = invoke.get();
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled");
  const auto body = nlohmann::json::parse(result.body);
  EXPECT_EQ(body["errorType"], "Runtime.ExitError");
  EXPECT_EQ(body["errorMessage"],
            "RequestId: " + id + " Error: Runtime exited with error: exit status 42");
  auto gone = emu_->WaitForEvent("instance.gone", "fn");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->attrs["reason"], "exit");
}

TEST_F(RuntimeApiTest, ExitBeforeTheFirstNextIsRuntimeExitError) {
  auto invoke = InvokeAsync("fn");
  ASSERT_TRUE(launcher().WaitForLaunch(1, TestTimeout()).ok());
  launcher().Exit(1, 3);
  const auto body = nlohmann::json::parse(invoke.get().body);
  EXPECT_EQ(body["errorType"], "Runtime.ExitError");
  EXPECT_THAT(body["errorMessage"].get<std::string>(), HasSubstr("exit status 3"));
}

TEST_F(RuntimeApiTest, LaunchFailureIsInvalidEntrypoint) {
  launcher().FailLaunch(1);
  const HttpResult result = emu_->Invoke("fn");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(nlohmann::json::parse(result.body)["errorType"], "Runtime.InvalidEntrypoint");
}

TEST_F(RuntimeApiTest, TimeoutKillsTheInstanceAndAnswersSandboxTimedout) {
  auto invoke = InvokeAsync("fn");
  auto runtime = Runtime(1);
  const std::string id = runtime->Get(kNext).Header("Lambda-Runtime-Aws-Request-Id");
  const HttpResult result = invoke.get();  // the runtime never answers; timeout is 1 s
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled");
  const auto body = nlohmann::json::parse(result.body);
  EXPECT_EQ(body["errorType"], "Sandbox.Timedout");
  EXPECT_EQ(body["errorMessage"], "RequestId: " + id + " Error: Task timed out after 1.00 seconds");
  EXPECT_THAT(launcher().Signals(1), Contains(SIGKILL));
  auto gone = emu_->WaitForEvent("instance.gone", "fn");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->attrs["reason"], "timeout");
  // A late answer from the killed runtime is refused.
  EXPECT_NE(runtime->Post(InvocationPath(id, "response"), "{}").status, 202);
}

TEST_F(RuntimeApiTest, ClientContextIsDecodedForTheRuntime) {
  const std::string context = R"({"custom":{"k":"v"}})";
  auto invoke = InvokeAsync("fn", "{}", {{"X-Amz-Client-Context", Base64Encode(context)}});
  auto runtime = Runtime(1);
  const HttpResult next = runtime->Get(kNext);
  EXPECT_EQ(next.Header("Lambda-Runtime-Client-Context"), context);
  runtime->Post(InvocationPath(next.Header("Lambda-Runtime-Aws-Request-Id"), "response"), "{}");
  invoke.get();
}

TEST_F(RuntimeApiTest, InvalidClientContextIs400) {
  const HttpResult result = emu_->Invoke("fn", "{}", {{"X-Amz-Client-Context", "%%%"}});
  EXPECT_EQ(result.status, 400);
  EXPECT_EQ(result.Header("x-amzn-ErrorType"), "InvalidRequestContentException");
}

TEST_F(RuntimeApiTest, ClientContextWithLineBreaksReachesTheRuntimeAsOneLineOfJson) {
  // CR LF is JSON whitespace: copied raw into the /next header it would end the field there
  // (header injection). Lambda re-encodes the context; so does thaw.
  const std::string context = "{\r\n\"custom\": {\"k\": \"v\"},\r\nX-Injected: 1\r\n\"a\": 1}";
  ASSERT_FALSE(nlohmann::json::accept(context));  // Not JSON: refused.
  EXPECT_EQ(emu_->Invoke("fn", "{}", {{"X-Amz-Client-Context", Base64Encode(context)}}).status,
            400);

  const std::string spaced = "{\r\n\"custom\": {\"k\": \"v\x7f\"},\r\n\"env\": {}\r\n}";
  auto invoke = InvokeAsync("fn", "{}", {{"X-Amz-Client-Context", Base64Encode(spaced)}});
  auto runtime = Runtime(1);
  const HttpResult next = runtime->Get(kNext);
  ASSERT_EQ(next.status, 200) << next.error;
  EXPECT_EQ(next.Header("Lambda-Runtime-Client-Context"), R"({"custom":{"k":"v\u007f"},"env":{}})");
  EXPECT_EQ(nlohmann::json::parse(next.Header("Lambda-Runtime-Client-Context")),
            nlohmann::json::parse(spaced));
  runtime->Post(InvocationPath(next.Header("Lambda-Runtime-Aws-Request-Id"), "response"), "{}");
  EXPECT_EQ(invoke.get().status, 200);
}

TEST_F(RuntimeApiTest, ClientContextThatIsNotAJsonObjectIs400) {
  for (const std::string context : {R"("just a string")", "[1,2]", "42"}) {
    const HttpResult result =
        emu_->Invoke("fn", "{}", {{"X-Amz-Client-Context", Base64Encode(context)}});
    EXPECT_EQ(result.status, 400) << context;
    EXPECT_EQ(result.Header("x-amzn-ErrorType"), "InvalidRequestContentException") << context;
  }
}

// Lambda takes "up to 3,583 bytes of base64-encoded data"; base64 comes in 4-byte groups, so
// 3,580 is the longest padded context accepted.
TEST_F(RuntimeApiTest, ClientContextOverLambdasLimitIs400) {
  auto context_of = [](size_t encoded_size) {
    std::string json = R"({"custom":{"k":")";
    while (Base64Encode(json + "\"}}").size() < encoded_size) json += 'x';
    return Base64Encode(json + "\"}}");
  };
  const std::string largest = context_of(3580);
  ASSERT_EQ(largest.size(), 3580u);
  auto invoke = InvokeAsync("fn", "{}", {{"X-Amz-Client-Context", largest}});
  auto runtime = Runtime(1);
  const HttpResult next = runtime->Get(kNext);
  ASSERT_EQ(next.status, 200) << next.error;
  runtime->Post(InvocationPath(next.Header("Lambda-Runtime-Aws-Request-Id"), "response"), "{}");
  EXPECT_EQ(invoke.get().status, 200);

  const std::string over = context_of(3584);
  ASSERT_EQ(over.size(), 3584u);
  for (const std::string type : {"RequestResponse", "Event"}) {
    const HttpResult result =
        emu_->Invoke("fn", "{}", {{"X-Amz-Client-Context", over}, {"X-Amz-Invocation-Type", type}});
    EXPECT_EQ(result.status, 400) << type;
    EXPECT_EQ(result.Header("x-amzn-ErrorType"), "InvalidRequestContentException") << type;
    EXPECT_THAT(result.body, HasSubstr("at most 3583 bytes")) << type;
  }
}

TEST_F(RuntimeApiTest, InvalidClientContextOnAnEventInvokeIs400NotQueued) {
  const HttpResult result = emu_->Invoke(
      "fn", "{}", {{"X-Amz-Client-Context", "%%%"}, {"X-Amz-Invocation-Type", "Event"}});
  EXPECT_EQ(result.status, 400);
  EXPECT_EQ(result.Header("x-amzn-ErrorType"), "InvalidRequestContentException");
}

// settings.async_queue_mb bounds the payloads Event invokes hold while they wait: one more
// is refused with Lambda's 429, and the room comes back once the queued events are done.
TEST(AsyncQueueTest, EventInvokesOverTheQueueLimitGet429UntilTheQueueEmpties) {
  FakeProcessLauncher* fake = nullptr;
  auto emu = TestEmulator::Start(R"(
functions:
  fn:
    runtime: provided
    code: {{echo}}
settings:
  async_queue_mb: 1
)",
                                 [&fake](boost::asio::io_context& io) {
                                   auto launcher = std::make_unique<FakeProcessLauncher>(io);
                                   fake = launcher.get();
                                   return launcher;
                                 });
  ASSERT_TRUE(emu.ok()) << emu.status();
  const std::string payload = "\"" + std::string(400 * 1024, 'a') + "\"";
  HttpClient client((*emu)->port(), TestTimeout());
  auto event = [&] {
    return client.Post("/2015-03-31/functions/fn/invocations", payload,
                       {{"X-Amz-Invocation-Type", "Event"}});
  };
  EXPECT_EQ(event().status, 202);
  EXPECT_EQ(event().status, 202);
  const HttpResult refused = event();
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(refused.Header("x-amzn-ErrorType"), "TooManyRequestsException");
  EXPECT_EQ(nlohmann::json::parse(refused.body).value("Reason", ""), "CallerRateLimitExceeded")
      << refused.body;
  EXPECT_EQ((*emu)->CountEvents("invoke.queued", "fn"), 2u);

  // Both queued events run (one instance each) and are done: the queue is empty again.
  for (size_t n = 1; n <= 2; ++n) {
    ASSERT_TRUE(fake->WaitForLaunch(n, TestTimeout()).ok());
    HttpClient runtime(fake->RuntimeApiPort(n), TestTimeout());
    const HttpResult next = runtime.Get(kNext);
    ASSERT_EQ(next.status, 200) << next.error;
    EXPECT_EQ(next.body, payload);
    EXPECT_EQ(
        runtime.Post(InvocationPath(next.Header("Lambda-Runtime-Aws-Request-Id"), "response"), "{}")
            .status,
        202);
  }
  ASSERT_TRUE((*emu)->WaitForEvents("invoke.async_done", "fn", 2).ok());
  EXPECT_EQ(event().status, 202);
}

TEST_F(RuntimeApiTest, AccountConcurrencyLimitThrottlesWith429) {
  auto first = InvokeAsync("fn");
  auto second = InvokeAsync("other");
  auto r1 = Runtime(1);
  auto r2 = Runtime(2);
  ASSERT_EQ(r1->Get(kNext).status, 200);
  ASSERT_EQ(r2->Get(kNext).status, 200);
  // Two invokes in flight, account_concurrency is 2.
  const HttpResult third = emu_->Invoke("fn");
  EXPECT_EQ(third.status, 429);
  EXPECT_EQ(third.Header("x-amzn-ErrorType"), "TooManyRequestsException");
  const auto body = nlohmann::json::parse(third.body);
  EXPECT_EQ(body["Reason"], "ConcurrentInvocationLimitExceeded");
  EXPECT_EQ(body["Type"], "User");
  EXPECT_EQ(body["message"], "Rate Exceeded.");
  EXPECT_TRUE(emu_->WaitForEvent("invoke.throttled", "fn").ok());
  launcher().Exit(1, 1);
  launcher().Exit(2, 1);
  first.get();
  second.get();
}

TEST_F(RuntimeApiTest, EventInvocationIsAcceptedWith202AndRunsLater) {
  const HttpResult accepted =
      emu_->Invoke("fn", R"({"async":1})", {{"X-Amz-Invocation-Type", "Event"}});
  EXPECT_EQ(accepted.status, 202);
  EXPECT_EQ(accepted.body, "");
  EXPECT_FALSE(accepted.Header("x-amzn-RequestId").empty());
  auto runtime = Runtime(1);
  const HttpResult next = runtime->Get(kNext);
  EXPECT_EQ(next.body, R"({"async":1})");
  runtime->Post(InvocationPath(next.Header("Lambda-Runtime-Aws-Request-Id"), "response"), "{}");
  EXPECT_TRUE(emu_->WaitForEvent("invoke.end", "fn").ok());
}

TEST_F(RuntimeApiTest, DryRunIs204AndStartsNothing) {
  const HttpResult result = emu_->Invoke("fn", "{}", {{"X-Amz-Invocation-Type", "DryRun"}});
  EXPECT_EQ(result.status, 204);
  EXPECT_FALSE(launcher().WaitForLaunch(1, std::chrono::milliseconds(50)).ok());
}

TEST_F(RuntimeApiTest, TailLogHasStartEndAndReport) {
  auto invoke = InvokeAsync("fn", "{}", {{"X-Amz-Log-Type", "Tail"}});
  auto runtime = Runtime(1);
  const std::string id = runtime->Get(kNext).Header("Lambda-Runtime-Aws-Request-Id");
  runtime->Post(InvocationPath(id, "response"), "{}");
  const HttpResult result = invoke.get();
  std::string log;
  ASSERT_TRUE(Base64Decode(result.Header("X-Amz-Log-Result"), log));
  EXPECT_THAT(log, HasSubstr("START RequestId: " + id + " Version: $LATEST\n"));
  EXPECT_THAT(log, HasSubstr("END RequestId: " + id + "\n"));
  EXPECT_THAT(log,
              MatchesRegex("(.|\n)*REPORT RequestId: " + id +
                           "\tDuration: [0-9.]+ ms\tBilled Duration: [0-9]+ ms\tMemory Size: "
                           "128 MB\tMax Memory Used: [0-9]+ MB\tInit Duration: [0-9.]+ ms\t\n"));
}

// Invoke API errors, in AWS's shape.
class InvokeApiErrorTest : public RuntimeApiTest {};

TEST_F(InvokeApiErrorTest, UnknownFunctionIs404WithTheArn) {
  const HttpResult result = emu_->Invoke("nope");
  EXPECT_EQ(result.status, 404);
  EXPECT_EQ(result.Header("x-amzn-ErrorType"), "ResourceNotFoundException");
  const auto body = nlohmann::json::parse(result.body);
  EXPECT_EQ(body["Type"], "User");
  EXPECT_EQ(body["Message"],
            "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope");
}

TEST_F(InvokeApiErrorTest, UnknownQualifierIs404) {
  HttpClient client(emu_->port());
  const HttpResult result =
      client.Post("/2015-03-31/functions/fn/invocations?Qualifier=prod", "{}");
  EXPECT_EQ(result.status, 404);
  EXPECT_THAT(result.body, HasSubstr("function:fn:prod"));
}

// Found by the invoke_request fuzzer: a number past a double's range made the JSON library throw
// out_of_range, which is not a parse_error, out of the check.
TEST_F(InvokeApiErrorTest, ANumberPastADoublesRangeIs400) {
  const HttpResult result = emu_->Invoke("fn", "20E2015-o\":\"thaw\"}");
  EXPECT_EQ(result.status, 400);
  EXPECT_EQ(result.Header("x-amzn-ErrorType"), "InvalidRequestContentException");
  EXPECT_THAT(nlohmann::json::parse(result.body)["Message"].get<std::string>(),
              HasSubstr("number overflow"));
  // The server goes on serving.
  EXPECT_EQ(emu_->Invoke("fn", "{}").status, 200);
}

TEST_F(InvokeApiErrorTest, InvalidJsonIs400) {
  const HttpResult result = emu_->Invoke("fn", "{not json");
  EXPECT_EQ(result.status, 400);
  EXPECT_EQ(result.Header("x-amzn-ErrorType"), "InvalidRequestContentException");
  EXPECT_THAT(nlohmann::json::parse(result.body)["Message"].get<std::string>(),
              HasSubstr("Could not parse request body into json"));
}

TEST_F(InvokeApiErrorTest, PayloadOver6MBIs413) {
  const HttpResult result = emu_->Invoke("fn", "\"" + std::string(6291456, 'x') + "\"");
  EXPECT_EQ(result.status, 413);
  EXPECT_EQ(result.Header("x-amzn-ErrorType"), "RequestEntityTooLargeException");
  EXPECT_THAT(result.body, HasSubstr("Request must be smaller than 6291456 bytes"));
}

TEST_F(InvokeApiErrorTest, HugePayloadIs413WithoutReadingIt) {
  const HttpResult result = emu_->Invoke("fn", std::string(20 * 1024 * 1024, ' '));
  EXPECT_EQ(result.status, 413) << result.error;
}

TEST_F(InvokeApiErrorTest, UnknownInvocationTypeIs400) {
  const HttpResult result = emu_->Invoke("fn", "{}", {{"X-Amz-Invocation-Type", "Sometimes"}});
  EXPECT_EQ(result.status, 400);
  EXPECT_EQ(result.Header("x-amzn-ErrorType"), "ValidationException");
}

TEST_F(InvokeApiErrorTest, MismatchedQualifiersAre400) {
  HttpClient client(emu_->port());
  const HttpResult result =
      client.Post("/2015-03-31/functions/fn:%24LATEST/invocations?Qualifier=prod", "{}");
  EXPECT_EQ(result.status, 400);
}

TEST_F(InvokeApiErrorTest, ArnOfAnotherAccountIs404) {
  HttpClient client(emu_->port());
  const HttpResult result = client.Post(
      "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A999999999999%3Afunction%3Afn/"
      "invocations",
      "{}");
  EXPECT_EQ(result.status, 404);
}

TEST_F(InvokeApiErrorTest, UnknownPathIs404) {
  HttpClient client(emu_->port());
  EXPECT_EQ(client.Get("/nothing/here").status, 404);
}

}  // namespace
}  // namespace runtime_api_test
}  // namespace thaw::testing
