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

// Found while writing the runtime_api fuzzer: the check was a std::regex, which matches recursively
// (a stack frame per character), and a header of 30,000 letters (the Runtime API takes 64 KiB
// headers) crashed thaw with a stack overflow.
TEST(NormalizeErrorTypeTest, TakesTheLongestHeaderTheRuntimeApiReads) {
  const std::string letters(64 * 1024 - 16, 'a');
  EXPECT_EQ(NormalizeErrorType("Function.A" + letters), "Function.A" + letters);
  EXPECT_EQ(NormalizeErrorType("Runtime.A" + letters + "1"), "Runtime.Unknown");
  EXPECT_EQ(NormalizeErrorType("Function.A" + letters + "!"), "Function.Unknown");
}

TEST(NormalizeErrorTypeTest, OneLetterAfterTheDotIsNotAName) {
  EXPECT_EQ(NormalizeErrorType("Runtime.E"), "Runtime.Unknown");
  EXPECT_EQ(NormalizeErrorType("Function.E"), "Function.Unknown");
  EXPECT_EQ(NormalizeErrorType("Function.Ab"), "Function.Ab");
  EXPECT_EQ(NormalizeErrorType("Runtime.Ab"), "Runtime.Ab");
  EXPECT_EQ(NormalizeErrorType("runtime.Ab"), "Runtime.Unknown");
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
