// A user's test, built against the installed thaw::testing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <thaw/testing/emulator.h>
#include <thaw/testing/matchers.h>

namespace {

using ::testing::ElementsAre;
using thaw::testing::Emulator;
using thaw::testing::Succeeded;

TEST(ConsumerTest, RunsItsOwnFunctionThroughTheInstalledPackage) {
  auto emu = Emulator::Start(
      "functions:\n  mine: {runtime: provided.al2023, handler: h, code: \"" FUNCTION_DIR "\"}\n");
  ASSERT_TRUE(emu.ok()) << emu.status();
  for (int i = 0; i < 2; ++i) {
    const auto result = (*emu)->Invoke("mine", R"({"n":1})");
    ASSERT_THAT(result, Succeeded());
    EXPECT_EQ(result.Json()["got"]["n"], 1);
  }
  EXPECT_EQ((*emu)->ColdStarts("mine"), 1);
  EXPECT_THAT((*emu)->MomentoConnectionsPerInstance("mine"), ElementsAre(0));
}

}  // namespace
