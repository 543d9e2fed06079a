// thaw check end to end: the Node.js samples' verdicts through the `thaw` binary (the standard
// pattern passes, the two classic mistakes fail naming the rule and the instance), its output
// files, scenario errors (exit 2), and every kind of step run in-process on real processes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "check/scenario.h"
#include "check/scenario_runner.h"
#include "core/fault_target.h"
#include "nlohmann/json.hpp"
#include "tests/util/run_thaw.h"
#include "tests/util/test_emulator.h"

namespace thaw::check {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::SizeIs;

using CliResult = testing::ThawRun;
using testing::RunThaw;

std::string Sample(const std::string& name) {
  const std::string dir = std::string(THAW_SOURCE_DIR) + "/samples/" + name;
  if (!std::filesystem::exists(dir + "/node_modules/@gomomento/sdk")) {
    ADD_FAILURE() << dir << "/node_modules is missing: run scripts/install-test-deps.sh first";
  }
  return "samples/" + name + "/scenario.yaml";
}

class CheckCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("thaw-check-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

TEST_F(CheckCliTest, NodeMomentoPassesAndWritesJunitEventsAndReport) {
  const CliResult r = RunThaw({"check", Sample("node-momento"), "--junit", Path("j.xml"),
                               "--events", Path("e.jsonl"), "--report", Path("r.html")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("[4/4] invoke orders x3 ... ok 3 ok"));
  EXPECT_THAT(r.out, HasSubstr("PASS  momento.data_connections per instance == 1  "
                               "(1 on each of 4 instances)"));
  EXPECT_THAT(r.out, HasSubstr("PASS  aws.GetSecretValue per instance <= 1"));
  EXPECT_THAT(r.out, HasSubstr("PASSED node-momento: all 7 expectations hold"));
  EXPECT_THAT(r.out, ContainsRegex("total +4 inst\\. +4 cold +17 +0 +4 +4 +4"));
  // No colour when stdout is not a terminal.
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("\033[")));

  // JUnit: well-formed, one testcase per expectation, none failed.
  EXPECT_EQ(std::system(("xmllint --noout " + Path("j.xml")).c_str()), 0) << "JUnit not XML";
  std::ifstream junit(Path("j.xml"));
  std::stringstream xml;
  xml << junit.rdbuf();
  EXPECT_THAT(xml.str(), HasSubstr("tests=\"7\" failures=\"0\" errors=\"0\""));
  EXPECT_THAT(xml.str(), HasSubstr("<testcase name=\"aws.GetSecretValue per instance &lt;= 1\""));

  // Events: the whole ledger, one JSON object a line, seqs dense from 1.
  std::ifstream events(Path("e.jsonl"));
  uint64_t expected_seq = 1;
  size_t opened = 0;
  for (std::string line; std::getline(events, line); ++expected_seq) {
    const auto event = nlohmann::json::parse(line);
    EXPECT_EQ(event["seq"].get<uint64_t>(), expected_seq);
    if (event["kind"] == "momento.connection.opened") ++opened;
  }
  EXPECT_GT(expected_seq, 50u);
  EXPECT_EQ(opened, 4u);
  EXPECT_TRUE(std::filesystem::exists(Path("r.html")));
  EXPECT_THAT(r.out, HasSubstr("Report: " + Path("r.html")));
}

// The per-invoke twins break one rule each. Under the sanitizers (THAW_TEST_SLOWDOWN > 1) a new
// TLS connection or secret fetch on every invoke can also take the warm p99 past the samples'
// `duration.warm.p99 < 1s`: that rule's verdict is then the machine's, not the twin's.
void ExpectOnlyThatRuleFailed(const std::string& out, const std::string& sample) {
  if (testing::Slowdown() == 1) {
    EXPECT_THAT(out, HasSubstr("FAILED " + sample + ": 1 of 7 expectations failed"));
    return;
  }
  EXPECT_THAT(out, ContainsRegex("FAILED " + sample + ": [12] of 7 expectations failed"));
  if (out.find(": 2 of 7") != std::string::npos) {
    EXPECT_THAT(out, HasSubstr("FAIL  duration.warm.p99 < 1s"));
  }
}

TEST_F(CheckCliTest, ClientPerInvokeFailsNamingTheRuleAndTheInstance) {
  const CliResult r =
      RunThaw({"check", Sample("node-client-per-invoke"), "--junit", Path("j.xml")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("FAIL  momento.data_connections per instance == 1"));
  EXPECT_THAT(r.out, ContainsRegex("instance [0-9]+ \\(orders\\) opened [0-9]+ Momento data "
                                   "connections, one per invoke: at seq [0-9]+, [0-9]+"));
  EXPECT_THAT(r.out, HasSubstr("samples/node-client-per-invoke/scenario.yaml:14"));
  // The other mistake is not this function's: its secret is fetched once per instance.
  EXPECT_THAT(r.out, HasSubstr("PASS  aws.GetSecretValue per instance <= 1"));
  ExpectOnlyThatRuleFailed(r.out, "node-client-per-invoke");
  std::ifstream junit(Path("j.xml"));
  std::stringstream xml;
  xml << junit.rdbuf();
  // The JUnit file counts what the output says failed (ExpectOnlyThatRuleFailed: under a
  // sanitizer, possibly the warm p99 too).
  const bool p99_failed =
      testing::Slowdown() > 1 && r.out.find("FAIL  duration.warm.p99 < 1s") != std::string::npos;
  EXPECT_THAT(xml.str(), HasSubstr(p99_failed ? "failures=\"2\"" : "failures=\"1\""));
  EXPECT_THAT(xml.str(), HasSubstr("<failure message=\"momento.data_connections per instance == "
                                   "1"));
}

TEST_F(CheckCliTest, SecretPerInvokeFailsNamingTheRuleAndTheInstance) {
  const CliResult r = RunThaw({"check", Sample("node-secret-per-invoke")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("FAIL  aws.GetSecretValue per instance <= 1"));
  EXPECT_THAT(r.out, ContainsRegex("instance [0-9]+ \\(orders\\) made [0-9]+ GetSecretValue "
                                   "calls, one per invoke: at seq [0-9]+, [0-9]+"));
  EXPECT_THAT(r.out, HasSubstr("PASS  momento.data_connections per instance == 1"));
  ExpectOnlyThatRuleFailed(r.out, "node-secret-per-invoke");
}

// The guide's handler, copied as it is (aws-sdk v2 + @gomomento/sdk fromString): it reaches both
// fakes by their real names over TLS inside its sandbox, with exact counts, and the key it got
// is the one minted for its instance.
TEST_F(CheckCliTest, TheGuidesHandlerPassesWithNoLineChanged) {
  std::ifstream source(std::string(THAW_SOURCE_DIR) + "/samples/node-guide/index.js");
  const std::string code((std::istreambuf_iterator<char>(source)), {});
  for (const char* local_only : {"THAW_", "endpointOverrides", "endpoint:", "127.0.0.1",
                                 "localhost", "secureConnection", "AWS_ENDPOINT_URL"}) {
    EXPECT_THAT(code, ::testing::Not(HasSubstr(local_only))) << "a local-only line in the sample";
  }
  const std::string events = Path("events.jsonl");
  const CliResult r = RunThaw({"check", Sample("node-guide"), "--events", events});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASS  momento.data_connections per instance == 1"));
  EXPECT_THAT(r.out, HasSubstr("PASS  aws.GetSecretValue per instance == 1"));
  EXPECT_THAT(r.out, HasSubstr("PASSED node-guide"));
  std::ifstream in(events);
  int minted = 0;
  int other = 0;
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
    if (!event.is_object() || event.value("kind", "") != "momento.rpc") continue;
    const std::string key = event["attrs"].value("key", "");
    (key == "minted" ? minted : other)++;
  }
  EXPECT_GT(minted, 0);
  EXPECT_EQ(other, 0) << "every RPC carried the key minted for its instance";
}

// thaw.yaml's `caches:` exist for `thaw invoke` too: the guide's handler, outside any scenario,
// finds its cache (a missing one would be NotFoundError, thrown by the handler) and answers
// from it on the second event.
TEST_F(CheckCliTest, TheCachesOfAThawYamlExistForInvoke) {
  Sample("node-guide");  // its node_modules
  const CliResult r = RunThaw(
      {"invoke", "guide", "--config", "samples/node-guide/thaw.yaml", "--count", "2", "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("\\\"cached\\\":false"));
  EXPECT_THAT(r.out, HasSubstr("\\\"cached\\\":true"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("errorType")));
}

// The runtime's own SDK, not bundled (samples/node-sdk-v3: the ES module and CommonJS handlers
// of a SAM template import @aws-sdk/client-secrets-manager as Lambda's runtimes allow): exact
// counts, and nothing tried to leave the machine.
TEST_F(CheckCliTest, HandlersImportingTheRuntimesSdkUnbundledPass) {
  // No node_modules of its own: the SDK comes from the runtime.
  const CliResult r = RunThaw({"check", "samples/node-sdk-v3/scenario.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASS  aws.GetSecretValue per instance == 1"));
  EXPECT_THAT(r.out, HasSubstr("PASS  events.sandbox.egress_blocked == 0"));
  EXPECT_THAT(r.out, HasSubstr("PASSED node-sdk-v3"));
}

// A real `cdk synth` output, as it is: code from aws:asset:path, the grant CDK writes as an
// AWS::IAM::Policy, the SDK from the runtime; exact counts.
TEST_F(CheckCliTest, ACdkCloudAssemblyRunsAsSynthesized) {
  const CliResult r = RunThaw({"check", "tests/integration/cdk/scenario.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASS  aws.GetSecretValue per instance == 1  (1 on each of 2 "
                               "instances)"));
  EXPECT_THAT(r.out, HasSubstr("PASSED cdk-simple-get"));
}

// A real `cdk synth` of NodejsFunctions bundled by esbuild (ES module and CommonJS), its
// generated secret seeded by logical id from the scenario: exact counts, nothing edited.
TEST_F(CheckCliTest, CdkNodejsFunctionsRunAsSynthesized) {
  const std::string events = Path("events.jsonl");
  const CliResult r =
      RunThaw({"check", "tests/integration/cdk-nodejs/scenario.yaml", "--events", events});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASS  aws.GetSecretValue per instance == 1  (1 on each of 3 "
                               "instances)"));
  EXPECT_THAT(r.out, HasSubstr("PASSED cdk-nodejs-function"));
  // Each handler read the value given by logical id (the generated name's secret).
  std::ifstream in(events);
  int reads = 0;
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
    if (!event.is_object() || event.value("kind", "") != "aws.request") continue;
    if (event["attrs"].value("operation", "") != "GetSecretValue") continue;
    EXPECT_THAT(event["attrs"].value("secret", ""), HasSubstr("MomentoApiKeyE17C2D6B-")) << line;
    EXPECT_EQ(event["attrs"].value("outcome", ""), "ok") << line;
    ++reads;
  }
  EXPECT_EQ(reads, 3);
}

