// SAM / CloudFormation templates read into a ThawConfig (emulator/config/sam_template.h), over
// the real-world-shaped templates in tests/unit/testdata/.
#include "emulator/config/sam_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "emulator/config/thaw_config.h"

namespace thaw {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using Json = nlohmann::json;

const std::filesystem::path kData = THAW_TESTDATA_DIR;

// Matches a ThawConfig::notes with a note that contains `text`.
auto NoteHas(const std::string& text) { return Contains(HasSubstr(text)); }

class SamAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = LoadConfigFile(kData / "sam" / "template.yaml");
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = *std::move(config);
  }
  ThawConfig config_;
};

TEST_F(SamAppTest, FindsTheFunctionsByNameAndLogicalId) {
  std::set<std::string> names;
  for (const auto& [name, fn] : config_.functions) names.insert(name);
  // ProdOnlyFunction's condition (IsProd: Stage == prod) is false with the default Stage.
  EXPECT_EQ(names,
            (std::set<std::string>{"orders-staging-get-order", "ReportFunction", "legacy-orders"}));
  EXPECT_EQ(config_.aliases.at("GetOrderFunction"), "orders-staging-get-order");
  EXPECT_EQ(config_.aliases.at("LegacyFunction"), "legacy-orders");
  EXPECT_FALSE(config_.aliases.count("ReportFunction"));
  EXPECT_THAT(config_.notes,
              NoteHas("Resources.ProdOnlyFunction: not created: its condition IsProd"));
}

TEST_F(SamAppTest, MergesGlobalsAndResolvesIntrinsics) {
  const FunctionConfig& fn = config_.functions.at("orders-staging-get-order");
  EXPECT_EQ(fn.runtime, "nodejs20.x");  // Globals
  EXPECT_EQ(fn.handler, "get.handler");
  EXPECT_EQ(fn.code,
            std::filesystem::absolute(kData / "sam" / "src" / "orders").lexically_normal());
  EXPECT_EQ(fn.execution_env, "AWS_Lambda_nodejs20.x");
  EXPECT_THAT(fn.executable.filename().string(), HasSubstr("node"));
  EXPECT_EQ(fn.memory_mb, 256);  // its own MemorySize over the Globals' FindInMap
  EXPECT_EQ(fn.timeout_s, 10);   // Globals
  EXPECT_EQ(fn.reserved_concurrency, 20);
  EXPECT_EQ(fn.provisioned_concurrency, 1);  // !If [IsProd, 5, 1]
  const std::map<std::string, std::string> expected = {
      {"STAGE", "staging"},
      {"LOG_LEVEL", "DEBUG"},
      {"POWERTOOLS_SERVICE_NAME", "orders"},
      {"MOMENTO_SECRET_ARN",
       "arn:aws:secretsmanager:us-east-1:123456789012:secret:staging/momento/api-key"},
      {"CACHE_NAME_PARAM", "/staging/orders/cache-name"},
      {"TABLE_NAME", "orders-staging"},
      {"TABLE_ARN", "arn:aws:dynamodb:us-east-1:123456789012:table/orders-staging"},
      {"ALLOWED_ORIGIN", "https://a.example.com"},
      {"SELF_ARN", "arn:aws:lambda:us-east-1:123456789012:function:orders-staging-get-order"},
      {"PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED", "true"},
      {"FEATURE_FLAGS", "on"},  // Fn::Or of {Condition: IsProd} and Fn::Equals
      {"DEBUG", "1"},           // !If [IsNotProd, ...]; PROD_ONLY is AWS::NoValue: not set
      {"ALARM_EMAIL", ""},      // a parameter with no Default and no override (a note)
  };
  EXPECT_EQ(fn.environment, expected);
  EXPECT_EQ(fn.extensions, std::vector<std::string>{"parameters-and-secrets"});
}

