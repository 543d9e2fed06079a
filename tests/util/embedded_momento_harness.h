#ifndef THAW_TESTS_UTIL_EMBEDDED_MOMENTO_HARNESS_H_
#define THAW_TESTS_UTIL_EMBEDDED_MOMENTO_HARNESS_H_

#include <grpcpp/grpcpp.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "core/ledger.h"
#include "core/scheduler_clock.h"
#include "fakes/momento/embedded_momento.h"

namespace thaw::testing {

// The fake Momento as `thaw serve` embeds it, on an io thread of its own, with one instance
// attached and a real gRPC channel to that instance's listener: the set-up the fake's component
// tests share. Start() once; Stop() (or the destructor) after the test's stubs are gone.
class EmbeddedMomentoHarness {
 public:
  EmbeddedMomentoHarness() = default;
  ~EmbeddedMomentoHarness() { Stop(); }
  EmbeddedMomentoHarness(const EmbeddedMomentoHarness&) = delete;
  EmbeddedMomentoHarness& operator=(const EmbeddedMomentoHarness&) = delete;

  absl::Status Start(int64_t instance, const std::string& function,
                     momento::MomentoServerOptions options);
  // Shuts the fake down on its thread and joins it. Idempotent.
  void Stop();
  // Runs `task` on the fake's io thread (where its instance services live) and waits for it.
  // Between Start and Stop only.
  void RunOnIo(const std::function<void()>& task);

  Ledger& ledger() { return ledger_; }
  SchedulerClock& clock() { return clock_; }
  momento::EmbeddedMomento& momento() { return *momento_; }
  // The attached instance's endpoint ("127.0.0.1:port") and a channel to it.
  const std::string& endpoint() const { return endpoint_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  Ledger ledger_;
  SchedulerClock clock_;
  boost::asio::io_context io_{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  std::unique_ptr<momento::EmbeddedMomento> momento_;
  std::thread thread_;
  std::string endpoint_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace thaw::testing

#endif  // THAW_TESTS_UTIL_EMBEDDED_MOMENTO_HARNESS_H_
