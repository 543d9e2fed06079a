#include "testing/emulator.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "core/accounting.h"
#include "core/event_kinds.h"
#include "core/fault_target.h"
#include "core/http/http_server.h"
#include "core/status_macros.h"
#include "emulator/config/thaw_config.h"
#include "emulator/control/control_plane.h"
#include "emulator/control/invoke_api.h"
#include "emulator/control/log_sink.h"
#include "emulator/process/boost_process_launcher.h"
#include "emulator/runtimes/ric/prepare_runtime_clients.h"
#include "host/admin_api.h"
#include "host/emulator_session.h"

namespace thaw::testing {

namespace asio = boost::asio;

namespace {

// Keeps every line (and prints it when asked). Called from the emulator's thread, read from
// the test's.
class KeepingLogSink : public LogSink {
 public:
  explicit KeepingLogSink(bool print) : print_(print) {}
  void Line(const std::string& function, int64_t instance, std::string_view line) override {
    std::string text = "[" + function + ":" + std::to_string(instance) + "] ";
    text.append(line);
    std::lock_guard<std::mutex> lock(mu_);
    if (print_) std::fprintf(stderr, "%s\n", text.c_str());
    lines_.push_back(std::move(text));
  }
  std::vector<std::string> Lines() const {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  const bool print_;
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

// One count per instance id in `ids` (zeros included), in that order.
std::vector<int> Ordered(const std::vector<int64_t>& ids, const std::map<int64_t, int>& counts) {
  std::vector<int> out;
  out.reserve(ids.size());
  for (int64_t id : ids) {
    auto it = counts.find(id);
    out.push_back(it == counts.end() ? 0 : it->second);
  }
  return out;
}

}  // namespace

nlohmann::json InvokeResult::Json() const {
  return nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
}

std::string InvokeResult::ErrorType() const {
  if (function_error.empty()) return "";
  const nlohmann::json body = Json();
  if (body.is_object() && body.contains("errorType") && body["errorType"].is_string()) {
    return body["errorType"];
  }
  return "";
}

std::ostream& operator<<(std::ostream& out, const InvokeResult& result) {
  constexpr size_t kPayloadShown = 1000;
  out << "{status " << result.status;
  if (!result.api_error.empty()) out << ", api_error " << result.api_error;
  if (!result.function_error.empty()) out << ", function_error " << result.function_error;
  out << ", instance " << result.instance;
  if (!result.request_id.empty()) out << ", request " << result.request_id;
  out << ", payload " << result.payload.substr(0, kPayloadShown);
  if (result.payload.size() > kPayloadShown) {
    out << "... (" << result.payload.size() << " bytes)";
  }
  return out << "}";
}

bool EventFilter::Matches(const Event& event) const {
  return event.seq > since && (kind.empty() || event.kind == kind) &&
         (function.empty() || event.function == function) &&
         (instance == 0 || event.instance == instance);
}

std::string EventFilter::Describe() const {
  std::string what = kind.empty() ? "any event" : kind;
  if (!function.empty()) what += " of " + function;
  if (instance != 0) what += " on instance " + std::to_string(instance);
  if (since != 0) what += " after seq " + std::to_string(since);
  return what;
}

struct Emulator::Impl {
  explicit Impl(const EmulatorOptions& o) : options(o), logs(o.print_logs) {}

  // Runs `fn` on the emulator's thread and returns what it returns.
  template <typename Fn>
  auto OnLoop(Fn fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    asio::post(io, [&task] { task(); });
    return result.get();
  }

