// serverless.yml files read into a ThawConfig (emulator/config/serverless_config.h), over the
// real-world-shaped services in tests/unit/testdata/.
#include "emulator/config/serverless_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <set>

#include "emulator/config/thaw_config.h"

namespace thaw {
// Named as well: a unity build compiles this file with the others of its binary.
namespace serverless_config_test {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

const std::filesystem::path kData = THAW_TESTDATA_DIR;

// Matches a ThawConfig::notes with a note that contains `text`.
auto NoteHas(const std::string& text) { return Contains(HasSubstr(text)); }

TEST(ServerlessV3Test, ReadsProviderFunctionsAndVariables) {
  auto config = LoadConfigFile(kData / "serverless-v3" / "serverless.yml");
  ASSERT_TRUE(config.ok()) << config.status();
  std::set<std::string> names;
  for (const auto& [name, fn] : config->functions) names.insert(name);
  EXPECT_EQ(names, (std::set<std::string>{"orders-api-dev-getOrder", "orders-api-dev-report",
                                          "orders-webhook-dev"}));
  EXPECT_EQ(config->aliases,
            (std::map<std::string, std::string>{{"getOrder", "orders-api-dev-getOrder"},
                                                {"report", "orders-api-dev-report"},
                                                {"webhook", "orders-webhook-dev"}}));
  EXPECT_EQ(config->settings.region, "eu-west-1");

  const FunctionConfig& get = config->functions.at("orders-api-dev-getOrder");
  EXPECT_EQ(get.runtime, "nodejs20.x");
  EXPECT_EQ(get.handler, "src/orders.get");
  EXPECT_EQ(get.code, std::filesystem::absolute(kData / "serverless-v3").lexically_normal());
  EXPECT_EQ(get.memory_mb, 256);  // ${self:custom.memory.${self:provider.stage}}
  EXPECT_EQ(get.timeout_s, 10);
  EXPECT_EQ(get.reserved_concurrency, 10);
  EXPECT_EQ(get.provisioned_concurrency, 2);
  EXPECT_EQ(get.environment,
            (std::map<std::string, std::string>{{"STAGE", "dev"},
                                                {"CACHE_NAME", "orders-dev"},
                                                {"MOMENTO_SECRET_NAME", "orders-api/dev/momento"},
                                                {"REGION", "eu-west-1"}}));
  EXPECT_EQ(get.extensions, std::vector<std::string>{"parameters-and-secrets"});
  const Json statements = Json::parse(R"([
    {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
     "Resource": ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-api/dev/momento-*"]},
    {"Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters"],
     "Resource": "arn:aws:ssm:eu-west-1:*:parameter/orders-api/dev/*"}
  ])");
  EXPECT_EQ(get.iam_statements, statements) << get.iam_statements.dump(2);

  const FunctionConfig& report = config->functions.at("orders-api-dev-report");
  EXPECT_EQ(report.runtime, "python3.12");
  EXPECT_EQ(report.execution_env, "AWS_Lambda_python3.12");
  EXPECT_EQ(report.memory_mb, 512);
  EXPECT_EQ(report.timeout_s, 120);
  EXPECT_EQ(report.environment.at("STAGE"), "reporting");  // the function's over the provider's
  EXPECT_EQ(report.environment.at("CACHE_NAME"), "orders-dev");
  EXPECT_EQ(report.environment.at("LOG_LEVEL"), "INFO");
  EXPECT_TRUE(report.extensions.empty());
  EXPECT_EQ(report.iam_statements, statements);  // the provider's role

  const FunctionConfig& webhook = config->functions.at("orders-webhook-dev");
  EXPECT_EQ(webhook.memory_mb, 256);  // provider.memorySize
  EXPECT_EQ(webhook.timeout_s, 10);

