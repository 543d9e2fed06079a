// CDK cloud assemblies (emulator/config/cdk_assembly.h) and the CloudFormation that `cdk synth`
// writes, read by the template loader: code from `aws:asset:path`, IAM from AWS::IAM::Policy
// resources, parameters from --parameter-overrides. Over a real `cdk synth` output in
// tests/unit/testdata/cdk (its app.js says how it was made).
#include "emulator/config/cdk_assembly.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "emulator/config/thaw_config.h"
#include "fakes/aws/iam_evaluator.h"

namespace thaw {
// Named as well: a unity build compiles this file with the others of its binary.
namespace cdk_assembly_test {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

const std::filesystem::path kData = THAW_TESTDATA_DIR;
const std::filesystem::path kAssembly = kData / "cdk" / "cdk.out";
constexpr char kFunction[] = "SimpleGetA1E8766A";
constexpr char kAsset[] = "asset.b675be5b761c5de2dbd4f432b22d69f43dfa2acfc179709e935899ba57318bb0";
// The secret as the fake AWS names it: its name and a 6-character suffix.
constexpr char kSecretArn[] =
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:momento/simple-get/api-key-AbC123";

auto NoteHas(const std::string& text) { return Contains(HasSubstr(text)); }

// How the fake AWS decides `action` on `resource` for `fn`'s statements.
aws::IamEvaluator::Decision Decide(const FunctionConfig& fn, const std::string& action,
                                   const std::string& resource) {
  auto policy = aws::ParseIamPolicy(fn.iam_statements);
  EXPECT_TRUE(policy.ok()) << policy.status();
  return aws::IamEvaluator().Evaluate(policy.ok() ? *policy : aws::IamPolicy{}, action, resource);
}

TEST(CdkAssemblyTest, ReadsTheFunctionOfARealCdkSynthTemplate) {
  auto config = LoadConfigFile(kAssembly / "SimpleGetStack.template.json");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->functions.size(), 1u);
  const FunctionConfig& fn = config->functions.at(kFunction);
  EXPECT_EQ(fn.runtime, "nodejs18.x");
  EXPECT_EQ(fn.handler, "index.handler");
  EXPECT_EQ(fn.code, std::filesystem::absolute(kAssembly / kAsset).lexically_normal());
  EXPECT_EQ(fn.memory_mb, 256);
  EXPECT_EQ(fn.timeout_s, 10);
  // CDK derives the secret's name from its ARN with Split / Select / Join.
  EXPECT_EQ(fn.environment.at("MOMENTO_API_KEY_SECRET_NAME"), "momento/simple-get/api-key");
  EXPECT_EQ(fn.environment.at("CACHE_NAME"), "simple-get");
  ASSERT_EQ(config->seeds.secrets.size(), 1u);
  EXPECT_EQ(config->seeds.secrets[0].name, "momento/simple-get/api-key");
  // The asset metadata says where the code is; nothing about S3 or CDK's own resource.
  EXPECT_THAT(config->notes, Not(NoteHas("S3")));
  EXPECT_THAT(config->notes, Not(NoteHas("CDKMetadata")));
}

TEST(CdkAssemblyTest, GrantReadAllowsReadingThatSecretAndNoOther) {
  auto config = LoadConfigFile(kAssembly / "SimpleGetStack.template.json");
  ASSERT_TRUE(config.ok()) << config.status();
  const FunctionConfig& fn = config->functions.at(kFunction);
  ASSERT_TRUE(fn.iam_statements.is_array()) << fn.iam_statements.dump();
  using Decision = aws::IamEvaluator::Decision;
  EXPECT_EQ(Decide(fn, "secretsmanager:GetSecretValue", kSecretArn), Decision::kAllow);
  EXPECT_EQ(Decide(fn, "secretsmanager:DescribeSecret", kSecretArn), Decision::kAllow);
  EXPECT_EQ(Decide(fn, "secretsmanager:GetSecretValue",
                   "arn:aws:secretsmanager:us-east-1:123456789012:secret:other-AbC123"),
            Decision::kImplicitDeny);
  EXPECT_EQ(Decide(fn, "secretsmanager:PutSecretValue", kSecretArn), Decision::kImplicitDeny);
  EXPECT_EQ(Decide(fn, "ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/x"),
            Decision::kImplicitDeny);
}

TEST(CdkAssemblyTest, TheAssemblyDirectoryPicksItsOnlyStack) {
  auto path = CdkStackTemplate(kAssembly);
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(*path, kAssembly / "SimpleGetStack.template.json");
  auto config = LoadConfigFile(kAssembly);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->functions.count(kFunction));
  EXPECT_THAT(config->source, HasSubstr("SimpleGetStack.template.json"));
}

