#ifndef THAW_FAKES_MOMENTO_EMBEDDED_MOMENTO_H_
#define THAW_FAKES_MOMENTO_EMBEDDED_MOMENTO_H_

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>

#include "absl/status/statusor.h"
#include "core/ledger.h"
#include "core/scheduler_clock.h"
#include "fakes/momento/connection_tracker.h"
#include "fakes/momento/momento_instance_services.h"
#include "fakes/momento/momento_server.h"

namespace thaw::momento {

// The fake Momento as `thaw serve` runs it: one gRPC server and store, with one listener per
// Lambda instance (services()). Create, use and shut down on `io`'s thread; `io`, `ledger` and
// `clock` must outlive it, and `io` must keep running until Shutdown() returns.
class EmbeddedMomento {
 public:
  static absl::StatusOr<std::unique_ptr<EmbeddedMomento>> Start(boost::asio::io_context& io,
                                                               Ledger& ledger,
                                                               const SchedulerClock& clock,
                                                               MomentoServerOptions options = {});
  ~EmbeddedMomento();
  EmbeddedMomento(const EmbeddedMomento&) = delete;
  EmbeddedMomento& operator=(const EmbeddedMomento&) = delete;

  InstanceServices& services() { return *services_; }
  MomentoServer& server() { return *server_; }
  // Closes every listener, stops the gRPC server (calls in flight get `grace`) and closes every
  // connection. Idempotent.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  EmbeddedMomento() = default;

  std::unique_ptr<ConnectionTracker> tracker_;
  std::unique_ptr<MomentoServer> server_;
  std::unique_ptr<MomentoInstanceServices> services_;
  bool shut_down_ = false;
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_EMBEDDED_MOMENTO_H_
