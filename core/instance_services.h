#ifndef THAW_CORE_INSTANCE_SERVICES_H_
#define THAW_CORE_INSTANCE_SERVICES_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace thaw {

// Where an instance reaches one of its services: a listening socket made by whoever creates the
// instance (inside the instance's sandbox, at the service's own address there), or none, when
// the service opens its own.
struct InstanceListener {
  // A listening TCP socket, owned by the service from Attach on (closed by it on error too);
  // -1: the service listens on 127.0.0.1 at a port the kernel chooses (process isolation).
  int fd = -1;
  // Where the instance connects to `fd` ("127.0.0.2:443"); empty when fd is -1.
  std::string address;
  // Serve `fd` over TLS with this server context (a certificate for the service's real names,
  // core/tls), as the real endpoint does; null: plaintext. Shared and immutable.
  std::shared_ptr<boost::asio::ssl::context> tls;
  // Listening sockets made inside the sandbox for InstanceServices::ExtraSandboxAddresses, in
  // that order; owned like `fd`. Empty when fd is -1.
  std::vector<int> extra_fds;
};

// A service that gives every Lambda instance listeners of its own (the fake Momento, the fake
// AWS), so that whatever arrives on them is the instance's without asking the handler.
// The emulator calls both methods on its io thread.
class InstanceServices {
 public:
  virtual ~InstanceServices() = default;
  // Serves the instance's listener (`listener`, or one of its own) before its process starts and
  // returns the variables the instance needs: credentials, and those that point at the listener
  // (e.g. THAW_MOMENTO_ENDPOINT). An error fails the launch.
  virtual absl::StatusOr<std::map<std::string, std::string>> Attach(int64_t instance,
                                                                    const std::string& function,
                                                                    InstanceListener listener) = 0;
  // Further addresses ("127.0.0.1:2773") the service serves inside a sandboxed instance of
  // `function`, beside its own (e.g. the Parameters and Secrets extension, at the port the
  // function's environment names). None by default.
  virtual std::vector<std::string> ExtraSandboxAddresses(
      [[maybe_unused]] const std::string& function) const {
    return {};
  }
  // Closes the instance's listeners once it is gone. Idempotent.
  virtual void Detach(int64_t instance) = 0;
};

}  // namespace thaw

#endif  // THAW_CORE_INSTANCE_SERVICES_H_
