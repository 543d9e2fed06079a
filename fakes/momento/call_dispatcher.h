#ifndef THAW_FAKES_MOMENTO_CALL_DISPATCHER_H_
#define THAW_FAKES_MOMENTO_CALL_DISPATCHER_H_

#include <grpcpp/server_builder.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "fakes/momento/async_call.h"
#include "fakes/momento/rpc_gate.h"

namespace thaw::momento {

// Serves the fake's RPCs on gRPC's async API with one completion queue and one thread: the
// thread that polls the connections also runs every handler and answers, so a call costs one
// wake-up instead of the sync server's hand-over between its poller and worker threads (about
// half the latency on a busy 2-core machine; tests/bench/momento_bench.cc). Injected delays and
// blackholes are alarms on the same queue (AsyncCall), so they never hold the thread.
//
// Lifecycle: Add* every method, AttachTo the builder, build and start the grpc::Server, Start();
// after grpc::Server::Shutdown has returned, Stop() (also run by the destructor).
//
// Thread-safe where noted; handlers run on the dispatcher's thread. `gate` must outlive it.
class CallDispatcher {
 public:
  explicit CallDispatcher(RpcGate& gate);
  CallDispatcher(const CallDispatcher&) = delete;
  CallDispatcher& operator=(const CallDispatcher&) = delete;
  ~CallDispatcher();

  // Before Start. The method (and its functions) is kept for the dispatcher's lifetime.
  template <typename Request, typename Response>
  void AddUnary(UnaryMethod<Request, Response> method) {
    auto kept = std::make_shared<UnaryMethod<Request, Response>>(std::move(method));
    first_calls_.push_back([this, kept] { new UnaryCall<Request, Response>(*this, *kept); });
    methods_.push_back(std::move(kept));
  }
  template <typename Request, typename Response>
  void AddStreaming(StreamingMethod<Request, Response> method) {
    auto kept = std::make_shared<StreamingMethod<Request, Response>>(std::move(method));
    first_calls_.push_back([this, kept] { new StreamingCall<Request, Response>(*this, *kept); });
    methods_.push_back(std::move(kept));
  }

  // Before Start: a method with its own call class; `first_call` creates its first waiting call.
  void AddFirstCall(std::function<void()> first_call) {
    first_calls_.push_back(std::move(first_call));
  }

  // Before the server is built: adds the completion queue.
  void AttachTo(grpc::ServerBuilder& builder);
  // After the server started: waits for the first call of every method and starts the thread.
  void Start();
  // After grpc::Server::Shutdown returned (every call is then ending): waits until every call
  // has returned its tags, shuts the queue down and joins the thread. Idempotent.
  void Stop();

  // For AsyncCall.
  grpc::ServerCompletionQueue& cq() { return *cq_; }
  RpcGate& gate() { return gate_; }
  void CallCreated();    // thread-safe
  void CallDestroyed();  // thread-safe

 private:
  void Run();

  RpcGate& gate_;
  std::unique_ptr<grpc::ServerCompletionQueue> cq_;
  std::vector<std::shared_ptr<void>> methods_;
  std::vector<std::function<void()>> first_calls_;
  std::thread thread_;
  bool stopped_ = false;

  std::mutex mu_;
  std::condition_variable no_calls_;
  size_t calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_CALL_DISPATCHER_H_
