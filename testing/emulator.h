#ifndef THAW_TESTING_EMULATOR_H_
#define THAW_TESTING_EMULATOR_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/ledger.h"
#include "nlohmann/json.hpp"

// thaw::testing — the emulator in-process, for C++ tests (GoogleTest/gMock):
//
//   auto emu = thaw::testing::Emulator::Start(R"(
//     functions:
//       cache: {runtime: provided.al2023, handler: h, code: ./build/samples/cpp-momento}
//   )");
//   ASSERT_TRUE(emu.ok()) << emu.status();
//   EXPECT_THAT((*emu)->Invoke("cache"), thaw::testing::Succeeded());
//   EXPECT_THAT((*emu)->MomentoConnectionsPerInstance("cache"),
//               thaw::testing::OneConnectionPerInstance());
//
// Every function instance is a real process; the fake Momento and the fake AWS give each
// instance its own listeners, so every connection, RPC and secret fetch is attributed to the
// instance that made it. The counts are queries over the emulator's ledger, never kept apart.
// Its ledger has no window (core/ledger.h): a test is a short run, and its waits, counts and
// matchers read every event of it.
namespace thaw::testing {

struct EmulatorOptions {
  // Run the fake Momento / the fake AWS (each instance gets its own endpoint of both).
  bool momento = true;
  bool aws = true;
  // Serve the Lambda Invoke API and the /_thaw admin API on 127.0.0.1:port() (port 0: the
  // kernel picks), for SDK clients or curl. Invoke() does not need it.
  bool http = true;
  // Also print every function log line to stderr as "[function:instance] line" (they are
  // always kept: Logs()).
  bool print_logs = false;
  // Secrets Manager secrets seeded in the fake AWS, added to (and overriding) the
  // configuration's `secrets:`: name -> SecretString.
  std::map<std::string, std::string> secrets;
  // Faults installed before Start() returns, as AddFault() would; a bad one fails Start().
  std::vector<nlohmann::json> faults;
  // SIGTERM -> SIGKILL grace when the emulator stops.
  std::chrono::milliseconds shutdown_grace{100};
};

// What one synchronous invoke answered.
struct InvokeResult {
  // Set when the Invoke API refused the call and nothing ran: the AWS error type
  // (ResourceNotFoundException, TooManyRequestsException, InvalidRequestContentException...),
  // its HTTP status and message. Empty otherwise.
  std::string api_error;
  int status = 200;
  // The function's answer (or Lambda's error body for a function error), as JSON text.
  std::string payload;
  // "Unhandled" when the function failed (error, crash, timeout, init error); else empty.
  std::string function_error;
  std::string request_id;
  // The instance that served it (0 when nothing ran).
  int64_t instance = 0;

  bool ok() const { return api_error.empty() && function_error.empty(); }
  // The payload parsed (null when it is not JSON).
  nlohmann::json Json() const;
  // errorType of a function error's body; empty on success.
  std::string ErrorType() const;
};

// What a failed expectation prints (GoogleTest finds it): the status, the API or function error,
// the instance and request, and the payload (its first 1,000 bytes).
std::ostream& operator<<(std::ostream& out, const InvokeResult& result);

// Which ledger events a wait or a count is about. Empty fields match anything. Built with
// the chainable helpers (GCC's -Wextra warns about designated initializers that skip a field):
//   EventFilter::Kind("instance.gone").ForFunction("fn").After(emu->Mark())
struct EventFilter {
  std::string kind;      // e.g. "invoke.end", "instance.gone", "momento.rpc"
  std::string function;  // a function name
  int64_t instance = 0;  // an instance id (0: any)
  uint64_t since = 0;    // only events with seq > since (see Emulator::Mark())

  static EventFilter Kind(std::string kind) {
    EventFilter filter;
    filter.kind = std::move(kind);
    return filter;
  }
  EventFilter& ForFunction(std::string name) {
    function = std::move(name);
    return *this;
  }
  EventFilter& ForInstance(int64_t id) {
    instance = id;
    return *this;
  }
  EventFilter& After(uint64_t seq) {
    since = seq;
    return *this;
  }
  bool Matches(const Event& event) const;
  std::string Describe() const;
};

// One emulator: the control plane, its scheduler clock and the fakes, running on a thread of
// its own. Start() returns once it is ready; the destructor stops every instance (SIGTERM,
// grace, SIGKILL) and joins the thread.
//
// Thread-safe: every method may be called from any thread (tests may invoke concurrently).
// Blocking methods (Invoke, AdvanceClock, Reap, Wait*...) must not be called from the
// emulator's own thread — no user code runs there. Errors are absl::Status values: a config
// error is InvalidArgument/NotFound naming file, line and key; a wait that times out is
// DeadlineExceeded naming what it waited for.
class Emulator {
 public:
  // From thaw.yaml text. Relative `code:` paths resolve against `base_dir` (default: the
  // current directory).
  static absl::StatusOr<std::unique_ptr<Emulator>> Start(
      const std::string& yaml, EmulatorOptions options = {},
      const std::filesystem::path& base_dir = std::filesystem::current_path());
  // From a thaw.yaml file; relative paths resolve against its directory.
  static absl::StatusOr<std::unique_ptr<Emulator>> StartFromFile(
      const std::filesystem::path& config, EmulatorOptions options = {});

  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // How long waits last unless told: 15 s, times THAW_TEST_SLOWDOWN when set (e.g. 3 under
  // sanitizers).
  static std::chrono::milliseconds DefaultTimeout();

