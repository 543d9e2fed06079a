#ifndef THAW_FAKES_MOMENTO_EMBEDDED_MOMENTO_H_
#define THAW_FAKES_MOMENTO_EMBEDDED_MOMENTO_H_

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>

#include "absl/status/statusor.h"
#include "core/ledger.h"
#include "core/scheduler_clock.h"
#include "fakes/momento/connection_tracker.h"
#include "fakes/momento/minted_api_keys.h"
#include "fakes/momento/momento_faults.h"
#include "fakes/momento/momento_instance_services.h"
#include "fakes/momento/momento_server.h"

namespace thaw::momento {

// The fake Momento as `thaw serve` runs it: one gRPC server and store, with one listener per
// Lambda instance (services()). Create, use and shut down on `io`'s thread; `io`, `ledger` and
// `clock` must outlive it, and `io` must keep running until Shutdown() returns.
class EmbeddedMomento {
 public:
  // `options.faults` and `options.minted_keys` are ignored: the embedded fake has its own.
  static absl::StatusOr<std::unique_ptr<EmbeddedMomento>> Start(boost::asio::io_context& io,
                                                                Ledger& ledger,
                                                                SchedulerClock& clock,
                                                                MomentoServerOptions options = {});
  ~EmbeddedMomento();
  EmbeddedMomento(const EmbeddedMomento&) = delete;
  EmbeddedMomento& operator=(const EmbeddedMomento&) = delete;

  InstanceServices& services() { return *services_; }
  MomentoServer& server() { return *server_; }
  // The "momento" fault target (EmulatorSession adds it to its FaultRegistry).
  MomentoFaults& faults() { return *faults_; }

  // A Momento v1 API key for `instance` of `function` (minted_api_keys.h): base64 of
  // {"endpoint": "127.0.0.1:<the instance's Momento port>", "api_key": <token>}. The real SDK
  // takes it with `CredentialProvider.fromString({apiKey, endpointOverrides: {cacheEndpoint,
  // controlEndpoint, tokenEndpoint: THAW_MOMENTO_ENDPOINT, secureConnection: false}})`; the fake
  // accepts its token even when it was started with explicit `api_keys`, and records RPCs made
  // with it under the connection's instance as usual. The same instance always gets the same
  // key. Thread-safe (the endpoint is the instance's listener when it is attached, else
  // "127.0.0.1:0").
  std::string MintApiKey(int64_t instance, const std::string& function);
  // Closes every listener, stops the gRPC server (calls in flight get `grace`) and closes every
  // connection. Idempotent.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  EmbeddedMomento() = default;

  std::unique_ptr<ConnectionTracker> tracker_;
  std::unique_ptr<MomentoFaults> faults_;
  MintedApiKeys minted_keys_;
  std::unique_ptr<MomentoServer> server_;
  std::unique_ptr<MomentoInstanceServices> services_;
  bool shut_down_ = false;
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_EMBEDDED_MOMENTO_H_
