#ifndef THAW_CORE_FAULT_REGISTRY_H_
#define THAW_CORE_FAULT_REGISTRY_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/fault_target.h"
#include "nlohmann/json.hpp"

namespace thaw {

// The one routing of faults to the fakes that take them: a fault spec's "service" field picks
// the FaultTarget ("momento", "aws"). The admin API (/_thaw/faults), thaw::testing, scenarios
// and the standalone fakes all route through a registry, so they accept the same specs and
// refuse bad ones with the same messages.
//
//   FaultRegistry faults;
//   faults.Add(&momento_faults);
//   faults.Add(&aws_service);
//   auto id = faults.AddFault({{"service", "aws"}, {"operation", "GetSecretValue"}, ...});
//
// Targets are not owned and must outlive the registry. Not thread-safe: use it where the
// targets are used (the emulator's io thread).
class FaultRegistry {
 public:
  void Add(FaultTarget* target);
  const std::vector<FaultTarget*>& targets() const { return targets_; }
  // Null when no target has that service name.
  FaultTarget* Find(std::string_view service) const;
  // "momento, aws", for messages; "none" when empty.
  std::string Services() const;

  // Installs `spec` on the target its "service" names and returns the fault's id. With a single
  // target, "service" may be left out. InvalidArgument: "expected a JSON object",
  // "service: required, one of momento, aws", "service: no fake named 'x' (momento, aws)", or
  // the target's own complaint about a field.
  absl::StatusOr<std::string> AddFault(const nlohmann::json& spec);
  // Removes the fault `id` from whichever target has it; false when none does.
  bool RemoveFault(std::string_view id);
  // Removes every fault and returns how many there were.
  size_t ClearFaults();
  // Every installed fault, each its spec plus "service", "id" and "fired".
  nlohmann::json ListFaults() const;

 private:
  std::vector<FaultTarget*> targets_;
};

}  // namespace thaw

#endif  // THAW_CORE_FAULT_REGISTRY_H_
