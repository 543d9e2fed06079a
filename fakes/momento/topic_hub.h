#ifndef THAW_FAKES_MOMENTO_TOPIC_HUB_H_
#define THAW_FAKES_MOMENTO_TOPIC_HUB_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "proto/momento/cachepubsub.pb.h"

namespace thaw::momento {

// Receives a topic's items (SubscriptionCall).
class TopicSubscriber {
 public:
  virtual ~TopicSubscriber() = default;
  virtual void Deliver(const cache_client::pubsub::TopicItem& item) = 0;
};

// The topics of every cache: per (cache, topic), the next sequence number (from 1) and the
// subscribers. Publish hands an item to every subscriber at once, in publish order; nothing is
// kept, so a subscriber only sees items published while it is subscribed.
//
// Not thread-safe: confined to the dispatcher's thread, where every RPC runs.
class TopicHub {
 public:
  // Numbers the item and delivers it; returns its sequence number.
  uint64_t Publish(const std::string& cache, const std::string& topic,
                   const cache_client::pubsub::TopicValue& value);
  // Returns the sequence number the next published item will get.
  uint64_t Subscribe(const std::string& cache, const std::string& topic,
                     TopicSubscriber* subscriber);
  void Unsubscribe(const std::string& cache, const std::string& topic, TopicSubscriber* subscriber);
  size_t SubscriberCount(const std::string& cache, const std::string& topic) const;
  // Subscribers of every topic of `cache` (the service limits them per cache).
  size_t CacheSubscriberCount(const std::string& cache) const;

 private:
  struct Topic {
    uint64_t next = 1;
    std::set<TopicSubscriber*> subscribers;
  };
  std::map<std::pair<std::string, std::string>, Topic> topics_;
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_TOPIC_HUB_H_
