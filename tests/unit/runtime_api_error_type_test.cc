#include <gtest/gtest.h>

#include "emulator/control/aws_error.h"
#include "emulator/control/runtime_api.h"
#include "nlohmann/json.hpp"

namespace thaw {
namespace {

TEST(NormalizeErrorTypeTest, KeepsValidTypes) {
  EXPECT_EQ(NormalizeErrorType("Runtime.ExitError"), "Runtime.ExitError");
  EXPECT_EQ(NormalizeErrorType("Function.TestError"), "Function.TestError");
}

TEST(NormalizeErrorTypeTest, MapsInvalidTypesLikeRie) {
  EXPECT_EQ(NormalizeErrorType("Function.bad"), "Function.Unknown");
  EXPECT_EQ(NormalizeErrorType("Function."), "Function.Unknown");
  EXPECT_EQ(NormalizeErrorType("Unhandled"), "Runtime.Unknown");
  EXPECT_EQ(NormalizeErrorType(""), "Runtime.Unknown");
}

TEST(AwsErrorTest, BodyHasTypeAndMessage) {
  const auto body = nlohmann::json::parse(
      AwsError(404, "ResourceNotFoundException", "Function not found: x").Body());
  EXPECT_EQ(body["Type"], "User");
  EXPECT_EQ(body["Message"], "Function not found: x");
  EXPECT_FALSE(body.contains("Reason"));
}

TEST(AwsErrorTest, ThrottleBodyHasReasonAndLowerCaseMessage) {
  const auto body = nlohmann::json::parse(
      AwsError(429, "TooManyRequestsException", "Rate Exceeded.",
               "ConcurrentInvocationLimitExceeded")
          .Body());
  EXPECT_EQ(body["Reason"], "ConcurrentInvocationLimitExceeded");
  EXPECT_EQ(body["Type"], "User");
  EXPECT_EQ(body["message"], "Rate Exceeded.");
}

}  // namespace
}  // namespace thaw