// A v2 key (fromEnvVarV2 with {{momento_api_key_v2}} and {{momento_endpoint}}) and a key the user
// seeded, naming another Momento cell: both reach the fake over TLS with no override.
TEST_F(CheckCliTest, V2AndUserSeededMomentoKeysWorkUnchanged) {
  if (!std::filesystem::exists(std::string(THAW_SOURCE_DIR) +
                               "/tests/conformance/momento/node_modules/@gomomento/sdk")) {
    ADD_FAILURE() << "tests/conformance/momento/node_modules is missing: run "
                     "scripts/install-test-deps.sh first";
  }
  const std::string events = Path("events.jsonl");
  const CliResult r =
      RunThaw({"check", "tests/conformance/momento/keys/scenario.yaml", "--events", events});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASSED momento-keys"));
  std::ifstream in(events);
  std::map<std::string, std::set<std::string>> keys_by_function;
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
    if (!event.is_object() || event.value("kind", "") != "momento.rpc") continue;
    keys_by_function[event.value("function", "")].insert(event["attrs"].value("key", ""));
  }
  EXPECT_EQ(keys_by_function["v2"], std::set<std::string>{"minted"});
  EXPECT_EQ(keys_by_function["seeded"], std::set<std::string>{"not-minted"})
      << "a user's own key is served locally and recorded as not minted";
}

