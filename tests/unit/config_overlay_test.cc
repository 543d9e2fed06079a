// What is given from outside a template without editing it: `--overlay thaw.yaml`
// (emulator/config/config_overlay.h) and SAM's `--env-vars env.json` (env_vars_file.h), over
// CloudFormation written the way `cdk synth` writes it (beside the real asset in testdata/cdk).
#include "emulator/config/config_overlay.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "emulator/config/env_vars_file.h"
#include "emulator/config/thaw_config.h"

namespace thaw {
// Named as well: a unity build compiles this file with the others of its binary.
namespace config_overlay_test {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

const std::filesystem::path kAssembly =
    std::filesystem::path(THAW_TESTDATA_DIR) / "cdk" / "cdk.out";
constexpr char kAsset[] = "asset.b675be5b761c5de2dbd4f432b22d69f43dfa2acfc179709e935899ba57318bb0";

auto NoteHas(const std::string& text) { return Contains(HasSubstr(text)); }

// A CDK-shaped stack: a function whose environment names a generated secret (no Name, as
// `new Secret(this, 'ApiKey')` writes it) and an SSM parameter without a Name.
std::string Stack() {
  return std::string(R"({"Resources": {
    "ApiKey1A2B3C4D": {"Type": "AWS::SecretsManager::Secret",
      "Properties": {"GenerateSecretString": {}}},
    "Table9F8E7D6C": {"Type": "AWS::SSM::Parameter",
      "Properties": {"Type": "String", "Value": "orders"}},
    "Fn": {"Type": "AWS::Lambda::Function",
      "Properties": {"Runtime": "nodejs18.x", "Handler": "index.handler",
        "FunctionName": "simple-get",
        "Code": {"S3Bucket": "cdk-assets", "S3Key": "abc.zip"},
        "Environment": {"Variables": {"SECRET_ARN": {"Ref": "ApiKey1A2B3C4D"},
          "TABLE_PARAMETER": {"Ref": "Table9F8E7D6C"},
          "REGION": {"Fn::Sub": "${AWS::Region}"}, "STAGE": "prod", "LOG_LEVEL": "INFO"}}},
      "Metadata": {"aws:asset:path": ")") +
         kAsset + R"(", "aws:asset:property": "Code"}}}})";
}

absl::StatusOr<ThawConfig> LoadStack(LoadOptions options = {}) {
  return ParseConfig(Stack(), "Stack.template.json", kAssembly, options);
}

ConfigOverlay Overlay(const std::string& yaml) {
  auto overlay = ParseConfigOverlay(yaml, "overlay.yaml", kAssembly);
  EXPECT_TRUE(overlay.ok()) << overlay.status();
  return overlay.ok() ? *overlay : ConfigOverlay{};
}

TEST(ConfigOverlayTest, AGeneratedSecretIsNamedAsCloudFormationNamesItAndSeededByItsLogicalId) {
  auto plain = LoadStack();
  ASSERT_TRUE(plain.ok()) << plain.status();
  const std::string name = plain->secret_ids.at("ApiKey1A2B3C4D");
  EXPECT_THAT(name, MatchesRegex("ApiKey1A2B3C4D-[A-Za-z0-9]{12}"));
  EXPECT_THAT(plain->functions.at("simple-get").environment.at("SECRET_ARN"),
              HasSubstr(":secret:" + name));
  ASSERT_EQ(plain->seeds.secrets.size(), 1u);  // a random value, generated at start

  LoadOptions options;
  options.overlay = Overlay(R"(
secrets:
  ApiKey1A2B3C4D: {value: {MOMENTO_API_KEY: '{{momento_api_key_v2}}'}}
  other/secret: plain
parameters:
  Table9F8E7D6C: orders-local
caches: [simple-get]
)");
  auto config = LoadStack(options);
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->seeds.secrets.size(), 2u);
  EXPECT_EQ(config->seeds.secrets[0].name, name);  // the template's, now with the given value
  EXPECT_EQ(config->seeds.secrets[0].value, R"({"MOMENTO_API_KEY":"{{momento_api_key_v2}}"})");
  EXPECT_EQ(config->seeds.secrets[1].name, "other/secret");
  const std::string parameter = config->parameter_ids.at("Table9F8E7D6C");
  EXPECT_THAT(parameter, MatchesRegex("CFN-Table9F8E7D6C-[A-Za-z0-9]{12}"));
  EXPECT_EQ(config->functions.at("simple-get").environment.at("TABLE_PARAMETER"), parameter);
  ASSERT_EQ(config->seeds.parameters.size(), 1u);
  EXPECT_EQ(config->seeds.parameters[0].name, parameter);
  EXPECT_EQ(config->seeds.parameters[0].value, "orders-local");
  EXPECT_THAT(config->caches, ElementsAre("simple-get"));
}

