#ifndef THAW_FAKES_MOMENTO_EMBEDDED_MOMENTO_H_
#define THAW_FAKES_MOMENTO_EMBEDDED_MOMENTO_H_

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

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
  // {"endpoint": <KeyEndpoint(instance)>, "api_key": <token>}. In a sandbox the endpoint is a
  // real-looking Momento name (SetKeyEndpoint) that resolves to the instance's listener there,
  // so `CredentialProvider.fromString({apiKey})` works unchanged, over TLS on 443. Without one
  // it is the instance's listener ("127.0.0.1:<port>", plaintext), which the SDK reaches only
  // with `endpointOverrides` (secureConnection: false). The fake accepts the token even when it
  // was started with explicit `api_keys`, and only on the instance it was minted for. The same
  // instance always gets the same key. Thread-safe.
  std::string MintApiKey(int64_t instance, const std::string& function);
  // The same for a v2 key (a JWT; its endpoint is KeyEndpoint(instance)). Thread-safe.
  std::string MintApiKeyV2(int64_t instance, const std::string& function);
  // The endpoint minted keys name for `instance`: the one set by SetKeyEndpoint, else its
  // listener's "host:port" ("127.0.0.1:0" before it has one). Thread-safe.
  std::string KeyEndpoint(int64_t instance) const;
  // Minted keys name `base` (e.g. "cell-us-east-1-1.prod.a.momentohq.com"): `cache.<base>`,
  // `control.<base>` and `token.<base>` must reach the instance's listener, as they do in its
  // sandbox. Call before the first key is minted.
  void SetKeyEndpoint(std::string base) { key_endpoint_ = std::move(base); }

  // The placeholders a secret or a function's environment may hold, made for the instance that
  // reads them: kApiKeyPlaceholder (MintApiKey), kApiKeyV2Placeholder (MintApiKeyV2) and
  // kEndpointPlaceholder (KeyEndpoint), named without braces. nullopt for any other name.
  // Thread-safe.
  std::optional<std::string> RenderPlaceholder(const std::string& name, int64_t instance,
                                               const std::string& function);
  inline static constexpr char kApiKeyPlaceholder[] = "momento_api_key";
  inline static constexpr char kApiKeyV2Placeholder[] = "momento_api_key_v2";
  inline static constexpr char kEndpointPlaceholder[] = "momento_endpoint";

  // Closes every listener, stops the gRPC server (calls in flight get `grace`) and closes every
  // connection. Idempotent.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  EmbeddedMomento() = default;

  std::unique_ptr<ConnectionTracker> tracker_;
  std::unique_ptr<MomentoFaults> faults_;
  MintedApiKeys minted_keys_;
  std::string key_endpoint_;
  std::unique_ptr<MomentoServer> server_;
  std::unique_ptr<MomentoInstanceServices> services_;
  bool shut_down_ = false;
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_EMBEDDED_MOMENTO_H_