// Without a sandbox (isolation: process) the guide's aws-sdk v2 ignores AWS_ENDPOINT_URL and goes
// for the real endpoint: the run fails loudly, naming the host and the fix. thaw runs in a
// network namespace of the test's own (loopback only), so nothing can leave the machine.
TEST_F(CheckCliTest, WithoutASandboxAnSdkIgnoringTheEndpointFailsLoudly) {
  const std::string root = THAW_SOURCE_DIR;
  std::ofstream(Path("thaw.yaml"))
      << "functions:\n"
         "  guide:\n"
         "    runtime: nodejs20.x\n"
         "    handler: index.handler\n"
         "    code: \""
      << root << "/samples/node-guide\"\n"
      << "    timeout: 10\n"
         "secrets:\n"
         "  momento/api-key: {value: {MOMENTO_API_KEY: \"{{momento_api_key}}\"}}\n"
         "settings: {isolation: process}\n";
  std::ofstream(Path("scenario.yaml")) << "name: fallback\n"
                                          "config: thaw.yaml\n"
                                          "steps:\n"
                                          "  - invoke: {function: guide, count: 1}\n"
                                          "expect:\n"
                                          "  - errors == 0\n";
  const std::string command =
      "unshare -rn sh -c 'ip link set lo up && exec \"" THAW_BINARY "\" check \"" +
      Path("scenario.yaml") + "\"' >\"" + Path("out.txt") + "\" 2>\"" + Path("err.txt") + "\"";
  const int status = std::system(command.c_str());
  std::ifstream out(Path("out.txt"));
  std::ifstream err(Path("err.txt"));
  const std::string stdout_text((std::istreambuf_iterator<char>(out)), {});
  const std::string stderr_text((std::istreambuf_iterator<char>(err)), {});
  ASSERT_TRUE(WIFEXITED(status)) << stderr_text;
  EXPECT_EQ(WEXITSTATUS(status), 1) << stdout_text << stderr_text;
  EXPECT_THAT(stdout_text, HasSubstr("FAIL  errors == 0"));
  // The failing rule says why, too.
  EXPECT_THAT(stdout_text, HasSubstr("failed invocations: at seq"));
  EXPECT_THAT(stdout_text, HasSubstr(" — the function tried to reach "
                                     "secretsmanager.us-east-1.amazonaws.com itself"));
  EXPECT_THAT(stderr_text, HasSubstr("thaw: guide: the function tried to reach "
                                     "secretsmanager.us-east-1.amazonaws.com itself"))
      << stdout_text << stderr_text;
}

