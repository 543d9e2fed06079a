// CacheStore's collections: dictionaries, sets, lists, sorted sets, their TTLs and types.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/momento/cache_store.h"
#include "fakes/momento/momento_status.h"

namespace thaw::momento {
namespace {

using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;
using ::testing::Pair;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;
using Element = SortedSet::Element;

constexpr CollectionTtl kMinute{std::chrono::minutes(1), true};

template <typename T>
T Value(absl::StatusOr<T> result) {
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *std::move(result) : T{};
}

class CollectionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(store_.CreateCache("c").ok()); }

  std::optional<ItemType> TypeOf(const std::string& key) {
    return Value(store_.ItemGetType("c", key));
  }

  static CacheLimits SmallItems() {
    CacheLimits limits;
    limits.max_item_bytes = 64;
    return limits;
  }

  SchedulerClock clock_;
  CacheStore store_{clock_, SmallItems()};
};

TEST_F(CollectionStoreTest, DictionarySetGetFetchLengthAndDelete) {
  ASSERT_TRUE(store_.DictionarySet("c", "d", {{"a", "1"}, {"b", "2"}}, kMinute).ok());
  ASSERT_TRUE(store_.DictionarySet("c", "d", {{"b", "3"}}, kMinute).ok());
  EXPECT_THAT(
      Value(store_.DictionaryGet("c", "d", {"a", "x", "b"})),
      Optional(ElementsAre(Optional(std::string("1")), std::nullopt, Optional(std::string("3")))));
  EXPECT_THAT(Value(store_.DictionaryFetch("c", "d")),
              Optional(ElementsAre(Pair("a", "1"), Pair("b", "3"))));
  EXPECT_THAT(Value(store_.DictionaryLength("c", "d")), Optional(2u));
  EXPECT_EQ(TypeOf("d"), ItemType::kDictionary);

  ASSERT_TRUE(store_.DictionaryDelete("c", "d", std::vector<std::string>{"a", "zz"}).ok());
  EXPECT_THAT(Value(store_.DictionaryLength("c", "d")), Optional(1u));
  // Removing the last field removes the dictionary.
  ASSERT_TRUE(store_.DictionaryDelete("c", "d", std::vector<std::string>{"b"}).ok());
  EXPECT_EQ(Value(store_.DictionaryFetch("c", "d")), std::nullopt);
  EXPECT_EQ(TypeOf("d"), std::nullopt);

  EXPECT_EQ(Value(store_.DictionaryGet("c", "missing", {"a"})), std::nullopt);
  EXPECT_EQ(Value(store_.DictionaryLength("c", "missing")), std::nullopt);
  EXPECT_TRUE(store_.DictionaryDelete("c", "missing", std::nullopt).ok());
  ASSERT_TRUE(store_.DictionarySet("c", "d", {{"a", "1"}}, kMinute).ok());
  ASSERT_TRUE(store_.DictionaryDelete("c", "d", std::nullopt).ok());
  EXPECT_EQ(TypeOf("d"), std::nullopt);
}

