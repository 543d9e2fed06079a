#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/aws_error.h"
#include "fakes/aws/iam_evaluator.h"

namespace thaw::aws {
namespace {

using Decision = IamEvaluator::Decision;
using ::testing::HasSubstr;

constexpr char kArn[] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/momento-AbCdEf";

IamPolicy Policy(const char* json) {
  auto policy = ParseIamPolicy(nlohmann::json::parse(json));
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *policy : IamPolicy{};
}

TEST(WildcardMatchTest, StarAndQuestionMark) {
  EXPECT_TRUE(WildcardMatch("*", "", false));
  EXPECT_TRUE(WildcardMatch("a*c", "abbbc", false));
  EXPECT_TRUE(WildcardMatch("name-??????", "name-AbCdEf", false));
  EXPECT_FALSE(WildcardMatch("name-??????", "name-AbCdE", false));
  EXPECT_FALSE(WildcardMatch("abc", "ABC", false));
  EXPECT_TRUE(WildcardMatch("secretsmanager:get*", "secretsmanager:GetSecretValue", true));
  EXPECT_TRUE(WildcardMatch("*:*", "ssm:GetParameter", true));
  EXPECT_FALSE(WildcardMatch("a*b*c", "aXbY", false));
}

TEST(IamEvaluatorTest, AllowByExactArnAndWildcards) {
  IamEvaluator iam;
  EXPECT_EQ(iam.Evaluate(Policy(R"({"Effect":"Allow","Action":"secretsmanager:GetSecretValue",
                                    "Resource":"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/momento-AbCdEf"})"),
                         "secretsmanager:GetSecretValue", kArn),
            Decision::kAllow);
  EXPECT_EQ(iam.Evaluate(Policy(R"({"Effect":"Allow","Action":"secretsmanager:*",
                                    "Resource":"arn:aws:secretsmanager:*:*:secret:prod/momento-??????"})"),
                         "secretsmanager:GetSecretValue", kArn),
            Decision::kAllow);
  EXPECT_EQ(iam.Evaluate(Policy(R"({"Statement":[{"Effect":"Allow","Action":["ssm:GetParameter",
                                    "secretsmanager:Get*"],"Resource":["*"]}]})"),
                         "secretsmanager:GetSecretValue", kArn),
            Decision::kAllow);
}

TEST(IamEvaluatorTest, ActionsAreCaseInsensitiveResourcesAreNot) {
  IamEvaluator iam;
  EXPECT_EQ(iam.Evaluate(Policy(R"({"Effect":"Allow","Action":"SecretsManager:getsecretvalue",
                                    "Resource":"*"})"),
                         "secretsmanager:GetSecretValue", kArn),
            Decision::kAllow);
  EXPECT_EQ(iam.Evaluate(Policy(R"({"Effect":"Allow","Action":"*",
                                    "Resource":"arn:aws:secretsmanager:us-east-1:123456789012:secret:PROD/*"})"),
                         "secretsmanager:GetSecretValue", kArn),
            Decision::kImplicitDeny);
}

TEST(IamEvaluatorTest, ExplicitDenyWins) {
  IamEvaluator iam;
  IamPolicy policy = Policy(R"([{"Effect":"Allow","Action":"*","Resource":"*"},
                                {"Effect":"Deny","Action":"secretsmanager:GetSecretValue",
                                 "Resource":"arn:aws:secretsmanager:*:*:secret:prod/*"}])");
  EXPECT_EQ(iam.Evaluate(policy, "secretsmanager:GetSecretValue", kArn), Decision::kExplicitDeny);
  EXPECT_EQ(iam.Evaluate(policy, "secretsmanager:DescribeSecret", kArn), Decision::kAllow);
}

TEST(IamEvaluatorTest, NoStatementIsImplicitDeny) {
  IamEvaluator iam;
  EXPECT_EQ(iam.Evaluate({}, "secretsmanager:GetSecretValue", kArn), Decision::kImplicitDeny);
  EXPECT_EQ(iam.Evaluate(Policy(R"({"Effect":"Allow","Action":"ssm:GetParameter","Resource":"*"})"),
                         "secretsmanager:GetSecretValue", kArn),
            Decision::kImplicitDeny);
}

TEST(IamEvaluatorTest, ArnWithoutTheSuffixMatchesOnlyWhenAskedTo) {
  IamPolicy policy = Policy(R"({"Effect":"Allow","Action":"secretsmanager:GetSecretValue",
      "Resource":"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/momento"})");
  EXPECT_EQ(IamEvaluator().Evaluate(policy, "secretsmanager:GetSecretValue", kArn),
            Decision::kImplicitDeny);  // as in AWS
  IamEvaluator lenient({.match_secret_arn_without_suffix = true});
  EXPECT_EQ(lenient.Evaluate(policy, "secretsmanager:GetSecretValue", kArn), Decision::kAllow);
  EXPECT_EQ(lenient.Evaluate(policy, "secretsmanager:GetSecretValue",
                             "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/momentoX"),
            Decision::kImplicitDeny);
}

TEST(IamEvaluatorTest, AccessDeniedCarriesAwsMessage) {
  IamEvaluator iam;
  const std::string principal = AssumedRoleArn("123456789012", "fn-role", "fn");
  EXPECT_EQ(principal, "arn:aws:sts::123456789012:assumed-role/fn-role/fn");
  absl::Status status = iam.Check({}, principal, "secretsmanager:GetSecretValue", kArn);
  EXPECT_EQ(AwsErrorType(status), "AccessDeniedException");
  EXPECT_EQ(status.message(),
            "User: arn:aws:sts::123456789012:assumed-role/fn-role/fn is not authorized to "
            "perform: secretsmanager:GetSecretValue on resource: " +
                std::string(kArn) +
                " because no identity-based policy allows the secretsmanager:GetSecretValue "
                "action");
  status = iam.Check(Policy(R"({"Effect":"Deny","Action":"*","Resource":"*"})"), principal,
                     "secretsmanager:GetSecretValue", kArn);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("with an explicit deny in an identity-based policy"));
  EXPECT_TRUE(iam.Check(Policy(R"({"Effect":"Allow","Action":"*","Resource":"*"})"), principal,
                        "secretsmanager:GetSecretValue", kArn)
                  .ok());
}

TEST(IamEvaluatorTest, RefusesWhatItCannotEvaluate) {
  EXPECT_FALSE(
      ParseIamPolicy(nlohmann::json::parse(R"({"Effect":"Allow","NotAction":"x","Resource":"*"})"))
          .ok());
  EXPECT_FALSE(ParseIamPolicy(nlohmann::json::parse(
                                  R"({"Effect":"Allow","Action":"x","Resource":"*",
                                      "Condition":{}})"))
                   .ok());
  EXPECT_FALSE(ParseIamPolicy(nlohmann::json::parse(R"({"Effect":"Maybe","Action":"x",
                                                        "Resource":"*"})"))
                   .ok());
}

}  // namespace
}  // namespace thaw::aws
