#include "core/duration.h"

#include <gtest/gtest.h>

namespace thaw {
namespace {

using std::chrono::milliseconds;

TEST(DurationTest, ParsesEveryUnit) {
  EXPECT_EQ(*ParseDuration("300ms"), milliseconds(300));
  EXPECT_EQ(*ParseDuration("10s"), milliseconds(10000));
  EXPECT_EQ(*ParseDuration("11m"), milliseconds(660000));
  EXPECT_EQ(*ParseDuration("2h"), milliseconds(7200000));
  EXPECT_EQ(*ParseDuration("1h30m"), milliseconds(5400000));
  EXPECT_EQ(*ParseDuration("0"), milliseconds(0));
  EXPECT_EQ(*ParseDuration("0s"), milliseconds(0));
}

TEST(DurationTest, RejectsWhatIsNotADuration) {
  for (const char* bad : {"", "10", "ten m", "5d", "-1s", "1.5s", "m"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

TEST(DurationTest, FormatsBackToParseableText) {
  EXPECT_EQ(FormatDuration(milliseconds(660000)), "11m");
  EXPECT_EQ(FormatDuration(milliseconds(90500)), "1m30s500ms");
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(*ParseDuration(FormatDuration(milliseconds(3723004))), milliseconds(3723004));
}

}  // namespace
}  // namespace thaw
