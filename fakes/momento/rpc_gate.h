#ifndef THAW_FAKES_MOMENTO_RPC_GATE_H_
#define THAW_FAKES_MOMENTO_RPC_GATE_H_

#include <chrono>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "core/event_kinds.h"
#include "core/ledger.h"
#include "fakes/momento/connection_attributor.h"
#include "fakes/momento/local_fault_injector.h"
#include "fakes/momento/minted_api_keys.h"
#include "fakes/momento/momento_faults.h"

namespace grpc {
class ServerContext;
class Status;
}  // namespace grpc

namespace thaw::momento {

struct RpcGateOptions {
  // When not empty, the `authorization` metadata must be one of these, else UNAUTHENTICATED.
  // Empty (the default) accepts anything, including the empty value MomentoLocalProvider sends.
  std::set<std::string> api_keys;
  // Requests larger than this (serialized) are RESOURCE_EXHAUSTED with the
  // `request_size_limit_exceeded` err trailer.
  size_t max_request_bytes = 5 * 1024 * 1024;
  // Honour momento-local's per-request fault metadata (local_fault_injector.h).
  bool momento_local_faults = true;
  // Server-side faults (null: none). Must outlive the gate.
  MomentoFaults* faults = nullptr;
  // Keys minted for instances (EmbeddedMomento::MintApiKey), accepted even when `api_keys` is
  // not empty (null: none). Must outlive the gate.
  const MintedApiKeys* minted_keys = nullptr;
};

// What every Momento RPC goes through, whatever its service: attribution of the call to a
// connection and instance, the server-side faults (momento_faults.h), the `authorization` check,
// the `cache` metadata, momento-local's fault metadata, the deadline, the request size limit; and,
// once served, the ledger record
// (`momento.rpc`) and the `err` trailer.
//
// Usage (AsyncCall does this for every method): `RpcGate::Call call = gate.Begin(...);` then,
// when the call is held (an injected delay or a blackhole), wait for `hold()` or until the
// client's deadline or cancellation without blocking a thread, and `gate.EndHold(call, ...)`;
// then `if (call.admission().ok()) status = serve(call.cache()); return gate.Finish(call,
// status);`
//
// Thread-safe; never blocks. `ledger` and `attributor` must outlive the gate.
class RpcGate {
 public:
  // Whether a method belongs to the data plane (needs the `cache` metadata) or to topics (the
  // cache travels in the request body).
  enum class Plane { kData, kControl, kPing, kTopic };

  // One call in progress; owned by the handler's stack frame.
  class Call {
   public:
    // OK when the call may be served; otherwise the status to answer with.
    const absl::Status& admission() const { return admission_; }
    // The `cache` metadata (data plane) or the request's cache_name (topics).
    const std::string& cache() const { return cache_; }
    const ConnectionAttribution& attribution() const { return attribution_; }
    // How long to wait before answering (injected delays); zero: answer at once.
    std::chrono::milliseconds hold() const { return hold_; }
    // Never answer: hold the call until the client's deadline or cancellation.
    bool blackholed() const { return blackholed_; }
    // Cancel the call (ServerContext::TryCancel) instead of answering.
    bool server_cancel() const { return server_cancel_; }
    // A subscription to end with this status once it has delivered stream_end_after() items
    // (a thaw fault); nullopt: none.
    const std::optional<absl::Status>& stream_end() const { return stream_end_; }
    uint64_t stream_end_after() const { return stream_end_after_; }

   private:
    friend class RpcGate;
    grpc::ServerContext* context_ = nullptr;
    std::string_view service_;
    std::string_view method_;
    Plane plane_ = Plane::kData;
    absl::Status admission_;
    std::string cache_;
    ConnectionAttribution attribution_;
    std::string fault_;
    std::string fault_ids_;
    // "minted" or "not-minted" (the `authorization` key), when the gate knows minted keys.
    const char* key_ = nullptr;
    std::chrono::milliseconds hold_{0};
    std::string hold_message_;
    bool blackholed_ = false;
    bool server_cancel_ = false;
    std::optional<absl::Status> stream_end_;
    uint64_t stream_end_after_ = 0;
    size_t request_bytes_ = 0;
    std::chrono::steady_clock::time_point start_;
  };

  RpcGate(Ledger& ledger, const ConnectionAttributor& attributor, RpcGateOptions options);
  RpcGate(const RpcGate&) = delete;
  RpcGate& operator=(const RpcGate&) = delete;

  // Admits (or not) a call of `service`/`method` whose request serializes to `request_bytes`.
  // Decides at once; an injected delay or blackhole is returned as the call's hold().
  // `body_cache` is the request's cache name, used by the topic plane.
  Call Begin(grpc::ServerContext& context, std::string_view service, std::string_view method,
             Plane plane, size_t request_bytes, std::string body_cache = {});

  // Appends an event of `kind` about a call in progress (a topic subscription's opening), with
  // the call's instance, function, connection and cache added to `attrs`.
  void Note(const Call& call, std::string kind, nlohmann::json attrs);

  // After a hold: `cut_short` when the client's deadline came or it cancelled before the hold
  // ended. Turns the admission into DEADLINE_EXCEEDED when the hold did not end in time.
  void EndHold(Call& call, bool cut_short);

  // Records the call with `status` (the admission status when that is not OK), adds the `err`
  // trailer it carries, and returns it as a grpc::Status. Consumes `call`: its strings move
  // into the record, so read nothing from it afterwards.
  grpc::Status Finish(Call& call, absl::Status status = absl::OkStatus());

 private:
  absl::Status Admit(Call& call, grpc::ServerContext& context);

  // Constant after construction.
  Ledger& ledger_;
  const ConnectionAttributor& attributor_;
  const RpcGateOptions options_;
  // Thread-safe.
  LocalFaultInjector faults_;
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_RPC_GATE_H_
