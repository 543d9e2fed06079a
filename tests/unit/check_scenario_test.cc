// Scenario files: every step and rule form, and errors that name the file, the line and what is
// wrong (thaw check exits 2 with them).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "check/junit_writer.h"
#include "check/scenario.h"
#include "core/markup_escape.h"
#include "emulator/config/config_overlay.h"
#include "tests/util/test_emulator.h"

namespace thaw::check {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::SizeIs;

std::string WithEcho(const std::string& yaml) {
  return std::regex_replace(yaml, std::regex("\\{\\{echo\\}\\}"), thaw::testing::EchoDir());
}

absl::StatusOr<Scenario> Parse(const std::string& yaml) {
  return ParseScenario(WithEcho(yaml), "s.yaml", std::filesystem::temp_directory_path());
}

constexpr const char* kFull = R"(name: every step
functions:
  echo: {runtime: provided.al2023, handler: echo, code: "{{echo}}"}
settings: {keepalive: 5m}
secrets:
  momento/api-key: {value: {MOMENTO_API_KEY: k}}
caches: [orders, users]
steps:
  - invoke: echo
  - invoke: {function: echo, payload: {orderId: 42, tag: "7"}, count: 9, concurrency: 3}
  - invoke: {function: echo, payload: '{"raw":true}', type: Event}
  - advance: 11m
  - reap: {}
  - reap: {function: echo}
  - kill: {function: echo, instance: 2}
  - fault: {service: momento, rpc: Get, error: unavailable, count: 1}
  - clear_faults:
  - rotate_secret: {secret: momento/api-key, value: {MOMENTO_API_KEY: k2}}
  - wait_for: {event: instance.gone, function: echo, count: 2, timeout: 30s}
expect:
  - momento.data_connections per instance == 1
  - {metric: duration.warm.p99, op: "<", value: 50ms}
)";

TEST(ScenarioTest, ParsesEveryStepAndRule) {
  auto s = Parse(kFull);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->name, "every step");
  EXPECT_EQ(s->config.settings.keepalive, std::chrono::minutes(5));
  ASSERT_THAT(s->config.seeds.secrets, SizeIs(1));
  EXPECT_THAT(s->caches, ::testing::ElementsAre("orders", "users"));
  ASSERT_THAT(s->steps, SizeIs(11));
  EXPECT_EQ(s->steps[0].kind, Step::Kind::kInvoke);
  EXPECT_EQ(s->steps[0].payload, "{}");
  EXPECT_EQ(s->steps[1].payload, R"({"orderId":42,"tag":"7"})");
  EXPECT_EQ(s->steps[1].count, 9);
  EXPECT_EQ(s->steps[1].concurrency, 3);
  EXPECT_EQ(s->steps[1].line, 10);
  EXPECT_EQ(s->steps[1].text, "invoke echo x9 (concurrency 3)");
  EXPECT_EQ(s->steps[2].payload, R"({"raw":true})");
  EXPECT_EQ(s->steps[2].invocation_type, "Event");
  EXPECT_EQ(s->steps[3].duration, std::chrono::minutes(11));
  EXPECT_EQ(s->steps[4].kind, Step::Kind::kReap);
  EXPECT_EQ(s->steps[5].function, "echo");
  EXPECT_EQ(s->steps[6].instance, 2);
  EXPECT_EQ(s->steps[7].service, "momento");
  EXPECT_EQ(s->steps[7].spec["rpc"], "Get");
  EXPECT_EQ(s->steps[7].spec["count"], 1);
  EXPECT_EQ(s->steps[8].kind, Step::Kind::kClearFaults);
  EXPECT_EQ(s->steps[8].service, "");
  EXPECT_EQ(*s->steps[9].value, R"({"MOMENTO_API_KEY":"k2"})");
  EXPECT_EQ(s->steps[10].event_kind, "instance.gone");
  EXPECT_EQ(s->steps[10].duration, std::chrono::seconds(30));
  ASSERT_THAT(s->expectations, SizeIs(3));  // the file's two, then the default rule
  EXPECT_EQ(s->expectations[2].text, "package.errors == 0");
  EXPECT_EQ(s->expectations[2].line, 0);
  EXPECT_EQ(s->expectations[0].line, 21);
  EXPECT_EQ(s->expectations[1].text, "duration.warm.p99 < 50ms");
}

