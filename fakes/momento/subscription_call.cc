#include "fakes/momento/subscription_call.h"

#include <cstdlib>

#include "core/event_kinds.h"
#include "fakes/momento/call_dispatcher.h"
#include "fakes/momento/local_fault_injector.h"
#include "fakes/momento/momento_status.h"

namespace thaw::momento {

namespace {

std::optional<std::string> Metadata(const grpc::ServerContext& context, std::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return std::nullopt;
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

SubscriptionCall::SubscriptionCall(CallDispatcher& dispatcher, const SubscribeMethod& method)
    : AsyncCall(dispatcher, method.spec), method_(method) {
  Arm();
}

SubscriptionCall::~SubscriptionCall() {
  if (subscribed_) method_.hub->Unsubscribe(request_.cache_name(), request_.topic(), this);
}

void SubscriptionCall::RequestNext() {
  method_.service->RequestSubscribe(&context_, &request_, &writer_, &cq(), &cq(), &requested_);
}

void SubscriptionCall::SpawnNext() { new SubscriptionCall(dispatcher(), method_); }

void SubscriptionCall::ReadStreamErrorMetadata() {
  std::optional<std::string> rpcs = Metadata(context_, "stream-error-rpcs");
  std::optional<std::string> error = Metadata(context_, "stream-error");
  if (!rpcs || !error) return;
  if (rpcs->find(LocalFaultInjector::RpcName("Subscribe")) == std::string::npos) return;
  std::optional<absl::StatusCode> code = LocalFaultInjector::ErrorCode(*error);
  stream_error_ = absl::Status(code.value_or(absl::StatusCode::kUnknown),
                               "momento-local fault: stream-error " + *error);
  if (std::optional<std::string> limit = Metadata(context_, "stream-error-message-limit")) {
    stream_error_after_ = std::strtoull(limit->c_str(), nullptr, 10);
  }
}

void SubscriptionCall::Respond() {
  absl::Status status = call().admission();
  if (status.ok() && !method_.store->HasCache(request_.cache_name())) {
    status = absl::NotFoundError("cache not found: " + request_.cache_name());
  }
  if (status.ok() && request_.topic().empty()) {
    status = absl::InvalidArgumentError("the topic name is missing");
  }
  if (const size_t limit = method_.store->limits().max_subscriptions;
      status.ok() && method_.hub->CacheSubscriberCount(request_.cache_name()) >= limit) {
    status =
        LimitExceeded(kErrTopicSubscriptionsLimitExceeded,
                      "the cache has its limit of " + std::to_string(limit) + " subscribers open");
  }
  if (status.ok() && context_.IsCancelled()) status = absl::CancelledError("the client went away");
  if (!status.ok()) {
    End(status);
    return;
  }
  ReadStreamErrorMetadata();
  items_error_ = call().stream_end();
  items_error_after_ = call().stream_end_after();
  const uint64_t next = method_.hub->Subscribe(request_.cache_name(), request_.topic(), this);
  subscribed_ = true;
  nlohmann::json attrs(nlohmann::json::value_t::object);
  attrs["topic"] = request_.topic();
  attrs["resume_at"] = request_.resume_at_topic_sequence_number();
  gate().Note(call(), kinds::kMomentoSubscriptionOpened, std::move(attrs));
  cache_client::pubsub::SubscriptionItem heartbeat;
  heartbeat.mutable_heartbeat();
  Enqueue(std::move(heartbeat));
  const uint64_t resume = request_.resume_at_topic_sequence_number();
  if (resume > 0 && resume != next) {
    cache_client::pubsub::SubscriptionItem gap;
    gap.mutable_discontinuity()->set_last_topic_sequence(resume - 1);
    gap.mutable_discontinuity()->set_new_topic_sequence(next);
    Enqueue(std::move(gap));
  }
  ArmHeartbeat();
}

void SubscriptionCall::ArmHeartbeat() {
  if (method_.heartbeat_interval.count() <= 0 || ending_) return;
  heartbeat_pending_ = true;
  heartbeat_.Set(&cq(), std::chrono::system_clock::now() + method_.heartbeat_interval,
                 &heartbeat_event_);
}

void SubscriptionCall::OnHeartbeat(bool ok) {
  heartbeat_pending_ = false;
  if (ok && !ending_) {
    cache_client::pubsub::SubscriptionItem heartbeat;
    heartbeat.mutable_heartbeat();
    Enqueue(std::move(heartbeat));
    ArmHeartbeat();
  }
  MaybeDelete();
}

void SubscriptionCall::Deliver(const cache_client::pubsub::TopicItem& item) {
  cache_client::pubsub::SubscriptionItem message;
  *message.mutable_item() = item;
  Enqueue(std::move(message));
}

void SubscriptionCall::Enqueue(cache_client::pubsub::SubscriptionItem item) {
  if (ending_) return;
  queue_.push_back(std::move(item));
  if (!writing_) WriteNext();
}

void SubscriptionCall::WriteNext() {
  if (ending_) {
    if (!writing_) Finish();
    return;
  }
  if (stream_error_ && messages_ >= stream_error_after_) {
    End(*stream_error_);
    return;
  }
  if (items_error_ && items_ >= items_error_after_) {
    End(*items_error_);
    return;
  }
  if (queue_.empty()) return;
  writing_ = true;
  if (queue_.front().has_item()) ++items_;
  ++messages_;
  writer_.Write(queue_.front(), &written_);
  queue_.pop_front();
}

void SubscriptionCall::OnWrittenImpl(bool ok) {
  writing_ = false;
  // A failed write may come after End (the client's cancel, seen by OnDone, while this write was
  // in flight); End then did nothing, so WriteNext must still finish the call: an unfinished
  // call is never deleted and the server's shutdown waits for it forever.
  if (!ok) End(absl::CancelledError("the subscriber went away"));
  WriteNext();
}

void SubscriptionCall::OnDoneImpl() {
  // The client cancelled (unsubscribe, its deadline) or the server is shutting down.
  End(absl::CancelledError("the subscriber went away"));
}

void SubscriptionCall::End(absl::Status status) {
  if (ending_) return;
  ending_ = true;
  end_status_ = std::move(status);
  queue_.clear();
  if (subscribed_) {
    method_.hub->Unsubscribe(request_.cache_name(), request_.topic(), this);
    subscribed_ = false;
    nlohmann::json attrs(nlohmann::json::value_t::object);
    attrs["topic"] = request_.topic();
    attrs["items"] = items_;
    attrs["messages"] = messages_;
    attrs["code"] = StatusCodeName(end_status_.code());
    gate().Note(call(), kinds::kMomentoSubscriptionClosed, std::move(attrs));
  }
  if (heartbeat_pending_) heartbeat_.Cancel();  // OnHeartbeat(false) follows.
  if (!writing_) Finish();
}

void SubscriptionCall::Finish() {
  if (finished_) return;
  finished_ = true;
  writer_.Finish(gate().Finish(call(), end_status_), &answered_);
}

}  // namespace thaw::momento
