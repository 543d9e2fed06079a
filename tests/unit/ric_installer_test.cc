// RicInstaller and PrepareRuntimeClients with stand-in tools on PATH: a fake `npm` that lays out
// what `npm ci` of aws-lambda-ric leaves (or fails), so the install logic — the pin, the
// staging directory, the lock, the once-only announcement, the errors — is tested without the
// registry. The real install is exercised by tests/conformance/ric.
#include "emulator/runtimes/ric/ric_installer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "emulator/control/log_sink.h"
#include "emulator/runtimes/ric/prepare_runtime_clients.h"
#include "host/emulator_session.h"
#include "nlohmann/json.hpp"
#include "tests/util/fake_process_launcher.h"

namespace thaw {
namespace {

using ::testing::HasSubstr;

void WriteFile(const std::filesystem::path& path, const std::string& text, int mode = 0644) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
}

// Sets an environment variable for the life of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::string SourceBootstrap() {
  return (std::filesystem::path(THAW_SOURCE_DIR) / "emulator" / "runtimes" / "nodejs" /
          "bootstrap.mjs")
      .string();
}

class RicInstallerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("thaw-ric-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    // Stand-ins for every tool the install needs, and node's headers beside a fake node.
    for (const char* tool : {"cmake", "make", "g++", "python3", "node"}) {
      WriteFile(dir_ / "prefix" / "bin" / tool, "#!/bin/sh\nexit 0\n", 0755);
    }
    WriteFile(dir_ / "prefix" / "include" / "node" / "node_api.h", "");
    // npm ci: counts its runs, checks it got the pin, lays out the package with its addon.
    WriteFile(dir_ / "prefix" / "bin" / "npm",
              "#!/bin/sh\n"
              "PATH=/usr/bin:/bin\n"  // for its own tools; the installer's PATH is the stand-ins
              "echo run >> \"" +
                  (dir_ / "npm-runs").string() +
                  "\"\n"
                  "echo \"npm $*\"\n"
                  "[ \"$1\" = ci ] || exit 3\n"
                  "grep -q '\"aws-lambda-ric\": \"" +
                  std::string(kRicVersion) +
                  "\"' package.json || exit 4\n"
                  "[ -f package-lock.json ] || exit 5\n"
                  "if [ -n \"$FAKE_NPM_FAIL\" ]; then echo 'gyp ERR! build error'; exit 1; fi\n"
                  "p=node_modules/aws-lambda-ric\n"
                  "mkdir -p $p\n"
                  "echo '{\"name\":\"aws-lambda-ric\",\"version\":\"" +
                  std::string(kRicVersion) +
                  "\"}' > $p/package.json\n"
                  "echo '// entry' > $p/index.mjs\n"
                  "[ -n \"$FAKE_NPM_NO_ADDON\" ] || echo addon > $p/rapid-client.node\n",
              0755);
    path_ = std::make_unique<ScopedEnv>("PATH", (dir_ / "prefix" / "bin").string());
  }
  void TearDown() override {
    path_.reset();
    std::filesystem::remove_all(dir_);
  }

  RicInstaller Installer(std::vector<std::string>* messages = nullptr) {
    return RicInstaller(
        {.cache_dir = dir_ / "cache",
         .pin_dir = std::filesystem::path(THAW_SOURCE_DIR) / "emulator" / "runtimes" / "ric",
         .on_install = [messages](const std::string& m) {
           if (messages) messages->push_back(m);
         }});
  }

  int NpmRuns() const {
    std::ifstream in(dir_ / "npm-runs");
    int n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  }

  std::filesystem::path dir_;
  std::unique_ptr<ScopedEnv> path_;
};

TEST_F(RicInstallerTest, ThePinMatchesTheVersionThawRuns) {
  std::ifstream in(std::filesystem::path(THAW_SOURCE_DIR) / "emulator/runtimes/ric/package.json");
  const auto pin = nlohmann::json::parse(in);
  EXPECT_EQ(pin["dependencies"]["aws-lambda-ric"], kRicVersion);
  std::ifstream lock_in(std::filesystem::path(THAW_SOURCE_DIR) /
                        "emulator/runtimes/ric/package-lock.json");
  const auto lock = nlohmann::json::parse(lock_in);
  EXPECT_EQ(lock["packages"]["node_modules/aws-lambda-ric"]["version"], kRicVersion);
}