TEST(ScenarioTest, AStatedPackageRuleReplacesTheDefault) {
  auto s = Parse(R"(functions:
  echo: {runtime: provided.al2023, handler: echo, code: "{{echo}}"}
steps: [invoke: echo]
expect:
  - package.errors <= 2
  - errors == 0
)");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_THAT(s->expectations, SizeIs(2));
  EXPECT_EQ(s->expectations[0].text, "package.errors <= 2");
  EXPECT_EQ(s->expectations[0].line, 5);
}

TEST(ScenarioTest, ErrorsNameFileLineAndWhat) {
  const std::string head =
      "functions:\n  echo: {runtime: provided.al2023, handler: echo, "
      "code: \"{{echo}}\"}\n";
  auto error = [&](const std::string& rest) {
    auto s = Parse(head + rest);
    EXPECT_FALSE(s.ok());
    return std::string(s.status().message());
  };
  EXPECT_EQ(error("steps:\n  - invoke: echo\n  - jump: 3\nexpect: [errors == 0]\n"),
            "s.yaml:5: steps[2]: unknown step 'jump' (expected one of: invoke, advance, reap, "
            "kill, fault, clear_faults, rotate_secret, wait_for)");
  EXPECT_THAT(error("steps:\n  - invoke: {function: ech}\nexpect: [errors == 0]\n"),
              HasSubstr("s.yaml:4: steps[1].invoke.function: function 'ech' is not defined "
                        "(defined: echo)"));
  EXPECT_THAT(error("steps:\n  - invoke: {function: echo, count: 0}\nexpect: [errors == 0]\n"),
              HasSubstr("s.yaml:4: steps[1].invoke.count: must be between 1 and 100000"));
  EXPECT_THAT(error("steps:\n  - advance: soon\nexpect: [errors == 0]\n"),
              HasSubstr("s.yaml:4: steps[1].advance:"));
  EXPECT_THAT(error("steps:\n  - invoke: echo\nexpect:\n  - errors == 0\n  - erors == 0\n"),
              HasSubstr("s.yaml:7: expect[2]: unknown metric 'erors'"));
  EXPECT_THAT(error("steps:\n  - fault: {service: s3}\nexpect: [errors == 0]\n"),
              HasSubstr("s.yaml:4: steps[1].fault.service: service must be momento or aws"));
  EXPECT_THAT(error("stepz: []\n"), HasSubstr("s.yaml:3: stepz: unknown key"));
  EXPECT_THAT(error("steps:\n  - invoke: echo\n"), HasSubstr("expect: expected a non-empty list"));
  EXPECT_THAT(error("config: other.yaml\nsteps: [invoke: echo]\nexpect: [errors == 0]\n"),
              HasSubstr("s.yaml:3: config: give either config:"));
}

TEST(ScenarioTest, AConfigNameTheSystemRefusesIsAnErrorNotAnException) {
  // Found by the scenario fuzzer: std::filesystem::exists threw on ENAMETOOLONG.
  const std::string name(5000, 'x');
  absl::StatusOr<Scenario> s;
  ASSERT_NO_THROW(s = ParseScenario("config: " + name + ".yaml\nsteps: [invoke: echo]\n"
                                    "expect: [errors == 0]\n",
                                    "s.yaml", std::filesystem::temp_directory_path()));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("s.yaml:1: config: no such file: "));
  EXPECT_THAT(s.status().message(), HasSubstr("File name too long"));
}

TEST(ScenarioTest, InlineFunctionErrorsKeepTheScenarioLines) {
  auto s = Parse(
      "name: x\nsteps:\n  - invoke: echo\nfunctions:\n  echo:\n    runtime: "
      "provided.al2023\n    memry: 128\nexpect: [errors == 0]\n");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("s.yaml:7: functions.echo.memry: unknown key"));
}

