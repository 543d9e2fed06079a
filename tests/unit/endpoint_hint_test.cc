// RealEndpointHint: the errors an SDK that ignores thaw's endpoint variables gives outside a
// sandbox, and nothing for other failures.
#include "emulator/control/endpoint_hint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace thaw {
namespace {

using ::testing::HasSubstr;

TEST(EndpointHintTest, NamesTheHostForTheSdksOwnErrors) {
  // aws-sdk v2 offline, the AWS SDK for JS v3 / Node.js, botocore, and real AWS refusing thaw's
  // credentials.
  const std::vector<std::string> errors = {
      R"j({"errorType":"UnknownEndpoint","errorMessage":"Inaccessible host: `secretsmanager.us-east-1.amazonaws.com' at port `undefined'."})j",
      R"j({"errorType":"Error","errorMessage":"getaddrinfo ENOTFOUND secretsmanager.us-east-1.amazonaws.com"})j",
      R"j({"errorType":"EndpointConnectionError","errorMessage":"Could not connect to the endpoint URL: \"https://secretsmanager.eu-west-1.amazonaws.com/\""})j",
      R"j({"errorType":"UnrecognizedClientException","errorMessage":"The security token included in the request is invalid. (ssm.us-east-1.amazonaws.com)"})j",
      R"j({"errorType":"Error","errorMessage":"14 UNAVAILABLE: Name resolution failed for target dns:cache.cell-4-us-west-2-1.prod.a.momentohq.com"})j",
  };
  for (const std::string& error : errors) {
    const std::optional<std::string> hint = RealEndpointHint(error);
    ASSERT_TRUE(hint.has_value()) << error;
    EXPECT_THAT(*hint, HasSubstr("isolation: sandbox"));
  }
  EXPECT_THAT(*RealEndpointHint("getaddrinfo EAI_AGAIN ssm.us-east-1.amazonaws.com"),
              HasSubstr("ssm.us-east-1.amazonaws.com"));
}

TEST(EndpointHintTest, SaysNothingForOtherFailures) {
  EXPECT_FALSE(RealEndpointHint(R"({"errorType":"Error","errorMessage":"boom"})").has_value());
  EXPECT_FALSE(RealEndpointHint(R"({"errorType":"ResourceNotFoundException","errorMessage":)"
                                R"("Secrets Manager can't find the specified secret."})")
                   .has_value());
  EXPECT_FALSE(RealEndpointHint("getaddrinfo ENOTFOUND db.internal.example").has_value());
}

}  // namespace
}  // namespace thaw
