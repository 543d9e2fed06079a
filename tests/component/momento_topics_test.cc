// The fake Momento's topics end to end: Publish and the Subscribe stream over real gRPC to an
// instance's listener of EmbeddedMomento, with the subscription events in the ledger.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "core/accounting.h"
#include "core/event_kinds.h"
#include "core/ledger.h"
#include "core/scheduler_clock.h"
#include "fakes/momento/embedded_momento.h"
#include "fakes/momento/rpc_gate.h"
#include "fakes/momento/subscription_call.h"
#include "proto/momento/cachepubsub.grpc.pb.h"
#include "tests/util/embedded_momento_harness.h"
#include "tests/util/test_emulator.h"

namespace thaw::momento {
// Named as well: a unity build compiles this file with the others of its binary.
namespace momento_topics_test {
namespace {

namespace ps = cache_client::pubsub;

constexpr int64_t kInstance = 5;
constexpr char kFunction[] = "fn";

class MomentoTopicsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MomentoServerOptions options;
    options.caches = {"cache"};
    ASSERT_TRUE(harness_.Start(kInstance, kFunction, options).ok());
    pubsub_ = ps::Pubsub::NewStub(harness_.channel());
  }

  void TearDown() override {
    pubsub_.reset();
    harness_.Stop();
  }

  grpc::Status Publish(const std::string& topic, const std::string& text,
                       const std::string& cache = "cache") {
    ps::PublishRequest request;
    request.set_cache_name(cache);
    request.set_topic(topic);
    request.mutable_value()->set_text(text);
    common::Empty response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return pubsub_->Publish(&context, request, &response);
  }

  // Opens a subscription and reads its first message (the heartbeat).
  std::unique_ptr<grpc::ClientReader<ps::SubscriptionItem>> Subscribe(grpc::ClientContext& context,
                                                                      const std::string& topic,
                                                                      uint64_t resume_at = 0) {
    ps::SubscriptionRequest request;
    request.set_cache_name("cache");
    request.set_topic(topic);
    request.set_resume_at_topic_sequence_number(resume_at);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto reader = pubsub_->Subscribe(&context, request);
    ps::SubscriptionItem first;
    EXPECT_TRUE(reader->Read(&first));
    EXPECT_TRUE(first.has_heartbeat());
    return reader;
  }

  // Waits for `n` events of `kind` (subscriptions registered with the topic, or ended).
  void WaitForKind(std::string_view kind, size_t n) {
    uint64_t since = 0;
    for (size_t i = 0; i < n; ++i) {
      auto event = ledger_.WaitFor([&](const Event& e) { return e.kind == kind; },
                                   testing::TestTimeout(), since, std::string(kind));
      ASSERT_TRUE(event.ok()) << event.status();
      since = event->seq;
    }
  }
  void WaitForSubscriptions(size_t n) { WaitForKind(kinds::kMomentoSubscriptionOpened, n); }

  testing::EmbeddedMomentoHarness harness_;
  Ledger& ledger_ = harness_.ledger();
  SchedulerClock& clock_ = harness_.clock();
  std::unique_ptr<ps::Pubsub::Stub> pubsub_;
};

TEST_F(MomentoTopicsTest, SubscribersReceivePublishedItemsInOrderWithSequenceNumbers) {
  grpc::ClientContext a_context;
  auto a = Subscribe(a_context, "t");
  grpc::ClientContext b_context;
  auto b = Subscribe(b_context, "t");
  WaitForSubscriptions(2);
  ASSERT_TRUE(Publish("t", "one").ok());
  ASSERT_TRUE(Publish("other", "elsewhere").ok());
  ps::PublishRequest binary;
  binary.set_cache_name("cache");
  binary.set_topic("t");
  binary.mutable_value()->set_binary(std::string("\x00\x01", 2));
  common::Empty empty;
  grpc::ClientContext publish_context;
  ASSERT_TRUE(pubsub_->Publish(&publish_context, binary, &empty).ok());

  {
    std::vector<MomentoConnections> accounts = MomentoConnectionsPerInstance(ledger_);
    ASSERT_EQ(accounts.size(), 1u);
    EXPECT_EQ(accounts[0].instance, kInstance);
    EXPECT_EQ(accounts[0].subscriptions, 2);
    EXPECT_EQ(accounts[0].open_subscriptions, 2);
    // Topic calls make a data connection.
    EXPECT_EQ(accounts[0].data_connections, 1);
  }
  for (auto* reader : {a.get(), b.get()}) {
    ps::SubscriptionItem item;
    ASSERT_TRUE(reader->Read(&item));
    ASSERT_TRUE(item.has_item());
    EXPECT_EQ(item.item().topic_sequence_number(), 1u);
    EXPECT_EQ(item.item().value().text(), "one");
    ASSERT_TRUE(reader->Read(&item));
    EXPECT_EQ(item.item().topic_sequence_number(), 2u);
    EXPECT_EQ(item.item().value().binary(), std::string("\x00\x01", 2));
  }
  a_context.TryCancel();
  b_context.TryCancel();
  WaitForKind(kinds::kMomentoSubscriptionClosed, 2);
  std::vector<Event> events =
      ledger_.Select([](const Event& e) { return e.kind == kinds::kMomentoSubscriptionClosed; });
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].instance, kInstance);
  EXPECT_EQ(events[0].attrs.value("items", 0), 2);
  EXPECT_EQ(events[0].attrs.value("topic", ""), "t");
  EXPECT_EQ(events[0].attrs.value("code", ""), "CANCELLED");
  std::vector<MomentoConnections> accounts = MomentoConnectionsPerInstance(ledger_);
  ASSERT_EQ(accounts.size(), 1u);
  EXPECT_EQ(accounts[0].subscriptions, 2);
  EXPECT_EQ(accounts[0].open_subscriptions, 0);
  EXPECT_EQ(accounts[0].subscription_items, 4);
}