TEST_F(SamAppTest, WhatCannotBeResolvedIsNotedWithItsPath) {
  EXPECT_THAT(config_.notes,
              NoteHas("template.yaml: Resources.GetOrderFunction.Properties.Environment."
                      "Variables.QUEUE_URL: not set: GetAtt OrdersQueue.QueueUrl"));
  EXPECT_THAT(config_.notes, NoteHas("template.yaml: Parameters.AlarmEmail: no Default and no "
                                     "--parameter-overrides value: its Refs are \"\""));
  // Resources thaw does not create are noted too, each once.
  EXPECT_THAT(config_.notes,
              NoteHas("template.yaml: Resources.OrdersQueue: not created: thaw emulates Lambda "
                      "functions, Secrets Manager secrets and SSM parameters, not "
                      "AWS::SQS::Queue"));
  // Its Api event is a route (http_routes_test.cc), no longer a note.
  EXPECT_THAT(config_.notes, Not(NoteHas("Resources.GetOrderFunction.Properties.Events")));
  ASSERT_EQ(config_.functions.at("orders-staging-get-order").http_routes.size(), 1u);
  const HttpRoute& route = config_.functions.at("orders-staging-get-order").http_routes[0];
  EXPECT_EQ(route.kind, HttpRouteKind::kRestApi);
  EXPECT_EQ(route.method, "GET");
  EXPECT_EQ(route.path, "/orders/{id}");
  EXPECT_EQ(route.stage, "Prod");
  EXPECT_THAT(config_.notes,
              NoteHas("Resources.GetOrderFunction.Properties.AutoPublishAlias: not applied"));
  EXPECT_THAT(config_.notes, NoteHas("Resources.GetOrderFunction.Metadata.BuildMethod"));
  // A Globals property that is not applied is reported once, at its Globals path.
  size_t ephemeral = 0;
  for (const auto& note : config_.notes) {
    if (note.find("EphemeralStorage") != std::string::npos) {
      ++ephemeral;
      EXPECT_THAT(note, HasSubstr("Globals.Function.EphemeralStorage: not applied"));
    }
  }
  EXPECT_EQ(ephemeral, 1u);
  // Properties with no local effect say nothing.
  EXPECT_THAT(config_.notes, Not(NoteHas("Tracing")));
  EXPECT_THAT(config_.notes, Not(NoteHas("Description")));
  const std::set<std::string> unique(config_.notes.begin(), config_.notes.end());
  EXPECT_EQ(unique.size(), config_.notes.size());
}

TEST_F(SamAppTest, PoliciesBecomeIamStatements) {
  const FunctionConfig& fn = config_.functions.at("orders-staging-get-order");
  const Json expected = Json::parse(R"([
    {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
     "Resource": "arn:aws:secretsmanager:us-east-1:123456789012:secret:staging/momento/api-key-??????"},
    {"Effect": "Allow", "Action": ["ssm:DescribeParameters"], "Resource": "*"},
    {"Effect": "Allow",
     "Action": ["ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath"],
     "Resource": "arn:aws:ssm:us-east-1:123456789012:parameter/staging/orders/*"},
    {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
     "Resource": "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared/*"},
    {"Effect": "Deny", "Action": "ssm:GetParameter",
     "Resource": "arn:aws:ssm:us-east-1:123456789012:parameter/staging/orders/admin-*"}
  ])");
  EXPECT_EQ(fn.iam_statements, expected) << fn.iam_statements.dump(2);
  // The statement on a queue ARN known only once deployed is dropped, and says so.
  EXPECT_THAT(config_.notes,
              NoteHas("Policies[4].Statement[2]: not applied: GetAtt OrdersQueue.Arn"));
  EXPECT_THAT(config_.notes,
              NoteHas("Policies[3].DynamoDBReadPolicy: policy template not translated"));
}

TEST_F(SamAppTest, LayersOfTheTemplateComeAfterTheGlobalsExtension) {
  const FunctionConfig& fn = config_.functions.at("ReportFunction");
  // Globals.Function.Layers: the extension's ARN; its own: !Ref PandasLayer (ContentUri).
  EXPECT_EQ(fn.extensions, std::vector<std::string>{"parameters-and-secrets"});
  EXPECT_EQ(fn.layers,
            std::vector<std::filesystem::path>{
                std::filesystem::absolute(kData / "sam" / "layers" / "pandas").lexically_normal()});
  EXPECT_THAT(config_.notes, Not(NoteHas("PandasLayer")));
  EXPECT_THAT(config_.notes, Not(NoteHas("Layers[")));
}

TEST_F(SamAppTest, RoleInTheTemplateGivesItsInlinePolicies) {
  const FunctionConfig& fn = config_.functions.at("ReportFunction");
  EXPECT_EQ(fn.runtime, "python3.12");
  EXPECT_EQ(fn.execution_env, "AWS_Lambda_python3.12");
  EXPECT_EQ(fn.args.back().substr(fn.args.back().size() - 12), "bootstrap.py");
  EXPECT_EQ(fn.memory_mb, 512);  // Globals: FindInMap [StageConfig, staging, Memory]
  EXPECT_EQ(fn.timeout_s, 60);
  EXPECT_EQ(fn.environment.at("LOG_LEVEL"), "INFO");  // its own over the Globals'
  EXPECT_EQ(fn.environment.at("STAGE"), "staging");
  // The secret has no Name: CloudFormation's `<logical id>-<12 characters>`.
  const std::string secret = config_.secret_ids.at("DatabaseSecret");
  Json expected = Json::parse(R"([
    {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue"}
  ])");
  expected[0]["Resource"] =
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + secret + "-??????";
  EXPECT_EQ(fn.iam_statements, expected) << fn.iam_statements.dump(2);
  EXPECT_THAT(config_.notes, NoteHas("Statement[0].Condition: ignored"));
}