// The C++ and Python samples' scenarios (every sample's scenario runs in CI).
TEST_F(CheckCliTest, CppMomentoSamplePasses) {
  const CliResult r = RunThaw({"check", "samples/cpp-momento/scenario.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASS  momento.data_connections per instance == 1"));
  EXPECT_THAT(r.out, HasSubstr("PASSED cpp-momento"));
}

TEST_F(CheckCliTest, PythonSecretsSamplePasses) {
  const CliResult r = RunThaw({"check", "samples/python-secrets/scenario.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASS  aws.GetSecretValue per instance == 1"));
  EXPECT_THAT(r.out, HasSubstr("PASSED python-secrets"));
}

// Fault steps reach the real fakes' fault targets (EmulatorSession registers both).
TEST_F(CheckCliTest, MomentoFaultStepsActOnTheRealFake) {
  const CliResult r = RunThaw({"check", "tests/integration/scenarios/cpp-momento-faults.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("fault momento-1 installed"));
  EXPECT_THAT(r.out, HasSubstr("PASS  momento.data_connections per instance == 2"));
}

TEST_F(CheckCliTest, AwsFaultStepsActOnTheRealFake) {
  const CliResult r = RunThaw({"check", "tests/integration/scenarios/python-secrets-faults.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASS  aws.errors == 2"));
  EXPECT_THAT(r.out, HasSubstr("PASSED python-secrets-faults"));
}

TEST_F(CheckCliTest, ScenarioErrorsExitTwoWithFileAndLine) {
  std::ofstream(Path("bad.yaml")) << "functions:\n  echo: {runtime: provided.al2023, handler: "
                                     "echo, code: \""
                                  << thaw::testing::EchoDir()
                                  << "\"}\nsteps:\n  - invoke: {function: echo, count: many}\n"
                                     "expect: [errors == 0]\n";
  CliResult r = RunThaw({"check", Path("bad.yaml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "thaw: " + Path("bad.yaml") +
                       ":4: steps[1].invoke.count: expected an integer, got 'many'\n");
  r = RunThaw({"check", Path("missing.yaml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("cannot read the scenario file"));
  r = RunThaw({"check"});
  EXPECT_EQ(r.exit_code, 2);
}

// A scenario of one function, `code` its directory, with `rules` (YAML list items).
std::string OneFunctionScenario(const std::string& name, const std::string& code,
                                const std::string& rules) {
  return "name: " + name +
         "\nsettings: {isolation: process, virtual_time: false}\nfunctions:\n  f: {runtime: "
         "provided.al2023, "
         "handler: echo, code: \"" +
         code + "\"}\nsteps:\n  - invoke: {function: f, count: 2}\nexpect: [" + rules + "]\n";
}

// A function whose bootstrap runs `shell` (its init), then is the echo function. (Without
// virtual time: its preload, chosen for bash, would reach an ASan-built echo before ASan's
// runtime, which refuses to start then.)
std::string ShellThenEcho(const std::filesystem::path& dir, const std::string& shell) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "bootstrap")
      << "#!/bin/bash\n"
      << shell << "\nexec " << thaw::testing::EchoDir() << "/bootstrap\n";
  std::filesystem::permissions(dir / "bootstrap", std::filesystem::perms::owner_all);
  return dir.string();
}

// `thaw check DIR`: every scenario under it (dependencies and other YAML left out), in
// parallel, one block each, a summary and one JUnit file. The two that pass can only pass
// together: their inits meet on a FIFO (one writes, the other reads; each open blocks until
// the other side comes), so run one at a time, both would time out.
TEST_F(CheckCliTest, ADirectoryRunsEveryScenarioInParallelWithOneJunitFile) {
  const std::string fifo = Path("meet");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string suite = Path("suite");
  std::filesystem::create_directories(suite + "/a");
  std::filesystem::create_directories(suite + "/b");
  std::filesystem::create_directories(suite + "/c");
  std::filesystem::create_directories(suite + "/node_modules/dep");
  std::ofstream(suite + "/a/scenario.yaml")
      << OneFunctionScenario("writer", ShellThenEcho(Path("code-a"), "echo hello > " + fifo),
                             "invocations == 2, errors == 0");
  std::ofstream(suite + "/b/scenario.yaml")
      << OneFunctionScenario("reader", ShellThenEcho(Path("code-b"), "read line < " + fifo),
                             "invocations == 2, errors == 0");
  std::ofstream(suite + "/c/wrong.scenario.yaml")
      << OneFunctionScenario("wrong", thaw::testing::EchoDir(), "invocations == 3");
  std::ofstream(suite + "/bad.scenario.yaml") << "name: bad\nsteps: 7\n";
  std::ofstream(suite + "/c/thaw.yaml") << "not: a scenario\n";
  std::ofstream(suite + "/node_modules/dep/scenario.yaml") << "not: ours\n";

  const CliResult r = RunThaw({"check", suite, "-j", "2", "--junit", Path("j.xml"), "--report",
                               Path("reports"), "--events", Path("events")});
  // One scenario could not be loaded: 2, over the failure's 1.
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("thaw check: 4 scenarios, 2 at a time\n"));
  EXPECT_THAT(r.out, HasSubstr("PASSED writer: all 3 expectations hold"));
  EXPECT_THAT(r.out, HasSubstr("PASSED reader: all 3 expectations hold"));
  EXPECT_THAT(r.out, HasSubstr("FAILED wrong: 1 of 2 expectations failed"));
  EXPECT_THAT(r.out, HasSubstr("thaw check: " + suite + "/bad.scenario.yaml: not loaded\n"));
  EXPECT_THAT(r.out, ContainsRegex("PASS +writer +" + suite + "/a/scenario.yaml +3/3 rules hold"));
  EXPECT_THAT(r.out, ContainsRegex("PASS +reader +" + suite + "/b/scenario.yaml +3/3 rules hold"));
  EXPECT_THAT(r.out,
              ContainsRegex("FAIL +wrong +" + suite + "/c/wrong.scenario.yaml +1/2 rules hold"));
  EXPECT_THAT(r.out, ContainsRegex("ERROR +" + suite + "/bad.scenario.yaml +- +" + suite +
                                   "/bad.scenario.yaml:1: config: "));
  EXPECT_THAT(r.out, HasSubstr("4 scenarios: 2 passed, 1 failed, 1 error, 0 not run"));
  // Each block is whole: a scenario's verdict follows its own header, nothing in between.
  EXPECT_THAT(r.out, ContainsRegex("thaw check: reader \\([^\n]*\n(  [^\n]*\n|\n|[^t\n][^\n]*\n)*"
                                   "PASSED reader"));

  EXPECT_EQ(std::system(("xmllint --noout " + Path("j.xml")).c_str()), 0) << "JUnit not XML";
  std::ifstream junit(Path("j.xml"));
  std::stringstream xml;
  xml << junit.rdbuf();
  EXPECT_THAT(xml.str(), HasSubstr("<testsuites name=\"thaw check\" tests=\"9\" failures=\"1\" "
                                   "errors=\"1\" skipped=\"0\""));
  for (const std::string name : {"writer", "reader", "wrong"}) {
    EXPECT_THAT(xml.str(), HasSubstr("<testsuite name=\"" + name + "\"")) << name;
  }
  EXPECT_THAT(xml.str(), HasSubstr("<testsuite name=\"" + suite + "/bad.scenario.yaml\""));
  // One report and one events file per scenario that ran, named after its path.
  std::set<std::string> reports;
  for (const auto& entry : std::filesystem::directory_iterator(Path("reports"))) {
    reports.insert(entry.path().filename().string());
  }
  const std::string stem = std::filesystem::path(suite).relative_path().string();
  std::string flat = stem;
  std::replace(flat.begin(), flat.end(), '/', '_');
  EXPECT_EQ(reports, (std::set<std::string>{flat + "_a.html", flat + "_b.html",
                                            flat + "_c_wrong.scenario.html"}));
  EXPECT_TRUE(std::filesystem::exists(Path("events") + "/" + flat + "_b.jsonl"));
}

// --filter keeps the scenarios whose file or name it matches; --fail-fast starts none after a
// failure, and what it did not run is said (summary, JUnit skipped).
TEST_F(CheckCliTest, FilterAndFailFastNarrowARunOfMany) {
  const std::string wrong = Path("wrong.scenario.yaml");
  const std::string right = Path("right.scenario.yaml");
  std::ofstream(wrong) << OneFunctionScenario("wrong", thaw::testing::EchoDir(),
                                              "invocations == 3");
  std::ofstream(right) << OneFunctionScenario("right", thaw::testing::EchoDir(),
                                              "invocations == 2");

  CliResult r = RunThaw({"check", dir_.string(), "--filter", "^righ"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 scenarios: 1 passed, 0 failed, 0 errors, 0 not run"));

  r = RunThaw({"check", wrong, right, "-j", "1", "--fail-fast", "--junit", Path("j.xml")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("stopping at the first failure"));
  EXPECT_THAT(r.out, ContainsRegex("-  +right +" + right + " +- +not run \\(--fail-fast\\)"));
  EXPECT_THAT(r.out, HasSubstr("2 scenarios: 0 passed, 1 failed, 0 errors, 1 not run"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("thaw check: right")));
  std::ifstream junit(Path("j.xml"));
  std::stringstream xml;
  xml << junit.rdbuf();
  EXPECT_THAT(xml.str(), HasSubstr("<skipped message=\"not run: --fail-fast stopped the run\"/>"));

  r = RunThaw({"check", dir_.string(), "--filter", "nothing"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "thaw: --filter nothing: matches none of the 2 scenarios\n");
  r = RunThaw({"check", dir_.string(), "--filter", "(("});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("thaw: --filter ((: not a regular expression"));
  r = RunThaw({"check", Path("empty-dir-that-is-missing/"), right});
  EXPECT_EQ(r.exit_code, 2);
}

// Rules that know the cause, on the real SDKs: the same steps (an idle drop past a 5 minute
// advance, then a reset of every open connection) for the standard pattern and its two
// mistakes, in one run of many. The module-scope client reconnects after each server-side drop
// and makes no unprovoked connection, though it has several data connections; the per-invoke
// client's connections and the per-invoke secret fetches are unprovoked, and named.
TEST_F(CheckCliTest, UnprovokedRulesPassAGoodClientUnderServerDropsAndNameEachMistake) {
  for (const std::string sample :
       {"node-momento", "node-client-per-invoke", "node-secret-per-invoke"}) {
    Sample(sample);
    std::ofstream(Path(sample + ".scenario.yaml"))
        << "name: " << sample << "\nconfig: " << THAW_SOURCE_DIR << "/samples/" << sample
        << "/thaw.yaml\ncaches: [orders]\nsteps:\n"
           "  - invoke: {function: orders, count: 3}\n"
           "  - fault: {service: momento, idle_drop: 4m}\n"
           "  - advance: 5m\n"
           "  - invoke: {function: orders, count: 3}\n"
           "  - clear_faults:\n"
           "  - fault: {service: momento, reset: true}\n"
           "  - invoke: {function: orders, count: 3}\n"
           "expect:\n"
           "  - momento.unprovoked_connections per instance == 0\n"
           "  - aws.GetSecretValue.unprovoked per instance == 0\n"
           "  - instances == 1\n";
  }
  const CliResult r = RunThaw({"check", dir_.string(), "-j", "2", "--events", Path("events")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASSED node-momento: all 4 expectations hold"));
  // The good client did lose its connection twice (closed by thaw) and reconnected.
  std::string stem = std::filesystem::path(Path("node-momento.scenario")).relative_path().string();
  std::replace(stem.begin(), stem.end(), '/', '_');
  std::ifstream events(Path("events") + "/" + stem + ".jsonl");
  int dropped = 0;
  for (std::string line; std::getline(events, line);) {
    const auto event = nlohmann::json::parse(line);
    if (event["kind"] == "momento.connection.closed" && event["attrs"]["by"] == "thaw" &&
        event["attrs"]["why"] != "instance_gone" && event["attrs"]["why"] != "shutdown") {
      ++dropped;
    }
  }
  EXPECT_GE(dropped, 2) << stem;
  EXPECT_THAT(r.out, HasSubstr("PASS  momento.unprovoked_connections per instance == 0  (0 on "
                               "each of 1 instance)"));
  EXPECT_THAT(r.out, HasSubstr("FAILED node-client-per-invoke: 1 of 4 expectations failed"));
  // One data connection per invoke; the first, and the first after each drop, are provoked: 9
  // invokes, 6 unprovoked. Under a sanitizer a cold client can miss Configurations.Lambda's
  // 1.1 s deadline (DEADLINE_EXCEEDED before its RPC reached the fake: a connection with no
  // RPC), so there the count is read against the data connections the table shows.
  const std::size_t section = r.out.find("thaw check: node-client-per-invoke (");
  const std::size_t section_end = r.out.find("FAILED node-client-per-invoke:", section);
  ASSERT_NE(section_end, std::string::npos) << r.out;
  std::smatch total;
  const std::string rest = r.out.substr(section, section_end - section);
  ASSERT_TRUE(std::regex_search(
      rest, total, std::regex("total +1 inst\\. +1 cold +9 +([0-9]+) +[0-9]+ +([0-9]+) ")))
      << rest;
  const int errors = std::stoi(total[1]);
  const int data_connections = std::stoi(total[2]);
  if (errors > 0) {
    ASSERT_GT(testing::Slowdown(), 1) << rest;
    EXPECT_THAT(rest, HasSubstr("DEADLINE_EXCEEDED")) << rest;
  } else {
    EXPECT_EQ(data_connections, 9) << rest;
  }
  EXPECT_THAT(r.out, ContainsRegex("instance [0-9]+ \\(orders\\) opened " +
                                   std::to_string(data_connections - 3) +
                                   " unprovoked Momento data connections: at seq "));
  EXPECT_THAT(r.out, HasSubstr("FAILED node-secret-per-invoke: 1 of 4 expectations failed"));
  EXPECT_THAT(r.out, ContainsRegex("instance [0-9]+ \\(orders\\) made 8 unprovoked "
                                   "GetSecretValue refetches"));
}

// A handler that catches every error and answers success (boto3, as users write it) passes
// `errors == 0` while every GetSecretValue it made failed. check says so without a rule (the
// table's failed calls, a warning naming the invocations), and --defaults fails it on
// swallowed_failures, naming what failed; a handler that fetches fine passes the same defaults.
TEST_F(CheckCliTest, DefaultsFailAHandlerThatSwallowsEveryFailure) {
  std::filesystem::create_directories(Path("swallow"));
  std::ofstream(Path("swallow/app.py"))
      << "import boto3\n"
         "client = boto3.client('secretsmanager')\n"
         "def handler(event, context):\n"
         "    try:\n"
         "        return client.get_secret_value(SecretId=event['secret'])['SecretString']\n"
         "    except Exception:\n"
         "        return {'statusCode': 500}\n";
  std::ofstream(Path("swallow.scenario.yaml"))
      << "name: swallow\nfunctions:\n  swallow: {runtime: python3.12, handler: app.handler, "
         "code: \""
      << Path("swallow")
      << "\"}\nsecrets:\n  app/key: {value: 'k'}\nsteps:\n"
         "  - invoke: {function: swallow, count: 2, payload: {secret: app/missing}}\n"
         "  - invoke: {function: swallow, count: 1, payload: {secret: app/key}}\n"
         "expect:\n  - errors == 0\n";

  CliResult r = RunThaw({"check", Path("swallow.scenario.yaml")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;  // no rule on it: a warning only
  EXPECT_THAT(r.out, ContainsRegex("failed calls"));
  // The step line says what failed during the step; the next step had no failure.
  EXPECT_THAT(r.out,
              ContainsRegex("invoke swallow x2 \\.\\.\\. ok .*; failed calls: GetSecretValue "
                            "ResourceNotFoundException ×2 \\("));
  EXPECT_THAT(r.out,
              ::testing::Not(ContainsRegex("invoke swallow \\.\\.\\. ok [^\n]*failed calls")));
  EXPECT_THAT(r.out, ContainsRegex("total +1 inst\\. +1 cold +3 +0 +0 +0 +3 +2 +0"));
  EXPECT_THAT(r.out, HasSubstr("warning: swallow answered success on 2 invocations in which every "
                               "call to a fake failed (the rule swallowed_failures == 0 fails "
                               "it):\n"));
  EXPECT_THAT(r.out, ContainsRegex("instance 1, seq [0-9]+: GetSecretValue "
                                   "ResourceNotFoundException\n"));

  r = RunThaw({"check", Path("swallow.scenario.yaml"), "--defaults"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("FAIL  swallowed_failures for swallow == 0  (2)"));
  EXPECT_THAT(r.out, ContainsRegex("swallow answered success on 2 invocations in which every call "
                                   "to a fake failed: at seq [0-9]+, [0-9]+ — seq [0-9]+: "
                                   "GetSecretValue ResourceNotFoundException; seq"));
  EXPECT_THAT(r.out, HasSubstr("a default rule (state a rule on swallowed_failures to replace "
                               "it)"));
  EXPECT_THAT(r.out, HasSubstr("PASS  aws.GetSecretValue.unprovoked per instance for swallow == "
                               "0"));
  EXPECT_THAT(r.out, HasSubstr("PASS  events.sandbox.egress_blocked for swallow == 0"));
  EXPECT_THAT(r.out, HasSubstr("FAILED swallow: 1 of 5 expectations failed"));

  // The sample that fetches its secret once per instance passes every default rule.
  r = RunThaw({"check", "samples/python-secrets/scenario.yaml", "--defaults"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASS  aws.GetSecretValue.unprovoked per instance for "
                               "python-secrets == 0"));
  EXPECT_THAT(r.out, HasSubstr("PASS  swallowed_failures for python-secrets == 0"));
}

// Records what fault steps hand to a fake.
class RecordingTarget : public FaultTarget {
 public:
  std::string_view service() const override { return "momento"; }
  absl::StatusOr<std::string> AddFault(const nlohmann::json& spec) override {
    if (spec.contains("bad")) return absl::InvalidArgumentError("bad: not a field");
    specs.push_back(spec);
    return "momento-" + std::to_string(specs.size());
  }
  bool RemoveFault(std::string_view) override { return false; }
  void ClearFaults() override { ++clears; }
  nlohmann::json ListFaults() const override { return nlohmann::json::array(); }

  std::vector<nlohmann::json> specs;
  int clears = 0;
};

Scenario ParseEcho(const std::string& yaml) {
  const std::string text =
      std::regex_replace(yaml, std::regex("\\{\\{echo\\}\\}"), thaw::testing::EchoDir());
  auto scenario = ParseScenario(text, "steps.yaml", std::filesystem::temp_directory_path());
  EXPECT_TRUE(scenario.ok()) << scenario.status();
  return *scenario;
}

TEST(ScenarioRunnerTest, RunsEveryKindOfStepOnRealInstances) {
  const Scenario scenario = ParseEcho(R"(name: steps
functions:
  echo: {runtime: provided.al2023, handler: echo, code: "{{echo}}"}
secrets:
  app/key: one
steps:
  - invoke: {function: echo, count: 3, concurrency: 3}
  - kill: {function: echo, instance: 2}
  - reap: echo
  - rotate_secret: {secret: app/key, value: two}
  - fault: {service: momento, rpc: Get, error: unavailable}
  - clear_faults: momento
  - invoke: {function: echo, type: Event}
  - wait_for: {event: invoke.async_done, function: echo, timeout: 30s}
expect:
  - instances == 4
  - cold_starts == 4
  - invocations == 4
  - errors == 0
  - events.aws.secret.rotated == 1
)");
  Ledger ledger;
  RecordingTarget target;
  ScenarioRunner::Options options;
  options.fault_targets = {&target};
  auto result = ScenarioRunner::Run(scenario, ledger, options);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_THAT(result->steps, SizeIs(8));
  for (const StepResult& s : result->steps) EXPECT_TRUE(s.ok) << s.step->text << ": " << s.detail;
  EXPECT_EQ(result->steps[0].detail, "3 ok");
  EXPECT_EQ(result->steps[1].detail, "killed instance 2");
  EXPECT_EQ(result->steps[2].detail, "reaped instances 1, 3");
  EXPECT_THAT(result->steps[3].detail, HasSubstr("new version "));
  EXPECT_EQ(result->steps[4].detail, "fault momento-1 installed");
  EXPECT_EQ(result->steps[6].detail, "1 queued");
  for (const ExpectationResult& x : result->expectations) {
    EXPECT_TRUE(x.passed) << x.expectation.text << ": " << x.measured;
  }
  EXPECT_TRUE(result->passed());
  ASSERT_THAT(target.specs, SizeIs(1));
  EXPECT_EQ(target.specs[0],
            nlohmann::json({{"service", "momento"}, {"rpc", "Get"}, {"error", "unavailable"}}));
  EXPECT_EQ(target.clears, 1);
  // The kill and the reap are in the ledger with their reasons, before the next step ran.
  std::map<int64_t, std::string> gone;
  uint64_t rotate_seq = 0;
  for (const Event& e : result->events) {
    if (e.kind == "instance.gone" && !rotate_seq) gone[e.instance] = e.attrs["reason"];
    if (e.kind == "scenario.step" && e.attrs["index"] == 4) rotate_seq = e.seq;
  }
  EXPECT_EQ(gone, (std::map<int64_t, std::string>{{1, "manual"}, {2, "killed"}, {3, "manual"}}));
}

TEST(ScenarioRunnerTest, AFailedStepFailsTheRunAndSkipsTheRest) {
  const Scenario scenario = ParseEcho(R"(functions:
  echo: {runtime: provided.al2023, handler: echo, code: "{{echo}}"}
steps:
  - invoke: echo
  - wait_for: {event: never.happens, timeout: 200ms}
  - invoke: echo
  - rotate_secret: no/such/secret
expect:
  - invocations == 1
)");
  Ledger ledger;
  auto result = ScenarioRunner::Run(scenario, ledger, {});
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_THAT(result->steps, SizeIs(4));
  EXPECT_TRUE(result->steps[0].ok);
  EXPECT_FALSE(result->steps[1].ok);
  EXPECT_EQ(result->steps[1].detail, "timed out after 200ms: 0 of 1 never.happens events");
  EXPECT_TRUE(result->steps[2].skipped);
  EXPECT_TRUE(result->steps[3].skipped);
  EXPECT_TRUE(result->expectations[0].passed);  // evaluated on what happened
  EXPECT_FALSE(result->passed());
}

// Runs a scenario of the echo function with one step and returns how that step went.
StepResult RunOneStep(const std::string& step, RecordingTarget* target = nullptr) {
  static std::vector<Scenario> keep;  // StepResult points into its scenario
  keep.push_back(ParseEcho(R"(functions:
  echo: {runtime: provided.al2023, handler: echo, code: "{{echo}}"}
steps:
  - )" + step + R"(
expect:
  - invocations == 0
)"));
  Ledger ledger;
  ScenarioRunner::Options options;
  if (target) options.fault_targets = {target};
  auto result = ScenarioRunner::Run(keep.back(), ledger, options);
  EXPECT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->passed());
  return result->steps.at(0);
}

TEST(ScenarioRunnerTest, StepsThatCannotActFail) {
  StepResult kill = RunOneStep("kill: echo");
  EXPECT_FALSE(kill.ok);
  EXPECT_EQ(kill.detail, "echo has no running instance to kill");
  StepResult rotate = RunOneStep("rotate_secret: no/such/secret");
  EXPECT_FALSE(rotate.ok);
  EXPECT_THAT(rotate.detail, HasSubstr("can't find the specified secret"));
  RecordingTarget target;
  StepResult fault = RunOneStep("fault: {service: momento, bad: 1}", &target);
  EXPECT_FALSE(fault.ok);
  EXPECT_EQ(fault.detail, "bad: not a field");
}

}  // namespace
}  // namespace thaw::check