TEST_F(MomentoTopicsTest, AResumeBehindTheTopicGetsADiscontinuity) {
  ASSERT_TRUE(Publish("t", "one").ok());
  ASSERT_TRUE(Publish("t", "two").ok());
  grpc::ClientContext context;
  auto reader = Subscribe(context, "t", /*resume_at=*/1);
  ps::SubscriptionItem gap;
  ASSERT_TRUE(reader->Read(&gap));
  ASSERT_TRUE(gap.has_discontinuity());
  EXPECT_EQ(gap.discontinuity().last_topic_sequence(), 0u);
  EXPECT_EQ(gap.discontinuity().new_topic_sequence(), 3u);
  context.TryCancel();
}

TEST_F(MomentoTopicsTest, UnknownCacheIsNotFoundAndStreamErrorMetadataEndsTheStream) {
  EXPECT_EQ(Publish("t", "x", "nope").error_code(), grpc::StatusCode::NOT_FOUND);

  ps::SubscriptionRequest request;
  request.set_cache_name("nope");
  request.set_topic("t");
  grpc::ClientContext missing;
  auto reader = pubsub_->Subscribe(&missing, request);
  ps::SubscriptionItem item;
  EXPECT_FALSE(reader->Read(&item));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);

  // momento-local's stream-error metadata: not-found after 2 messages.
  request.set_cache_name("cache");
  grpc::ClientContext context;
  context.AddMetadata("stream-error-rpcs", "topic-subscribe");
  context.AddMetadata("stream-error", "not-found");
  context.AddMetadata("stream-error-message-limit", "2");
  reader = pubsub_->Subscribe(&context, request);
  ASSERT_TRUE(reader->Read(&item));  // the heartbeat
  WaitForSubscriptions(1);
  ASSERT_TRUE(Publish("t", "one").ok());
  ASSERT_TRUE(Publish("t", "two").ok());
  ASSERT_TRUE(reader->Read(&item));
  EXPECT_EQ(item.item().value().text(), "one");
  EXPECT_FALSE(reader->Read(&item));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(MomentoTopicsTest, AStreamEndFaultEndsTheSubscriptionWithItsStatusAfterNItems) {
  // Rejected specs: a stream end needs the status, and applies to Subscribe only.
  MomentoFaults& faults = harness_.momento().faults();
  EXPECT_FALSE(faults.AddFault({{"end_stream_after", 2}}).ok());
  EXPECT_FALSE(
      faults.AddFault({{"end_stream_after", 2}, {"error", "UNAVAILABLE"}, {"rpc", "Get"}}).ok());
  EXPECT_FALSE(
      faults.AddFault({{"end_stream_after", -1}, {"error", "UNAVAILABLE"}, {"delay", "1s"}}).ok());
  auto id = faults.AddFault({{"end_stream_after", 2},
                             {"error", "UNAVAILABLE"},
                             {"count", 1},
                             {"cache", "cache"},
                             {"rpc", "Subscribe"}});
  ASSERT_TRUE(id.ok()) << id.status();

  // Other calls are served as usual: the fault only ends a subscription.
  ASSERT_TRUE(Publish("t", "before").ok());
  grpc::ClientContext context;
  auto reader = Subscribe(context, "t");
  WaitForSubscriptions(1);
  for (const char* text : {"one", "two", "three"}) ASSERT_TRUE(Publish("t", text).ok());
  ps::SubscriptionItem item;
  ASSERT_TRUE(reader->Read(&item));
  EXPECT_EQ(item.item().value().text(), "one");
  ASSERT_TRUE(reader->Read(&item));
  EXPECT_EQ(item.item().value().text(), "two");
  EXPECT_FALSE(reader->Read(&item));
  const grpc::Status ended = reader->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE);

  WaitForKind(kinds::kMomentoSubscriptionClosed, 1);
  auto closed =
      ledger_.Select([](const Event& e) { return e.kind == kinds::kMomentoSubscriptionClosed; });
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].attrs["items"], 2);
  EXPECT_EQ(closed[0].attrs["code"], "UNAVAILABLE");
  auto fired = ledger_.Select([](const Event& e) { return e.kind == kinds::kMomentoFault; });
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].attrs["fault"], "stream_error");
  EXPECT_EQ(fired[0].attrs["after_items"], 2);

  // count 1: the next subscription is not ended.
  grpc::ClientContext again;
  auto second = Subscribe(again, "t");
  WaitForSubscriptions(2);
  for (const char* text : {"a", "b", "c"}) ASSERT_TRUE(Publish("t", text).ok());
  for (const char* text : {"a", "b", "c"}) {
    ASSERT_TRUE(second->Read(&item));
    EXPECT_EQ(item.item().value().text(), text);
  }
  again.TryCancel();
}

