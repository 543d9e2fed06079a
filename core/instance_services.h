#ifndef THAW_CORE_INSTANCE_SERVICES_H_
#define THAW_CORE_INSTANCE_SERVICES_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace thaw {

// A service that gives every Lambda instance listeners of its own (the fake Momento, the fake
// AWS), so that whatever arrives on them is the instance's without asking the handler.
// The emulator calls both methods on its io thread.
class InstanceServices {
 public:
  virtual ~InstanceServices() = default;
  // Opens the instance's listeners before its process starts and returns the environment
  // variables that point at them (e.g. THAW_MOMENTO_ENDPOINT). An error fails the launch.
  virtual absl::StatusOr<std::map<std::string, std::string>> Attach(
      int64_t instance, const std::string& function) = 0;
  // Closes the instance's listeners once it is gone. Idempotent.
  virtual void Detach(int64_t instance) = 0;
};

}  // namespace thaw

#endif  // THAW_CORE_INSTANCE_SERVICES_H_
