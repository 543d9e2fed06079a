// Layers with local content run as in Lambda: handlers written for AWS (CommonJS `require`, ES
// module `import`, Python `import`) find modules that only a layer holds, and a later layer's
// file wins over an earlier one's. Sandboxed, the layers are Lambda's /opt; with
// settings.isolation: process, their directories are on the runtimes' search paths. The
// layers and handlers are made here in a temporary directory (node_modules is never tracked).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>

#include "core/text_file.h"
#include "emulator/process/boost_process_launcher.h"
#include "emulator/sandbox/sandbox.h"
#include "nlohmann/json.hpp"
#include "tests/util/test_emulator.h"

namespace thaw::testing {
// Named as well: a unity build compiles this file with the others of its binary.
namespace layers_test {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::StartsWith;

bool SandboxesWork() {
  boost::asio::io_context io;
  return Sandbox::Probe(io).ok();
}

enum class Mode { kSandbox, kProcess };

std::string ModeName(const ::testing::TestParamInfo<Mode>& info) {
  return info.param == Mode::kSandbox ? "Sandbox" : "Process";
}

class LayersTest : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    if (GetParam() == Mode::kSandbox && !SandboxesWork()) GTEST_SKIP() << "no namespaces here";
    dir_ = fs::temp_directory_path() / ("thaw-layers-it-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(GetParam() == Mode::kSandbox));
    fs::remove_all(dir_);
    // The first layer: a package, and a file the second layer overrides.
    Write("first/nodejs/node_modules/mylib/index.js",
          "exports.greet = () => 'mylib from a layer';\n");
    Write("first/nodejs/node_modules/overridden/index.js", "module.exports = 'first layer';\n");
    // The second: the override, a package for this Node.js major only, Python modules.
    Write("second/nodejs/node_modules/overridden/index.js", "module.exports = 'second layer';\n");
    Write("second/nodejs/node20/node_modules/versioned/index.js",
          "module.exports = 'node20 folder';\n");
    Write("second/python/pylib.py", "VALUE = 'pylib from a layer'\n");
    Write("second/python/lib/python3.12/site-packages/sitelib.py", "VALUE = 'site-packages'\n");
    // Handlers as users write them: nothing bundled, nothing thaw-specific.
    Write("code/index.js",
          "const fs = require('fs');\n"
          "const mylib = require('mylib');\n"
          "const overridden = require('overridden');\n"
          "const versioned = require('versioned');\n"
          "exports.handler = async () => ({\n"
          "  mylib: mylib.greet(), overridden, versioned, resolved: require.resolve('mylib'),\n"
          "  opt: fs.existsSync('/opt') ? fs.readdirSync('/opt').sort() : [],\n"
          "  path: process.env.PATH, ld: process.env.LD_LIBRARY_PATH,\n"
          "});\n");
    Write("code/app.mjs",
          "import mylib from 'mylib';\n"
          "import overridden from 'overridden';\n"
          "export const handler = async () => ({ mylib: mylib.greet(), overridden });\n");
    Write("code/app.py",
          "import os\n"
          "import pylib\n"
          "import sitelib\n"
          "def handler(event, context):\n"
          "    return {'pylib': pylib.VALUE, 'sitelib': sitelib.VALUE, 'file': pylib.__file__}\n");
    const std::string code = (dir_ / "code").string();
    const std::string yaml =
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Transform: AWS::Serverless-2016-10-31\n"
        "Globals:\n"
        "  Function:\n"
        "    Timeout: 10\n"
        "    Layers: [!Ref First]\n"
        "Resources:\n"
        "  Cjs:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties: {Runtime: nodejs20.x, Handler: index.handler, CodeUri: \"" +
        code +
        "\", Layers: [!Ref Second]}\n"
        "  Esm:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties: {Runtime: nodejs20.x, Handler: app.handler, CodeUri: \"" +
        code +
        "\", Layers: [!Ref Second]}\n"
        "  Py:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties: {Runtime: python3.12, Handler: app.handler, CodeUri: \"" +
        code +
        "\", Layers: [!Ref Second]}\n"
        "  First:\n"
        "    Type: AWS::Serverless::LayerVersion\n"
        "    Properties: {ContentUri: \"" +
        (dir_ / "first").string() +
        "\"}\n"
        "  Second:\n"
        "    Type: AWS::Lambda::LayerVersion\n"
        "    Properties: {Content: \"" +
        (dir_ / "second").string() + "\"}\n";
    TestEmulator::LauncherFactory launcher = nullptr;
    if (GetParam() == Mode::kProcess) {
      launcher = [](boost::asio::io_context& io) -> std::unique_ptr<ProcessLauncher> {
        return std::make_unique<BoostProcessLauncher>(io);
      };
    }
    auto emu = TestEmulator::Start(yaml, launcher);
    ASSERT_TRUE(emu.ok()) << emu.status();
    emu_ = *std::move(emu);
  }
  void TearDown() override {
    emu_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  void Write(const std::string& path, const std::string& text) {
    fs::create_directories((dir_ / path).parent_path());
    ASSERT_TRUE(WriteTextFile((dir_ / path).string(), text).ok()) << path;
  }
  nlohmann::json Answer(const std::string& function) {
    const HttpResult result = emu_->Invoke(function);
    EXPECT_EQ(result.status, 200) << result.body;
    EXPECT_EQ(result.Header("X-Amz-Function-Error"), "") << result.body;
    return nlohmann::json::parse(result.body, nullptr, false);
  }
  // Where the layer `name` is seen: Lambda's /opt in a sandbox, its own directory otherwise.
  std::string Seen(const std::string& name) const {
    return GetParam() == Mode::kSandbox ? "/opt" : (dir_ / name).string();
  }

  fs::path dir_;
  std::unique_ptr<TestEmulator> emu_;
};

TEST_P(LayersTest, CommonJsRequiresWhatOnlyALayerHoldsAndTheLaterLayerWins) {
  const nlohmann::json body = Answer("Cjs");
  EXPECT_EQ(body["mylib"], "mylib from a layer");
  EXPECT_EQ(body["overridden"], "second layer");
  EXPECT_EQ(body["versioned"], "node20 folder");
  EXPECT_THAT(body["resolved"].get<std::string>(),
              StartsWith(Seen("first") + "/nodejs/node_modules/mylib/"));
  if (GetParam() == Mode::kSandbox) {
    // /opt holds the layers and nothing of the host's, as in Lambda.
    EXPECT_THAT(body["opt"], ElementsAre("nodejs", "python"));
    EXPECT_EQ(body["path"], "/usr/local/bin:/usr/bin/:/bin:/opt/bin");
    EXPECT_EQ(body["ld"], "/usr/local/lib:/usr/lib:/lib:/opt/lib");
  } else {
    // The last layer first, as at /opt it would win.
    EXPECT_EQ(body["path"], "/usr/local/bin:/usr/bin/:/bin:" + (dir_ / "second").string() +
                                "/bin:" + (dir_ / "first").string() + "/bin");
    EXPECT_EQ(body["ld"], "/usr/local/lib:/usr/lib:/lib:" + (dir_ / "second").string() +
                              "/lib:" + (dir_ / "first").string() + "/lib");
  }
}

TEST_P(LayersTest, EsModulesImportWhatOnlyALayerHolds) {
  const nlohmann::json body = Answer("Esm");
  EXPECT_EQ(body["mylib"], "mylib from a layer");
  EXPECT_EQ(body["overridden"], "second layer");
}

TEST_P(LayersTest, PythonImportsFromTheLayersPythonFolders) {
  const nlohmann::json body = Answer("Py");
  EXPECT_EQ(body["pylib"], "pylib from a layer");
  EXPECT_EQ(body["sitelib"], "site-packages");
  EXPECT_EQ(body["file"], Seen("second") + "/python/pylib.py");
}

INSTANTIATE_TEST_SUITE_P(Isolation, LayersTest, ::testing::Values(Mode::kSandbox, Mode::kProcess),
                         ModeName);

}  // namespace
}  // namespace layers_test
}  // namespace thaw::testing