TEST(CdkAssemblyTest, SeveralStacksAreAnErrorThatNamesThemAndHowToPick) {
  auto config = LoadConfigFile(kData / "cdk" / "two-stacks");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr("manifest.json"), HasSubstr("2 stacks"), HasSubstr("SimpleGetStack"),
                    HasSubstr("SimpleGetStagingStack"),
                    HasSubstr("--config " + (kData / "cdk" / "two-stacks").string() + "/")));
}

TEST(CdkAssemblyTest, TheProjectDirectoryStandsForItsCdkOut) {
  auto config = LoadConfigFile(kData / "cdk");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->source, HasSubstr("cdk.out/SimpleGetStack.template.json"));
  EXPECT_THAT(CdkStackTemplate(kData / "cdk").status().message(),
              HasSubstr("without manifest.json"));
}

// A template beside the real asset folder, as `cdk synth` lays them out.
absl::StatusOr<ThawConfig> Load(const std::string& resources, LoadOptions options = {},
                                const std::string& parameters = "") {
  return ParseConfig("{\"Parameters\": {" + parameters + "}, \"Resources\": {" + resources + "}}",
                     "Stack.template.json", kAssembly, options);
}

std::string Function(const std::string& extra_properties, const std::string& metadata) {
  return R"("Fn": {"Type": "AWS::Lambda::Function",
      "Properties": {"Runtime": "nodejs18.x", "Handler": "index.handler",
        "Code": {"S3Bucket": "cdk-assets", "S3Key": "abc.zip"})" +
         extra_properties + R"(},
      "Metadata": {)" +
         metadata + "}}";
}

const std::string kAssetMetadata =
    std::string(R"("aws:asset:path": ")") + kAsset + R"(", "aws:asset:property": "Code")";

TEST(CdkTemplateTest, CodeInS3WithoutAssetMetadataIsStillAnError) {
  auto config = Load(Function("", ""));
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr("Resources.Fn.Properties.Code: code in S3 is not supported"),
                    HasSubstr("aws:asset:path")));
  // The metadata stands for another property: not the code.
  config = Load(Function(
      "", std::string(R"("aws:asset:path": ")") + kAsset + R"(", "aws:asset:property": "Layers")"));
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("code in S3 is not supported"));
}

TEST(CdkTemplateTest, AMissingAssetIsAnErrorNamingTheMetadata) {
  auto config = Load(Function("", R"("aws:asset:path": "asset.gone")"));
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("Stack.template.json:"));
  EXPECT_THAT(config.status().message(), HasSubstr("Resources.Fn.Metadata.aws:asset:path"));
}

TEST(CdkTemplateTest, PolicyAndManagedPolicyResourcesAttachToTheirRoles) {
  const std::string role = R"("Role": {"Type": "AWS::IAM::Role", "Properties": {
      "AssumeRolePolicyDocument": {}, "ManagedPolicyArns": [{"Ref": "Shared"}]}})";
  const std::string policy = R"("Grant": {"Type": "AWS::IAM::Policy", "Properties": {
      "PolicyName": "p", "Roles": [{"Ref": "Role"}],
      "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "ssm:GetParameter",
        "Resource": "arn:aws:ssm:us-east-1:123456789012:parameter/app/*"}]}}})";
  const std::string shared = R"("Shared": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
      "PolicyDocument": {"Statement": {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
        "Resource": "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared-??????"}}}})";
  const std::string elsewhere = R"("Elsewhere": {"Type": "AWS::IAM::Policy", "Properties": {
      "PolicyName": "q", "Roles": ["some-role-from-elsewhere"],
      "PolicyDocument": {"Statement": []}}})";
  auto config = Load(Function(R"(, "Role": {"Fn::GetAtt": ["Role", "Arn"]})", kAssetMetadata) +
                     "," + role + "," + policy + "," + shared + "," + elsewhere);
  ASSERT_TRUE(config.ok()) << config.status();
  const FunctionConfig& fn = config->functions.at("Fn");
  using Decision = aws::IamEvaluator::Decision;
  EXPECT_EQ(Decide(fn, "ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/app/x"),
            Decision::kAllow);
  EXPECT_EQ(Decide(fn, "secretsmanager:GetSecretValue",
                   "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared-AbC123"),
            Decision::kAllow);
  EXPECT_EQ(Decide(fn, "ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/other"),
            Decision::kImplicitDeny);
  EXPECT_THAT(config->notes,
              NoteHas("Resources.Elsewhere.Properties.Roles[0]: not applied: not a Ref to an "
                      "AWS::IAM::Role of this template"));
}

