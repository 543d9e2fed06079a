#ifndef THAW_TESTS_UTIL_FAKE_PROCESS_LAUNCHER_H_
#define THAW_TESTS_UTIL_FAKE_PROCESS_LAUNCHER_H_

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "emulator/process/process_launcher.h"

namespace thaw::testing {

// A ProcessLauncher that starts nothing: it records each LaunchSpec so the test can play the
// runtime itself over the Runtime API (AWS_LAMBDA_RUNTIME_API in the spec's env). Signals end
// the fake process the way they would end a real one. Launch() runs on the emulator's thread;
// the other methods are thread-safe.
class FakeProcessLauncher : public ProcessLauncher {
 public:
  explicit FakeProcessLauncher(boost::asio::io_context& io) : io_(io) {}

  absl::StatusOr<std::unique_ptr<RuntimeProcess>> Launch(const LaunchSpec& spec,
                                                         ProcessCallbacks callbacks) override;

  // Waits until `n` processes have been launched; returns the n-th spec (1-based).
  absl::StatusOr<LaunchSpec> WaitForLaunch(size_t n, std::chrono::milliseconds timeout);
  // The Runtime API port of the n-th launched process (1-based); 0 if none.
  uint16_t RuntimeApiPort(size_t n);
  // Makes the n-th process exit with `code`, as if it had.
  void Exit(size_t n, int code);
  // Makes the n-th launch fail (1-based); later launches succeed.
  void FailLaunch(size_t n) { fail_launch_ = n; }
  // Signals sent to the n-th process, in order.
  std::vector<int> Signals(size_t n);
  // Called with every signal sent to a process launched after this call, on the emulator's
  // thread, as the emulator sends it (so the test can see what else has happened by then).
  void OnSignal(std::function<void(int signal)> hook) {
    std::lock_guard<std::mutex> lock(mu_);
    on_signal_ = std::move(hook);
  }

  struct Record;

 private:
  boost::asio::io_context& io_;
  std::mutex mu_;
  std::condition_variable launched_;
  std::vector<std::shared_ptr<Record>> records_;
  size_t fail_launch_ = 0;
  std::function<void(int)> on_signal_;
};

}  // namespace thaw::testing

#endif  // THAW_TESTS_UTIL_FAKE_PROCESS_LAUNCHER_H_
