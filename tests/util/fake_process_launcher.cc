#include "tests/util/fake_process_launcher.h"

#include <signal.h>

#include <boost/asio/post.hpp>

#include "absl/status/status.h"

namespace thaw::testing {

namespace asio = boost::asio;

struct FakeProcessLauncher::Record {
  LaunchSpec spec;
  ProcessCallbacks callbacks;
  int pid = 0;
  bool exited = false;
  bool owner_alive = true;
  std::vector<int> signals;
  std::function<void(int)> on_signal;
};

namespace {

// Runs on the emulator thread.
void EndProcess(const std::shared_ptr<FakeProcessLauncher::Record>& record, ExitInfo info) {
  if (record->exited) return;
  record->exited = true;
  if (record->owner_alive && record->callbacks.on_exit) record->callbacks.on_exit(info);
}

class FakeRuntimeProcess : public RuntimeProcess {
 public:
  FakeRuntimeProcess(std::shared_ptr<FakeProcessLauncher::Record> record, std::mutex& mu,
                     asio::io_context& io)
      : record_(std::move(record)), mu_(mu), io_(io) {}
  ~FakeRuntimeProcess() override {
    std::lock_guard<std::mutex> lock(mu_);
    record_->owner_alive = false;
  }
  int pid() const override { return record_->pid; }
  void SignalGroup(int signal) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      record_->signals.push_back(signal);
    }
    if (record_->on_signal) record_->on_signal(signal);
    if (signal == SIGKILL || signal == SIGTERM) {
      asio::post(io_, [record = record_, signal] {
        ExitInfo info;
        info.signal = signal;
        EndProcess(record, info);
      });
    }
  }
  long PeakRssKb() override { return 10 * 1024; }
  void DrainOutput() override {}

 private:
  std::shared_ptr<FakeProcessLauncher::Record> record_;
  std::mutex& mu_;
  asio::io_context& io_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RuntimeProcess>> FakeProcessLauncher::Launch(
    const LaunchSpec& spec, ProcessCallbacks callbacks) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fail_launch_ == records_.size() + 1) {
    fail_launch_ = 0;
    records_.push_back(std::make_shared<Record>());
    records_.back()->exited = true;
    launched_.notify_all();
    return absl::InternalError("cannot start " + spec.executable.string() + ": injected failure");
  }
  auto record = std::make_shared<Record>();
  record->spec = spec;
  record->callbacks = std::move(callbacks);
  record->on_signal = on_signal_;
  record->pid = 100000 + static_cast<int>(records_.size());
  records_.push_back(record);
  launched_.notify_all();
  return std::unique_ptr<RuntimeProcess>(new FakeRuntimeProcess(record, mu_, io_));
}

absl::StatusOr<LaunchSpec> FakeProcessLauncher::WaitForLaunch(size_t n,
                                                              std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!launched_.wait_for(lock, timeout, [&] { return records_.size() >= n; })) {
    return absl::DeadlineExceededError("timed out waiting for launch #" + std::to_string(n) +
                                       "; saw " + std::to_string(records_.size()));
  }
  return records_[n - 1]->spec;
}

uint16_t FakeProcessLauncher::RuntimeApiPort(size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  if (n == 0 || n > records_.size()) return 0;
  for (const std::string& entry : records_[n - 1]->spec.env) {
    constexpr std::string_view kKey = "AWS_LAMBDA_RUNTIME_API=127.0.0.1:";
    if (entry.rfind(kKey, 0) == 0)
      return static_cast<uint16_t>(std::stoi(entry.substr(kKey.size())));
  }
  return 0;
}

void FakeProcessLauncher::Exit(size_t n, int code) {
  std::shared_ptr<Record> record;
  {
    std::lock_guard<std::mutex> lock(mu_);
    record = records_.at(n - 1);
  }
  asio::post(io_, [record, code] {
    ExitInfo info;
    info.exit_code = code;
    EndProcess(record, info);
  });
}

std::vector<int> FakeProcessLauncher::Signals(size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  return records_.at(n - 1)->signals;
}

}  // namespace thaw::testing
