#include "emulator/config/thaw_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

namespace thaw {
namespace {

using ::testing::HasSubstr;

// A temporary directory with a function code dir holding an executable bootstrap.
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("thaw-config-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "fn");
    WriteFile(dir_ / "fn" / "bootstrap", "#!/bin/sh\n", 0755);
    std::filesystem::create_directories(dir_ / "noexec");
    WriteFile(dir_ / "noexec" / "bootstrap", "#!/bin/sh\n", 0644);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static void WriteFile(const std::filesystem::path& path, const std::string& text, int mode) {
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
  }

  absl::StatusOr<ThawConfig> Parse(const std::string& yaml) {
    return ParseConfig(yaml, "thaw.yaml", dir_);
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigTest, ParsesTheDocumentedKeys) {
  auto config = Parse(R"(
functions:
  echo:
    runtime: provided.al2023
    handler: echo
    code: ./fn
    memory: 256
    timeout: 5
    environment: {GREETING: hi, N: 3}
settings:
  account_concurrency: 7
  pass_env: [HOME]
  region: eu-west-1
  account_id: "000000000000"
)");
  ASSERT_TRUE(config.ok()) << config.status();
  const FunctionConfig& fn = config->functions.at("echo");
  EXPECT_EQ(fn.name, "echo");
  EXPECT_EQ(fn.runtime, "provided.al2023");
  EXPECT_EQ(fn.handler, "echo");
  EXPECT_EQ(fn.code, dir_ / "fn");
  EXPECT_EQ(fn.memory_mb, 256);
  EXPECT_EQ(fn.timeout_s, 5);
  EXPECT_EQ(fn.environment.at("GREETING"), "hi");
  EXPECT_EQ(fn.environment.at("N"), "3");
  EXPECT_EQ(config->settings.account_concurrency, 7);
  EXPECT_EQ(config->settings.pass_env, std::vector<std::string>{"HOME"});
  EXPECT_EQ(config->settings.region, "eu-west-1");
  EXPECT_EQ(config->settings.account_id, "000000000000");
}

TEST_F(ConfigTest, DefaultsMatchLambda) {
  auto config = Parse("functions:\n  f:\n    runtime: provided\n    code: fn\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->functions.at("f").memory_mb, 128);
  EXPECT_EQ(config->functions.at("f").timeout_s, 3);
  EXPECT_EQ(config->settings.account_concurrency, 1000);
  EXPECT_EQ(config->settings.region, "us-east-1");
}

TEST_F(ConfigTest, EgressIsBlockedUnlessAllowed) {
  auto config = Parse("functions:\n  f:\n    runtime: provided\n    code: fn\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->settings.egress, Egress::kBlock);
  auto allowed =
      Parse("functions:\n  f:\n    runtime: provided\n    code: fn\nsettings: {egress: allow}\n");
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_EQ(allowed->settings.egress, Egress::kAllow);
  auto bad =
      Parse("functions:\n  f:\n    runtime: provided\n    code: fn\nsettings: {egress: open}\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("settings.egress: must be block or allow"));
}

TEST_F(ConfigTest, CachesAreOneNameOrAList) {
  auto one = Parse("functions: {}\ncaches: orders\n");
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->caches, (std::vector<std::string>{"orders"}));
  auto two = Parse("functions: {}\ncaches: [orders, sessions]\n");
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(two->caches, (std::vector<std::string>{"orders", "sessions"}));
  auto bad = Parse("functions: {}\ncaches: {orders: 1}\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("caches: expected a list"));
}

TEST_F(ConfigTest, UnknownKeyNamesFileLineAndKey) {
  auto config = Parse("functions:\n  echo:\n    runtime: provided\n    code: fn\n    memry: 5\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("thaw.yaml:5: functions.echo.memry: unknown key"));
}

TEST_F(ConfigTest, UnknownTopLevelKey) {
  auto config = Parse("functions: {}\nsetings: {}\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("thaw.yaml:2: setings: unknown key"));
}

TEST_F(ConfigTest, MissingCodeDirectoryIsReported) {
  auto config = Parse("functions:\n  echo:\n    runtime: provided\n    code: ./nope\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("thaw.yaml:4: functions.echo.code: code directory"));
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("does not exist"));
}

TEST_F(ConfigTest, NonExecutableBootstrapIsReported) {
  auto config = Parse("functions:\n  echo:\n    runtime: provided\n    code: noexec\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("is not executable"));
}

TEST_F(ConfigTest, MissingBootstrapIsReported) {
  std::filesystem::create_directories(dir_ / "empty");
  auto config = Parse("functions:\n  echo:\n    runtime: provided\n    code: empty\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("no bootstrap in"));
}

TEST_F(ConfigTest, RuntimesNotSupportedYetAreRefused) {
  auto config = Parse("functions:\n  echo:\n    runtime: java21\n    code: fn\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("thaw.yaml:3: functions.echo.runtime: runtime 'java21' is not "
                        "supported yet"));
}

TEST_F(ConfigTest, NodeRuntimesRunThawsBootstrapWithNode) {
  std::filesystem::create_directories(dir_ / "nodefn");
  auto config = Parse(
      "functions:\n  api:\n    runtime: nodejs20.x\n    handler: src/index.handler\n"
      "    code: nodefn\n");
  ASSERT_TRUE(config.ok()) << config.status();
  const FunctionConfig& fn = config->functions.at("api");
  EXPECT_EQ(fn.executable.filename(), "node");
  ASSERT_EQ(fn.args.size(), 1u);
  EXPECT_THAT(fn.args[0], ::testing::EndsWith("nodejs/bootstrap.mjs"));
  EXPECT_EQ(fn.execution_env, "AWS_Lambda_nodejs20.x");
}

TEST_F(ConfigTest, NodeHandlersMustNameAnExport) {
  std::filesystem::create_directories(dir_ / "nodefn");
  auto config =
      Parse("functions:\n  api:\n    runtime: nodejs22.x\n    handler: index\n    code: nodefn\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("functions.api.handler: a nodejs22.x handler is path/file.export"));
}

TEST_F(ConfigTest, RejectsOutOfRangeValues) {
  EXPECT_FALSE(
      Parse("functions:\n  f:\n    runtime: provided\n    code: fn\n    memory: 64\n").ok());
  EXPECT_FALSE(
      Parse("functions:\n  f:\n    runtime: provided\n    code: fn\n    timeout: 901\n").ok());
  auto bad = Parse("functions:\n  f:\n    runtime: provided\n    code: fn\n    timeout: soon\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("expected an integer, got 'soon'"));
}

TEST_F(ConfigTest, RejectsReservedEnvironmentVariables) {
  auto config = Parse(
      "functions:\n  f:\n    runtime: provided\n    code: fn\n    environment:\n"
      "      AWS_REGION: eu-west-1\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("thaw.yaml:6: functions.f.environment.AWS_REGION: reserved"));
}

TEST_F(ConfigTest, RejectsCredentialsInPassEnv) {
  auto config = Parse(
      "functions:\n  f:\n    runtime: provided\n    code: fn\nsettings:\n"
      "  pass_env: [AWS_SECRET_ACCESS_KEY]\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("settings.pass_env"));
}

TEST_F(ConfigTest, MomentoApiKeysAreAListOfKeys) {
  auto config = Parse(
      "functions:\n  f:\n    runtime: provided\n    code: fn\nsettings:\n"
      "  momento_api_keys: [the-key, \"eyJhbGciOi.J9\"]\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->settings.momento_api_keys,
            (std::vector<std::string>{"the-key", "eyJhbGciOi.J9"}));
  auto none = Parse("functions:\n  f:\n    runtime: provided\n    code: fn\n");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->settings.momento_api_keys.empty());
}

TEST_F(ConfigTest, RejectsBadMomentoApiKeys) {
  const std::string head = "functions:\n  f:\n    runtime: provided\n    code: fn\nsettings:\n";
  struct Case {
    std::string yaml;
    std::string error;
  };
  for (const Case& c : {
           Case{"  momento_api_keys: the-key\n",
                "thaw.yaml:6: settings.momento_api_keys: expected a list of API keys"},
           Case{"  momento_api_keys:\n    - ok\n    - \"\"\n",
                "thaw.yaml:8: settings.momento_api_keys: an API key must not be empty"},
           Case{"  momento_api_keys:\n    - \"a key\"\n",
                "thaw.yaml:7: settings.momento_api_keys: an API key holds printable ASCII"},
           Case{"  momento_api_keys: [{k: v}]\n",
                "thaw.yaml:6: settings.momento_api_keys: expected a string"},
       }) {
    auto config = Parse(head + c.yaml);
    ASSERT_FALSE(config.ok()) << c.yaml;
    EXPECT_THAT(std::string(config.status().message()), HasSubstr(c.error)) << c.yaml;
  }
}

TEST_F(ConfigTest, RejectsBadFunctionNames) {
  auto config = Parse("functions:\n  \"my fn\":\n    runtime: provided\n    code: fn\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("function names"));
}

TEST_F(ConfigTest, InvalidYamlGivesTheLine) {
  auto config = Parse("functions:\n  f: [\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("thaw.yaml:"));
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("invalid YAML"));
}

TEST_F(ConfigTest, MissingFileIsNotFound) {
  auto config = LoadConfigFile(dir_ / "absent.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ConfigTest, LoadConfigFileResolvesCodeAgainstTheFilesDirectory) {
  WriteFile(dir_ / "thaw.yaml", "functions:\n  f:\n    runtime: provided\n    code: fn\n", 0644);
  auto config = LoadConfigFile(dir_ / "thaw.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->functions.at("f").code, dir_ / "fn");
}

}  // namespace
}  // namespace thaw

namespace thaw {
namespace {

class LifecycleConfigTest : public ConfigTest {};

TEST_F(LifecycleConfigTest, ParsesLifecycleKeys) {
  auto config = Parse(R"(
functions:
  f:
    runtime: provided
    code: fn
    keepalive: 0
    max_lifetime: 2h
    reserved_concurrency: 5
    provisioned_concurrency: 2
    virtual_time: true
settings:
  keepalive: 11m
  max_lifetime: 1h
  freeze: false
  virtual_time: false
  shutdown_grace: 50ms
  init_timeout: 2s
)");
  ASSERT_TRUE(config.ok()) << config.status();
  const FunctionConfig& fn = config->functions.at("f");
  EXPECT_EQ(KeepaliveOf(fn, config->settings), std::chrono::milliseconds(0));
  EXPECT_EQ(MaxLifetimeOf(fn, config->settings), std::chrono::hours(2));
  EXPECT_EQ(fn.reserved_concurrency, 5);
  EXPECT_EQ(fn.provisioned_concurrency, 2);
  EXPECT_EQ(config->settings.keepalive, std::chrono::minutes(11));
  EXPECT_FALSE(config->settings.freeze);
  EXPECT_FALSE(config->settings.virtual_time);
  EXPECT_TRUE(VirtualTimeOf(fn, config->settings));  // the function's own word wins
  EXPECT_EQ(config->settings.shutdown_grace, std::chrono::milliseconds(50));
  EXPECT_EQ(config->settings.init_timeout, std::chrono::seconds(2));
}

TEST_F(LifecycleConfigTest, LifecycleDefaults) {
  auto config = Parse("functions:\n  f:\n    runtime: provided\n    code: fn\n");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(KeepaliveOf(config->functions.at("f"), config->settings), std::chrono::minutes(10));
  EXPECT_EQ(config->settings.max_lifetime, std::chrono::milliseconds(0));
  EXPECT_TRUE(config->settings.freeze);
  EXPECT_TRUE(VirtualTimeOf(config->functions.at("f"), config->settings));
  EXPECT_EQ(config->settings.shutdown_grace, std::chrono::milliseconds(300));
  EXPECT_EQ(config->settings.init_timeout, std::chrono::seconds(10));
}

TEST_F(LifecycleConfigTest, BadDurationNamesTheKey) {
  auto config =
      Parse("functions:\n  f:\n    runtime: provided\n    code: fn\n    keepalive: soon\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("thaw.yaml:5: functions.f.keepalive: invalid duration 'soon'"));
}

TEST_F(LifecycleConfigTest, ReservedConcurrencyCannotExceedTheAccount) {
  auto config = Parse(
      "functions:\n  f:\n    runtime: provided\n    code: fn\n    reserved_concurrency: 20\n"
      "settings:\n  account_concurrency: 10\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("reserved_concurrency adds up"));
}

}  // namespace
}  // namespace thaw

// secrets: / parameters: (the fake AWS's seeds).
namespace thaw {
namespace {

class SeedsConfigTest : public ConfigTest {};

TEST_F(SeedsConfigTest, ParsesSecretsAndParameters) {
  auto config = Parse(R"(
functions:
  f: {runtime: provided, code: fn}
secrets:
  prod/momento:
    value: {MOMENTO_API_KEY: "{{momento_api_key}}"}
    description: the key
  plain: just-text
parameters:
  /app/table: {type: StringList, value: "a,b"}
  /app/flag: "on"
)");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->seeds.secrets.size(), 2u);
  EXPECT_EQ(config->seeds.secrets[0].name, "prod/momento");
  EXPECT_EQ(config->seeds.secrets[0].value, R"({"MOMENTO_API_KEY":"{{momento_api_key}}"})");
  EXPECT_EQ(config->seeds.secrets[0].description, "the key");
  EXPECT_EQ(config->seeds.secrets[1].value, "just-text");
  ASSERT_EQ(config->seeds.parameters.size(), 2u);
  EXPECT_EQ(config->seeds.parameters[0].name, "/app/table");
  EXPECT_EQ(config->seeds.parameters[0].type, "StringList");
  EXPECT_EQ(config->seeds.parameters[1].type, "String");
  EXPECT_EQ(config->seeds.parameters[1].value, "on");
}

// A mapping becomes JSON text in file order, every scalar a string, escaped as JSON.
TEST_F(SeedsConfigTest, MappingValuesBecomeJsonInFileOrderWithStringScalars) {
  auto config = Parse(R"(
functions:
  f: {runtime: provided, code: fn}
secrets:
  s:
    value: {zeta: 42, alpha: "say \"hi\"\n", list: [true, ~]}
)");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->seeds.secrets.size(), 1u);
  EXPECT_EQ(config->seeds.secrets[0].value,
            R"({"zeta":"42","alpha":"say \"hi\"\n","list":["true",null]})");
}

TEST_F(SeedsConfigTest, RefusesUnknownKeysAndTypes) {
  auto config =
      Parse("functions:\n  f: {runtime: provided, code: fn}\nsecrets:\n  s: {valeu: x}\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("thaw.yaml:4: secrets.s.valeu: unknown key"));
  config = Parse(
      "functions:\n  f: {runtime: provided, code: fn}\nparameters:\n  /p: {type: Int, value: 1}\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("parameters./p.type: must be String, StringList or SecureString"));
}

TEST_F(SeedsConfigTest, SeedsAloneNeedNoFunctions) {
  auto seeds = ParseSeeds("secrets:\n  s: v\nparameters:\n  p: {value: x}\n", "aws.yaml");
  ASSERT_TRUE(seeds.ok()) << seeds.status();
  EXPECT_EQ(seeds->secrets.size(), 1u);
  EXPECT_EQ(seeds->parameters.size(), 1u);
  EXPECT_FALSE(ParseSeeds("secrets: [a]\n", "aws.yaml").ok());
}

}  // namespace
}  // namespace thaw

namespace thaw {
namespace {

TEST_F(ConfigTest, PythonInterpreterIsChosenPerFunctionOrInSettings) {
  WriteFile(dir_ / "mypython", "#!/bin/sh\n", 0755);
  auto config = Parse(R"(
functions:
  own: {runtime: python3.12, handler: app.handler, code: ./fn, python: ./mypython}
  shared: {runtime: python3.12, handler: app.handler, code: ./fn}
  node: {runtime: nodejs20.x, handler: index.handler, code: ./fn}
settings:
  python: /bin/sh
)");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->functions.at("own").executable, dir_ / "mypython");
  EXPECT_EQ(config->functions.at("shared").executable, "/bin/sh");
  EXPECT_EQ(config->settings.python, "/bin/sh");
  EXPECT_THAT(config->functions.at("node").executable.string(), HasSubstr("node"));
}

TEST_F(ConfigTest, PythonInterpreterByNameIsLookedUpOnPath) {
  auto config = Parse(
      "functions:\n  py: {runtime: python3.11, handler: app.handler, code: ./fn, python: sh}\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->functions.at("py").executable.is_absolute());
  EXPECT_EQ(config->functions.at("py").executable.filename(), "sh");
}

TEST_F(ConfigTest, PythonInterpreterMustBeAnExecutable) {
  EXPECT_THAT(Parse("functions:\n  py:\n    runtime: python3.12\n    handler: app.handler\n"
                    "    code: ./fn\n    python: /nonexistent/python3\n")
                  .status()
                  .message(),
              HasSubstr("thaw.yaml:6: functions.py.python: /nonexistent/python3 does not exist"));
  EXPECT_THAT(Parse("functions:\n  py: {runtime: python3.12, handler: app.handler, code: ./fn}\n"
                    "settings:\n  python: ./noexec/bootstrap\n")
                  .status()
                  .message(),
              HasSubstr("thaw.yaml:4: settings.python: " + (dir_ / "noexec/bootstrap").string() +
                        " is not an executable file"));
  EXPECT_THAT(Parse("functions:\n  py: {runtime: python3.12, handler: app.handler, code: ./fn}\n"
                    "settings:\n  python: no-such-python-anywhere\n")
                  .status()
                  .message(),
              HasSubstr("settings.python: no executable 'no-such-python-anywhere' on PATH"));
  EXPECT_THAT(Parse("functions:\n  n: {runtime: nodejs20.x, handler: index.handler, code: ./fn,"
                    " python: /usr/bin/python3}\n")
                  .status()
                  .message(),
              HasSubstr("functions.n.python: only python3.x functions run a Python interpreter"));
}

}  // namespace
}  // namespace thaw

namespace thaw {
namespace {

TEST_F(ConfigTest, ThawPythonChoosesTheInterpreterWhenTheConfigDoesNot) {
  const std::string yaml =
      "functions:\n  py: {runtime: python3.13, handler: app.handler, code: ./fn}\n";
  ::setenv("THAW_PYTHON", "/bin/sh", 1);
  auto config = Parse(yaml);
  ::setenv("THAW_PYTHON", "/nonexistent/python3", 1);
  auto bad = Parse(yaml);
  ::unsetenv("THAW_PYTHON");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->functions.at("py").executable, "/bin/sh");
  EXPECT_THAT(bad.status().message(),
              HasSubstr("functions.py.runtime: THAW_PYTHON: /nonexistent/python3 does not exist"));
}

}  // namespace
}  // namespace thaw
