// Which files `thaw check DIR...` runs: scenario names, directories searched at any depth except
// dependencies and hidden trees, no loops through links, no repeats, and an error for a
// directory with nothing to run. Also the JUnit document of a run of many.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "check/junit_writer.h"
#include "check/scenario_files.h"

namespace thaw::check {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ScenarioFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("thaw-scenario-files-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Touch(const std::string& relative) {
    const fs::path path = dir_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << "name: x\n";
    return path.string();
  }
  std::string Path(const std::string& relative) { return (dir_ / relative).string(); }

  fs::path dir_;
};

TEST(ScenarioFileNameTest, ScenarioYamlAndDotScenarioYamlOnly) {
  EXPECT_TRUE(IsScenarioFileName("scenario.yaml"));
  EXPECT_TRUE(IsScenarioFileName("scenario.yml"));
  EXPECT_TRUE(IsScenarioFileName("orders.scenario.yaml"));
  EXPECT_TRUE(IsScenarioFileName("a.b.scenario.yml"));
  EXPECT_FALSE(IsScenarioFileName("thaw.yaml"));
  EXPECT_FALSE(IsScenarioFileName("myscenario.yaml"));
  EXPECT_FALSE(IsScenarioFileName("scenario.yaml.bak"));
  EXPECT_FALSE(IsScenarioFileName("scenario.json"));
}

TEST_F(ScenarioFilesTest, ADirectoryIsSearchedAtAnyDepthInPathOrder) {
  Touch("b/scenario.yaml");
  Touch("a/deep/er/orders.scenario.yaml");
  Touch("a/scenario.yml");
  Touch("a/thaw.yaml");                     // not a scenario by its name
  Touch("node_modules/pkg/scenario.yaml");  // a dependency's
  Touch(".hidden/scenario.yaml");           // a hidden tree's
  Touch("a/node_modules/x/x.scenario.yaml");
  auto found = FindScenarioFiles({dir_.string()});
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(*found, ElementsAre(Path("a/deep/er/orders.scenario.yaml"), Path("a/scenario.yml"),
                                  Path("b/scenario.yaml")));
}

TEST_F(ScenarioFilesTest, FilesAreTakenAsGivenInOrderWithoutRepeats) {
  const std::string any = Touch("checks/orders.yaml");  // any name, when named
  const std::string b = Touch("b/scenario.yaml");
  auto found = FindScenarioFiles({b, any, dir_.string() + "/b", Path("b/../b/scenario.yaml")});
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(*found, ElementsAre(b, any));
}

TEST_F(ScenarioFilesTest, LinksToDirectoriesAreNotFollowedSoThereAreNoLoops) {
  Touch("a/scenario.yaml");
  fs::create_directory_symlink(dir_, dir_ / "a" / "loop");
  Touch("elsewhere/checks.yaml");
  fs::create_symlink(dir_ / "elsewhere" / "checks.yaml", dir_ / "linked.scenario.yaml");
  auto found = FindScenarioFiles({dir_.string()});
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(*found, ElementsAre(Path("a/scenario.yaml"), Path("linked.scenario.yaml")));
}

TEST_F(ScenarioFilesTest, ADirectoryWithoutScenariosIsAnErrorAndAMissingFileIsLeftToTheLoader) {
  Touch("a/thaw.yaml");
  auto found = FindScenarioFiles({Path("a")});
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().message(), Path("a") + ": no scenario.yaml or *.scenario.yaml under it");
  found = FindScenarioFiles({Path("missing.yaml")});
  ASSERT_TRUE(found.ok());
  EXPECT_THAT(*found, ElementsAre(Path("missing.yaml")));
}

TEST(JunitOfManyTest, OneSuitePerScenarioWithErrorsAndSkipsCounted) {
  Scenario passing;
  passing.name = "passing";
  passing.path = "a/scenario.yaml";
  Expectation rule;
  rule.text = "errors == 0";
  rule.line = 7;
  passing.expectations.push_back(rule);
  RunResult ran;
  ran.expectations.push_back(ExpectationResult{passing.expectations[0], true, "0", {}});
  ran.seconds = 1.5;
  const std::string xml = RenderJunit(
      {{"a/scenario.yaml", &passing, &ran, ""},
       {"bad.scenario.yaml", nullptr, nullptr, "bad.scenario.yaml:3: steps: expected a list"},
       {"c/scenario.yaml", &passing, nullptr, ""}});
  EXPECT_THAT(xml, HasSubstr("<testsuites name=\"thaw check\" tests=\"3\" failures=\"0\" "
                             "errors=\"1\" skipped=\"1\" time=\"1.500\">"));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"passing\" tests=\"1\" failures=\"0\" errors=\"0\" "
                             "skipped=\"0\" time=\"1.500\""));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"bad.scenario.yaml\" tests=\"1\" failures=\"0\" "
                             "errors=\"1\" skipped=\"0\""));
  EXPECT_THAT(xml, HasSubstr("<error message=\"bad.scenario.yaml:3: steps: expected a list\">"));
  EXPECT_THAT(xml, HasSubstr("<skipped message=\"not run: --fail-fast stopped the run\"/>"));
}

}  // namespace
}  // namespace thaw::check