TEST(ConfigOverlayTest, ItsSettingsWinAndReachTheTemplatesIntrinsicsAndFunctions) {
  LoadOptions options;
  options.overlay = Overlay(R"(
settings:
  region: eu-west-1
  keepalive: 2m
  runtime_client: aws-lambda-ric
)");
  auto config = LoadStack(options);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->settings.region, "eu-west-1");
  EXPECT_EQ(config->settings.keepalive, std::chrono::minutes(2));
  EXPECT_EQ(config->settings.account_concurrency, Settings{}.account_concurrency);
  const FunctionConfig& fn = config->functions.at("simple-get");
  EXPECT_EQ(fn.environment.at("REGION"), "eu-west-1");
  EXPECT_THAT(fn.environment.at("SECRET_ARN"), HasSubstr("arn:aws:secretsmanager:eu-west-1:"));
  EXPECT_EQ(fn.runtime_client, "aws-lambda-ric");
}

TEST(ConfigOverlayTest, OverAThawYamlItsSettingsWinBeforeTheFunctionsAreBuilt) {
  LoadOptions options;
  options.overlay = Overlay("settings: {runtime_client: aws-lambda-ric, freeze: false}\n");
  auto config = ParseConfig(std::string("settings: {freeze: true, keepalive: 1m}\n") +
                                "functions:\n  f: {runtime: nodejs20.x, handler: index.handler, "
                                "code: " +
                                kAsset + "}\n",
                            "thaw.yaml", kAssembly, options);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->settings.freeze);
  EXPECT_EQ(config->settings.keepalive, std::chrono::minutes(1));  // the file's: not given
  EXPECT_EQ(config->functions.at("f").runtime_client, "aws-lambda-ric");
}

TEST(ConfigOverlayTest, EverySettingItGivesIsApplied) {
  const ConfigOverlay overlay = Overlay(R"(
settings:
  account_concurrency: 7
  pass_env: [HOME]
  region: ap-south-1
  account_id: '111122223333'
  keepalive: 1s
  max_lifetime: 1h
  freeze: false
  virtual_time: false
  shutdown_grace: 50ms
  init_timeout: 3s
  runtime_client: aws-lambda-ric
  momento_api_keys: [k]
  isolation: process
  egress: allow
)");
  Settings settings;
  ApplyGivenSettings(overlay, settings);
  EXPECT_EQ(settings.account_concurrency, 7);
  EXPECT_THAT(settings.pass_env, ElementsAre("HOME"));
  EXPECT_EQ(settings.region, "ap-south-1");
  EXPECT_EQ(settings.account_id, "111122223333");
  EXPECT_EQ(settings.keepalive, std::chrono::seconds(1));
  EXPECT_EQ(settings.max_lifetime, std::chrono::hours(1));
  EXPECT_FALSE(settings.freeze);
  EXPECT_FALSE(settings.virtual_time);
  EXPECT_EQ(settings.shutdown_grace, std::chrono::milliseconds(50));
  EXPECT_EQ(settings.init_timeout, std::chrono::seconds(3));
  EXPECT_EQ(settings.runtime_client, "aws-lambda-ric");
  EXPECT_THAT(settings.momento_api_keys, ElementsAre("k"));
  EXPECT_EQ(settings.isolation, Isolation::kProcess);
  EXPECT_EQ(settings.egress, Egress::kAllow);
  EXPECT_EQ(overlay.given_settings.size(), 14u);
}

