#include "emulator/control/instance_environment.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace thaw {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;
using ::testing::StartsWith;

std::map<std::string, std::string> AsMap(const std::vector<std::string>& env) {
  std::map<std::string, std::string> out;
  for (const auto& entry : env) {
    const size_t eq = entry.find('=');
    out[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return out;
}

class InstanceEnvironmentTest : public ::testing::Test {
 protected:
  InstanceEnvironmentTest() {
    fn_.name = "echo";
    fn_.handler = "index.handler";
    fn_.code = "/srv/echo";
    fn_.memory_mb = 256;
    fn_.environment = {{"GREETING", "hi"}};
    inputs_.runtime_api = "127.0.0.1:4321";
    inputs_.log_stream = "2026/11/29/[$LATEST]abc";
  }
  FunctionConfig fn_;
  Settings settings_;
  InstanceEnvironmentInputs inputs_;
};

TEST_F(InstanceEnvironmentTest, HasTheLambdaVariables) {
  auto env = AsMap(BuildInstanceEnvironment(fn_, settings_, inputs_));
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_NAME"], "echo");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256");
  EXPECT_EQ(env["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/echo");
  EXPECT_EQ(env["AWS_LAMBDA_LOG_STREAM_NAME"], "2026/11/29/[$LATEST]abc");
  EXPECT_EQ(env["AWS_LAMBDA_INITIALIZATION_TYPE"], "on-demand");
  EXPECT_EQ(env["AWS_LAMBDA_RUNTIME_API"], "127.0.0.1:4321");
  EXPECT_EQ(env["AWS_REGION"], "us-east-1");
  EXPECT_EQ(env["AWS_DEFAULT_REGION"], "us-east-1");
  EXPECT_EQ(env["_HANDLER"], "index.handler");
  EXPECT_EQ(env["LAMBDA_TASK_ROOT"], "/srv/echo");
  EXPECT_TRUE(env.count("LAMBDA_RUNTIME_DIR"));
  EXPECT_EQ(env["TZ"], ":UTC");
  EXPECT_TRUE(env.count("PATH"));
  EXPECT_TRUE(env.count("LANG"));
  EXPECT_EQ(env["GREETING"], "hi");
}

TEST_F(InstanceEnvironmentTest, InheritsNothingButThePassThroughList) {
  ::setenv("THAW_TEST_PASSED", "yes", 1);
  ::setenv("THAW_TEST_NOT_PASSED", "no", 1);
  ::setenv("AWS_ACCESS_KEY_ID", "AKIAHOSTKEY", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "hostsecret", 1);
  settings_.pass_env = {"THAW_TEST_PASSED"};
  auto env = AsMap(BuildInstanceEnvironment(fn_, settings_, inputs_));
  EXPECT_EQ(env["THAW_TEST_PASSED"], "yes");
  EXPECT_FALSE(env.count("THAW_TEST_NOT_PASSED"));
  EXPECT_FALSE(env.count("AWS_ACCESS_KEY_ID"));
  EXPECT_FALSE(env.count("AWS_SECRET_ACCESS_KEY"));
  EXPECT_FALSE(env.count("HOME"));
  // Even an SDK that looks for ~/.aws files finds nothing.
  EXPECT_EQ(env["AWS_CONFIG_FILE"], "/dev/null");
  EXPECT_EQ(env["AWS_SHARED_CREDENTIALS_FILE"], "/dev/null");
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
}

TEST_F(InstanceEnvironmentTest, FunctionVariablesCannotOverrideLambdas) {
  fn_.environment["AWS_LAMBDA_FUNCTION_NAME"] = "spoofed";  // config validation refuses this too
  auto env = AsMap(BuildInstanceEnvironment(fn_, settings_, inputs_));
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_NAME"], "echo");
}

TEST_F(InstanceEnvironmentTest, EveryEntryIsNameEqualsValue) {
  for (const auto& entry : BuildInstanceEnvironment(fn_, settings_, inputs_)) {
    EXPECT_NE(entry.find('='), std::string::npos) << entry;
    EXPECT_THAT(entry, Not(StartsWith("=")));
  }
}

// Lambda's variables name the layers at /opt: kept in a sandbox (which mounts them there), one
// entry per layer directory, last layer first, without it, and none without layers.
TEST_F(InstanceEnvironmentTest, LayerSearchPathsAreOptInASandboxAndTheLayersOtherwise) {
  fn_.runtime_environment = {
      {"NODE_PATH", "/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:/sdk:/srv/echo"},
      {"PYTHONPATH", "/opt/python/lib/python3.12/site-packages:/opt/python"}};
  fn_.layers = {"/l/one", "/l/two"};
  inputs_.sandboxed = true;
  auto env = AsMap(BuildInstanceEnvironment(fn_, settings_, inputs_));
  EXPECT_EQ(env["NODE_PATH"],
            "/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:/sdk:/srv/echo");
  EXPECT_EQ(env["PATH"], "/usr/local/bin:/usr/bin/:/bin:/opt/bin");
  EXPECT_EQ(env["LD_LIBRARY_PATH"], "/usr/local/lib:/usr/lib:/lib:/opt/lib");

  inputs_.sandboxed = false;
  env = AsMap(BuildInstanceEnvironment(fn_, settings_, inputs_));
  EXPECT_EQ(env["NODE_PATH"],
            "/l/two/nodejs/node20/node_modules:/l/one/nodejs/node20/node_modules:"
            "/l/two/nodejs/node_modules:/l/one/nodejs/node_modules:/sdk:/srv/echo");
  EXPECT_EQ(env["PYTHONPATH"],
            "/l/two/python/lib/python3.12/site-packages:/l/one/python/lib/python3.12/"
            "site-packages:/l/two/python:/l/one/python");
  EXPECT_EQ(env["PATH"], "/usr/local/bin:/usr/bin/:/bin:/l/two/bin:/l/one/bin");
  EXPECT_EQ(env["LD_LIBRARY_PATH"], "/usr/local/lib:/usr/lib:/lib:/l/two/lib:/l/one/lib");

  fn_.layers.clear();
  env = AsMap(BuildInstanceEnvironment(fn_, settings_, inputs_));
  EXPECT_EQ(env["NODE_PATH"], "/sdk:/srv/echo");
  EXPECT_EQ(env["PATH"], "/usr/local/bin:/usr/bin/:/bin");
}

// Lambda's nodejs bootstrap: --expose-gc, --max-http-header-size 81920, and the heap from the
// memory setting (a tenth for the new space, half of that per semi space, the rest old space).
TEST_F(InstanceEnvironmentTest, NodeGetsTheFlagsOfLambdasBootstrap) {
  fn_.runtime = "nodejs20.x";
  fn_.executable = "/usr/bin/node";
  fn_.args = {"/rt/bootstrap.mjs"};
  fn_.memory_mb = 128;
  InstanceCommand command = BuildInstanceCommand(fn_, /*sandboxed=*/true);
  EXPECT_EQ(command.executable, "/usr/bin/node");
  EXPECT_THAT(command.args, ElementsAre("--expose-gc", "--max-http-header-size", "81920",
                                        "--max-semi-space-size=6", "--max-old-space-size=116",
                                        "/rt/bootstrap.mjs"));
  fn_.memory_mb = 1769;
  command = BuildInstanceCommand(fn_, true);
  EXPECT_EQ(command.args[3], "--max-semi-space-size=88");
  EXPECT_EQ(command.args[4], "--max-old-space-size=1593");
}

TEST_F(InstanceEnvironmentTest, OtherRuntimesRunTheirCommandAsItIs) {
  fn_.runtime = "python3.12";
  fn_.executable = "/usr/bin/python3";
  fn_.args = {"-B", "-u", "/rt/bootstrap.py"};
  InstanceCommand command = BuildInstanceCommand(fn_, true);
  EXPECT_EQ(command.executable, "/usr/bin/python3");
  EXPECT_EQ(command.args, fn_.args);
  fn_.runtime = "provided.al2023";
  fn_.executable = "/srv/echo/bootstrap";
  fn_.args.clear();
  // Lambda's wrapper belongs to the managed runtimes' bootstraps: a custom runtime ignores it.
  fn_.environment["AWS_LAMBDA_EXEC_WRAPPER"] = "/opt/wrapper";
  command = BuildInstanceCommand(fn_, true);
  EXPECT_EQ(command.executable, "/srv/echo/bootstrap");
  EXPECT_TRUE(command.args.empty());
}

TEST_F(InstanceEnvironmentTest, AnExecWrapperGetsTheRuntimesCommand) {
  fn_.runtime = "python3.12";
  fn_.executable = "/usr/bin/python3";
  fn_.args = {"-B", "-u", "/rt/bootstrap.py"};
  fn_.environment["AWS_LAMBDA_EXEC_WRAPPER"] = "/opt/wrapper";
  const InstanceCommand command = BuildInstanceCommand(fn_, true);
  EXPECT_EQ(command.executable, "/bin/sh");
  ASSERT_EQ(command.args.size(), 8u);
  EXPECT_EQ(command.args[0], "-c");
  EXPECT_EQ(command.args[2], "sh");  // $0
  EXPECT_THAT(std::vector<std::string>(command.args.begin() + 3, command.args.end()),
              ElementsAre("/opt/wrapper", "/usr/bin/python3", "-B", "-u", "/rt/bootstrap.py"));
}

// Without the sandbox there is no /opt mount: the wrapper is looked up in the layers, the last
// layer first; one no layer holds keeps its /opt path (and fails at init as in Lambda).
TEST_F(InstanceEnvironmentTest, AProcessInstanceFindsAnOptWrapperInItsLayers) {
  const std::filesystem::path root = std::filesystem::path(::testing::TempDir()) / "wrapper-layers";
  std::filesystem::create_directories(root / "one");
  std::filesystem::create_directories(root / "two");
  std::ofstream(root / "one" / "wrapper") << "#!/bin/sh\n";
  std::ofstream(root / "two" / "wrapper") << "#!/bin/sh\n";
  std::ofstream(root / "one" / "only-in-one") << "#!/bin/sh\n";
  fn_.layers = {root / "one", root / "two"};
  fn_.runtime = "nodejs22.x";
  fn_.executable = "/usr/bin/node";
  fn_.environment["AWS_LAMBDA_EXEC_WRAPPER"] = "/opt/wrapper";
  EXPECT_EQ(BuildInstanceCommand(fn_, /*sandboxed=*/false).args[3],
            (root / "two/wrapper").string());  // both hold it: the last layer wins
  EXPECT_EQ(BuildInstanceCommand(fn_, /*sandboxed=*/true).args[3], "/opt/wrapper");
  fn_.environment["AWS_LAMBDA_EXEC_WRAPPER"] = "/opt/only-in-one";
  EXPECT_EQ(BuildInstanceCommand(fn_, false).args[3], (root / "one/only-in-one").string());
  fn_.environment["AWS_LAMBDA_EXEC_WRAPPER"] = "/opt/absent";
  EXPECT_EQ(BuildInstanceCommand(fn_, false).args[3], "/opt/absent");
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace thaw