// An instance that is gone takes its connections with it, even those of a client outside it
// (here, the test): the subscription ends CANCELLED, the connection is closed by thaw with reason
// `instance_gone`, and nothing of the instance stays open.
TEST_F(MomentoTopicsTest, AnInstanceGoneEndsItsSubscriptionsAndClosesItsConnections) {
  grpc::ClientContext context;
  auto reader = Subscribe(context, "kept");
  WaitForSubscriptions(1);
  harness_.RunOnIo([this] { harness_.momento().services().Detach(kInstance); });

  ps::SubscriptionItem item;
  while (reader->Read(&item)) {  // Heartbeats only, until the stream ends.
    ASSERT_FALSE(item.has_item());
  }
  EXPECT_FALSE(reader->Finish().ok());
  WaitForKind(kinds::kMomentoSubscriptionClosed, 1);
  auto closed =
      ledger_.Select([](const Event& e) { return e.kind == kinds::kMomentoConnectionClosed; });
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].instance, kInstance);
  EXPECT_EQ(closed[0].attrs["reason"], "instance_gone");
  EXPECT_EQ(closed[0].attrs["by"], "thaw");
  auto ended =
      ledger_.Select([](const Event& e) { return e.kind == kinds::kMomentoSubscriptionClosed; });
  EXPECT_EQ(ended[0].attrs["code"], "CANCELLED");
  std::vector<MomentoConnections> accounts = MomentoConnectionsPerInstance(ledger_);
  ASSERT_EQ(accounts.size(), 1u);
  EXPECT_EQ(accounts[0].open_subscriptions, 0);
}

// A subscriber that leaves while a write to it is stalled (it stopped reading, so flow control
// holds the stream's next message) is still answered: its call ends and is recorded, and the
// server's shutdown (the harness's Stop) does not wait for it. gRPC reports the cancel and the
// failed write in either order; several subscribers try both.
TEST_F(MomentoTopicsTest, ASubscriberThatLeavesDuringAStalledWriteIsStillAnswered) {
  constexpr int kSubscribers = 4;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<ps::SubscriptionItem>>> readers;
  for (int i = 0; i < kSubscribers; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    readers.push_back(Subscribe(*contexts.back(), "stalled"));
  }
  WaitForSubscriptions(kSubscribers);
  // 8 MB to each subscriber, which reads none of it: far past gRPC's stream windows.
  const std::string text(4000, 'x');
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(Publish("stalled", text).ok()) << i;
  for (auto& context : contexts) context->TryCancel();

  WaitForKind(kinds::kMomentoSubscriptionClosed, kSubscribers);
  uint64_t since = 0;
  for (int i = 0; i < kSubscribers; ++i) {
    auto answered = ledger_.WaitFor(
        [](const Event& e) {
          return e.kind == kinds::kMomentoRpc && e.attrs.value("method", "") == "Subscribe";
        },
        testing::TestTimeout(), since, "the Subscribe calls answered");
    ASSERT_TRUE(answered.ok()) << answered.status();
    EXPECT_EQ(answered->attrs["code"], "CANCELLED");
    since = answered->seq;
  }
  readers.clear();
}

}  // namespace
}  // namespace momento_topics_test
}  // namespace thaw::momento
