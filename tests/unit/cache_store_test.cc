#include "fakes/momento/cache_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/momento/momento_status.h"
#include "fakes/momento/value_hash.h"

namespace thaw::momento {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::Optional;

class CacheStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(store_.CreateCache("c").ok()); }

  std::optional<std::string> GetValue(const std::string& key) {
    auto value = store_.Get("c", key);
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? *value : std::nullopt;
  }

  static CacheLimits SmallItems() {
    CacheLimits limits;
    limits.max_item_bytes = 64;
    return limits;
  }

  SchedulerClock clock_;
  CacheStore store_{clock_, SmallItems()};
};

TEST_F(CacheStoreTest, SetThenGetHitsAndUnknownKeyMisses) {
  ASSERT_TRUE(store_.Set("c", "k", "v", minutes(1)).ok());
  EXPECT_THAT(GetValue("k"), Optional(std::string("v")));
  EXPECT_EQ(GetValue("other"), std::nullopt);
}

TEST_F(CacheStoreTest, ItemsExpireWhenTheSchedulerClockAdvancesPastTheirTtl) {
  ASSERT_TRUE(store_.Set("c", "k", "v", seconds(10)).ok());
  clock_.Advance(seconds(9));
  EXPECT_TRUE(GetValue("k").has_value());
  clock_.Advance(seconds(1));
  EXPECT_EQ(GetValue("k"), std::nullopt);
  EXPECT_THAT(*store_.KeysExist("c", {"k"}), ElementsAre(false));
}

TEST_F(CacheStoreTest, ItemGetTtlCountsDownOnTheSchedulerClock) {
  ASSERT_TRUE(store_.Set("c", "k", "v", seconds(60)).ok());
  clock_.Advance(seconds(20));
  auto ttl = store_.ItemGetTtl("c", "k");
  ASSERT_TRUE(ttl.ok());
  ASSERT_TRUE(ttl->has_value());
  EXPECT_LE(**ttl, seconds(40));
  EXPECT_GT(**ttl, seconds(39));
  EXPECT_EQ(*store_.ItemGetTtl("c", "missing"), std::nullopt);
}

TEST_F(CacheStoreTest, UnknownCacheIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(store_.Get("nope", "k").status()));
  EXPECT_TRUE(absl::IsNotFound(store_.Set("nope", "k", "v", seconds(1))));
  EXPECT_TRUE(absl::IsNotFound(store_.Delete("nope", "k")));
  EXPECT_TRUE(absl::IsNotFound(store_.Increment("nope", "k", 1, seconds(1)).status()));
  EXPECT_TRUE(absl::IsNotFound(store_.DeleteCache("nope")));
  EXPECT_TRUE(absl::IsNotFound(store_.FlushCache("nope")));
}

TEST_F(CacheStoreTest, CreateListFlushDeleteCaches) {
  EXPECT_TRUE(absl::IsAlreadyExists(store_.CreateCache("c")));
  ASSERT_TRUE(store_.CreateCache("a").ok());
  EXPECT_THAT(store_.ListCaches(), ElementsAre("a", "c"));
  ASSERT_TRUE(store_.Set("c", "k", "v", seconds(1)).ok());
  ASSERT_TRUE(store_.FlushCache("c").ok());
  EXPECT_EQ(GetValue("k"), std::nullopt);
  ASSERT_TRUE(store_.DeleteCache("a").ok());
  EXPECT_THAT(store_.ListCaches(), ElementsAre("c"));
}

TEST_F(CacheStoreTest, DeleteRemovesAndMissingKeyIsFine) {
  ASSERT_TRUE(store_.Set("c", "k", "v", seconds(1)).ok());
  EXPECT_TRUE(store_.Delete("c", "k").ok());
  EXPECT_TRUE(store_.Delete("c", "k").ok());
  EXPECT_EQ(GetValue("k"), std::nullopt);
}

struct SetIfCase {
  SetCondition::Kind kind;
  bool stores_when_absent;
  bool stores_when_equal;
  bool stores_when_different;
  // SetIfHash's kinds compare ValueHash("same"), not "same".
  bool hashed = false;
};

class SetIfTest : public CacheStoreTest, public ::testing::WithParamInterface<SetIfCase> {};

TEST_P(SetIfTest, StoresExactlyWhenTheConditionHolds) {
  const SetIfCase c = GetParam();
  const SetCondition condition{c.kind, c.hashed ? ValueHash("same") : "same"};
  EXPECT_EQ(*store_.SetIf("c", "absent", "new", seconds(1), condition), c.stores_when_absent);
  ASSERT_TRUE(store_.Set("c", "equal", "same", seconds(1)).ok());
  EXPECT_EQ(*store_.SetIf("c", "equal", "new", seconds(1), condition), c.stores_when_equal);
  ASSERT_TRUE(store_.Set("c", "different", "other", seconds(1)).ok());
  EXPECT_EQ(*store_.SetIf("c", "different", "new", seconds(1), condition), c.stores_when_different);
  EXPECT_EQ(GetValue("equal"), c.stores_when_equal ? "new" : "same");
}

