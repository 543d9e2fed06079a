#ifndef THAW_FAKES_MOMENTO_MOMENTO_SERVER_H_
#define THAW_FAKES_MOMENTO_MOMENTO_SERVER_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/ledger.h"
#include "core/scheduler_clock.h"
#include "fakes/momento/cache_store.h"
#include "fakes/momento/connection_attributor.h"
#include "fakes/momento/rpc_gate.h"

namespace grpc {
class Server;
}  // namespace grpc

namespace thaw::momento {

class CallDispatcher;
class PingService;
class PubsubService;
class ScsControlService;
class ScsService;

struct MomentoServerOptions {
  CacheLimits limits;
  // API keys accepted in `authorization`; empty accepts anything (momento-local's behaviour).
  std::set<std::string> api_keys;
  // Honour momento-local's per-request fault metadata.
  bool momento_local_faults = true;
  // Caches that exist from the start.
  std::vector<std::string> caches;
  // Server-side faults and minted keys (see RpcGateOptions); null for none. Must outlive the
  // server.
  MomentoFaults* faults = nullptr;
  const MintedApiKeys* minted_keys = nullptr;
};

// The fake Momento: one gRPC server with cache_client.Scs, control_client.ScsControl,
// cache_client.Ping and cache_client.pubsub.Pubsub (topics) over one CacheStore. It opens no
// listening port of its own: connections reach it through grpc::AddInsecureChannelFromFd
// (MomentoAcceptor + ConnectionTracker), so thaw sees and attributes every TCP connection. The same
// server serves every listener (one per Lambda instance in the emulator, one in `thaw momento`).
//
// Every RPC runs on one thread (CallDispatcher): admission, handler and answer.
//
// Thread-safe. `ledger`, `clock` and `attributor` must outlive the server.
class MomentoServer {
 public:
  // Builds and starts the gRPC server. Errors: Internal when gRPC cannot start.
  static absl::StatusOr<std::unique_ptr<MomentoServer>> Start(
      MomentoServerOptions options, Ledger& ledger, const SchedulerClock& clock,
      const ConnectionAttributor& attributor);
  MomentoServer(const MomentoServer&) = delete;
  MomentoServer& operator=(const MomentoServer&) = delete;
  // Shuts down (if not done yet) and waits for every call to end.
  ~MomentoServer();

  grpc::Server& grpc_server() { return *server_; }
  CacheStore& store() { return store_; }

  // Stops accepting calls, cancels those still running after `grace`, closes every connection.
  // Idempotent.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  MomentoServer(MomentoServerOptions options, Ledger& ledger, const SchedulerClock& clock,
                const ConnectionAttributor& attributor);

  CacheStore store_;
  RpcGate gate_;
  std::unique_ptr<ScsService> scs_;
  std::unique_ptr<ScsControlService> control_;
  std::unique_ptr<PingService> ping_;
  std::unique_ptr<PubsubService> pubsub_;
  std::unique_ptr<CallDispatcher> dispatcher_;
  std::unique_ptr<grpc::Server> server_;
  std::atomic<bool> shut_down_{false};
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_MOMENTO_SERVER_H_
