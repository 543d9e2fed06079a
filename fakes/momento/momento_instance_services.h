#ifndef THAW_FAKES_MOMENTO_MOMENTO_INSTANCE_SERVICES_H_
#define THAW_FAKES_MOMENTO_MOMENTO_INSTANCE_SERVICES_H_

#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "core/instance_services.h"
#include "fakes/momento/connection_tracker.h"
#include "fakes/momento/momento_acceptor.h"

namespace grpc {
class Server;
}

namespace thaw::momento {

// Gives each Lambda instance its own Momento listener (127.0.0.1, a kernel-chosen port, or the one
// made in its sandbox), whose
// connections go to the one shared gRPC server, attributed to the instance. The instance gets
// THAW_MOMENTO_ENDPOINT=127.0.0.1:<port>, THAW_MOMENTO_HOST and THAW_MOMENTO_PORT.
// Strand-confined to `io` (except Endpoint). `tracker` and `server` must outlive it.
class MomentoInstanceServices : public InstanceServices {
 public:
  // `faults` (may be null) is asked about every new connection; it must outlive this.
  MomentoInstanceServices(boost::asio::io_context& io, ConnectionTracker& tracker,
                          grpc::Server& server, ConnectionFaultHook* faults = nullptr)
      : io_(io), tracker_(tracker), server_(server), faults_(faults) {}

  absl::StatusOr<std::map<std::string, std::string>> Attach(int64_t instance,
                                                            const std::string& function,
                                                            InstanceListener listener) override;
  // Closes the instance's listener, and its connections still open (ConnectionTracker::
  // CloseInstance): what a reaped environment's sockets do.
  void Detach(int64_t instance) override;
  // Closes every listener (at shutdown).
  void DetachAll();
  // "127.0.0.1:<port>" of the instance's listener, nullopt when it has none. Thread-safe.
  std::optional<std::string> Endpoint(int64_t instance) const;

 private:
  boost::asio::io_context& io_;
  ConnectionTracker& tracker_;
  grpc::Server& server_;
  ConnectionFaultHook* const faults_;
  std::map<int64_t, std::unique_ptr<MomentoAcceptor>> acceptors_;
  // Read from other threads (MintApiKey runs on the fake AWS's).
  mutable std::mutex endpoints_mu_;
  std::map<int64_t, std::string> endpoints_ ABSL_GUARDED_BY(endpoints_mu_);
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_MOMENTO_INSTANCE_SERVICES_H_