TEST_F(RicInstallerTest, InstallsOnceWithAnAnnouncement) {
  std::vector<std::string> messages;
  RicInstaller installer = Installer(&messages);
  EXPECT_FALSE(installer.IsInstalled());
  auto entry = installer.EnsureInstalled();
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(*entry, dir_ / "cache" / (std::string("aws-lambda-ric-") + kRicVersion) /
                        "node_modules" / "aws-lambda-ric" / "index.mjs");
  EXPECT_TRUE(std::filesystem::exists(*entry));
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_THAT(messages[0], HasSubstr(std::string("installing aws-lambda-ric@") + kRicVersion));
  EXPECT_FALSE(std::filesystem::exists(
      dir_ / "cache" / (std::string("aws-lambda-ric-") + kRicVersion + ".partial")));
  // Second use: nothing to do, nothing said.
  ASSERT_TRUE(Installer(&messages).EnsureInstalled().ok());
  EXPECT_EQ(messages.size(), 1u);
  EXPECT_EQ(NpmRuns(), 1);
}

TEST_F(RicInstallerTest, ConcurrentInstallsRunNpmOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] {
      if (Installer().EnsureInstalled().ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 3);
  EXPECT_EQ(NpmRuns(), 1);
}

TEST_F(RicInstallerTest, AnInstallWithoutTheNativeAddonIsRedone) {
  {
    ScopedEnv no_addon("FAKE_NPM_NO_ADDON", "1");
    auto entry = Installer().EnsureInstalled();
    ASSERT_FALSE(entry.ok());
    EXPECT_THAT(std::string(entry.status().message()), HasSubstr("rapid-client.node"));
  }
  EXPECT_FALSE(Installer().IsInstalled());
  ASSERT_TRUE(Installer().EnsureInstalled().ok());
  EXPECT_EQ(NpmRuns(), 2);
}

TEST_F(RicInstallerTest, NpmFailureShowsTheLogTail) {
  ScopedEnv fail("FAKE_NPM_FAIL", "1");
  auto entry = Installer().EnsureInstalled();
  ASSERT_FALSE(entry.ok());
  EXPECT_EQ(entry.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(entry.status().message()), HasSubstr("`npm ci` of aws-lambda-ric@"));
  EXPECT_THAT(std::string(entry.status().message()), HasSubstr("gyp ERR! build error"));
  EXPECT_THAT(std::string(entry.status().message()), HasSubstr(".install.log"));
}

TEST_F(RicInstallerTest, MissingBuildToolNamesTheDebianPackage) {
  std::filesystem::remove(dir_ / "prefix" / "bin" / "cmake");
  auto entry = Installer().EnsureInstalled();
  ASSERT_FALSE(entry.ok());
  EXPECT_EQ(entry.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(entry.status().message()),
              HasSubstr("needs cmake, which is not on PATH (Debian: apt-get install cmake)"));
  EXPECT_EQ(NpmRuns(), 0);
}

TEST_F(RicInstallerTest, MissingNodeHeadersAreNamed) {
  std::filesystem::remove(dir_ / "prefix" / "include" / "node" / "node_api.h");
  auto entry = Installer().EnsureInstalled();
  ASSERT_FALSE(entry.ok());
  EXPECT_THAT(std::string(entry.status().message()), HasSubstr("apt-get install libnode-dev"));
}

TEST_F(RicInstallerTest, CacheDirectoryFromTheEnvironment) {
  {
    ScopedEnv thaw("THAW_CACHE_DIR", "/x/thaw-cache");
    EXPECT_EQ(*DefaultCacheDir(), "/x/thaw-cache");
  }
  ScopedEnv no_thaw("THAW_CACHE_DIR", "");
  {
    ScopedEnv xdg("XDG_CACHE_HOME", "/x/xdg");
    EXPECT_EQ(*DefaultCacheDir(), "/x/xdg/thaw");
  }
  ScopedEnv no_xdg("XDG_CACHE_HOME", "");
  ScopedEnv home("HOME", "/x/home");
  EXPECT_EQ(*DefaultCacheDir(), "/x/home/.cache/thaw");
}

