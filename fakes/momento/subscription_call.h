#ifndef THAW_FAKES_MOMENTO_SUBSCRIPTION_CALL_H_
#define THAW_FAKES_MOMENTO_SUBSCRIPTION_CALL_H_

#include <grpcpp/alarm.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "fakes/momento/async_call.h"
#include "fakes/momento/cache_store.h"
#include "fakes/momento/topic_hub.h"
#include "proto/momento/cachepubsub.grpc.pb.h"

namespace thaw::momento {

// What a SubscriptionCall needs; owned by PubsubService, outlives every call.
struct SubscribeMethod {
  MethodSpec spec;
  cache_client::pubsub::Pubsub::AsyncService* service = nullptr;
  TopicHub* hub = nullptr;
  const CacheStore* store = nullptr;
  std::chrono::milliseconds heartbeat_interval{0};
};

// One `Pubsub/Subscribe` stream, a long-lived server-streaming call on the dispatcher's queue:
// admitted by the RpcGate like any call, it answers a heartbeat at once (the SDK's subscribe()
// resolves on the first message), a discontinuity when the subscriber resumes at a sequence
// number the topic has moved past, then every item published to the topic while it is open, in
// order, and a heartbeat every `heartbeat_interval` (a grpc::Alarm). One write in flight at a
// time; the rest wait in a queue. It ends when the client cancels (the SDK's unsubscribe, its
// deadline), when the server shuts down, or after momento-local's `stream-error*` metadata
// (`stream-error-rpcs: topic-subscribe`, `stream-error: not-found`, `stream-error-message-limit:
// N`: the stream fails with that status after N messages).
//
// Ledger: kinds::kMomentoSubscriptionOpened (topic, resume_at) when subscribed,
// kinds::kMomentoSubscriptionClosed (topic, items, messages, code) when it ends, then the call's
// `momento.rpc`.
//
// Confined to the dispatcher's thread.
class SubscriptionCall final : public AsyncCall, public TopicSubscriber {
 public:
  SubscriptionCall(CallDispatcher& dispatcher, const SubscribeMethod& method);
  ~SubscriptionCall() override;

  void Deliver(const cache_client::pubsub::TopicItem& item) override;

 private:
  void RequestNext() override;
  void SpawnNext() override;
  size_t RequestBytes() const override { return request_.ByteSizeLong(); }
  std::string RequestCache() const override { return request_.cache_name(); }
  void Respond() override;
  void OnWrittenImpl(bool ok) override;
  void OnDoneImpl() override;
  bool Quiescent() const override { return !heartbeat_pending_; }

  void OnHeartbeat(bool ok);
  void ArmHeartbeat();
  void Enqueue(cache_client::pubsub::SubscriptionItem item);
  void WriteNext();
  // Ends the stream with `status` once no write is in flight.
  void End(absl::Status status);
  void Finish();
  void ReadStreamErrorMetadata();

  const SubscribeMethod& method_;
  cache_client::pubsub::SubscriptionRequest request_;
  grpc::ServerAsyncWriter<cache_client::pubsub::SubscriptionItem> writer_{&context_};
  std::deque<cache_client::pubsub::SubscriptionItem> queue_;
  bool writing_ = false;
  bool subscribed_ = false;
  bool ending_ = false;
  bool finished_ = false;
  absl::Status end_status_;
  uint64_t items_ = 0;
  uint64_t messages_ = 0;
  // momento-local's stream-error metadata: ends after that many messages (heartbeats count).
  std::optional<absl::Status> stream_error_;
  uint64_t stream_error_after_ = 0;
  // A thaw fault (end_stream_after): ends after that many topic items.
  std::optional<absl::Status> items_error_;
  uint64_t items_error_after_ = 0;
  grpc::Alarm heartbeat_;
  bool heartbeat_pending_ = false;
  Event heartbeat_event_{this, static_cast<Event::Handler>(&SubscriptionCall::OnHeartbeat)};
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_SUBSCRIPTION_CALL_H_