TEST_F(SamAppTest, LambdaFunctionWithAnOutsideRoleIsUnrestricted) {
  const FunctionConfig& fn = config_.functions.at("legacy-orders");
  EXPECT_EQ(fn.runtime, "nodejs18.x");
  EXPECT_EQ(fn.memory_mb, 128);
  EXPECT_EQ(fn.timeout_s, 3);
  EXPECT_TRUE(fn.environment.empty());  // Globals are SAM's, not CloudFormation's
  EXPECT_TRUE(fn.extensions.empty());
  EXPECT_TRUE(fn.iam_statements.is_null());
  EXPECT_THAT(config_.notes, NoteHas("Resources.LegacyFunction.Properties.Role: the role is not in "
                                     "this template"));
}

TEST_F(SamAppTest, SecretsAndParametersSeedTheFakeAws) {
  ASSERT_EQ(config_.seeds.secrets.size(), 2u);
  const auto& db = config_.seeds.secrets[0];  // resources in logical-id order
  // No Name: the one CloudFormation would generate, the same at every load.
  EXPECT_THAT(db.name, MatchesRegex("DatabaseSecret-[A-Za-z0-9]{12}"));
  EXPECT_EQ(config_.secret_ids.at("DatabaseSecret"), db.name);
  auto again = LoadConfigFile(kData / "sam" / "template.yaml");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->secret_ids.at("DatabaseSecret"), db.name);
  const Json generated = Json::parse(db.value);
  EXPECT_EQ(generated["username"], "orders");
  EXPECT_EQ(generated["password"].get<std::string>().size(), 24u);
  const auto& momento = config_.seeds.secrets[1];
  EXPECT_EQ(momento.name, "staging/momento/api-key");
  EXPECT_EQ(momento.value, R"({"MOMENTO_API_KEY":"local-dev-key"})");
  EXPECT_EQ(momento.description, "Momento API key for the orders cache");
  ASSERT_EQ(config_.seeds.parameters.size(), 1u);
  EXPECT_EQ(config_.seeds.parameters[0].name, "/staging/orders/cache-name");
  EXPECT_EQ(config_.seeds.parameters[0].value, "orders-cache");
}

TEST(SamJsonTemplateTest, ReadsJsonWithLongFormIntrinsics) {
  auto config = LoadConfigFile(kData / "json" / "template.json");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->functions.count("worker-qa"), 1u);
  const FunctionConfig& fn = config->functions.at("worker-qa");
  EXPECT_EQ(fn.runtime, "python3.11");
  EXPECT_EQ(fn.memory_mb, 1024);
  EXPECT_EQ(fn.environment.at("ENV"), "qa");
  EXPECT_EQ(fn.environment.at("SECRET"),
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:qa/db");
  EXPECT_EQ(fn.environment.at("LITERAL"), "${NotAVariable}");
  EXPECT_EQ(fn.iam_statements,
            Json::parse(R"([{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}])"));
  EXPECT_EQ(config->aliases.at("Worker"), "worker-qa");
}

// Errors: a template in a temporary directory with one code directory.
class SamErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("thaw-sam-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "src");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  absl::Status Load(const std::string& resources) {
    const std::string text =
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Transform: AWS::Serverless-2016-10-31\n"
        "Parameters:\n"
        "  NoDefault: {Type: String}\n"
        "Resources:\n" +
        resources;
    return ParseConfig(text, "template.yaml", dir_).status();
  }

  std::filesystem::path dir_;
};

TEST_F(SamErrorTest, CodeInS3OrInlineIsRefused) {
  EXPECT_THAT(Load("  Fn:\n"
                   "    Type: AWS::Serverless::Function\n"
                   "    Properties:\n"
                   "      Runtime: nodejs20.x\n"
                   "      Handler: index.handler\n"
                   "      CodeUri: {Bucket: my-bucket, Key: fn.zip}\n")
                  .message(),
              HasSubstr("template.yaml:11: Resources.Fn.Properties.CodeUri: code in S3 is not "
                        "supported"));
  EXPECT_THAT(Load("  Fn:\n"
                   "    Type: AWS::Lambda::Function\n"
                   "    Properties:\n"
                   "      Runtime: nodejs20.x\n"
                   "      Handler: index.handler\n"
                   "      Role: arn:aws:iam::123456789012:role/r\n"
                   "      Code:\n"
                   "        ZipFile: exports.handler = async () => 1;\n")
                  .message(),
              HasSubstr("template.yaml:13: Resources.Fn.Properties.Code: inline code (ZipFile) "
                        "is not supported"));
  EXPECT_THAT(Load("  Fn:\n"
                   "    Type: AWS::Serverless::Function\n"
                   "    Properties:\n"
                   "      PackageType: Image\n"
                   "      ImageUri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/fn:latest\n")
                  .message(),
              HasSubstr("Resources.Fn.Properties.PackageType: container image functions are not "
                        "supported yet"));
}

