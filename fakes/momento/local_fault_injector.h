#ifndef THAW_FAKES_MOMENTO_LOCAL_FAULT_INJECTOR_H_
#define THAW_FAKES_MOMENTO_LOCAL_FAULT_INJECTOR_H_

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"

namespace thaw::momento {

// momento-local's per-request fault metadata (shared/reference/momento-and-aws-protocol.md
// §1.2), so suites written for momento-local run unchanged:
//   return-error  a status name (`unavailable`, `not-found`, ...) to answer with
//   error-rpcs    space-separated RPC names (`get set set-if ...`) it applies to
//   error-count   how many times (per request-id); absent = every time
//   delay-rpcs, delay-ms, delay-count   the same for a response delay
//   request-id    the session the counts belong to
// Thread-safe.
class LocalFaultInjector {
 public:
  // What to do to one call.
  struct Plan {
    // The status to answer with instead of serving the call.
    std::optional<absl::Status> error;
    // How long to wait before serving (or failing) it.
    std::chrono::milliseconds delay{0};
  };

  // Reads the metadata of one call, a map from lowercase key to value (only the keys above are
  // looked at). `rpc` is momento-local's name for the method, e.g. "get", "set-if".
  // Counts the error or delay it returns against the call's request-id.
  Plan Decide(const std::map<std::string, std::string>& metadata, std::string_view rpc);

  // momento-local's RPC name for a cache_client.Scs method ("SetIfNotExists" -> "set-if").
  static std::string RpcName(std::string_view method);

  // The status for a `return-error` value, or nullopt when the name is unknown.
  static std::optional<absl::StatusCode> ErrorCode(std::string_view name);

 private:
  struct Counts {
    int errors = 0;
    int delays = 0;
  };

  std::mutex mu_;
  std::map<std::string, Counts> by_request_id_ ABSL_GUARDED_BY(mu_);
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_LOCAL_FAULT_INJECTOR_H_