  EmulatorOptions options;
  ThawConfig config;
  Ledger ledger;
  KeepingLogSink logs;
  asio::io_context io{1};
  std::unique_ptr<BoostProcessLauncher> launcher;
  std::unique_ptr<EmulatorSession> host;
  std::unique_ptr<http::HttpServer> server;
  std::thread thread;
};

Emulator::Emulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::chrono::milliseconds Emulator::DefaultTimeout() {
  double factor = 1;
  if (const char* s = std::getenv("THAW_TEST_SLOWDOWN")) factor = std::max(1.0, std::atof(s));
  return std::chrono::milliseconds(static_cast<long>(15000 * factor));
}

absl::StatusOr<std::unique_ptr<Emulator>> Emulator::StartFromFile(
    const std::filesystem::path& config, EmulatorOptions options) {
  ASSIGN_OR_RETURN(auto parsed, LoadConfigFile(config));
  auto impl = std::make_unique<Impl>(options);
  impl->config = std::move(parsed);
  return Launch(std::move(impl));
}

absl::StatusOr<std::unique_ptr<Emulator>> Emulator::Start(const std::string& yaml,
                                                          EmulatorOptions options,
                                                          const std::filesystem::path& base_dir) {
  ASSIGN_OR_RETURN(auto parsed, ParseConfig(yaml, "<thaw::testing>", base_dir));
  auto impl = std::make_unique<Impl>(options);
  impl->config = std::move(parsed);
  return Launch(std::move(impl));
}

absl::StatusOr<std::unique_ptr<Emulator>> Emulator::Launch(std::unique_ptr<Impl> impl) {
  for (const auto& [name, value] : impl->options.secrets) {
    auto& seeds = impl->config.seeds.secrets;
    std::erase_if(seeds, [&](const SecretSeed& s) { return s.name == name; });
    SecretSeed seed;
    seed.name = name;
    seed.value = value;
    seeds.push_back(std::move(seed));
  }
  // `runtime_client: aws-lambda-ric` functions need the official client installed (once).
  auto announce = [](const std::string& message) {
    std::fprintf(stderr, "thaw: %s\n", message.c_str());
  };
  RETURN_IF_ERROR(PrepareRuntimeClients(impl->config, announce));
  // Built before the io_context runs, as `thaw serve` does: nothing else touches them yet.
  impl->launcher = std::make_unique<BoostProcessLauncher>(impl->io);
  EmulatorSession::Options host_options;
  host_options.momento = impl->options.momento;
  host_options.aws = impl->options.aws;
  ASSIGN_OR_RETURN(auto host, EmulatorSession::Create(impl->io, impl->config, impl->ledger,
                                                      impl->logs, *impl->launcher, host_options));
  impl->host = std::move(host);
  if (impl->options.http) {
    ASSIGN_OR_RETURN(auto server,
                     http::HttpServer::Listen(impl->io, "127.0.0.1", 0, MakeApiHandler(*impl->host),
                                              ApiServerOptions()));
    impl->server = std::move(server);
  }
  impl->thread = std::thread([io = &impl->io] {
    auto guard = asio::make_work_guard(*io);
    io->run();
  });
  std::unique_ptr<Emulator> emulator(new Emulator(std::move(impl)));
  for (const nlohmann::json& fault : emulator->impl_->options.faults) {
    ASSIGN_OR_RETURN(auto id, emulator->AddFault(fault));
  }
  return emulator;
}

Emulator::~Emulator() {
  if (!impl_ || !impl_->thread.joinable()) return;
  Impl& impl = *impl_;
  auto done = asio::co_spawn(
      impl.io,
      [&impl]() -> asio::awaitable<void> {
        if (impl.server) impl.server->Close();
        co_await impl.host->Shutdown(impl.options.shutdown_grace);
      },
      asio::use_future);
  done.wait_for(DefaultTimeout());
  // Destroyed on their own thread, as they were used.
  impl.OnLoop([&impl] {
    impl.server.reset();
    impl.host.reset();
    impl.launcher.reset();
  });
  impl.io.stop();
  impl.thread.join();
}

InvokeResult Emulator::Invoke(const std::string& function, const std::string& payload) {
  Impl& impl = *impl_;
  InvokeCall call;
  call.function_name = function;
  call.payload = payload;
  InvokeAnswer answer =
      asio::co_spawn(impl.io, impl.host->Invoke(std::move(call)), asio::use_future).get();
  InvokeResult out;
  out.status = static_cast<int>(answer.status);
  if (!answer.error.ok()) {
    out.api_error = AwsErrorType(answer.error);
    out.payload = LambdaErrorBody(answer.error);
    return out;
  }
  out.payload = std::move(answer.result.payload);
  out.function_error = std::move(answer.result.function_error);
  out.request_id = std::move(answer.result.request_id);
  out.instance = answer.result.instance;
  return out;
}

std::vector<InvokeResult> Emulator::InvokeConcurrently(const std::string& function, int count,
                                                       const std::string& payload) {
  std::vector<std::future<InvokeResult>> futures;
  for (int i = 0; i < count; ++i) {
    futures.push_back(std::async(
        std::launch::async, [this, &function, &payload] { return Invoke(function, payload); }));
  }
  std::vector<InvokeResult> results;
  for (auto& f : futures) results.push_back(f.get());
  return results;
}

void Emulator::AdvanceClock(std::chrono::milliseconds by) {
  Impl& impl = *impl_;
  impl.OnLoop([&impl, by] { impl.host->AdvanceClock(by); });
}

std::vector<int64_t> Emulator::Reap(const std::string& function) {
  Impl& impl = *impl_;
  return impl.OnLoop([&impl, &function] { return impl.host->ReapIdle(function, 0); });
}

bool Emulator::KillInstance(int64_t instance) {
  Impl& impl = *impl_;
  return impl.OnLoop([&impl, instance] { return impl.host->KillInstance(instance); });
}

absl::StatusOr<std::string> Emulator::AddFault(const nlohmann::json& spec) {
  Impl& impl = *impl_;
  return impl.OnLoop([&impl, &spec] { return impl.host->faults().AddFault(spec); });
}

void Emulator::ClearFaults() {
  Impl& impl = *impl_;
  impl.OnLoop([&impl] { impl.host->faults().ClearFaults(); });
}

nlohmann::json Emulator::Faults() {
  Impl& impl = *impl_;
  return impl.OnLoop([&impl] { return impl.host->faults().ListFaults(); });
}

uint64_t Emulator::Mark() const { return impl_->ledger.LastSeq(); }

absl::StatusOr<Event> Emulator::WaitForEvent(const EventFilter& filter,
                                             std::chrono::milliseconds timeout) {
  return impl_->ledger.WaitFor([&filter](const Event& e) { return filter.Matches(e); }, timeout,
                               filter.since, filter.Describe());
}

absl::StatusOr<std::vector<Event>> Emulator::WaitForEvents(const EventFilter& filter, size_t n,
                                                           std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<Event> events;
  EventFilter next = filter;
  while (events.size() < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto event = WaitForEvent(next, std::max(left, std::chrono::milliseconds(0)));
    if (!event.ok()) {
      return absl::DeadlineExceededError("saw " + std::to_string(events.size()) + " of " +
                                         std::to_string(n) + ": " +
                                         std::string(event.status().message()));
    }
    next.since = event->seq;
    events.push_back(*std::move(event));
  }
  return events;
}

absl::Status Emulator::WaitUntil(const std::function<bool()>& condition, const std::string& what,
                                 std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Read the mark before the condition, so an event appended in between wakes the wait.
  uint64_t seen = impl_->ledger.LastSeq();
  while (!condition()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= std::chrono::milliseconds(0)) {
      return absl::DeadlineExceededError("timed out after " + std::to_string(timeout.count()) +
                                         " ms waiting until " + what);
    }
    auto event = impl_->ledger.WaitFor([](const Event&) { return true; }, left, seen);
    if (event.ok()) seen = event->seq;
  }
  return absl::OkStatus();
}

std::vector<int64_t> Emulator::Instances(const std::string& function) {
  std::vector<int64_t> ids;
  for (const Event& e : Events({.kind = kinds::kInstanceSpawned, .function = function})) {
    ids.push_back(e.instance);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<int> Emulator::MomentoConnectionsPerInstance(const std::string& function) {
  const std::vector<int64_t> ids = Instances(function);
  std::map<int64_t, int> counts;
  for (const MomentoConnections& row : thaw::MomentoConnectionsPerInstance(ledger())) {
    counts[row.instance] = static_cast<int>(row.connections);
  }
  return Ordered(ids, counts);
}

std::vector<int> Emulator::MomentoDataConnectionsPerInstance(const std::string& function) {
  const std::vector<int64_t> ids = Instances(function);
  std::map<int64_t, int> counts;
  for (const MomentoConnections& row : thaw::MomentoConnectionsPerInstance(ledger())) {
    counts[row.instance] = static_cast<int>(row.data_connections);
  }
  return Ordered(ids, counts);
}

std::vector<int> Emulator::MomentoRpcsPerInstance(const std::string& function,
                                                  const std::string& method) {
  const std::vector<int64_t> ids = Instances(function);
  std::map<int64_t, int> counts;
  for (const Event& e : Events({.kind = kinds::kMomentoRpc, .function = function})) {
    if (method.empty() || e.attrs.value("method", "") == method) ++counts[e.instance];
  }
  return Ordered(ids, counts);
}

std::vector<int> Emulator::SecretFetchesPerInstance(const std::string& function,
                                                    const std::string& secret) {
  const std::vector<int64_t> ids = Instances(function);
  std::map<int64_t, int> counts;
  for (const Event& e : Events({.kind = kinds::kAwsRequest, .function = function})) {
    if (e.attrs.value("operation", "") != "GetSecretValue") continue;
    if (secret.empty() || e.attrs.value("secret", "") == secret) ++counts[e.instance];
  }
  return Ordered(ids, counts);
}

std::vector<int> Emulator::AwsRequestsPerInstance(const std::string& function,
                                                  const std::string& operation) {
  const std::vector<int64_t> ids = Instances(function);
  std::map<int64_t, int> counts;
  for (const Event& e : Events({.kind = kinds::kAwsRequest, .function = function})) {
    if (operation.empty() || e.attrs.value("operation", "") == operation) ++counts[e.instance];
  }
  return Ordered(ids, counts);
}

int Emulator::Invocations(const std::string& function) {
  return static_cast<int>(Events({.kind = kinds::kInvokeEnd, .function = function}).size());
}

int Emulator::ColdStarts(const std::string& function) {
  int cold = 0;
  for (const Event& e : Events({.kind = kinds::kInvokeStart, .function = function})) {
    if (e.attrs.value("cold", false)) ++cold;
  }
  return cold;
}

int Emulator::Throttles(const std::string& function) {
  return static_cast<int>(Events({.kind = kinds::kInvokeThrottled, .function = function}).size());
}

nlohmann::json Emulator::MomentoSummary() {
  return ToJson(thaw::MomentoConnectionsPerInstance(ledger()));
}

nlohmann::json Emulator::AwsSummary() { return ToJson(thaw::AwsRequestsPerInstance(ledger())); }

std::vector<Event> Emulator::Events(const EventFilter& filter) const {
  return impl_->ledger.Select([&filter](const Event& e) { return filter.Matches(e); });
}

const Ledger& Emulator::ledger() const { return impl_->ledger; }

std::vector<std::string> Emulator::Logs() const { return impl_->logs.Lines(); }

uint16_t Emulator::port() const { return impl_->server ? impl_->server->port() : 0; }

}  // namespace thaw::testing
