#include "report/time_scale.h"

#include <gtest/gtest.h>

namespace thaw::report {
namespace {

TEST(TimeScaleTest, EmptyAndSinglePointDoNotDivideByZero) {
  const TimeScale empty = TimeScale::Fit({}, 100);
  EXPECT_EQ(empty.X(0), 0);
  const TimeScale one = TimeScale::Fit({5, 5}, 100);
  EXPECT_EQ(one.X(5), 0);
  EXPECT_TRUE(one.breaks().empty());
}

TEST(TimeScaleTest, ShortRunsAreLinear) {
  const TimeScale scale = TimeScale::Fit({0, 250, 100, 500}, 1000);
  EXPECT_TRUE(scale.breaks().empty());
  EXPECT_DOUBLE_EQ(scale.X(0), 0);
  EXPECT_DOUBLE_EQ(scale.X(250), 500);
  EXPECT_DOUBLE_EQ(scale.X(500), 1000);
  EXPECT_DOUBLE_EQ(scale.MsAt(500), 250);
  // Clamped outside the fitted times.
  EXPECT_DOUBLE_EQ(scale.X(-10), 0);
  EXPECT_DOUBLE_EQ(scale.X(900), 1000);
}

TEST(TimeScaleTest, EventOrderKeepsShortStepsVisible) {
  // An 80 ms init, then two invokes of 0.2 ms.
  const TimeScale scale = TimeScale::Fit({0, 80, 80.2, 80.4, 80.6}, 400, /*event_share=*/0.5);
  // Each of the 4 gaps gets 50 px from event order, plus its share of real time.
  EXPECT_GE(scale.X(80.2) - scale.X(80), 50);
  EXPECT_NEAR(scale.X(80) - scale.X(0), 50 + 200 * 80 / 80.6, 1e-9);
  EXPECT_DOUBLE_EQ(scale.X(80.6), 400);
  EXPECT_NEAR(scale.MsAt(scale.X(80.3)), 80.3, 1e-9);
}

TEST(TimeScaleTest, SimultaneousEventsFallBackToEventOrder) {
  const TimeScale scale = TimeScale::Fit({7, 7, 7}, 100, 0);
  EXPECT_DOUBLE_EQ(scale.X(7), 0);
}

TEST(TimeScaleTest, ALongQuietGapIsCompressedAndLabelled) {
  // Two bursts of activity 10 minutes apart, each 20 s long in 200 ms steps.
  std::vector<double> times;
  for (double t = 0; t <= 20'000; t += 200) times.push_back(t);
  for (double t = 620'000; t <= 640'000; t += 200) times.push_back(t);
  const TimeScale scale = TimeScale::Fit(times, 1000);
  ASSERT_EQ(scale.breaks().size(), 1u);
  const TimeScale::Break& b = scale.breaks()[0];
  EXPECT_EQ(b.from_ms, 20'000);
  EXPECT_EQ(b.to_ms, 620'000);
  // The break takes at most about a tenth of the width; each burst keeps most of the rest.
  EXPECT_LE(b.x_to - b.x_from, 1000 / 10 + 1);
  EXPECT_GT(scale.X(20'000), 400);
  EXPECT_NEAR(scale.X(640'000), 1000, 1e-6);
  // Monotonic through the break.
  EXPECT_LT(scale.X(20'000), scale.X(300'000));
  EXPECT_LT(scale.X(300'000), scale.X(620'000));
}

TEST(TimeScaleTest, GapsUnderTheMinimumCapAreNeverCompressed) {
  const TimeScale scale = TimeScale::Fit({0, 1, 2, 900}, 900);
  EXPECT_TRUE(scale.breaks().empty());
  EXPECT_DOUBLE_EQ(scale.X(900), 900);
}

}  // namespace
}  // namespace thaw::report
