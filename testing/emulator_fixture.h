#ifndef THAW_TESTING_EMULATOR_FIXTURE_H_
#define THAW_TESTING_EMULATOR_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "testing/emulator.h"

namespace thaw::testing {

// A GoogleTest fixture with one fresh Emulator per test, started from Config() (thaw.yaml
// text) and Options(); a config error fails the test in SetUp. The emulator stops in TearDown.
//
//   class CacheTest : public thaw::testing::EmulatorFixture {
//     std::string Config() const override { return "functions: ..."; }
//   };
//   TEST_F(CacheTest, Reuses) { EXPECT_THAT(emu().Invoke("fn"), Succeeded()); }
class EmulatorFixture : public ::testing::Test {
 protected:
  virtual std::string Config() const = 0;
  virtual EmulatorOptions Options() const { return EmulatorOptions(); }

  void SetUp() override {
    auto started = Emulator::Start(Config(), Options());
    ASSERT_TRUE(started.ok()) << started.status();
    emu_ = *std::move(started);
  }
  void TearDown() override { emu_.reset(); }

  // Valid between SetUp and TearDown.
  Emulator& emu() { return *emu_; }

 private:
  std::unique_ptr<Emulator> emu_;
};

}  // namespace thaw::testing

#endif  // THAW_TESTING_EMULATOR_FIXTURE_H_