using K = SetCondition::Kind;
INSTANTIATE_TEST_SUITE_P(Conditions, SetIfTest,
                         ::testing::Values(SetIfCase{K::kPresent, false, true, true},
                                           SetIfCase{K::kPresentAndNotEqual, false, false, true},
                                           SetIfCase{K::kAbsent, true, false, false},
                                           SetIfCase{K::kEqual, false, true, false},
                                           SetIfCase{K::kAbsentOrEqual, true, true, false},
                                           SetIfCase{K::kNotEqual, true, false, true}));
INSTANTIATE_TEST_SUITE_P(
    HashConditions, SetIfTest,
    ::testing::Values(SetIfCase{K::kPresentAndHashEqual, false, true, false, true},
                      SetIfCase{K::kPresentAndNotHashEqual, false, false, true, true},
                      SetIfCase{K::kAbsentOrHashEqual, true, true, false, true},
                      SetIfCase{K::kAbsentOrNotHashEqual, true, false, true, true},
                      SetIfCase{K::kUnconditional, true, true, true, true}));

TEST(ValueHashTest, IsTheHexSha256OfTheValue) {
  EXPECT_EQ(ValueHash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ValueHash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(CacheStoreTest, AnExpiredItemCountsAsAbsentForSetIf) {
  ASSERT_TRUE(store_.Set("c", "k", "old", seconds(1)).ok());
  clock_.Advance(seconds(2));
  EXPECT_TRUE(*store_.SetIf("c", "k", "new", seconds(1), SetCondition{K::kAbsent, ""}));
}

TEST_F(CacheStoreTest, IncrementCountsFromZeroAndStoresDecimalText) {
  EXPECT_EQ(*store_.Increment("c", "n", 5, seconds(1)), 5);
  EXPECT_EQ(*store_.Increment("c", "n", -7, seconds(1)), -2);
  EXPECT_THAT(GetValue("n"), Optional(std::string("-2")));
  ASSERT_TRUE(store_.Set("c", "m", "41", seconds(1)).ok());
  EXPECT_EQ(*store_.Increment("c", "m", 1, seconds(1)), 42);
}

TEST_F(CacheStoreTest, IncrementOfANonIntegerIsFailedPrecondition) {
  ASSERT_TRUE(store_.Set("c", "k", "abc", seconds(1)).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(store_.Increment("c", "k", 1, seconds(1)).status()));
  ASSERT_TRUE(store_.Set("c", "k", "9223372036854775807", seconds(1)).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(store_.Increment("c", "k", 1, seconds(1)).status()));
  EXPECT_THAT(GetValue("k"), Optional(std::string("9223372036854775807")));
}

TEST_F(CacheStoreTest, ItemsOverTheSizeLimitAreResourceExhaustedWithTheErrPayload) {
  const absl::Status status = store_.Set("c", "k", std::string(64, 'x'), seconds(1));
  EXPECT_TRUE(absl::IsResourceExhausted(status));
  EXPECT_THAT(ErrTrailer(status), Optional(std::string(kErrItemSizeLimitExceeded)));
  EXPECT_TRUE(store_.Set("c", "k", std::string(63, 'x'), seconds(1)).ok());
  EXPECT_TRUE(absl::IsResourceExhausted(
      store_.SetIf("c", "j", std::string(100, 'x'), seconds(1), SetCondition{}).status()));
}

TEST_F(CacheStoreTest, ZeroTtlIsInvalid) {
  EXPECT_TRUE(absl::IsInvalidArgument(store_.Set("c", "k", "v", milliseconds(0))));
}

TEST_F(CacheStoreTest, UpdateTtlIncreasesDecreasesOrOverwrites) {
  ASSERT_TRUE(store_.Set("c", "k", "v", seconds(60)).ok());
  EXPECT_EQ(*store_.UpdateTtl("c", "k", TtlUpdate::kIncreaseTo, seconds(30)),
            TtlUpdateResult::kNotSet);
  EXPECT_EQ(*store_.UpdateTtl("c", "k", TtlUpdate::kDecreaseTo, seconds(90)),
            TtlUpdateResult::kNotSet);
  EXPECT_EQ(*store_.UpdateTtl("c", "k", TtlUpdate::kIncreaseTo, seconds(120)),
            TtlUpdateResult::kSet);
  EXPECT_EQ(*store_.UpdateTtl("c", "k", TtlUpdate::kDecreaseTo, seconds(10)),
            TtlUpdateResult::kSet);
  clock_.Advance(seconds(11));
  EXPECT_EQ(GetValue("k"), std::nullopt);
  EXPECT_EQ(*store_.UpdateTtl("c", "k", TtlUpdate::kOverwriteTo, seconds(10)),
            TtlUpdateResult::kMissing);
  ASSERT_TRUE(store_.Set("c", "k", "v", seconds(5)).ok());
  EXPECT_EQ(*store_.UpdateTtl("c", "k", TtlUpdate::kOverwriteTo, minutes(10)),
            TtlUpdateResult::kSet);
  clock_.Advance(minutes(9));
  EXPECT_TRUE(GetValue("k").has_value());
}

}  // namespace
}  // namespace thaw::momento
