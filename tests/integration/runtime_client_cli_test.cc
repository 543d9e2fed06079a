// `runtime_client: aws-lambda-ric` through the `thaw` binary: what runs, and the errors a user
// sees. The cache here holds a stand-in for the installed package (a tiny Runtime API client in
// its index.mjs), so no registry is needed; tests/conformance/ric runs the real one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <fstream>

#include "emulator/runtimes/ric/ric_installer.h"
#include "tests/util/run_thaw.h"

namespace thaw::testing {
namespace {

namespace bp = boost::process;
using ::testing::HasSubstr;

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

class RuntimeClientCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("thaw-ric-cli-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    WriteFile(dir_ / "code" / "index.js", "exports.handler = async () => 'unused';\n");
    env_ = bp::environment(boost::this_process::environment());
    env_["THAW_CACHE_DIR"] = (dir_ / "cache").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WriteConfig(const std::string& yaml) {
    const std::string path = (dir_ / "thaw.yaml").string();
    std::ofstream(path) << yaml;
    return path;
  }

  std::string NodeConfig() {
    return "functions:\n  f:\n    runtime: nodejs20.x\n    handler: index.handler\n    code: \"" +
           (dir_ / "code").string() + "\"\n    runtime_client: aws-lambda-ric\n";
  }

  // Lays out what an install leaves, with an index.mjs that answers every event with what it
  // was started as and with.
  void FakeInstalledClient() {
    const std::filesystem::path package = dir_ / "cache" /
                                          (std::string("aws-lambda-ric-") + kRicVersion) /
                                          "node_modules" / "aws-lambda-ric";
    WriteFile(package / "package.json",
              std::string(R"({"name":"aws-lambda-ric","version":")") + kRicVersion + "\"}");
    WriteFile(package / "rapid-client.node", "");
    WriteFile(package / "index.mjs", R"(
const api = `http://${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation`;
for (;;) {
  const next = await fetch(`${api}/next`);
  await next.text();
  const id = next.headers.get('lambda-runtime-aws-request-id');
  const body = JSON.stringify({ entry: process.argv[1], handler: process.env._HANDLER,
                                cwd: process.cwd() });
  await (await fetch(`${api}/${id}/response`, { method: 'POST', body })).text();
}
)");
  }

  std::filesystem::path dir_;
  bp::environment env_;
};

TEST_F(RuntimeClientCliTest, RunsTheInstalledClientWithNode) {
  FakeInstalledClient();
  const auto r = RunThaw({"invoke", "f", "--config", WriteConfig(NodeConfig()), "--quiet"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("aws-lambda-ric-" + std::string(kRicVersion) +
                               "/node_modules/aws-lambda-ric/index.mjs"));
  EXPECT_THAT(r.out, HasSubstr(R"("handler":"index.handler")"));
  EXPECT_THAT(r.out, HasSubstr("\"cwd\":\"" + (dir_ / "code").string() + "\""));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("installing")));  // already installed
}

TEST_F(RuntimeClientCliTest, AMissingBuildToolIsAUsageErrorNamingThePackage) {
  // Only node and npm on PATH: the install cannot build the native addon.
  std::filesystem::create_directories(dir_ / "bin");
  for (const char* tool : {"node", "npm"}) {
    const std::string path = bp::search_path(tool).string();
    ASSERT_FALSE(path.empty()) << tool;
    std::filesystem::create_symlink(path, dir_ / "bin" / tool);
  }
  env_["PATH"] = (dir_ / "bin").string();
  const auto r = RunThaw({"invoke", "f", "--config", WriteConfig(NodeConfig())}, env_);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("thaw: functions.f: runtime_client aws-lambda-ric: installing it "
                               "builds native code and needs cmake, which is not on PATH "
                               "(Debian: apt-get install cmake)"));
}

TEST_F(RuntimeClientCliTest, OtherRuntimesRefuseIt) {
  const auto r =
      RunThaw({"serve", "--port", "0", "--config",
               WriteConfig("functions:\n  py:\n    runtime: python3.12\n"
                           "    handler: app.handler\n    code: \"" +
                           (dir_ / "code").string() + "\"\n    runtime_client: aws-lambda-ric\n")},
              env_);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("thaw.yaml:6: functions.py.runtime_client: aws-lambda-ric runs "
                               "Node.js functions only"));
}

}  // namespace
}  // namespace thaw::testing
