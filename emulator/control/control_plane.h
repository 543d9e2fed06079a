#ifndef THAW_EMULATOR_CONTROL_CONTROL_PLANE_H_
#define THAW_EMULATOR_CONTROL_CONTROL_PLANE_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/ledger.h"
#include "emulator/config/thaw_config.h"
#include "emulator/control/aws_error.h"
#include "emulator/control/instance.h"
#include "emulator/control/invocation.h"
#include "emulator/control/log_sink.h"
#include "emulator/process/process_launcher.h"
#include "nlohmann/json.hpp"

namespace thaw {

// The simulated Lambda control plane: owns every function's instances, routes each event to an
// idle instance (most recently used first) or a new one, enforces the account concurrency and
// the function timeout, and records every step in the ledger.
// Strand-confined to `io` (run it on one thread). `config`, `ledger`, `logs` and `launcher`
// must outlive it.
class ControlPlane : public Instance::Owner {
 public:
  // What an invoke produced: an API error (nothing ran) or the function's answer.
  struct Outcome {
    std::optional<AwsError> error;
    InvokeResult result;
  };

  ControlPlane(boost::asio::io_context& io, const ThawConfig& config, Ledger& ledger,
               LogSink& logs, ProcessLauncher& launcher);
  ~ControlPlane() override;
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  // Resolves an Invoke API FunctionName (name or ARN) and Qualifier to a configured function;
  // otherwise the AWS error (404 ResourceNotFoundException, 400 for a malformed name).
  std::optional<AwsError> Resolve(std::string_view function_name, std::string_view qualifier,
                                  std::string& name) const;

  // Runs one synchronous invocation to its end. `request.function` must be resolved.
  boost::asio::awaitable<Outcome> Invoke(InvokeRequest request);

  // Stops every instance: SIGTERM, `grace`, then SIGKILL. New invokes are refused after it.
  boost::asio::awaitable<void> Shutdown(std::chrono::milliseconds grace);

  // GET /_thaw/instances.
  nlohmann::json InstancesJson() const;
  // GET /_thaw/metrics (Prometheus text format), computed from the ledger.
  std::string MetricsText() const;

  const ThawConfig& config() const { return config_; }
  Ledger& ledger() { return ledger_; }
  boost::asio::io_context& io() { return io_; }
  std::string FunctionArn(const std::string& name) const;
  size_t instance_count() const { return instances_.size(); }

  // Instance::Owner.
  void OnAvailable(Instance& instance) override;
  void OnGone(Instance& instance) override;
  void OnProcessExit(Instance& instance) override;

 private:
  std::shared_ptr<Instance> TakeIdle(const std::string& function);

  boost::asio::io_context& io_;
  const ThawConfig& config_;
  Ledger& ledger_;
  LogSink& logs_;
  ProcessLauncher& launcher_;

  std::map<int64_t, std::shared_ptr<Instance>> instances_;
  // Per function, instances ready for an event; the back is the most recently used.
  std::map<std::string, std::vector<std::weak_ptr<Instance>>> idle_;
  int64_t next_instance_id_ = 1;
  // Invocations assigned to an instance and not yet answered, across all functions.
  int in_flight_ = 0;
  bool shutting_down_ = false;
  // Cancelled whenever an instance's process exits, to wake Shutdown().
  boost::asio::steady_timer process_exit_;
  // Lets deferred work tell whether the control plane still exists.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace thaw

#endif  // THAW_EMULATOR_CONTROL_CONTROL_PLANE_H_