TEST_F(RicInstallerTest, PrepareRuntimeClientsPointsTheFunctionsAtTheClient) {
  ThawConfig config;
  config.functions["ric"].runtime_client = "aws-lambda-ric";
  config.functions["ric"].args = {SourceBootstrap()};
  config.functions["own"].args = {SourceBootstrap()};
  std::vector<std::string> messages;
  auto status = PrepareRuntimeClients(
      config, [&](const std::string& m) { messages.push_back(m); }, dir_ / "cache");
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_THAT(config.functions["ric"].args,
              ::testing::ElementsAre(::testing::EndsWith("aws-lambda-ric/index.mjs")));
  EXPECT_THAT(config.functions["own"].args, ::testing::ElementsAre(SourceBootstrap()));
  EXPECT_EQ(messages.size(), 1u);
}

TEST_F(RicInstallerTest, PrepareRuntimeClientsMakesARelativeCacheDirectoryAbsolute) {
  ThawConfig config;
  config.functions["ric"].runtime_client = "aws-lambda-ric";
  config.functions["ric"].args = {SourceBootstrap()};
  const std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir_);
  auto status = PrepareRuntimeClients(config, nullptr, "relative-cache");
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(status.ok()) << status;
  const std::filesystem::path entry = config.functions["ric"].args.at(0);
  EXPECT_TRUE(entry.is_absolute()) << entry;
  EXPECT_TRUE(std::filesystem::exists(entry)) << entry;
}

TEST_F(RicInstallerTest, ThePinIsReadFromBesideTheNodeBootstrapTheConfigurationChose) {
  // An installed thaw: <prefix>/share/thaw/runtimes/{nodejs,ric}.
  const std::filesystem::path runtimes = dir_ / "share" / "thaw" / "runtimes";
  WriteFile(runtimes / "nodejs" / "bootstrap.mjs", "");
  for (const char* file : {"package.json", "package-lock.json"}) {
    std::filesystem::create_directories(runtimes / "ric");
    std::filesystem::copy_file(
        std::filesystem::path(THAW_SOURCE_DIR) / "emulator" / "runtimes" / "ric" / file,
        runtimes / "ric" / file);
  }
  ThawConfig config;
  config.functions["f"].runtime_client = "aws-lambda-ric";
  config.functions["f"].args = {(runtimes / "nodejs" / "bootstrap.mjs").string()};
  ASSERT_TRUE(PrepareRuntimeClients(config, nullptr, dir_ / "cache").ok());
  // Without it, a clear error.
  std::filesystem::remove_all(runtimes / "ric");
  std::filesystem::remove_all(dir_ / "cache");
  config.functions["f"].args = {(runtimes / "nodejs" / "bootstrap.mjs").string()};
  auto status = PrepareRuntimeClients(config, nullptr, dir_ / "cache");
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("thaw's pin of it is missing: " + (runtimes / "ric").string()));
}

TEST_F(RicInstallerTest, PrepareRuntimeClientsNeedsNothingWhenNoFunctionAsks) {
  path_ = std::make_unique<ScopedEnv>("PATH", "/nonexistent");
  ThawConfig config;
  config.functions["own"].args = {"bootstrap.mjs"};
  EXPECT_TRUE(PrepareRuntimeClients(config, nullptr, dir_ / "cache").ok());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "cache"));
}

TEST_F(RicInstallerTest, PrepareRuntimeClientsNamesTheFunction) {
  std::filesystem::remove(dir_ / "prefix" / "bin" / "npm");
  ThawConfig config;
  config.functions["api"].runtime_client = "aws-lambda-ric";
  auto status = PrepareRuntimeClients(config, nullptr, dir_ / "cache");
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("functions.api: runtime_client aws-lambda-ric: installing it builds"));
}

TEST_F(RicInstallerTest, TheHostRefusesAConfigurationThatWasNotPrepared) {
  ThawConfig config;
  config.functions["api"].runtime_client = "aws-lambda-ric";
  config.functions["api"].args = {SourceBootstrap()};
  boost::asio::io_context io;
  Ledger ledger;
  NullLogSink logs;
  testing::FakeProcessLauncher launcher(io);
  auto host = EmulatorSession::Create(io, config, ledger, logs, launcher, {});
  ASSERT_FALSE(host.ok());
  EXPECT_EQ(host.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(host.status().message()),
              HasSubstr("functions.api: runtime_client aws-lambda-ric is not installed"));
  // Prepared, it is accepted.
  ASSERT_TRUE(PrepareRuntimeClients(config, nullptr, dir_ / "cache").ok());
  EXPECT_TRUE(
      EmulatorSession::Create(io, config, ledger, logs, launcher, {.momento = false, .aws = false})
          .ok());
}

}  // namespace
}  // namespace thaw
