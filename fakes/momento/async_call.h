#ifndef THAW_FAKES_MOMENTO_ASYNC_CALL_H_
#define THAW_FAKES_MOMENTO_ASYNC_CALL_H_

#include <google/protobuf/arena.h>
#include <grpcpp/alarm.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/async_stream.h>
#include <grpcpp/support/async_unary_call.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "fakes/momento/rpc_gate.h"

namespace thaw::momento {

class CallDispatcher;

// What the gate needs to know of a method.
struct MethodSpec {
  std::string_view service;  // "cache_client.Scs"
  std::string_view method;   // "Get"
  RpcGate::Plane plane = RpcGate::Plane::kData;
};

// A unary method: how to ask gRPC for its next call (the generated `AsyncService::RequestX`,
// with the queue passed twice), and how to serve an admitted call. `serve` gets the `cache`
// metadata (empty outside the data plane) and fills the response; a non-OK status is the answer.
template <typename Request, typename Response>
struct UnaryMethod {
  MethodSpec spec;
  std::function<void(grpc::ServerContext*, Request*, grpc::ServerAsyncResponseWriter<Response>*,
                     grpc::ServerCompletionQueue*, void*)>
      request;
  std::function<absl::Status(const std::string& cache, const Request&, Response*)> serve;
};

// A server-streaming method: `serve` appends the messages to stream, in order. Those appended
// before an error are still sent, then the error.
template <typename Request, typename Response>
struct StreamingMethod {
  MethodSpec spec;
  std::function<void(grpc::ServerContext*, Request*, grpc::ServerAsyncWriter<Response>*,
                     grpc::ServerCompletionQueue*, void*)>
      request;
  std::function<absl::Status(const std::string& cache, const Request&, std::vector<Response>*)>
      serve;
};

// Builds a UnaryMethod from the generated `&AsyncService::RequestX` of `service` and a handler.
template <typename Service, typename Base, typename Request, typename Response>
UnaryMethod<Request, Response> MakeUnary(
    MethodSpec spec, Service* service,
    void (Base::*request)(grpc::ServerContext*, Request*,
                          grpc::ServerAsyncResponseWriter<Response>*, grpc::CompletionQueue*,
                          grpc::ServerCompletionQueue*, void*),
    std::type_identity_t<std::function<absl::Status(const std::string&, const Request&, Response*)>>
        serve) {
  return {spec,
          [service, request](grpc::ServerContext* context, Request* message,
                             grpc::ServerAsyncResponseWriter<Response>* responder,
                             grpc::ServerCompletionQueue* cq, void* tag) {
            (service->*request)(context, message, responder, cq, cq, tag);
          },
          std::move(serve)};
}

// The same for a server-streaming method.
template <typename Service, typename Base, typename Request, typename Response>
StreamingMethod<Request, Response> MakeStreaming(
    MethodSpec spec, Service* service,
    void (Base::*request)(grpc::ServerContext*, Request*, grpc::ServerAsyncWriter<Response>*,
                          grpc::CompletionQueue*, grpc::ServerCompletionQueue*, void*),
    std::type_identity_t<
        std::function<absl::Status(const std::string&, const Request&, std::vector<Response>*)>>
        serve) {
  return {
      spec,
      [service, request](grpc::ServerContext* context, Request* message,
                         grpc::ServerAsyncWriter<Response>* writer, grpc::ServerCompletionQueue* cq,
                         void* tag) { (service->*request)(context, message, writer, cq, cq, tag); },
      std::move(serve)};
}

// One RPC on gRPC's async API, from the request to the last event: it waits for a call of its
// method (and then asks for the next one), admits it through the RpcGate, holds it for an
// injected delay or blackhole with a grpc::Alarm (never blocking the queue's thread), serves it
// and answers. It deletes itself once gRPC has returned every tag it was given: the request,
// the alarm, the answer, and the done notification (which ends a hold early when the client
// cancels or the server shuts down).
//
// Confined to the dispatcher's completion-queue thread (the constructor may run anywhere before
// that thread starts).
class AsyncCall {
 public:
  // The tag given to gRPC for one kind of event of one call.
  class Event {
   public:
    using Handler = void (AsyncCall::*)(bool ok);
    Event(AsyncCall* call, Handler handler) : call_(call), handler_(handler) {}
    void Fire(bool ok) { (call_->*handler_)(ok); }

   private:
    AsyncCall* call_;
    Handler handler_;
  };

  AsyncCall(const AsyncCall&) = delete;
  AsyncCall& operator=(const AsyncCall&) = delete;
  virtual ~AsyncCall();

 protected:
  AsyncCall(CallDispatcher& dispatcher, const MethodSpec& spec);

  // Subclasses call this last in their constructor: registers for the done notification and
  // asks gRPC for a call (RequestNext with requested_ as the tag).
  void Arm();

  CallDispatcher& dispatcher() { return dispatcher_; }
  // Deletes the call once every tag gRPC holds has come back (and Quiescent()).
  void MaybeDelete();
  grpc::ServerCompletionQueue& cq();
  RpcGate& gate();
  RpcGate::Call& call() { return call_; }

  grpc::ServerContext context_;
  Event requested_{this, &AsyncCall::OnRequested};
  Event answered_{this, &AsyncCall::OnAnswered};
  Event written_{this, &AsyncCall::OnWritten};

