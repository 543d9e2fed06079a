#ifndef THAW_TESTS_UTIL_TEST_EMULATOR_H_
#define THAW_TESTS_UTIL_TEST_EMULATOR_H_

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "core/http/http_server.h"
#include "core/ledger.h"
#include "emulator/config/thaw_config.h"
#include "emulator/control/control_plane.h"
#include "emulator/control/log_sink.h"
#include "emulator/process/process_launcher.h"
#include "fakes/momento/embedded_momento.h"
#include "host/emulator_session.h"
#include "nlohmann/json.hpp"
#include "tests/util/http_client.h"

namespace thaw::testing {

// THAW_TEST_SLOWDOWN (at least 1): how many times slower than release this build runs (3 under
// ASan, 5 under TSan). TestTimeout and ScaledCount read it; a test scales a deadline it sets on
// thaw itself by it.
double Slowdown();

// How long a test waits for anything before failing. THAW_TEST_SLOWDOWN (e.g. 3 under
// sanitizers) multiplies it.
std::chrono::milliseconds TestTimeout();

// The iterations of a scale test: `count` in the release run, `count` divided by
// THAW_TEST_SLOWDOWN under the sanitizers, whose every iteration is that much slower (the leak
// checks still see hundreds; the release run keeps the full count).
int ScaledCount(int count);

// Directory of the sample echo function's bootstrap (built with the tests).
std::string EchoDir();

// A log sink that keeps every line; thread-safe.
class CapturingLogSink : public LogSink {
 public:
  void Line(const std::string& function, int64_t instance, std::string_view line) override;
  std::vector<std::string> Lines() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

// A whole control plane on its own thread, serving the Invoke and admin APIs on a port 0
// listener, for tests. The YAML may say {{echo}} for the echo function's code directory.
// Thread-safe for what it exposes (HTTP, the ledger, the logs).
class TestEmulator {
 public:
  // Makes the process launcher for the emulator's io_context.
  using LauncherFactory =
      std::function<std::unique_ptr<ProcessLauncher>(boost::asio::io_context& io)>;

  // A null `make_launcher` means real processes (BoostProcessLauncher), sandboxed as the
  // configuration says; with a launcher of the test's, instances run as processes it starts
  // (settings.isolation: process). `momento` gives every instance its own fake Momento
  // listener, as `thaw serve` does. `ledger_window` is the ledger's (core/ledger.h; 0 keeps
  // every event).
  static absl::StatusOr<std::unique_ptr<TestEmulator>> Start(
      const std::string& yaml, LauncherFactory make_launcher = nullptr, bool momento = false,
      size_t ledger_window = 0);
  ~TestEmulator();

  uint16_t port() const { return port_; }
  Ledger& ledger() { return ledger_; }
  CapturingLogSink& logs() { return logs_; }
  boost::asio::io_context& io() { return io_; }
  // The emulator; touch it only on the loop (RunOnLoop).
  EmulatorSession& session() { return *host_; }

  // POST /2015-03-31/functions/<function>/invocations with `payload` and `headers`.
  HttpResult Invoke(const std::string& function, const std::string& payload = "{}",
                    const std::map<std::string, std::string>& headers = {});

  // Waits for a ledger event of `kind` (and `function`, when not empty) with seq > `since`.
  absl::StatusOr<Event> WaitForEvent(const std::string& kind, const std::string& function = "",
                                     uint64_t since = 0);

  // Waits until `n` events of `kind` (and `function`) are in the ledger.
  absl::Status WaitForEvents(const std::string& kind, const std::string& function, size_t n);

  // Parses `yaml` as Start does and applies it on the loop (EmulatorSession::ReloadConfig, what
  // `thaw serve`'s hot reload does with a configuration read again).
  absl::StatusOr<EmulatorSession::Reload> Reload(const std::string& yaml);
  // ControlPlane::RetireInstances on the loop.
  ControlPlane::Retired RetireInstances(const std::string& function, const std::string& reason);

  // Runs `fn` on the emulator thread and waits for it.
  void RunOnLoop(std::function<void()> fn);
  // Advances the scheduler clock (firing what falls due) and waits for it.
  void AdvanceClock(std::chrono::milliseconds by);
  // Counts ledger events of `kind` (and `function` when not empty).
  size_t CountEvents(const std::string& kind, const std::string& function = "");

 private:
  explicit TestEmulator(size_t ledger_window) : ledger_(ledger_window) {}

  // Parses `yaml` as the emulator's configuration ({{echo}} substituted).
  absl::StatusOr<ThawConfig> Parse(const std::string& yaml) const;

  std::filesystem::path dir_;
  ThawConfig config_;
  // Instances run as processes a test's launcher starts.
  bool own_launcher_ = false;
  Ledger ledger_;
  CapturingLogSink logs_;
  boost::asio::io_context io_{1};
  std::unique_ptr<ProcessLauncher> launcher_;
  std::unique_ptr<EmulatorSession> host_;
  std::unique_ptr<http::HttpServer> server_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex client_mu_;
  std::map<std::thread::id, std::unique_ptr<HttpClient>> clients_;
};

// TestEmulator::Start for a test: a failed start is a test failure and null.
std::unique_ptr<TestEmulator> StartEmulator(const std::string& yaml);

// Invokes `fn` and parses its answer; a status other than 200 is a test failure.
nlohmann::json InvokeJson(TestEmulator& emu, const std::string& fn,
                          const std::string& payload = "{}");

}  // namespace thaw::testing

#endif  // THAW_TESTS_UTIL_TEST_EMULATOR_H_