TEST(CdkTemplateTest, ResourcesThawDoesNotCreateAreNoted) {
  auto config = Load(Function("", kAssetMetadata) +
                     R"(, "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
                        "Meta": {"Type": "AWS::CDK::Metadata", "Properties": {}})");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->notes,
              NoteHas("Stack.template.json: Resources.Queue: not created: thaw emulates Lambda "
                      "functions, Secrets Manager secrets and SSM parameters, not "
                      "AWS::SQS::Queue"));
  EXPECT_THAT(config->notes, Not(NoteHas("Resources.Meta")));
}

TEST(CdkTemplateTest, ParameterOverridesWinAndAParameterWithoutValueIsANote) {
  const std::string function =
      Function(R"(, "Environment": {"Variables": {"STAGE": {"Ref": "Stage"},
                  "TABLE": {"Fn::Sub": "orders-${Stage}"}, "KEY": {"Ref": "ApiKey"}}})",
               kAssetMetadata) +
      R"(, "Secret": {"Type": "AWS::SecretsManager::Secret",
            "Properties": {"Name": {"Ref": "ApiKey"}, "SecretString": "s"}})";
  const std::string parameters =
      R"("Stage": {"Type": "String", "Default": "dev"}, "ApiKey": {"Type": "String"})";
  auto config = Load(function, {}, parameters);
  ASSERT_TRUE(config.ok()) << config.status();
  const auto& env = config->functions.at("Fn").environment;
  EXPECT_EQ(env.at("STAGE"), "dev");
  EXPECT_EQ(env.at("KEY"), "");
  EXPECT_THAT(config->notes, NoteHas("Stack.template.json: Parameters.ApiKey: no Default and no "
                                     "--parameter-overrides value"));
  // A secret named by it has no name: noted, not seeded.
  EXPECT_THAT(config->notes, NoteHas("Resources.Secret.Properties.Name: empty"));
  EXPECT_TRUE(config->seeds.secrets.empty());

  LoadOptions options;
  options.parameter_overrides = {{"Stage", "prod"}, {"ApiKey", "k-1"}, {"Unknown", "x"}};
  config = Load(function, options, parameters);
  ASSERT_TRUE(config.ok()) << config.status();
  const auto& overridden = config->functions.at("Fn").environment;
  EXPECT_EQ(overridden.at("STAGE"), "prod");
  EXPECT_EQ(overridden.at("TABLE"), "orders-prod");
  EXPECT_EQ(overridden.at("KEY"), "k-1");
  EXPECT_THAT(config->notes, Not(NoteHas("Parameters.ApiKey")));
  ASSERT_EQ(config->seeds.secrets.size(), 1u);
  EXPECT_EQ(config->seeds.secrets[0].name, "k-1");
  EXPECT_THAT(config->notes, NoteHas("--parameter-overrides Unknown: the template declares no "
                                     "such parameter"));
}

// NodejsFunctions as esbuild bundled them (an ES module and a CommonJS one), with the grants CDK
// writes as AWS::IAM::Policy resources and a secret whose name CloudFormation generates.
TEST(CdkAssemblyTest, NodejsFunctionsRunTheirBundlesWithTheirGrants) {
  auto config = LoadConfigFile(kData / "cdk-nodejs" / "cdk.out");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->functions.size(), 2u);
  const FunctionConfig& esm = config->functions.at("EsmReader55648119");
  const FunctionConfig& cjs = config->functions.at("CjsReaderE9C8D27E");
  EXPECT_EQ(esm.runtime, "nodejs20.x");
  EXPECT_EQ(cjs.runtime, "nodejs22.x");
  EXPECT_EQ(esm.handler, "index.handler");
  EXPECT_TRUE(std::filesystem::exists(esm.code / "index.mjs")) << esm.code;
  EXPECT_TRUE(std::filesystem::exists(cjs.code / "index.js")) << cjs.code;
  const std::string secret = config->secret_ids.at("MomentoApiKeyE17C2D6B");
  EXPECT_THAT(secret, ::testing::MatchesRegex("MomentoApiKeyE17C2D6B-[A-Za-z0-9]{12}"));
  const std::string arn = esm.environment.at("SECRET_ARN");
  EXPECT_THAT(arn, HasSubstr(":secret:" + secret));
  using Decision = aws::IamEvaluator::Decision;
  for (const FunctionConfig* fn : {&esm, &cjs}) {
    EXPECT_EQ(Decide(*fn, "secretsmanager:GetSecretValue", arn + "-AbC123"), Decision::kAllow)
        << fn->name;
    EXPECT_EQ(Decide(*fn, "secretsmanager:GetSecretValue",
                     "arn:aws:secretsmanager:us-east-1:123456789012:secret:other-AbC123"),
              Decision::kImplicitDeny);
  }
}

}  // namespace
}  // namespace cdk_assembly_test
}  // namespace thaw
