// The checks every loader shares (emulator/config/function_checks.h), where a loader's own
// tests do not reach them.
#include "emulator/config/function_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace thaw {
namespace {

using ::testing::HasSubstr;

TEST(ApplyLayerTest, TheParametersAndSecretsLayerTurnsTheExtensionOnOnce) {
  FunctionConfig fn;
  const std::string arn =
      "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:11";
  EXPECT_EQ(ApplyLayer(arn, fn), std::nullopt);
  EXPECT_EQ(ApplyLayer(arn, fn), std::nullopt);
  EXPECT_EQ(fn.extensions, std::vector<std::string>{"parameters-and-secrets"});
}

TEST(ApplyLayerTest, AnyOtherPublishedLayerIsNotAppliedAndSaysWhy) {
  FunctionConfig fn;
  const std::optional<std::string> note =
      ApplyLayer("arn:aws:lambda:us-east-1:123456789012:layer:deps:3", fn);
  ASSERT_TRUE(note.has_value());
  EXPECT_THAT(*note, HasSubstr("arn:aws:lambda:us-east-1:123456789012:layer:deps:3: not applied"));
  EXPECT_THAT(*note, HasSubstr("a published layer: thaw applies layers whose content is local"));
  EXPECT_TRUE(fn.extensions.empty());
  EXPECT_TRUE(fn.layers.empty());
}

}  // namespace
}  // namespace thaw
