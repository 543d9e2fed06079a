#include "fakes/momento/topic_hub.h"

namespace thaw::momento {

uint64_t TopicHub::Publish(const std::string& cache, const std::string& topic,
                           const cache_client::pubsub::TopicValue& value) {
  Topic& t = topics_[{cache, topic}];
  cache_client::pubsub::TopicItem item;
  item.set_topic_sequence_number(t.next++);
  *item.mutable_value() = value;
  // Delivering may not change the set (a subscriber that ends does so on a later event).
  for (TopicSubscriber* subscriber : t.subscribers) subscriber->Deliver(item);
  return item.topic_sequence_number();
}

uint64_t TopicHub::Subscribe(const std::string& cache, const std::string& topic,
                             TopicSubscriber* subscriber) {
  Topic& t = topics_[{cache, topic}];
  t.subscribers.insert(subscriber);
  return t.next;
}

void TopicHub::Unsubscribe(const std::string& cache, const std::string& topic,
                           TopicSubscriber* subscriber) {
  auto it = topics_.find({cache, topic});
  if (it != topics_.end()) it->second.subscribers.erase(subscriber);
}

size_t TopicHub::SubscriberCount(const std::string& cache, const std::string& topic) const {
  auto it = topics_.find({cache, topic});
  return it == topics_.end() ? 0 : it->second.subscribers.size();
}

size_t TopicHub::CacheSubscriberCount(const std::string& cache) const {
  size_t n = 0;
  for (auto it = topics_.lower_bound({cache, ""}); it != topics_.end() && it->first.first == cache;
       ++it) {
    n += it->second.subscribers.size();
  }
  return n;
}

}  // namespace thaw::momento
