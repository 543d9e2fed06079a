#include "tests/bench/relay_server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tests/bench/loopback_server.h"

namespace thaw::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::string_view kInvokePrefix = "/2015-03-31/functions/";
constexpr std::string_view kNextTarget = "/2018-06-01/runtime/invocation/next";
constexpr std::string_view kInvocationPrefix = "/2018-06-01/runtime/invocation/";
constexpr std::string_view kResponseSuffix = "/response";

// One Invoke: the caller waits on `done` (cancelled when the runtime's answer is in `answer`).
struct Job {
  explicit Job(const asio::any_io_executor& executor) : done(executor) {}
  std::string id;
  std::string payload;
  std::string answer;
  asio::steady_timer done;
};

// A runtime connection parked on GET /next: `wake` is cancelled once `job` is set.
struct Parked {
  explicit Parked(const asio::any_io_executor& executor) : wake(executor) {}
  asio::steady_timer wake;
  std::shared_ptr<Job> job;
};

// Single-threaded: everything runs on the one io_context thread.
struct Relay {
  std::deque<std::shared_ptr<Job>> queued;  // events no runtime was waiting for
  std::vector<Parked*> parked;              // idle runtimes, the most recently idle last
  std::unordered_map<std::string, std::shared_ptr<Job>> running;
  uint64_t next_id = 0;

  std::string NewId() {
    char id[40];
    std::snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012llx",
                  static_cast<unsigned long long>(++next_id));
    return id;
  }
};

BenchResponse Answer(const BenchRequest& request, http::status status, std::string body) {
  BenchResponse response{status, request.version()};
  response.set(http::field::content_type, "application/json");
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  return response;
}

asio::awaitable<BenchResponse> Invoke(Relay& relay, const BenchRequest& request) {
  auto job = std::make_shared<Job>(co_await asio::this_coro::executor);
  job->id = relay.NewId();
  job->payload = request.body();
  job->done.expires_at(asio::steady_timer::time_point::max());
  if (!relay.parked.empty()) {
    Parked* runtime = relay.parked.back();
    relay.parked.pop_back();
    runtime->job = job;
    runtime->wake.cancel();
  } else {
    relay.queued.push_back(job);
  }
  beast::error_code ignored;
  co_await job->done.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  auto response = Answer(request, http::status::ok, std::move(job->answer));
  response.set("x-amzn-RequestId", job->id);
  response.set("X-Amz-Executed-Version", "$LATEST");
  co_return response;
}

asio::awaitable<BenchResponse> Next(Relay& relay, const BenchRequest& request) {
  std::shared_ptr<Job> job;
  if (!relay.queued.empty()) {
    job = std::move(relay.queued.front());
    relay.queued.pop_front();
  } else {
    Parked parked(co_await asio::this_coro::executor);
    parked.wake.expires_at(asio::steady_timer::time_point::max());
    relay.parked.push_back(&parked);
    beast::error_code ignored;
    co_await parked.wake.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    job = std::move(parked.job);
  }
  relay.running.emplace(job->id, job);
  const auto deadline = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()) +
                        std::chrono::seconds(10);
  auto response = Answer(request, http::status::ok, job->payload);
  response.set("Lambda-Runtime-Aws-Request-Id", job->id);
  response.set("Lambda-Runtime-Deadline-Ms", std::to_string(deadline.count()));
  response.set("Lambda-Runtime-Invoked-Function-Arn",
               "arn:aws:lambda:us-east-1:000000000000:function:echo");
  response.set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0");
  co_return response;
}

asio::awaitable<BenchResponse> Respond(Relay& relay, BenchRequest& request, std::string_view id) {
  const auto it = relay.running.find(std::string(id));
  if (it == relay.running.end()) {
    co_return Answer(request, http::status::bad_request, R"({"errorType":"InvalidRequestID"})");
  }
  std::shared_ptr<Job> job = std::move(it->second);
  relay.running.erase(it);
  job->answer = std::move(request.body());
  job->done.cancel();
  // Yield once so the caller's answer, resumed by the cancel, is written before the 202: the
  // order thaw uses (emulator/control/runtime_api.cc).
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  co_return Answer(request, http::status::accepted, R"({"status":"OK"})");
}

asio::awaitable<BenchResponse> Route(Relay& relay, BenchRequest& request) {
  const std::string_view target(request.target().data(), request.target().size());
  if (request.method() == http::verb::post && target.starts_with(kInvokePrefix)) {
    co_return co_await Invoke(relay, request);
  }
  if (request.method() == http::verb::get && target == kNextTarget) {
    co_return co_await Next(relay, request);
  }
  if (request.method() == http::verb::post && target.starts_with(kInvocationPrefix) &&
      target.ends_with(kResponseSuffix)) {
    const std::string_view id =
        target.substr(kInvocationPrefix.size(),
                      target.size() - kInvocationPrefix.size() - kResponseSuffix.size());
    co_return co_await Respond(relay, request, id);
  }
  co_return Answer(request, http::status::not_found, R"({"errorType":"NotFound"})");
}

// Starts `bootstrap` with the Runtime API at `port`; its output goes to /dev/null. -1 on error.
pid_t StartRuntime(const std::string& bootstrap, uint16_t port) {
  const std::string api = "AWS_LAMBDA_RUNTIME_API=127.0.0.1:" + std::to_string(port);
  std::vector<std::string> env = {api, "_HANDLER=echo", "PATH=/usr/bin:/bin"};
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  char* argv[] = {const_cast<char*>(bootstrap.c_str()), nullptr};
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  // Only async-signal-safe calls from here to exec.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  const int null = ::open("/dev/null", O_WRONLY);
  if (null >= 0) {
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
  }
  ::execve(argv[0], argv, envp.data());
  ::_exit(127);
}

}  // namespace

int RunRelayServer(const std::string& bootstrap, int runtimes) {
  Relay relay;
  std::vector<pid_t> pids;
  const int code = ServeLoopback(
      "relay", [&relay](BenchRequest& request) { return Route(relay, request); },
      [&](uint16_t port) {
        std::string listed;
        for (int i = 0; i < runtimes; ++i) {
          const pid_t pid = StartRuntime(bootstrap, port);
          if (pid < 0) {
            std::fprintf(stderr, "relay: cannot start %s: %s\n", bootstrap.c_str(),
                         std::strerror(errno));
            return false;
          }
          pids.push_back(pid);
          listed += " " + std::to_string(pid);
        }
        std::printf("relay: runtimes%s\nrelay: listening on http://127.0.0.1:%u\n", listed.c_str(),
                    port);
        std::fflush(stdout);
        return true;
      });
  for (pid_t pid : pids) ::kill(pid, SIGKILL);
  for (pid_t pid : pids) ::waitpid(pid, nullptr, 0);
  return code;
}

}  // namespace thaw::bench
