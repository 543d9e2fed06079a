#include <gtest/gtest.h>

#include "core/aws_error.h"
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
      LambdaErrorBody(AwsError("ResourceNotFoundException", "Function not found: x", 404)));
  EXPECT_EQ(body["Type"], "User");
  EXPECT_EQ(body["Message"], "Function not found: x");
  EXPECT_FALSE(body.contains("Reason"));
}

TEST(AwsErrorTest, ThrottleBodyHasReasonAndLowerCaseMessage) {
  const auto body = nlohmann::json::parse(
      LambdaErrorBody(AwsThrottle("Rate Exceeded.", "ConcurrentInvocationLimitExceeded")));
  EXPECT_EQ(body["Reason"], "ConcurrentInvocationLimitExceeded");
  EXPECT_EQ(body["Type"], "User");
  EXPECT_EQ(body["message"], "Rate Exceeded.");
}

TEST(AwsErrorTest, StatusCarriesTypeHttpStatusAndReason) {
  const absl::Status throttle =
      AwsThrottle("Rate Exceeded.", "ReservedFunctionConcurrentInvocationLimitExceeded");
  EXPECT_EQ(AwsErrorType(throttle), "TooManyRequestsException");
  EXPECT_EQ(AwsHttpStatus(throttle), 429u);
  EXPECT_EQ(AwsErrorReason(throttle), "ReservedFunctionConcurrentInvocationLimitExceeded");
  EXPECT_EQ(throttle.code(), absl::StatusCode::kResourceExhausted);
  const absl::Status plain = AwsError("ParameterNotFound", "no such parameter");
  EXPECT_EQ(AwsHttpStatus(plain), 400u);
  EXPECT_EQ(plain.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(AwsErrorType(absl::InternalError("boom")), "InternalFailure");
  EXPECT_EQ(AwsHttpStatus(absl::InternalError("boom")), 500u);
  const auto service = nlohmann::json::parse(
      LambdaErrorBody(AwsError("ServiceException", "thaw is shutting down", 503)));
  EXPECT_EQ(service["Type"], "Service");
}

}  // namespace
}  // namespace thaw
