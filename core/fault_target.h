#ifndef THAW_CORE_FAULT_TARGET_H_
#define THAW_CORE_FAULT_TARGET_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace thaw {

// A fake service whose server-side faults can be programmed at run time (the fake Momento,
// the fake AWS), through the admin API's /_thaw/faults, thaw::testing and scenarios. A fault is
// a JSON object; its "service" field picks the target, the other fields are the target's own
// (e.g. "function", "instance", "rpc", "delay", "error", "count"), documented with each
// implementation.
// The emulator calls every method on its io thread; implementations that also read faults
// from other threads (gRPC's) synchronise internally.
class FaultTarget {
 public:
  virtual ~FaultTarget() = default;
  // The "service" value that selects this target: "momento" or "aws".
  virtual std::string_view service() const = 0;
  // Installs the fault `spec` and returns its id, unique across targets (prefix it with the
  // service: "momento-1"). InvalidArgument naming the bad field when `spec` is malformed.
  virtual absl::StatusOr<std::string> AddFault(const nlohmann::json& spec) = 0;
  // Removes one fault; false when this target has no fault `id`.
  virtual bool RemoveFault(std::string_view id) = 0;
  // Removes every fault of this target.
  virtual void ClearFaults() = 0;
  // The installed faults: a JSON array of objects, each its spec plus "id" and "fired" (how
  // many times it acted so far).
  virtual nlohmann::json ListFaults() const = 0;
};

}  // namespace thaw

#endif  // THAW_CORE_FAULT_TARGET_H_
