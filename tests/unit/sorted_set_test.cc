#include "fakes/momento/sorted_set.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace thaw::momento {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;
using Element = SortedSet::Element;

SortedSet Leaderboard() {
  SortedSet set;
  set.Put("carol", 2);
  set.Put("bob", 1);
  set.Put("alice", 1);
  set.Put("dave", 3);
  set.Put("ab", 1);
  return set;
}

TEST(SortedSetTest, EqualScoresAreOrderedByValueBytewiseAndDescendingIsTheExactReverse) {
  SortedSet set = Leaderboard();
  EXPECT_THAT(set.ByRank({}, {}, false),
              ElementsAre(Element("ab", 1), Element("alice", 1), Element("bob", 1),
                          Element("carol", 2), Element("dave", 3)));
  EXPECT_THAT(set.ByRank({}, {}, true),
              ElementsAre(Element("dave", 3), Element("carol", 2), Element("bob", 1),
                          Element("alice", 1), Element("ab", 1)));
  EXPECT_THAT(set.Rank("alice", false), Optional(1u));
  EXPECT_THAT(set.Rank("alice", true), Optional(3u));
  EXPECT_EQ(set.Rank("zed", false), std::nullopt);
}

TEST(SortedSetTest, BytesCompareUnsigned) {
  SortedSet set;
  set.Put("\xff", 0);
  set.Put("a", 0);
  EXPECT_THAT(set.ByRank({}, {}, false), ElementsAre(Element("a", 0), Element("\xff", 0)));
}

TEST(SortedSetTest, PutMovesAnExistingValueAndIncrementStartsAtZero) {
  SortedSet set = Leaderboard();
  set.Put("dave", 0);
  EXPECT_THAT(set.ByRank(0, 1, false), ElementsAre(Element("dave", 0)));
  EXPECT_EQ(set.size(), 5u);
  EXPECT_EQ(set.Increment("erin", 2.5), 2.5);
  EXPECT_EQ(set.Increment("erin", -1), 1.5);
  EXPECT_THAT(set.Score("erin"), Optional(1.5));
  set.Remove("erin");
  set.Remove("erin");
  EXPECT_EQ(set.Score("erin"), std::nullopt);
  EXPECT_EQ(set.size(), 5u);
}

TEST(SortedSetTest, RankRangesTakeNegativeIndexesAndClamp) {
  SortedSet set = Leaderboard();
  EXPECT_THAT(set.ByRank(-2, {}, false), ElementsAre(Element("carol", 2), Element("dave", 3)));
  EXPECT_THAT(set.ByRank(1, 3, true), ElementsAre(Element("carol", 2), Element("bob", 1)));
  EXPECT_THAT(set.ByRank(3, 100, false), ElementsAre(Element("carol", 2), Element("dave", 3)));
  EXPECT_THAT(set.ByRank(3, 2, false), IsEmpty());
  EXPECT_THAT(set.ByRank(-100, 1, false), ElementsAre(Element("ab", 1)));
}

TEST(SortedSetTest, ScoreRangesHonourExclusiveBoundsOffsetAndCount) {
  SortedSet set = Leaderboard();
  EXPECT_THAT(set.ByScore(ScoreBound{1, true}, {}, false, 0, -1),
              ElementsAre(Element("carol", 2), Element("dave", 3)));
  EXPECT_THAT(set.ByScore(ScoreBound{1, false}, ScoreBound{2, false}, false, 1, 2),
              ElementsAre(Element("alice", 1), Element("bob", 1)));
  EXPECT_THAT(set.ByScore({}, ScoreBound{3, true}, true, 0, 2),
              ElementsAre(Element("carol", 2), Element("bob", 1)));
  EXPECT_EQ(set.CountByScore(ScoreBound{1, false}, ScoreBound{2, true}), 3u);
  EXPECT_EQ(set.CountByScore({}, {}), 5u);
}

}  // namespace
}  // namespace thaw::momento
