// A user's test, built against the installed thaw::testing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <thaw/testing/emulator.h>
#include <thaw/testing/emulator_fixture.h>
#include <thaw/testing/matchers.h>

namespace {

using ::testing::ElementsAre;
using thaw::testing::EmulatorFixture;
using thaw::testing::Succeeded;

class ConsumerTest : public EmulatorFixture {
 protected:
  std::string Config() const override {
    return "functions:\n  mine: {runtime: provided.al2023, handler: h, code: \"" FUNCTION_DIR
           "\"}\n";
  }
};

TEST_F(ConsumerTest, RunsItsOwnFunctionThroughTheInstalledPackage) {
  for (int i = 0; i < 2; ++i) {
    const auto result = emu().Invoke("mine", R"({"n":1})");
    ASSERT_THAT(result, Succeeded());
    EXPECT_EQ(result.Json()["got"]["n"], 1);
  }
  EXPECT_EQ(emu().ColdStarts("mine"), 1);
  EXPECT_THAT(emu().MomentoConnectionsPerInstance("mine"), ElementsAre(0));
}

}  // namespace