  EXPECT_THAT(config->notes,
              NoteHas("serverless.yml: provider.environment.TABLE_NAME: not set: the "
                      "CloudFormation intrinsic !Ref"));
  EXPECT_THAT(config->notes, NoteHas("provider.iam.role.statements[2]: not applied"));
  // The httpApi event and the url are routes (http_routes_test.cc), no longer notes.
  EXPECT_THAT(config->notes, Not(NoteHas("functions.getOrder.events")));
  EXPECT_THAT(config->notes, Not(NoteHas("functions.webhook.url")));
  const FunctionConfig& get_order = config->functions.at("orders-api-dev-getOrder");
  ASSERT_EQ(get_order.http_routes.size(), 1u);
  EXPECT_EQ(get_order.http_routes[0].kind, HttpRouteKind::kHttpApi);
  EXPECT_EQ(get_order.http_routes[0].method, "GET");
  EXPECT_EQ(get_order.http_routes[0].path, "/orders/{id}");
  ASSERT_EQ(webhook.http_routes.size(), 1u);
  EXPECT_EQ(webhook.http_routes[0].kind, HttpRouteKind::kFunctionUrl);
  EXPECT_THAT(config->notes, NoteHas("plugins: not run"));
  EXPECT_THAT(config->notes, Not(NoteHas("logRetentionInDays")));
  EXPECT_THAT(config->notes, Not(NoteHas("architecture")));  // x86_64 is what runs
  const std::set<std::string> unique(config->notes.begin(), config->notes.end());
  EXPECT_EQ(unique.size(), config->notes.size());
}

TEST(ServerlessLegacyTest, ReadsIamRoleStatementsEnvAndNestedVariables) {
  ::setenv("THAW_TEST_SLS_REGION", "ap-southeast-2", 1);
  ::unsetenv("THAW_TEST_SLS_USER");
  auto config = LoadConfigFile(kData / "serverless-legacy" / "serverless.yml");
  ::unsetenv("THAW_TEST_SLS_REGION");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->settings.region, "ap-southeast-2");  // ${opt:region, env:..., 'us-east-1'}
  ASSERT_EQ(config->functions.count("billing-dev-charge"), 1u);
  const FunctionConfig& charge = config->functions.at("billing-dev-charge");
  EXPECT_EQ(charge.runtime, "python3.11");
  EXPECT_EQ(charge.handler, "handlers/charge.main");
  EXPECT_EQ(charge.memory_mb, 128);  // ${self:custom.settings.${self:provider.stage}.memory}
  EXPECT_EQ(charge.timeout_s, 30);
  EXPECT_EQ(charge.environment,
            (std::map<std::string, std::string>{{"STRIPE_SECRET", "billing/dev/stripe"},
                                                {"DEPLOYED_BY", "nobody"}}));
  const Json statements = Json::parse(R"([
    {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
     "Resource": "arn:aws:secretsmanager:ap-southeast-2:*:secret:billing/dev/stripe-??????"},
    {"Effect": "Allow", "Action": "ssm:GetParametersByPath", "Resource": "*"},
    {"Effect": "Allow", "Action": ["ssm:Describe*", "ssm:Get*", "ssm:List*"], "Resource": "*"}
  ])");
  EXPECT_EQ(charge.iam_statements, statements) << charge.iam_statements.dump(2);

  // serverless-iam-roles-per-function: its own statement, plus the provider's when inherited.
  const FunctionConfig& refund = config->functions.at("billing-dev-refund");
  Json with_own = statements;
  with_own.push_back(
      Json{{"Effect", "Allow"}, {"Action", "secretsmanager:PutSecretValue"}, {"Resource", "*"}});
  EXPECT_EQ(refund.iam_statements, with_own) << refund.iam_statements.dump(2);

  EXPECT_THAT(config->notes, NoteHas("provider.environment.API_TOKEN: not set: ${ssm:/billing/"
                                     "api-token} is not resolved by thaw"));
  EXPECT_THAT(config->notes, NoteHas("provider.environment.BUILD: not set: ${file(./build.json)"));
  EXPECT_THAT(config->notes, NoteHas("provider.iamRoleStatements[1].Condition: ignored"));
  EXPECT_THAT(config->notes, NoteHas("provider.iamManagedPolicies[0]: the managed policy "
                                     "AmazonSSMReadOnlyAccess is applied"));
}

class ServerlessErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("thaw-sls-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  absl::StatusOr<ThawConfig> Parse(const std::string& functions,
                                   const std::string& provider_extra = "") {
    return ParseConfig("service: svc\nprovider:\n  name: aws\n  runtime: nodejs20.x\n" +
                           provider_extra + "functions:\n" + functions,
                       "serverless.yml", dir_);
  }

  std::filesystem::path dir_;
};

TEST_F(ServerlessErrorTest, ErrorsNameTheFileLineAndKey) {
  EXPECT_THAT(Parse("  hello:\n    timeout: 10\n").status().message(),
              HasSubstr("serverless.yml:7: functions.hello.handler: required"));
  EXPECT_THAT(
      Parse("  hello:\n    handler: index.handler\n    memorySize: 64\n").status().message(),
      HasSubstr("serverless.yml:8: functions.hello.memorySize: must be between 128"));
  EXPECT_THAT(
      Parse("  hello:\n    handler: index.handler\n    runtime: ruby3.3\n").status().message(),
      HasSubstr("serverless.yml:8: functions.hello.runtime: runtime 'ruby3.3' is not "
                "supported yet"));
  EXPECT_THAT(Parse("  hello:\n    handler: index\n").status().message(),
              HasSubstr("functions.hello.handler: a nodejs20.x handler is path/file.export"));
  EXPECT_THAT(
      Parse("  hello:\n    handler: index.handler\n    image: repo/fn:latest\n").status().message(),
      HasSubstr("functions.hello.image: container image functions are not supported"));
  EXPECT_THAT(ParseConfig("service: svc\nprovider:\n  name: google\nfunctions:\n  f: {handler: "
                          "a.b}\n",
                          "serverless.yml", dir_)
                  .status()
                  .message(),
              HasSubstr("serverless.yml:3: provider.name: thaw emulates AWS Lambda only"));
}

TEST_F(ServerlessErrorTest, DefaultsAndStageFallback) {
  auto config = Parse("  hello:\n    handler: index.handler\n", "  stage: ${opt:stage}\n");
  ASSERT_TRUE(config.ok()) << config.status();
  // The Framework's defaults: 1024 MB, 6 s; no stage option, no fallback: dev, with a note.
  const FunctionConfig& fn = config->functions.at("svc-dev-hello");
  EXPECT_EQ(fn.memory_mb, 1024);
  EXPECT_EQ(fn.timeout_s, 6);
  // No role statements: the Framework's default role allows no Secrets Manager or SSM call.
  EXPECT_EQ(fn.iam_statements, Json::array());
  EXPECT_THAT(config->notes,
              NoteHas("provider.stage: ${opt:stage}: thaw takes no Framework options"));
}

}  // namespace
}  // namespace serverless_config_test
}  // namespace thaw
