#include "fakes/momento/async_call.h"

#include <algorithm>
#include <chrono>

#include "fakes/momento/call_dispatcher.h"

namespace thaw::momento {

AsyncCall::AsyncCall(CallDispatcher& dispatcher, const MethodSpec& spec)
    : dispatcher_(dispatcher), spec_(spec) {
  dispatcher_.CallCreated();
}

AsyncCall::~AsyncCall() { dispatcher_.CallDestroyed(); }

grpc::ServerCompletionQueue& AsyncCall::cq() { return dispatcher_.cq(); }

RpcGate& AsyncCall::gate() { return dispatcher_.gate(); }

void AsyncCall::Arm() {
  // Must precede the request: gRPC only notifies calls that asked before they started.
  context_.AsyncNotifyWhenDone(&done_);
  RequestNext();
}

void AsyncCall::OnRequested(bool ok) {
  if (!ok) {
    // The server is shutting down and no call came: nothing else will return to this object.
    delete this;
    return;
  }
  started_ = true;
  SpawnNext();
  call_ = gate().Begin(context_, spec_.service, spec_.method, spec_.plane, RequestBytes(),
                       spec_.plane == RpcGate::Plane::kTopic ? RequestCache() : std::string());
  if (!call_.blackholed() && call_.hold().count() <= 0) {
    Answer();
    return;
  }
  holding_ = true;
  const auto deadline = context_.deadline();
  auto until = deadline;
  if (!call_.blackholed()) {
    until = std::min(deadline, std::chrono::system_clock::now() + call_.hold());
  }
  if (until == std::chrono::system_clock::time_point::max()) return;  // Until the done event.
  alarm_pending_ = true;
  alarm_.emplace();
  alarm_->Set(&cq(), until, &alarm_event_);
}

void AsyncCall::OnAlarm(bool ok) {
  alarm_pending_ = false;
  if (holding_) {
    holding_ = false;
    // Cancelled (ok false) only by OnDone: the client left or the server is shutting down.
    gate().EndHold(call_, !ok || done_seen_);
    Answer();
  }
  MaybeDelete();
}

void AsyncCall::OnDone(bool) {
  done_seen_ = true;
  if (alarm_pending_) {
    alarm_->Cancel();  // OnAlarm ends the hold.
  } else if (holding_) {
    holding_ = false;
    gate().EndHold(call_, true);
    Answer();
  }
  if (started_) OnDoneImpl();
  MaybeDelete();
}

void AsyncCall::OnAnswered(bool) {
  answer_done_ = true;
  MaybeDelete();
}

void AsyncCall::Answer() {
  // gRPC answers CANCELLED "Cancelled on the server side" (and RST_STREAM); Respond still records
  // the call, and its Finish comes back not ok.
  if (call_.server_cancel()) context_.TryCancel();
  Respond();
}

void AsyncCall::MaybeDelete() {
  if (started_ && answer_done_ && done_seen_ && !alarm_pending_ && Quiescent()) delete this;
}

}  // namespace thaw::momento