 private:
  // Asks gRPC for the next call of this method, with requested_ as the tag.
  virtual void RequestNext() = 0;
  // A fresh object of the same method, waiting for the next call.
  virtual void SpawnNext() = 0;
  virtual size_t RequestBytes() const = 0;
  // The request's cache name (the topic plane's cache); empty for other methods.
  virtual std::string RequestCache() const { return {}; }
  // The done notification came (the client went away or the call ended); after any hold.
  virtual void OnDoneImpl() {}
  // False while the subclass still waits for a tag of its own (a stream's timer).
  virtual bool Quiescent() const { return true; }
  // Serves the call (or not, per its admission), records it and starts the answer, whose last
  // tag is answered_ (a stream's writes before it use written_).
  virtual void Respond() = 0;
  virtual void OnWrittenImpl(bool) {}

  void OnRequested(bool ok);
  void OnAlarm(bool ok);
  void OnDone(bool ok);
  void OnAnswered(bool ok);
  void OnWritten(bool ok) { OnWrittenImpl(ok); }
  void Answer();

  CallDispatcher& dispatcher_;
  const MethodSpec spec_;
  RpcGate::Call call_;
  // Only for a hold (an injected delay or a blackhole): made then, since making and destroying a
  // grpc::Alarm for every call cost about 1k instructions of each (callgrind).
  std::optional<grpc::Alarm> alarm_;
  Event alarm_event_{this, &AsyncCall::OnAlarm};
  Event done_{this, &AsyncCall::OnDone};
  bool started_ = false;        // gRPC matched a call to this object
  bool holding_ = false;        // admitted with a hold that has not ended
  bool alarm_pending_ = false;  // the alarm's tag has not come back
  bool done_seen_ = false;      // the done notification came
  bool answer_done_ = false;    // the answer's last tag came back
};

template <typename Request, typename Response>
class UnaryCall final : public AsyncCall {
 public:
  UnaryCall(CallDispatcher& dispatcher, const UnaryMethod<Request, Response>& method)
      : AsyncCall(dispatcher, method.spec), method_(method) {
    Arm();
  }

 private:
  void RequestNext() override {
    method_.request(&context_, request_, &responder_, &cq(), &requested_);
  }
  void SpawnNext() override { new UnaryCall(dispatcher(), method_); }
  size_t RequestBytes() const override { return request_->ByteSizeLong(); }
  std::string RequestCache() const override {
    if constexpr (requires { request_->cache_name(); }) {
      return request_->cache_name();
    } else {
      return {};
    }
  }
  void Respond() override {
    absl::Status status = call().admission();
    if (status.ok()) status = method_.serve(call().cache(), *request_, response_);
    const grpc::Status answer = gate().Finish(call(), status);
    if (answer.ok()) {
      responder_.Finish(*response_, answer, &answered_);
    } else {
      responder_.FinishWithError(answer, &answered_);
    }
  }

  // Room for the request and a typical answer (ten sorted-set elements with their strings take
  // about 1 KB), so that most calls never reach the heap for their messages.
  static constexpr size_t kArenaBlockBytes = 2048;

  const UnaryMethod<Request, Response>& method_;
  // The request and the answer live on an arena that starts in this object: a collection's
  // answer is a message per element, which the heap would allocate and free one by one (a
  // 10-element SortedSetFetch went from 86k to 77k instructions per call; callgrind).
  alignas(std::max_align_t) char arena_block_[kArenaBlockBytes];
  google::protobuf::Arena arena_{arena_block_, sizeof(arena_block_)};
  Request* const request_ = google::protobuf::Arena::CreateMessage<Request>(&arena_);
  Response* const response_ = google::protobuf::Arena::CreateMessage<Response>(&arena_);
  grpc::ServerAsyncResponseWriter<Response> responder_{&context_};
};

template <typename Request, typename Response>
class StreamingCall final : public AsyncCall {
 public:
  StreamingCall(CallDispatcher& dispatcher, const StreamingMethod<Request, Response>& method)
      : AsyncCall(dispatcher, method.spec), method_(method) {
    Arm();
  }

 private:
  void RequestNext() override {
    method_.request(&context_, &request_, &writer_, &cq(), &requested_);
  }
  void SpawnNext() override { new StreamingCall(dispatcher(), method_); }
  size_t RequestBytes() const override { return request_.ByteSizeLong(); }
  void Respond() override {
    status_ = call().admission();
    if (status_.ok()) status_ = method_.serve(call().cache(), request_, &responses_);
    WriteNext();
  }
  void OnWrittenImpl(bool ok) override {
    if (!ok) {
      status_ = absl::CancelledError("the client went away");
      responses_.clear();
    }
    WriteNext();
  }
  // One write in flight at a time (gRPC's rule); the record and the status after the last.
  void WriteNext() {
    if (next_ < responses_.size()) {
      writer_.Write(responses_[next_++], &written_);
      return;
    }
    writer_.Finish(gate().Finish(call(), status_), &answered_);
  }

  const StreamingMethod<Request, Response>& method_;
  Request request_;
  std::vector<Response> responses_;
  size_t next_ = 0;
  absl::Status status_;
  grpc::ServerAsyncWriter<Response> writer_{&context_};
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_ASYNC_CALL_H_