TEST(ScenarioTest, ConfigFileWithScenarioSettingsAndSeedsOverIt) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("thaw-scenario-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "app");
  std::ofstream(dir / "app" / "thaw.yaml") << WithEcho(
      "functions:\n  echo: {runtime: provided.al2023, handler: echo, code: "
      "\"{{echo}}\"}\nsettings: {keepalive: 1m, freeze: false}\nsecrets:\n  a: one\n  "
      "b: two\n");
  std::ofstream(dir / "scenario.yaml")
      << "config: app/thaw.yaml\nsettings: {keepalive: 0}\nsecrets: {b: three, c: four}\n"
         "steps: [invoke: echo]\nexpect: [invocations == 1]\n";
  auto s = LoadScenarioFile(dir / "scenario.yaml");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->config.settings.keepalive, std::chrono::milliseconds(0));  // the scenario's
  EXPECT_FALSE(s->config.settings.freeze);                                // the file's
  ASSERT_THAT(s->config.seeds.secrets, SizeIs(3));
  EXPECT_EQ(s->config.seeds.secrets[1].value, "three");
  std::ofstream(dir / "bad.yaml") << "config: app/thaw.yaml\nsettings:\n  keepalive: never\n"
                                     "steps: [invoke: echo]\nexpect: [invocations == 1]\n";
  auto bad = LoadScenarioFile(dir / "bad.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("bad.yaml:3: settings.keepalive"));
  std::filesystem::remove_all(dir);
}

TEST(ScenarioTest, ParameterOverridesReachTheConfigTemplate) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("thaw-scenario-overrides-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "template.yaml") << WithEcho(
      "Parameters:\n  Greeting: {Type: String}\nResources:\n  echo:\n"
      "    Type: AWS::Lambda::Function\n    Properties:\n"
      "      Runtime: provided.al2023\n      Handler: echo\n"
      "      Code: \"{{echo}}\"\n"
      "      Environment: {Variables: {GREETING: !Ref Greeting}}\n");
  std::ofstream(dir / "scenario.yaml")
      << "config: template.yaml\nsteps: [invoke: echo]\nexpect: [invocations == 1]\n";
  LoadOptions options;
  options.parameter_overrides = {{"Greeting", "hi"}};
  auto s = LoadScenarioFile(dir / "scenario.yaml", options);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->config.functions.at("echo").environment.at("GREETING"), "hi");
  std::filesystem::remove_all(dir);
}

// --overlay goes over the template, the scenario's own seeds over both; either may name a
// template's secret by its logical id.
TEST(ScenarioTest, AnOverlayAndTheScenarioSeedTemplateSecretsByLogicalId) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("thaw-scenario-overlay-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "template.yaml") << WithEcho(
      "Resources:\n  Key:\n    Type: AWS::SecretsManager::Secret\n"
      "  Other:\n    Type: AWS::SecretsManager::Secret\n    Properties: {Name: other}\n"
      "  echo:\n    Type: AWS::Lambda::Function\n    Properties:\n"
      "      Runtime: provided.al2023\n      Handler: echo\n      Code: \"{{echo}}\"\n");
  std::ofstream(dir / "scenario.yaml")
      << "config: template.yaml\nsecrets: {Key: from-the-scenario}\n"
         "steps: [invoke: echo]\nexpect: [invocations == 1]\n";
  auto overlay = ParseConfigOverlay("secrets: {Key: from-the-overlay, Other: o}\ncaches: [c]\n",
                                    "overlay.yaml", dir);
  ASSERT_TRUE(overlay.ok()) << overlay.status();
  LoadOptions options;
  options.overlay = *overlay;
  auto s = LoadScenarioFile(dir / "scenario.yaml", options);
  ASSERT_TRUE(s.ok()) << s.status();
  const std::string key = s->config.secret_ids.at("Key");
  ASSERT_THAT(s->config.seeds.secrets, SizeIs(2));
  EXPECT_EQ(s->config.seeds.secrets[0].name, key);
  EXPECT_EQ(s->config.seeds.secrets[0].value, "from-the-scenario");
  EXPECT_EQ(s->config.seeds.secrets[1].name, "other");
  EXPECT_EQ(s->config.seeds.secrets[1].value, "o");
  EXPECT_EQ(s->config.caches, std::vector<std::string>{"c"});
  // What the functions are built from stays the config file's business.
  std::ofstream(dir / "bad.yaml") << "config: template.yaml\nsettings:\n  isolation: process\n"
                                     "steps: [invoke: echo]\nexpect: [invocations == 1]\n";
  auto bad = LoadScenarioFile(dir / "bad.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), AllOf(HasSubstr("bad.yaml:3: settings.isolation"),
                                            HasSubstr("cannot be overridden by a scenario")));
  std::filesystem::remove_all(dir);
}

