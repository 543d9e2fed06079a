// `thaw report EVENTS.jsonl -o FILE.html`, the binary as a user runs it, on the events of a
// real run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/util/run_thaw.h"
#include "tests/util/test_emulator.h"

namespace thaw::testing {
namespace {

using ::testing::HasSubstr;

using RunResult = ThawRun;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class ReportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("thaw-report-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The events of a real run: two invokes of echo, as JSON lines.
  static std::string RealRunJsonl() {
    auto emu = TestEmulator::Start(R"(
functions:
  echo: {runtime: provided.al2023, handler: echo, code: "{{echo}}"}
)");
    EXPECT_TRUE(emu.ok()) << emu.status();
    if (!emu.ok()) return "";
    EXPECT_EQ((*emu)->Invoke("echo").status, 200);
    EXPECT_EQ((*emu)->Invoke("echo").status, 200);
    std::string jsonl;
    for (const Event& event : (*emu)->ledger().Since(0)) jsonl += event.ToJson().dump() + "\n";
    return jsonl;
  }

  std::filesystem::path dir_;
};

TEST_F(ReportCliTest, WritesTheTimelineOfAnEventsFile) {
  const std::filesystem::path events = dir_ / "events.jsonl";
  std::ofstream(events) << RealRunJsonl();
  const std::filesystem::path html = dir_ / "out.html";
  const RunResult r = RunThaw({"report", events.string(), "-o", html.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("thaw: wrote " + html.string() + " ("));
  EXPECT_THAT(r.err, HasSubstr("1 instances)"));
  const std::string page = ReadFile(html);
  EXPECT_THAT(page, HasSubstr("<h1>events.jsonl</h1>"));
  EXPECT_THAT(page, HasSubstr("data-instance=\"1\" data-function=\"echo\""));
  EXPECT_THAT(page, HasSubstr("2 invokes (1 cold)"));
}

TEST_F(ReportCliTest, ReportsTheLastOfSeveralAppendedRuns) {
  const std::filesystem::path events = dir_ / "events.jsonl";
  const std::string run = RealRunJsonl();
  std::ofstream(events) << run << run;
  const std::filesystem::path html = dir_ / "out.html";
  const RunResult r =
      RunThaw({"report", events.string(), "-o", html.string(), "--title", "second run"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("holds several runs; reporting the last"));
  const std::string page = ReadFile(html);
  EXPECT_THAT(page, HasSubstr("<h1>second run</h1>"));
  EXPECT_THAT(page, HasSubstr("1 instances · 2 invokes"));
}

TEST_F(ReportCliTest, RefusesAMissingFileOrALineThatIsNotAnEvent) {
  RunResult r = RunThaw({"report", (dir_ / "nope.jsonl").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("nope.jsonl: cannot open the events file"));

  const std::filesystem::path events = dir_ / "bad.jsonl";
  std::ofstream(events) << "{\"kind\":\"instance.spawned\"}\nnot json\n";
  r = RunThaw({"report", events.string(), "-o", (dir_ / "out.html").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("bad.jsonl: line 2: not JSON"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out.html"));

  r = RunThaw({"report"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("events is required"));
}

}  // namespace
}  // namespace thaw::testing
