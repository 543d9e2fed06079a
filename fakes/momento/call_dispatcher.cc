#include "fakes/momento/call_dispatcher.h"

namespace thaw::momento {

CallDispatcher::CallDispatcher(RpcGate& gate) : gate_(gate) {}

CallDispatcher::~CallDispatcher() { Stop(); }

void CallDispatcher::AttachTo(grpc::ServerBuilder& builder) { cq_ = builder.AddCompletionQueue(); }

void CallDispatcher::Start() {
  for (const auto& first_call : first_calls_) first_call();
  thread_ = std::thread([this] { Run(); });
}

void CallDispatcher::Run() {
  void* tag = nullptr;
  bool ok = false;
  while (cq_->Next(&tag, &ok)) static_cast<AsyncCall::Event*>(tag)->Fire(ok);
}

void CallDispatcher::Stop() {
  if (stopped_ || cq_ == nullptr) return;
  stopped_ = true;
  if (thread_.joinable()) {
    // Shutting the queue down while a call may still start an operation on it would abort;
    // after the server's shutdown every call ends by itself, on this queue.
    std::unique_lock<std::mutex> lock(mu_);
    no_calls_.wait(lock, [this] { return calls_ == 0; });
  }
  cq_->Shutdown();
  if (thread_.joinable()) {
    thread_.join();
  } else {
    Run();  // Never started: drain what the queue holds.
  }
}

void CallDispatcher::CallCreated() {
  std::lock_guard<std::mutex> lock(mu_);
  ++calls_;
}

void CallDispatcher::CallDestroyed() {
  std::lock_guard<std::mutex> lock(mu_);
  if (--calls_ == 0) no_calls_.notify_all();
}

}  // namespace thaw::momento
