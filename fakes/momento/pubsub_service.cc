#include "fakes/momento/pubsub_service.h"

#include <string>

#include "fakes/momento/momento_status.h"

namespace thaw::momento {

PubsubService::PubsubService(const CacheStore& store, std::chrono::milliseconds heartbeat_interval)
    : store_(store),
      subscribe_{
          {cache_client::pubsub::Pubsub::service_full_name(), "Subscribe", RpcGate::Plane::kTopic},
          &service_,
          &hub_,
          &store_,
          heartbeat_interval} {}

void PubsubService::Register(CallDispatcher& dispatcher) {
  using cache_client::pubsub::Pubsub;
  dispatcher.AddUnary(MakeUnary(
      {cache_client::pubsub::Pubsub::service_full_name(), "Publish", RpcGate::Plane::kTopic},
      &service_, &Pubsub::AsyncService::RequestPublish,
      [this](const std::string& cache, const cache_client::pubsub::PublishRequest& request,
             common::Empty*) -> absl::Status {
        if (!store_.HasCache(cache)) return absl::NotFoundError("cache not found: " + cache);
        if (request.topic().empty()) return absl::InvalidArgumentError("the topic name is missing");
        if (request.value().kind_case() == cache_client::pubsub::TopicValue::KIND_NOT_SET) {
          return absl::InvalidArgumentError("the value is missing");
        }
        const cache_client::pubsub::TopicValue& value = request.value();
        const size_t bytes = value.has_text() ? value.text().size() : value.binary().size();
        if (bytes > store_.limits().max_publish_message_bytes) {
          return LimitExceeded(kErrRequestSizeLimitExceeded,
                               "the message is larger than the cache's topic message limit of " +
                                   std::to_string(store_.limits().max_publish_message_bytes) +
                                   " bytes");
        }
        hub_.Publish(cache, request.topic(), value);
        return absl::OkStatus();
      }));
  dispatcher.AddFirstCall([this, &dispatcher] { new SubscriptionCall(dispatcher, subscribe_); });
}

}  // namespace thaw::momento