TEST_F(CollectionStoreTest, DictionaryIncrementCountsAMissingFieldAsZeroAndRejectsText) {
  EXPECT_EQ(Value(store_.DictionaryIncrement("c", "d", "n", 5, kMinute)), 5);
  EXPECT_EQ(Value(store_.DictionaryIncrement("c", "d", "n", -7, kMinute)), -2);
  ASSERT_TRUE(store_.DictionarySet("c", "d", {{"t", "text"}}, kMinute).ok());
  EXPECT_EQ(store_.DictionaryIncrement("c", "d", "t", 1, kMinute).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_.DictionarySet("c", "d", {{"max", std::to_string(INT64_MAX)}}, kMinute).ok());
  EXPECT_EQ(store_.DictionaryIncrement("c", "d", "max", 1, kMinute).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(CollectionStoreTest, CollectionTtlIsSetOnCreationAndRefreshedOnlyWhenAsked) {
  ASSERT_TRUE(store_.SetAdd("c", "s", {"a"}, {seconds(10), true}).ok());
  clock_.Advance(seconds(8));
  // refresh = false: the expiry stays 10 s after creation.
  ASSERT_TRUE(store_.SetAdd("c", "s", {"b"}, {seconds(10), false}).ok());
  clock_.Advance(seconds(2));
  EXPECT_EQ(Value(store_.SetFetch("c", "s")), std::nullopt);

  ASSERT_TRUE(store_.ListConcatenate("c", "l", {"a"}, false, 0, {seconds(10), true}).ok());
  clock_.Advance(seconds(8));
  // refresh = true: 10 s from now.
  ASSERT_TRUE(store_.ListConcatenate("c", "l", {"b"}, false, 0, {seconds(10), true}).ok());
  clock_.Advance(seconds(9));
  EXPECT_THAT(Value(store_.ListLength("c", "l")), Optional(2u));
  std::optional<CacheStore::Ttl> remaining = Value(store_.ItemGetTtl("c", "l"));
  ASSERT_TRUE(remaining.has_value());
  EXPECT_GT(*remaining, std::chrono::milliseconds(900));
  EXPECT_LE(*remaining, std::chrono::milliseconds(1000));
  clock_.Advance(seconds(1));
  EXPECT_EQ(Value(store_.ListLength("c", "l")), std::nullopt);
  EXPECT_EQ(TypeOf("l"), std::nullopt);
}

TEST_F(CollectionStoreTest, EveryCollectionWriteAndReadExpiresOnTheSchedulerClock) {
  const CollectionTtl ttl{seconds(5), true};
  ASSERT_TRUE(store_.DictionarySet("c", "d", {{"f", "v"}}, ttl).ok());
  ASSERT_TRUE(store_.SetAdd("c", "s", {"e"}, ttl).ok());
  ASSERT_TRUE(store_.ListConcatenate("c", "l", {"v"}, true, 0, ttl).ok());
  ASSERT_TRUE(store_.SortedSetPut("c", "z", {{"v", 1}}, ttl).ok());
  clock_.Advance(seconds(5));
  EXPECT_EQ(Value(store_.DictionaryFetch("c", "d")), std::nullopt);
  EXPECT_EQ(Value(store_.SetLength("c", "s")), std::nullopt);
  EXPECT_EQ(Value(store_.ListFetch("c", "l", {})), std::nullopt);
  EXPECT_EQ(Value(store_.SortedSetLength("c", "z")), std::nullopt);
  EXPECT_THAT(Value(store_.KeysExist("c", {"d", "s", "l", "z"})),
              ElementsAre(false, false, false, false));
}

TEST_F(CollectionStoreTest, ATypeMismatchIsFailedPreconditionAndAScalarSetReplacesAnyType) {
  ASSERT_TRUE(store_.ListConcatenate("c", "k", {"v"}, false, 0, kMinute).ok());
  EXPECT_EQ(TypeOf("k"), ItemType::kList);
  absl::Status status = store_.DictionarySet("c", "k", {{"f", "v"}}, kMinute);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "the item is a list, not a dictionary");
  EXPECT_EQ(store_.Get("c", "k").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_.SetFetch("c", "k").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_.SortedSetPut("c", "k", {{"v", 1}}, kMinute).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_.Increment("c", "k", 1, seconds(1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // The list is unchanged by the refused writes.
  EXPECT_THAT(Value(store_.ListFetch("c", "k", {})), Optional(ElementsAre("v")));

  ASSERT_TRUE(store_.Set("c", "k", "scalar", kMinute.ttl).ok());
  EXPECT_EQ(TypeOf("k"), ItemType::kScalar);
  EXPECT_EQ(store_.ListLength("c", "k").status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_.Delete("c", "k").ok());
  ASSERT_TRUE(store_.SetAdd("c", "k", {"e"}, kMinute).ok());
  EXPECT_EQ(TypeOf("k"), ItemType::kSet);
  ASSERT_TRUE(store_.SortedSetPut("c", "z", {{"e", 1}}, kMinute).ok());
  EXPECT_EQ(TypeOf("z"), ItemType::kSortedSet);
}

TEST_F(CollectionStoreTest, CollectionsCountAgainstTheItemSizeLimit) {
  absl::Status status =
      store_.ListConcatenate("c", "l", {std::string(70, 'x')}, false, 0, kMinute).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrTrailer(status), "item_size_limit_exceeded");
  EXPECT_EQ(TypeOf("l"), std::nullopt);
  ASSERT_TRUE(store_.SetAdd("c", "s", {std::string(40, 'a')}, kMinute).ok());
  EXPECT_EQ(store_.SetAdd("c", "s", {std::string(40, 'b')}, kMinute).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Value(store_.SetLength("c", "s")), Optional(1u));
}

TEST_F(CollectionStoreTest, CollectionWritesNeedAPositiveTtlAndAnExistingCache) {
  EXPECT_EQ(store_.SetAdd("c", "s", {"a"}, {seconds(0), true}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_.SetAdd("nope", "s", {"a"}, kMinute).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_.DictionaryFetch("nope", "d").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(CollectionStoreTest, SetsAddContainRemoveAndDisappearWhenEmpty) {
  ASSERT_TRUE(store_.SetAdd("c", "s", {"b", "a", "b"}, kMinute).ok());
  EXPECT_THAT(Value(store_.SetFetch("c", "s")), Optional(ElementsAre("a", "b")));
  EXPECT_THAT(Value(store_.SetContains("c", "s", {"a", "z"})), Optional(ElementsAre(true, false)));
  EXPECT_THAT(Value(store_.SetLength("c", "s")), Optional(2u));
  EXPECT_THAT(Value(store_.SetRemove("c", "s", std::vector<std::string>{"a", "z"})), true);
  EXPECT_THAT(Value(store_.SetFetch("c", "s")), Optional(ElementsAre("b")));
  EXPECT_THAT(Value(store_.SetRemove("c", "s", std::vector<std::string>{"b"})), true);
  EXPECT_EQ(TypeOf("s"), std::nullopt);
  EXPECT_THAT(Value(store_.SetRemove("c", "s", std::nullopt)), false);
  EXPECT_EQ(Value(store_.SetContains("c", "s", {"a"})), std::nullopt);
  // Adding nothing creates nothing.
  ASSERT_TRUE(store_.SetAdd("c", "s", {}, kMinute).ok());
  EXPECT_EQ(TypeOf("s"), std::nullopt);
}

TEST_F(CollectionStoreTest, SetSampleAndPopTakeDistinctElementsUpToTheLimit) {
  const std::vector<std::string> all = {"a", "b", "c", "d", "e"};
  ASSERT_TRUE(store_.SetAdd("c", "s", all, kMinute).ok());
  std::optional<std::vector<std::string>> sample = Value(store_.SetSample("c", "s", 3));
  ASSERT_TRUE(sample.has_value());
  EXPECT_THAT(*sample, SizeIs(3));
  EXPECT_EQ(std::set<std::string>(sample->begin(), sample->end()).size(), 3u);
  EXPECT_THAT(Value(store_.SetSample("c", "s", 99)), Optional(UnorderedElementsAreArray(all)));
  EXPECT_THAT(Value(store_.SetSample("c", "s", 0)), Optional(IsEmpty()));
  EXPECT_EQ(Value(store_.SetSample("c", "missing", 1)), std::nullopt);

  std::optional<std::vector<std::string>> popped = Value(store_.SetPop("c", "s", 2));
  ASSERT_TRUE(popped.has_value());
  EXPECT_THAT(*popped, SizeIs(2));
  EXPECT_THAT(Value(store_.SetLength("c", "s")), Optional(3u));
  EXPECT_THAT(Value(store_.SetPop("c", "s", 10)), Optional(SizeIs(3)));
  EXPECT_EQ(TypeOf("s"), std::nullopt);
  EXPECT_EQ(Value(store_.SetPop("c", "s", 1)), std::nullopt);
}

TEST_F(CollectionStoreTest, ListConcatenateKeepsTheGivenOrderAndTruncatesTheOtherEnd) {
  EXPECT_EQ(Value(store_.ListConcatenate("c", "l", {"c", "d"}, false, 0, kMinute)), 2u);
  EXPECT_EQ(Value(store_.ListConcatenate("c", "l", {"a", "b"}, true, 0, kMinute)), 4u);
  EXPECT_THAT(Value(store_.ListFetch("c", "l", {})), Optional(ElementsAre("a", "b", "c", "d")));
  // Back push, truncate the front to 3.
  EXPECT_EQ(Value(store_.ListConcatenate("c", "l", {"e"}, false, 3, kMinute)), 3u);
  EXPECT_THAT(Value(store_.ListFetch("c", "l", {})), Optional(ElementsAre("c", "d", "e")));
  // Front push, truncate the back to 2.
  EXPECT_EQ(Value(store_.ListConcatenate("c", "l", {"x"}, true, 2, kMinute)), 2u);
  EXPECT_THAT(Value(store_.ListFetch("c", "l", {})), Optional(ElementsAre("x", "c")));
}

TEST_F(CollectionStoreTest, ListFetchAndRetainTakeNegativeIndexesAndClamp) {
  ASSERT_TRUE(store_.ListConcatenate("c", "l", {"a", "b", "c", "d", "e"}, false, 0, kMinute).ok());
  EXPECT_THAT(Value(store_.ListFetch("c", "l", {1, 3})), Optional(ElementsAre("b", "c")));
  EXPECT_THAT(Value(store_.ListFetch("c", "l", {-2, {}})), Optional(ElementsAre("d", "e")));
  EXPECT_THAT(Value(store_.ListFetch("c", "l", {{}, -3})), Optional(ElementsAre("a", "b")));
  EXPECT_THAT(Value(store_.ListFetch("c", "l", {3, 1})), Optional(IsEmpty()));
  EXPECT_THAT(Value(store_.ListFetch("c", "l", {-100, 100})), Optional(SizeIs(5)));
  EXPECT_THAT(Value(store_.ListRetain("c", "l", {1, -1}, kMinute)), Optional(3u));
  EXPECT_THAT(Value(store_.ListFetch("c", "l", {})), Optional(ElementsAre("b", "c", "d")));
  // Retaining nothing removes the list.
  EXPECT_THAT(Value(store_.ListRetain("c", "l", {2, 2}, kMinute)), Optional(0u));
  EXPECT_EQ(TypeOf("l"), std::nullopt);
  EXPECT_EQ(Value(store_.ListRetain("c", "l", {}, kMinute)), std::nullopt);
}

TEST_F(CollectionStoreTest, ListPopAndRemoveValue) {
  ASSERT_TRUE(store_.ListConcatenate("c", "l", {"a", "b", "a", "c"}, false, 0, kMinute).ok());
  EXPECT_THAT(Value(store_.ListPop("c", "l", true)), Optional(Pair("a", 3u)));
  EXPECT_THAT(Value(store_.ListPop("c", "l", false)), Optional(Pair("c", 2u)));
  ASSERT_TRUE(store_.ListConcatenate("c", "l", {"b"}, false, 0, kMinute).ok());
  EXPECT_THAT(Value(store_.ListRemoveValue("c", "l", "b")), Optional(1u));
  EXPECT_THAT(Value(store_.ListRemoveValue("c", "l", "zz")), Optional(1u));
  EXPECT_THAT(Value(store_.ListPop("c", "l", false)), Optional(Pair("a", 0u)));
  EXPECT_EQ(TypeOf("l"), std::nullopt);
  EXPECT_EQ(Value(store_.ListPop("c", "l", true)), std::nullopt);
  EXPECT_EQ(Value(store_.ListRemoveValue("c", "l", "a")), std::nullopt);
}

TEST_F(CollectionStoreTest, SortedSetsFetchRankScoreAndRemove) {
  ASSERT_TRUE(store_.SortedSetPut("c", "z", {{"b", 1}, {"a", 1}, {"c", 0.5}}, kMinute).ok());
  EXPECT_THAT(Value(store_.SortedSetFetchByRank("c", "z", {}, false)),
              Optional(ElementsAre(Element("c", 0.5), Element("a", 1), Element("b", 1))));
  EXPECT_THAT(Value(store_.SortedSetFetchByScore("c", "z", ScoreBound{1, false}, {}, true, 0, -1)),
              Optional(ElementsAre(Element("b", 1), Element("a", 1))));
  EXPECT_THAT(Value(store_.SortedSetGetScores("c", "z", {"a", "x"})),
              Optional(ElementsAre(Optional(1.0), std::nullopt)));
  EXPECT_THAT(Value(store_.SortedSetGetRank("c", "z", "b", true)), Optional(Optional(0u)));
  EXPECT_THAT(Value(store_.SortedSetGetRank("c", "z", "x", false)), Optional(std::nullopt));
  EXPECT_EQ(Value(store_.SortedSetGetRank("c", "missing", "x", false)), std::nullopt);
  EXPECT_EQ(Value(store_.SortedSetIncrement("c", "z", "c", 2, kMinute)), 2.5);
  EXPECT_THAT(Value(store_.SortedSetLengthByScore("c", "z", ScoreBound{1, true}, {})),
              Optional(1u));
  ASSERT_TRUE(store_.SortedSetRemove("c", "z", std::vector<std::string>{"a", "b"}).ok());
  EXPECT_THAT(Value(store_.SortedSetLength("c", "z")), Optional(1u));
  ASSERT_TRUE(store_.SortedSetRemove("c", "z", std::nullopt).ok());
  EXPECT_EQ(TypeOf("z"), std::nullopt);
}

TEST_F(CollectionStoreTest, SortedSetUnionStoreWeighsAggregatesAndReplacesTheDestination) {
  ASSERT_TRUE(store_.SortedSetPut("c", "x", {{"a", 1}, {"b", 2}}, kMinute).ok());
  ASSERT_TRUE(store_.SortedSetPut("c", "y", {{"b", 3}, {"c", 4}}, kMinute).ok());
  ASSERT_TRUE(store_.Set("c", "dest", "scalar", kMinute.ttl).ok());
  EXPECT_EQ(Value(store_.SortedSetUnionStore("c", "dest", {{"x", 1}, {"y", 2}, {"none", 1}},
                                             ScoreAggregate::kSum, seconds(5))),
            3u);
  EXPECT_THAT(Value(store_.SortedSetFetchByRank("c", "dest", {}, false)),
              Optional(ElementsAre(Element("a", 1), Element("b", 8), Element("c", 8))));
  EXPECT_EQ(Value(store_.SortedSetUnionStore("c", "dest", {{"x", 1}, {"y", 1}},
                                             ScoreAggregate::kMax, seconds(5))),
            3u);
  EXPECT_THAT(Value(store_.SortedSetGetScores("c", "dest", {"b"})),
              Optional(ElementsAre(Optional(3.0))));
  EXPECT_EQ(Value(store_.SortedSetUnionStore("c", "dest", {{"x", 1}, {"y", 1}},
                                             ScoreAggregate::kMin, seconds(5))),
            3u);
  EXPECT_THAT(Value(store_.SortedSetGetScores("c", "dest", {"b"})),
              Optional(ElementsAre(Optional(2.0))));
  clock_.Advance(seconds(5));
  EXPECT_EQ(TypeOf("dest"), std::nullopt);
  // A union of nothing leaves nothing.
  ASSERT_TRUE(store_.SortedSetPut("c", "dest", {{"q", 1}}, kMinute).ok());
  EXPECT_EQ(Value(store_.SortedSetUnionStore("c", "dest", {{"none", 1}}, ScoreAggregate::kSum,
                                             seconds(5))),
            0u);
  EXPECT_EQ(TypeOf("dest"), std::nullopt);
  ASSERT_TRUE(store_.SetAdd("c", "wrong", {"e"}, kMinute).ok());
  EXPECT_EQ(
      store_.SortedSetUnionStore("c", "dest", {{"wrong", 1}}, ScoreAggregate::kSum, seconds(5))
          .status()
          .code(),
      absl::StatusCode::kFailedPrecondition);
}

// Every collection write holds each element it adds to max_element_bytes, before it changes
// anything.
TEST(CollectionElementLimitTest, EveryWriteRefusesAnElementOverTheLimitAndStoresNothing) {
  SchedulerClock clock;
  CacheLimits limits;
  limits.max_element_bytes = 4;
  CacheStore store(clock, limits);
  ASSERT_TRUE(store.CreateCache("c").ok());
  const std::string big = "12345";
  auto refused = [](const absl::Status& status) {
    EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
    EXPECT_EQ(ErrTrailer(status), std::string(kErrElementSizeLimitExceeded));
  };
  refused(store.DictionarySet("c", "d", {{"f", "ok"}, {"f2", big}}, kMinute));
  refused(store.DictionarySet("c", "d", {{big, "ok"}}, kMinute));
  refused(store.DictionaryIncrement("c", "d", big, 1, kMinute).status());
  refused(store.SetAdd("c", "s", {"ok", big}, kMinute));
  refused(store.ListConcatenate("c", "l", {"ok", big}, /*front=*/false, 0, kMinute).status());
  refused(store.SortedSetPut("c", "z", {Element{"ok", 1}, Element{big, 2}}, kMinute));
  refused(store.SortedSetIncrement("c", "z", big, 1, kMinute).status());
  for (const char* key : {"d", "s", "l", "z"}) {
    EXPECT_EQ(Value(store.ItemGetType("c", key)), std::nullopt) << key;
  }
  // At the limit is fine.
  EXPECT_TRUE(store.SetAdd("c", "s", {"1234"}, kMinute).ok());
}

}  // namespace
}  // namespace thaw::momento