TEST(JunitTest, OneTestcasePerExpectationAndFailedStep) {
  auto s = Parse(kFull);
  ASSERT_TRUE(s.ok()) << s.status();
  s->name = "a <b> & \"c\"";
  RunResult run;
  run.steps.push_back({&s->steps[0], true, false, "1 ok", 0.1});
  run.steps.push_back({&s->steps[1], false, false, "timed out <here>", 0.2});
  run.steps.push_back({&s->steps[2], false, true, "skipped", 0});
  ExpectationResult pass{s->expectations[0], true, "1 on each of 2 instances", {}};
  ExpectationResult fail{s->expectations[1], false, "73 ms", {"instance 2 (echo) had ..."}};
  run.expectations = {pass, fail};
  const std::string xml = RenderJunit(*s, run);
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"a &lt;b&gt; &amp; &quot;c&quot;\" tests=\"3\" "
                             "failures=\"1\" errors=\"1\""));
  EXPECT_THAT(xml, HasSubstr("<testcase name=\"momento.data_connections per instance == 1\""));
  EXPECT_THAT(xml, HasSubstr("<failure message=\"duration.warm.p99 &lt; 50ms (73 ms)\""));
  EXPECT_THAT(xml, HasSubstr("instance 2 (echo) had ...\ns.yaml:22</failure>"));
  EXPECT_THAT(xml, HasSubstr("<error message=\"timed out &lt;here&gt;\">"));
  EXPECT_EQ(MarkupEscape(std::string("a\x01"
                                     "b")),
            "a\xEF\xBF\xBD"
            "b");
}

// --defaults: the cause rules for each function that reached a fake, after the run; a metric
// the scenario states a rule on keeps its own.
TEST(CauseRulesTest, OneSetPerFunctionThatReachedAFakeUnlessStated) {
  Scenario scenario;
  scenario.expectations.push_back(*ParseExpectation("swallowed_failures <= 1"));
  Ledger ledger;
  ledger.Append(1, "orders", "momento.connection.opened", {{"connection", "c"}});
  ledger.Append(1, "orders", "aws.request", {{"operation", "GetSecretValue"}});
  ledger.Append(2, "params", "aws.request", {{"operation", "GetParameter"}});
  ledger.Append(3, "quiet", "invoke.end", {{"outcome", "success"}});
  std::vector<std::string> rules;
  for (const Expectation& x : CauseRules(scenario, ledger.Since(0))) {
    rules.push_back(x.text);
    EXPECT_EQ(x.line, 0);
  }
  EXPECT_EQ(rules,
            (std::vector<std::string>{"momento.unprovoked_connections per instance for orders == 0",
                                      "aws.GetSecretValue.unprovoked per instance for orders == 0",
                                      "events.sandbox.egress_blocked for orders == 0",
                                      "aws.GetParameter.unprovoked per instance for params == 0",
                                      "events.sandbox.egress_blocked for params == 0"}));
}

}  // namespace
}  // namespace thaw::check