  // --- Driving -------------------------------------------------------------------------------

  // One synchronous (RequestResponse) invoke of `function` (a name or an ARN); returns when it
  // has answered. `payload` must be JSON (else api_error InvalidRequestContentException).
  InvokeResult Invoke(const std::string& function, const std::string& payload = "{}");
  // `count` invokes of `function` at once, from `count` threads; results in start order.
  std::vector<InvokeResult> InvokeConcurrently(const std::string& function, int count,
                                               const std::string& payload = "{}");
  // Advances the scheduler clock (idle reaping, max lifetime, async retries, cache TTLs) and
  // returns after every timer that fell due has fired.
  void AdvanceClock(std::chrono::milliseconds by);
  // Stops idle instances now (all, or those of `function`); returns their ids. The instances
  // are gone (ledger instance.gone) when it returns; their processes exit within the grace.
  std::vector<int64_t> Reap(const std::string& function = "");
  // Kills an instance with SIGKILL, as a crash. False when there is no such live instance.
  bool KillInstance(int64_t instance);
  // Installs a fault in a fake ({"service":"momento"|"aws", ...}, the fields of
  // POST /_thaw/faults); returns its id. InvalidArgument for an unknown service or a bad spec.
  absl::StatusOr<std::string> AddFault(const nlohmann::json& spec);
  // Removes every fault of every fake.
  void ClearFaults();
  // The installed faults (each with "service", "id", "fired").
  nlohmann::json Faults();

  // --- Waiting (never sleeps: woken by the ledger) ---------------------------------------------

  // The ledger's last sequence number: pass it as EventFilter::since to wait for what follows.
  uint64_t Mark() const;
  // The first event matching `filter`, waiting up to `timeout` for it.
  absl::StatusOr<Event> WaitForEvent(const EventFilter& filter,
                                     std::chrono::milliseconds timeout = DefaultTimeout());
  // The first `n` events matching `filter`, waiting up to `timeout` for all of them.
  absl::StatusOr<std::vector<Event>> WaitForEvents(
      const EventFilter& filter, size_t n, std::chrono::milliseconds timeout = DefaultTimeout());
  // Waits until `condition` (re-evaluated after every ledger event, e.g. over the accounting
  // below) holds. `what` names it in the DeadlineExceeded message.
  absl::Status WaitUntil(const std::function<bool()>& condition, const std::string& what,
                         std::chrono::milliseconds timeout = DefaultTimeout());

  // --- Accounting (queries over the ledger, since Start) ---------------------------------------
  // The *PerInstance queries return one count per instance `function` ever had, in instance
  // id order (the same order as Instances()), zeros included — so an instance that never
  // connected fails a "one per instance" expectation instead of being skipped.

  // Ids of every instance of `function` started so far, ascending.
  std::vector<int64_t> Instances(const std::string& function);
  // TCP connections each instance opened to its Momento endpoint (whatever they carried).
  std::vector<int> MomentoConnectionsPerInstance(const std::string& function);
  // Of those, the connections that carried a cache (cache_client.Scs) RPC.
  std::vector<int> MomentoDataConnectionsPerInstance(const std::string& function);
  // Momento RPCs per instance; `method` e.g. "Get", "Set" (empty: all).
  std::vector<int> MomentoRpcsPerInstance(const std::string& function,
                                          const std::string& method = "");
  // Secrets Manager GetSecretValue calls per instance, for `secret` (as the SecretId was sent;
  // empty: any secret).
  std::vector<int> SecretFetchesPerInstance(const std::string& function,
                                            const std::string& secret = "");
  // Fake AWS requests per instance of `operation` (e.g. "GetParameter"; empty: all).
  std::vector<int> AwsRequestsPerInstance(const std::string& function,
                                          const std::string& operation = "");
  // Invocations of `function` that ended (any outcome), those that were cold starts, and
  // those throttled (429).
  int Invocations(const std::string& function);
  int ColdStarts(const std::string& function);
  int Throttles(const std::string& function);
  // The ledger's own per-instance summaries (GET /_thaw/momento and /_thaw/aws bodies).
  nlohmann::json MomentoSummary();
  nlohmann::json AwsSummary();

  // --- Inspection ------------------------------------------------------------------------------

  // The events matching `filter`, oldest first.
  std::vector<Event> Events(const EventFilter& filter = {}) const;
  // The whole ledger (thread-safe; outlives nothing: valid while the Emulator lives).
  const Ledger& ledger() const;
  // Every function log line so far ("[function:instance] line"), START/END/REPORT included.
  std::vector<std::string> Logs() const;
  // The Invoke + admin API port on 127.0.0.1 (0 when EmulatorOptions::http is false).
  uint16_t port() const;

 private:
  struct Impl;
  explicit Emulator(std::unique_ptr<Impl> impl);
  // Builds the host from impl->config and starts the thread.
  static absl::StatusOr<std::unique_ptr<Emulator>> Launch(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace thaw::testing

#endif  // THAW_TESTING_EMULATOR_H_