TEST(ConfigOverlayTest, FunctionsOrAnyOtherKeyAreAnErrorNamingTheLine) {
  auto overlay = ParseConfigOverlay("secrets: {a: b}\nfunctions: {}\n", "overlay.yaml", kAssembly);
  ASSERT_FALSE(overlay.ok());
  EXPECT_THAT(overlay.status().message(),
              AllOf(HasSubstr("overlay.yaml:2: functions"),
                    HasSubstr("secrets:, parameters:, caches: and settings: only")));
  overlay = ParseConfigOverlay("Resources: {}\n", "overlay.yaml", kAssembly);
  ASSERT_FALSE(overlay.ok());
  // Each section is checked as in a thaw.yaml, at its own line.
  overlay =
      ParseConfigOverlay("caches: [a]\nsettings:\n  keepalive: soon\n", "overlay.yaml", kAssembly);
  ASSERT_FALSE(overlay.ok());
  EXPECT_THAT(overlay.status().message(), HasSubstr("overlay.yaml:3: settings.keepalive"));
  EXPECT_THAT(LoadConfigOverlay(kAssembly / "no-such.yaml").status().message(),
              HasSubstr("no-such.yaml: cannot read the overlay"));
  // An empty overlay is nothing to apply.
  auto empty = ParseConfigOverlay("", "overlay.yaml", kAssembly);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->given_settings.empty());
}

// SAM's env.json: `Parameters` for all, a function's own entry (by logical id or name) over it,
// and only for the variables the function declares.
TEST(EnvVarsFileTest, ValuesReplaceDeclaredVariablesByLogicalIdOrNameAndNothingIsAdded) {
  auto overrides = ParseEnvVarsFile(R"({
    "Parameters": {"STAGE": "local", "LOG_LEVEL": "DEBUG", "NOBODY_HAS_IT": "x"},
    "Fn": {"STAGE": "dev", "PORT": 8080, "EXTRA": true},
    "Missing": {"STAGE": "y"}})",
                                    "env.json");
  ASSERT_TRUE(overrides.ok()) << overrides.status();
  LoadOptions options;
  options.env_vars = *overrides;
  auto config = LoadStack(options);
  ASSERT_TRUE(config.ok()) << config.status();
  const auto& env = config->functions.at("simple-get").environment;  // its logical id is Fn
  EXPECT_EQ(env.at("STAGE"), "dev");        // its own entry over Parameters
  EXPECT_EQ(env.at("LOG_LEVEL"), "DEBUG");  // Parameters
  EXPECT_FALSE(env.count("PORT"));          // not declared: as SAM, not added
  EXPECT_FALSE(env.count("NOBODY_HAS_IT"));
  EXPECT_THAT(config->notes, NoteHas("env.json: simple-get.PORT: not declared"));
  EXPECT_THAT(config->notes, NoteHas("env.json: Parameters.NOBODY_HAS_IT: no function declares"));
  EXPECT_THAT(config->notes, NoteHas("env.json: Missing: no such function; ignored"));
  EXPECT_THAT(config->notes, Not(NoteHas("Parameters.STAGE")));

  // By the function's name too; numbers and booleans as JSON writes them.
  overrides = ParseEnvVarsFile(R"({"simple-get": {"STAGE": 3, "LOG_LEVEL": false}})", "env.json");
  ASSERT_TRUE(overrides.ok()) << overrides.status();
  options.env_vars = *overrides;
  config = LoadStack(options);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->functions.at("simple-get").environment.at("STAGE"), "3");
  EXPECT_EQ(config->functions.at("simple-get").environment.at("LOG_LEVEL"), "false");
}

TEST(EnvVarsFileTest, MalformedFilesAreErrorsNamingTheFile) {
  EXPECT_THAT(ParseEnvVarsFile("{", "env.json").status().message(),
              HasSubstr("env.json: invalid JSON"));
  EXPECT_THAT(ParseEnvVarsFile("[]", "env.json").status().message(),
              HasSubstr("env.json: expected an object"));
  EXPECT_THAT(ParseEnvVarsFile(R"({"Fn": "STAGE=dev"})", "env.json").status().message(),
              HasSubstr("env.json: Fn: expected an object of variable names and values"));
  EXPECT_THAT(ParseEnvVarsFile(R"({"Fn": {"A": {"b": 1}}})", "env.json").status().message(),
              HasSubstr("env.json: Fn.A: expected a string, a number or a boolean"));
  EXPECT_THAT(LoadEnvVarsFile(kAssembly / "no-such.json").status().message(),
              HasSubstr("cannot read the --env-vars file"));
}

}  // namespace
}  // namespace config_overlay_test
}  // namespace thaw