TEST_F(SamErrorTest, BadValuesNameTheFileLineAndPath) {
  EXPECT_THAT(Load("  Fn:\n"
                   "    Type: AWS::Serverless::Function\n"
                   "    Properties:\n"
                   "      Runtime: nodejs20.x\n"
                   "      Handler: index.handler\n"
                   "      CodeUri: src\n"
                   "      MemorySize: 64\n")
                  .message(),
              HasSubstr("template.yaml:12: Resources.Fn.Properties.MemorySize: must be between "
                        "128 and 10240"));
  EXPECT_THAT(Load("  Fn:\n"
                   "    Type: AWS::Serverless::Function\n"
                   "    Properties:\n"
                   "      Runtime: java21\n"
                   "      Handler: example.Handler::handleRequest\n"
                   "      CodeUri: src\n")
                  .message(),
              HasSubstr("template.yaml:9: Resources.Fn.Properties.Runtime: runtime 'java21' is "
                        "not supported yet"));
  EXPECT_THAT(Load("  Fn:\n"
                   "    Type: AWS::Serverless::Function\n"
                   "    Properties:\n"
                   "      Runtime: !Ref NoDefault\n"
                   "      Handler: index.handler\n"
                   "      CodeUri: src\n")
                  .message(),
              // NoDefault has no Default and no override: its Ref is "".
              AllOf(HasSubstr("template.yaml:9: Resources.Fn.Properties.Runtime: "),
                    HasSubstr("runtime ''")));
  EXPECT_THAT(Load("  Fn:\n"
                   "    Type: AWS::Serverless::Function\n"
                   "    Properties:\n"
                   "      Runtime: nodejs20.x\n"
                   "      Handler: index.handler\n"
                   "      CodeUri: missing/\n")
                  .message(),
              HasSubstr("template.yaml:11: Resources.Fn.Properties.CodeUri: code directory"));
  EXPECT_THAT(Load("  Fn:\n"
                   "    Type: AWS::Serverless::Function\n"
                   "    Properties:\n"
                   "      Runtime: python3.12\n"
                   "      Handler: app.handler\n"
                   "      CodeUri: src\n"
                   "      Environment:\n"
                   "        Variables:\n"
                   "          AWS_REGION: eu-west-1\n")
                  .message(),
              HasSubstr("template.yaml:14: Resources.Fn.Properties.Environment.Variables."
                        "AWS_REGION: reserved by Lambda"));
  EXPECT_THAT(Load("  Fn:\n"
                   "    Type: AWS::Serverless::Function\n"
                   "    Properties:\n"
                   "      Runtime: python3.12\n"
                   "      Handler: app.handler\n"
                   "      CodeUri: src\n"
                   "      Environment:\n"
                   "        Variables:\n"
                   "          X: !Ref Nowhere\n")
                  .message(),
              HasSubstr("Ref to Nowhere, which is no parameter or resource"));
}

TEST_F(SamErrorTest, NoPoliciesMeansSamsDefaultRole) {
  const std::string text =
      "Transform: AWS::Serverless-2016-10-31\n"
      "Resources:\n"
      "  Fn:\n"
      "    Type: AWS::Serverless::Function\n"
      "    Properties: {Runtime: python3.12, Handler: app.handler, CodeUri: src}\n"
      "  Managed:\n"
      "    Type: AWS::Serverless::Function\n"
      "    Properties:\n"
      "      Runtime: python3.12\n"
      "      Handler: app.handler\n"
      "      CodeUri: src\n"
      "      Policies: [AmazonDynamoDBFullAccess, AmazonSSMReadOnlyAccess]\n";
  auto config = ParseConfig(text, "template.yaml", dir_);
  ASSERT_TRUE(config.ok()) << config.status();
  // No Policies: SAM's role allows no Secrets Manager or SSM call, so none is allowed here.
  EXPECT_EQ(config->functions.at("Fn").iam_statements, Json::array());
  // A managed policy thaw does not know lifts every restriction, and says so.
  EXPECT_TRUE(config->functions.at("Managed").iam_statements.is_null());
  EXPECT_THAT(config->notes, NoteHas("Resources.Managed.Properties.Policies[0]: the managed policy "
                                     "AmazonDynamoDBFullAccess is not known to thaw"));
}

}  // namespace
}  // namespace thaw
