#ifndef THAW_FAKES_MOMENTO_PUBSUB_SERVICE_H_
#define THAW_FAKES_MOMENTO_PUBSUB_SERVICE_H_

#include <chrono>

#include "fakes/momento/cache_store.h"
#include "fakes/momento/call_dispatcher.h"
#include "fakes/momento/subscription_call.h"
#include "fakes/momento/topic_hub.h"
#include "proto/momento/cachepubsub.grpc.pb.h"

namespace thaw::momento {

// `cache_client.pubsub.Pubsub`, Momento's topics: Publish (text or bytes) numbers the item and
// hands it to the topic's open subscriptions (SubscriptionCall); Subscribe is a long-lived
// stream. The cache is the request's `cache_name` (NOT_FOUND when it does not exist); topics
// need no creation. The RpcGate admits both as the topic plane (faults by `rpc`: "Publish",
// "Subscribe"; momento-local's `topic-publish` / `topic-subscribe`).
//
// `store` must outlive it; it must outlive the dispatcher's calls.
class PubsubService {
 public:
  // Heartbeats on an open subscription, in real time (our choice; the SDK needs only the first).
  static constexpr std::chrono::milliseconds kHeartbeatInterval{5000};

  explicit PubsubService(const CacheStore& store,
                         std::chrono::milliseconds heartbeat_interval = kHeartbeatInterval);
  PubsubService(const PubsubService&) = delete;
  PubsubService& operator=(const PubsubService&) = delete;

  grpc::Service* grpc_service() { return &service_; }
  void Register(CallDispatcher& dispatcher);

 private:
  const CacheStore& store_;
  cache_client::pubsub::Pubsub::AsyncService service_;
  TopicHub hub_;
  SubscribeMethod subscribe_;
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_PUBSUB_SERVICE_H_
