// The fake Momento's collection RPCs end to end: a real gRPC client (the generated stubs) over
// TCP to an instance's listener of EmbeddedMomento, as the SDK calls them.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "core/event_kinds.h"
#include "core/ledger.h"
#include "core/scheduler_clock.h"
#include "fakes/momento/embedded_momento.h"
#include "fakes/momento/rpc_gate.h"
#include "proto/momento/cacheclient.grpc.pb.h"
#include "tests/util/embedded_momento_harness.h"

namespace thaw::momento {
// Named as well: a unity build compiles this file with the others of its binary.
namespace momento_collections_test {
namespace {

using ::testing::ElementsAre;
namespace cc = cache_client;

constexpr int64_t kInstance = 3;
constexpr char kFunction[] = "fn";
constexpr uint64_t kMinuteMs = 60000;

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("cache", "cache");
  context->AddMetadata("authorization", "");
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return context;
}

class MomentoCollectionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MomentoServerOptions options;
    options.caches = {"cache"};
    ASSERT_TRUE(harness_.Start(kInstance, kFunction, options).ok());
    scs_ = cc::Scs::NewStub(harness_.channel());
  }

  void TearDown() override {
    scs_.reset();
    harness_.Stop();
  }

  // Calls `method` on the stub and expects OK.
  template <typename Request, typename Response>
  Response Call(grpc::Status (cc::Scs::Stub::*method)(grpc::ClientContext*, const Request&,
                                                      Response*),
                const Request& request) {
    Response response;
    grpc::Status status = (scs_.get()->*method)(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    return response;
  }
  template <typename Request, typename Response>
  grpc::Status CallStatus(grpc::Status (cc::Scs::Stub::*method)(grpc::ClientContext*,
                                                                const Request&, Response*),
                          const Request& request) {
    Response response;
    return (scs_.get()->*method)(Context().get(), request, &response);
  }

  cc::ItemGetTypeResponse TypeOf(const std::string& key) {
    cc::ItemGetTypeRequest request;
    request.set_cache_key(key);
    return Call(&cc::Scs::Stub::ItemGetType, request);
  }

  testing::EmbeddedMomentoHarness harness_;
  Ledger& ledger_ = harness_.ledger();
  SchedulerClock& clock_ = harness_.clock();
  std::unique_ptr<cc::Scs::Stub> scs_;
};

TEST_F(MomentoCollectionsTest, DictionarySetGetFetchIncrementDeleteLength) {
  cc::DictionarySetRequest set;
  set.set_dictionary_name("d");
  auto* pair = set.add_items();
  pair->set_field("a");
  pair->set_value("1");
  set.set_ttl_milliseconds(kMinuteMs);
  set.set_refresh_ttl(true);
  Call(&cc::Scs::Stub::DictionarySet, set);

  cc::DictionaryGetRequest get;
  get.set_dictionary_name("d");
  get.add_fields("a");
  get.add_fields("zz");
  cc::DictionaryGetResponse got = Call(&cc::Scs::Stub::DictionaryGet, get);
  ASSERT_TRUE(got.has_found());
  ASSERT_EQ(got.found().items_size(), 2);
  EXPECT_EQ(got.found().items(0).result(), cc::Hit);
  EXPECT_EQ(got.found().items(0).cache_body(), "1");
  EXPECT_EQ(got.found().items(1).result(), cc::Miss);

  cc::DictionaryIncrementRequest increment;
  increment.set_dictionary_name("d");
  increment.set_field("a");
  increment.set_amount(41);
  increment.set_ttl_milliseconds(kMinuteMs);
  EXPECT_EQ(Call(&cc::Scs::Stub::DictionaryIncrement, increment).value(), 42);

  cc::DictionaryFetchRequest fetch;
  fetch.set_dictionary_name("d");
  cc::DictionaryFetchResponse fetched = Call(&cc::Scs::Stub::DictionaryFetch, fetch);
  ASSERT_TRUE(fetched.has_found());
  ASSERT_EQ(fetched.found().items_size(), 1);
  EXPECT_EQ(fetched.found().items(0).value(), "42");
  EXPECT_EQ(TypeOf("d").found().item_type(), cc::ItemGetTypeResponse::DICTIONARY);

  cc::DictionaryDeleteRequest remove;
  remove.set_dictionary_name("d");
  remove.mutable_some()->add_fields("a");
  Call(&cc::Scs::Stub::DictionaryDelete, remove);
  EXPECT_TRUE(Call(&cc::Scs::Stub::DictionaryFetch, fetch).has_missing());
  cc::DictionaryLengthRequest length;
  length.set_dictionary_name("d");
  EXPECT_TRUE(Call(&cc::Scs::Stub::DictionaryLength, length).has_missing());
  EXPECT_TRUE(TypeOf("d").has_missing());
}

TEST_F(MomentoCollectionsTest, SetsAddContainRemoveAndPop) {
  cc::SetUnionRequest add;
  add.set_set_name("s");
  add.add_elements("x");
  add.add_elements("y");
  add.set_ttl_milliseconds(kMinuteMs);
  Call(&cc::Scs::Stub::SetUnion, add);
  cc::SetContainsRequest contains;
  contains.set_set_name("s");
  contains.add_elements("x");
  contains.add_elements("q");
  EXPECT_THAT(Call(&cc::Scs::Stub::SetContains, contains).found().contains(),
              ElementsAre(true, false));
  cc::SetDifferenceRequest remove;
  remove.set_set_name("s");
  remove.mutable_subtrahend()->mutable_set()->add_elements("x");
  EXPECT_TRUE(Call(&cc::Scs::Stub::SetDifference, remove).has_found());
  cc::SetFetchRequest fetch;
  fetch.set_set_name("s");
  EXPECT_THAT(Call(&cc::Scs::Stub::SetFetch, fetch).found().elements(), ElementsAre("y"));
  EXPECT_EQ(TypeOf("s").found().item_type(), cc::ItemGetTypeResponse::SET);
  cc::SetPopRequest pop;
  pop.set_set_name("s");
  pop.set_count(5);
  EXPECT_THAT(Call(&cc::Scs::Stub::SetPop, pop).found().elements(), ElementsAre("y"));
  EXPECT_TRUE(Call(&cc::Scs::Stub::SetFetch, fetch).has_missing());
  cc::SetLengthRequest length;
  length.set_set_name("s");
  EXPECT_TRUE(Call(&cc::Scs::Stub::SetLength, length).has_missing());
  cc::SetSampleRequest sample;
  sample.set_set_name("s");
  sample.set_limit(1);
  EXPECT_TRUE(Call(&cc::Scs::Stub::SetSample, sample).has_missing());
}

TEST_F(MomentoCollectionsTest, ListsPushFetchRetainPopAndRemove) {
  cc::ListConcatenateBackRequest back;
  back.set_list_name("l");
  for (const char* v : {"a", "b", "c", "d"}) back.add_values(v);
  back.set_ttl_milliseconds(kMinuteMs);
  EXPECT_EQ(Call(&cc::Scs::Stub::ListConcatenateBack, back).list_length(), 4u);
  cc::ListPushFrontRequest front;
  front.set_list_name("l");
  front.set_value("z");
  front.set_ttl_milliseconds(kMinuteMs);
  front.set_truncate_back_to_size(4);
  EXPECT_EQ(Call(&cc::Scs::Stub::ListPushFront, front).list_length(), 4u);

  cc::ListFetchRequest fetch;
  fetch.set_list_name("l");
  fetch.set_inclusive_start(1);
  fetch.set_exclusive_end(-1);
  EXPECT_THAT(Call(&cc::Scs::Stub::ListFetch, fetch).found().values(), ElementsAre("a", "b"));
  EXPECT_EQ(TypeOf("l").found().item_type(), cc::ItemGetTypeResponse::LIST);

  cc::ListRetainRequest retain;
  retain.set_list_name("l");
  retain.set_inclusive_start(1);
  retain.mutable_unbounded_end();
  retain.set_ttl_milliseconds(kMinuteMs);
  EXPECT_EQ(Call(&cc::Scs::Stub::ListRetain, retain).found().list_length(), 3u);
  cc::ListPopBackRequest pop;
  pop.set_list_name("l");
  cc::ListPopBackResponse popped = Call(&cc::Scs::Stub::ListPopBack, pop);
  EXPECT_EQ(popped.found().back(), "c");
  EXPECT_EQ(popped.found().list_length(), 2u);
  cc::ListRemoveRequest remove;
  remove.set_list_name("l");
  remove.set_all_elements_with_value("a");
  EXPECT_EQ(Call(&cc::Scs::Stub::ListRemove, remove).found().list_length(), 1u);
  cc::ListPopFrontRequest pop_front;
  pop_front.set_list_name("l");
  EXPECT_EQ(Call(&cc::Scs::Stub::ListPopFront, pop_front).found().front(), "b");
  EXPECT_TRUE(Call(&cc::Scs::Stub::ListPopFront, pop_front).has_missing());
  cc::ListLengthRequest length;
  length.set_list_name("l");
  EXPECT_TRUE(Call(&cc::Scs::Stub::ListLength, length).has_missing());
}

TEST_F(MomentoCollectionsTest, SortedSetsFetchByRankAndScoreRankAndUnionStore) {
  cc::SortedSetPutRequest put;
  put.set_set_name("z");
  for (auto [value, score] : {std::pair("b", 1.0), {"a", 1.0}, {"c", 2.0}}) {
    auto* element = put.add_elements();
    element->set_value(value);
    element->set_score(score);
  }
  put.set_ttl_milliseconds(kMinuteMs);
  Call(&cc::Scs::Stub::SortedSetPut, put);

  cc::SortedSetFetchRequest by_rank;
  by_rank.set_set_name("z");
  by_rank.set_order(cc::SortedSetFetchRequest::DESCENDING);
  by_rank.set_with_scores(true);
  by_rank.mutable_by_index()->mutable_unbounded_start();
  by_rank.mutable_by_index()->set_exclusive_end_index(2);
  cc::SortedSetFetchResponse fetched = Call(&cc::Scs::Stub::SortedSetFetch, by_rank);
  ASSERT_EQ(fetched.found().values_with_scores().elements_size(), 2);
  EXPECT_EQ(fetched.found().values_with_scores().elements(0).value(), "c");
  EXPECT_EQ(fetched.found().values_with_scores().elements(1).value(), "b");

  cc::SortedSetFetchRequest by_score;
  by_score.set_set_name("z");
  by_score.set_with_scores(true);
  by_score.mutable_by_score()->mutable_min_score()->set_score(1);
  by_score.mutable_by_score()->mutable_unbounded_max();
  by_score.mutable_by_score()->set_offset(1);
  by_score.mutable_by_score()->set_count(-1);
  fetched = Call(&cc::Scs::Stub::SortedSetFetch, by_score);
  ASSERT_EQ(fetched.found().values_with_scores().elements_size(), 2);
  EXPECT_EQ(fetched.found().values_with_scores().elements(0).value(), "b");

  cc::SortedSetGetRankRequest rank;
  rank.set_set_name("z");
  rank.set_value("a");
  cc::SortedSetGetRankResponse ranked = Call(&cc::Scs::Stub::SortedSetGetRank, rank);
  EXPECT_EQ(ranked.element_rank().result(), cc::Hit);
  EXPECT_EQ(ranked.element_rank().rank(), 0u);
  rank.set_value("nope");
  EXPECT_EQ(Call(&cc::Scs::Stub::SortedSetGetRank, rank).element_rank().result(), cc::Miss);

  cc::SortedSetGetScoreRequest score;
  score.set_set_name("z");
  score.add_values("c");
  score.add_values("nope");
  cc::SortedSetGetScoreResponse scores = Call(&cc::Scs::Stub::SortedSetGetScore, score);
  ASSERT_EQ(scores.found().elements_size(), 2);
  EXPECT_EQ(scores.found().elements(0).score(), 2.0);
  EXPECT_EQ(scores.found().elements(1).result(), cc::Miss);

  cc::SortedSetIncrementRequest increment;
  increment.set_set_name("z");
  increment.set_value("a");
  increment.set_amount(0.5);
  increment.set_ttl_milliseconds(kMinuteMs);
  EXPECT_EQ(Call(&cc::Scs::Stub::SortedSetIncrement, increment).score(), 1.5);

  cc::SortedSetLengthByScoreRequest by_score_length;
  by_score_length.set_set_name("z");
  by_score_length.set_exclusive_min(1);
  by_score_length.mutable_unbounded_max();
  EXPECT_EQ(Call(&cc::Scs::Stub::SortedSetLengthByScore, by_score_length).found().length(), 2u);

  cc::SortedSetUnionStoreRequest union_store;
  union_store.set_set_name("u");
  auto* source = union_store.add_sources();
  source->set_set_name("z");
  source->set_weight(2);
  union_store.set_ttl_milliseconds(kMinuteMs);
  EXPECT_EQ(Call(&cc::Scs::Stub::SortedSetUnionStore, union_store).length(), 3u);
  EXPECT_EQ(TypeOf("u").found().item_type(), cc::ItemGetTypeResponse::SORTED_SET);

  cc::SortedSetRemoveRequest remove;
  remove.set_set_name("z");
  remove.mutable_all();
  Call(&cc::Scs::Stub::SortedSetRemove, remove);
  cc::SortedSetLengthRequest length;
  length.set_set_name("z");
  EXPECT_TRUE(Call(&cc::Scs::Stub::SortedSetLength, length).has_missing());
}

TEST_F(MomentoCollectionsTest, ATypeMismatchIsFailedPrecondition) {
  cc::ListPushBackRequest push;
  push.set_list_name("k");
  push.set_value("v");
  push.set_ttl_milliseconds(kMinuteMs);
  Call(&cc::Scs::Stub::ListPushBack, push);
  cc::DictionaryFetchRequest fetch;
  fetch.set_dictionary_name("k");
  grpc::Status status = CallStatus(&cc::Scs::Stub::DictionaryFetch, fetch);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(), "the item is a list, not a dictionary");
  cc::GetRequest get;
  get.set_cache_key("k");
  EXPECT_EQ(CallStatus(&cc::Scs::Stub::Get, get).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(MomentoCollectionsTest, CollectionsExpireWhenTheSchedulerClockAdvances) {
  cc::SetUnionRequest add;
  add.set_set_name("s");
  add.add_elements("x");
  add.set_ttl_milliseconds(10000);
  add.set_refresh_ttl(true);
  Call(&cc::Scs::Stub::SetUnion, add);
  clock_.Advance(std::chrono::seconds(8));
  add.set_refresh_ttl(false);
  Call(&cc::Scs::Stub::SetUnion, add);
  cc::SetFetchRequest fetch;
  fetch.set_set_name("s");
  EXPECT_TRUE(Call(&cc::Scs::Stub::SetFetch, fetch).has_found());
  clock_.Advance(std::chrono::seconds(2));
  EXPECT_TRUE(Call(&cc::Scs::Stub::SetFetch, fetch).has_missing());
}

TEST_F(MomentoCollectionsTest, CollectionRpcsAreAttributedAndTakeServerSideFaultsByName) {
  ASSERT_TRUE(harness_.momento()
                  .faults()
                  .AddFault({{"rpc", "DictionaryGet"}, {"error", "UNAVAILABLE"}, {"count", 1}})
                  .ok());
  cc::DictionaryGetRequest get;
  get.set_dictionary_name("d");
  get.add_fields("f");
  EXPECT_EQ(CallStatus(&cc::Scs::Stub::DictionaryGet, get).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(Call(&cc::Scs::Stub::DictionaryGet, get).has_missing());
  std::vector<Event> rpcs = ledger_.Select([](const Event& e) {
    return e.kind == kinds::kMomentoRpc && e.attrs.value("method", "") == "DictionaryGet";
  });
  ASSERT_EQ(rpcs.size(), 2u);
  EXPECT_EQ(rpcs[0].instance, kInstance);
  EXPECT_EQ(rpcs[0].attrs.value("code", ""), "UNAVAILABLE");
  EXPECT_EQ(rpcs[0].attrs.value("fault", ""), "error");
  EXPECT_EQ(rpcs[1].attrs.value("code", ""), "OK");
  EXPECT_EQ(rpcs[1].attrs.value("cache", ""), "cache");

  // momento-local's metadata names the collection RPCs as it does (`sorted-set-put`).
  cc::SortedSetPutRequest put;
  put.set_set_name("z");
  put.set_ttl_milliseconds(kMinuteMs);
  cc::SortedSetPutResponse response;
  auto context = Context();
  context->AddMetadata("return-error", "not-found");
  context->AddMetadata("error-rpcs", "sorted-set-put");
  EXPECT_EQ(scs_->SortedSetPut(context.get(), put, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace momento_collections_test
}  // namespace thaw::momento
