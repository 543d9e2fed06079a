#ifndef THAW_FAKES_MOMENTO_MOMENTO_FAULTS_H_
#define THAW_FAKES_MOMENTO_MOMENTO_FAULTS_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/fault_target.h"
#include "core/ledger.h"
#include "core/scheduler_clock.h"
#include "fakes/momento/connection_fault_hook.h"
#include "fakes/momento/connection_tracker.h"
#include "nlohmann/json.hpp"

namespace thaw::momento {

// Server-side faults of the fake Momento, programmed at run time (service "momento" of
// POST /_thaw/faults, thaw::testing, scenarios, `thaw momento --admin-port`). No client
// cooperation: they apply to unmodified SDKs. A fault is a JSON object:
//
//   selectors (all optional; absent = any):
//     "function": "f"   "instance": 3   "cache": "c"   "rpc": "Get"   (cache/rpc: RPC faults only)
//   RPC faults (on each matching call; "delay" and "error" may be combined):
//     "delay": "200ms"                      answer that much later (stops at the deadline)
//     "error": "UNAVAILABLE", "err": "..."  answer with this gRPC code (and `err` trailer)
//     "cancel": true                        the server cancels the call instead of answering:
//                                           CANCELLED "Cancelled on the server side", then
//                                           RST_STREAM (may follow a "delay")
//   subscription fault (Subscribe calls only; "rpc" may be absent or "Subscribe"):
//     "error": "UNAVAILABLE", "err": "...", "end_stream_after": N
//                                           the stream is answered as usual, then ends with
//                                           that status once it has delivered N topic items
//                                           (heartbeats and discontinuities do not count);
//                                           it fires (counts, `momento.fault`) when the
//                                           subscription opens
//   connection faults (one per fault):
//     "handshake_delay": "150ms"  new connections wait that long before gRPC sees them
//     "refuse": true              new connections are reset at once
//     "reset": true               the selected open connections are reset now (TCP RST)
//     "idle_drop": "5m"           open connections idle (no RPC) longer than this on the
//                                 scheduler clock are reset: checked when that much real time
//                                 has passed, at every clock advance, when the fault is added
//                                 and when an RPC arrives (which then fails UNAVAILABLE, as a
//                                 write into a dropped NAT entry does)
//     "blackhole": true           new connections are accepted and never answered, and
//                                 matching RPCs on open ones are never answered either
//   "count": N   act at most N times (calls, connections), then stay listed, spent.
//
// Durations are strings ("200ms", "5m") or milliseconds. Every time a fault acts it appends
// `momento.fault` (id, fault, connection or peer, method, cache) to the ledger; a connection
// it resets is closed with by=thaw, why=fault:<kind>.
//
// Thread-safe: FaultTarget methods run on the emulator's io thread, OnAccept on the
// acceptor's, OnRpc on gRPC's threads, the idle check also on the thread advancing `clock` and
// on the faults' own watcher thread (which sleeps until the next connection could be idle too
// long; the destructor stops it).
// `ledger`, `clock` and `tracker` must outlive it.
class MomentoFaults final : public FaultTarget, public ConnectionFaultHook {
 public:
  // What to do to one RPC.
  struct RpcPlan {
    std::chrono::milliseconds delay{0};
    // Answer with this instead of serving the call.
    std::optional<absl::Status> error;
    // Never answer (hold the call until its deadline or cancellation).
    bool blackhole = false;
    // Cancel the call (ServerContext::TryCancel) instead of answering.
    bool cancel = false;
    // A subscription: serve it, then end it with this status after `end_stream_after` items.
    std::optional<absl::Status> end_stream;
    uint64_t end_stream_after = 0;
    // The faults that acted, comma-separated ids (for the `momento.rpc` event).
    std::string fault_ids;
  };

  MomentoFaults(Ledger& ledger, SchedulerClock& clock, ConnectionTracker& tracker);
  ~MomentoFaults() override;
  MomentoFaults(const MomentoFaults&) = delete;
  MomentoFaults& operator=(const MomentoFaults&) = delete;

  // FaultTarget.
  std::string_view service() const override { return "momento"; }
  absl::StatusOr<std::string> AddFault(const nlohmann::json& spec) override;
  bool RemoveFault(std::string_view id) override;
  void ClearFaults() override;
  nlohmann::json ListFaults() const override;

  // ConnectionFaultHook: refuse, blackhole, handshake_delay.
  Decision OnAccept(const ConnectionAttribution& connection) override;

  // Called by the RpcGate for every call before it is served: marks activity on the call's
  // connection, drops it first if an idle_drop fault says it was idle too long, and returns
  // what the RPC faults want done to the call.
  RpcPlan OnRpc(const ConnectionAttribution& connection, std::string_view method,
                std::string_view cache);

  // Resets every open connection idle longer than an active idle_drop fault allows. Runs by
  // itself after every clock advance; public for callers that move time another way.
  void CheckIdle();

 private:
  // KindName (momento_faults.cc) names these in this order.
  enum class Kind { kRpc, kHandshakeDelay, kRefuse, kReset, kIdleDrop, kBlackhole, kStreamEnd };
  struct Fault {
    std::string id;
    nlohmann::json spec;
    Kind kind = Kind::kRpc;
    std::optional<std::string> function;
    std::optional<int64_t> instance;
    std::optional<std::string> cache;
    std::optional<std::string> rpc;
    std::chrono::milliseconds delay{0};  // delay, handshake_delay, idle_drop
    std::optional<absl::Status> error;
    bool cancel = false;
    uint64_t end_stream_after = 0;  // kStreamEnd
    int64_t count = -1;             // -1: unlimited
    int64_t fired = 0;

    bool Spent() const { return count >= 0 && fired >= count; }
    bool Selects(const ConnectionAttribution& connection) const;
  };
  // A ledger record to append once the lock is released.
  struct Fired {
    ConnectionAttribution connection;
    nlohmann::json attrs;
  };

  static absl::StatusOr<Fault> Parse(const nlohmann::json& spec);
  // Wakes the watcher to run CheckIdle `in` from now (real time), unless it wakes sooner.
  void ScheduleIdleCheck(SchedulerClock::Duration in);
  void WatchIdle();
  void Record(const std::vector<Fired>& fired);
  // Resets the listed connections (why = fault:<kind>) and records the faults.
  void ResetAll(const std::vector<Fired>& resets);

  // Constant after construction.
  Ledger& ledger_;
  SchedulerClock& clock_;
  ConnectionTracker& tracker_;
  int clock_listener_ = 0;

  mutable std::mutex mu_;
  std::vector<Fault> faults_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;

  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  std::chrono::steady_clock::time_point next_idle_check_ ABSL_GUARDED_BY(watch_mu_) =
      std::chrono::steady_clock::time_point::max();
  bool stop_watching_ ABSL_GUARDED_BY(watch_mu_) = false;
  std::thread watcher_;  // last: started once everything above exists
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_MOMENTO_FAULTS_H_
