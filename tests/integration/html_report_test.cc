// The HTML report of a real run (echo instances, a real gRPC client on an instance's Momento
// listener, an idle reap on the scheduler clock), rendered by headless Chromium: the page the
// browser builds must have one lane per instance, their states and marks, and the clock mark.
#include "report/html_report.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "nlohmann/json.hpp"
#include "proto/momento/cacheclient.grpc.pb.h"
#include "tests/util/run_command.h"
#include "tests/util/test_emulator.h"

namespace thaw::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kConfig[] = R"(
functions:
  echo:   {runtime: provided.al2023, handler: echo, code: "{{echo}}"}
  cached: {runtime: provided.al2023, handler: env, code: "{{echo}}"}
settings:
  keepalive: 10m
  isolation: process   # the test connects to the instance's Momento endpoint from outside
)";

size_t Occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

class HtmlReportChromiumTest : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = FindChromium();
    if (chromium_.empty()) {
      // In CI a missing browser is a broken install, not a reason to skip.
      if (std::getenv("CI") != nullptr) {
        FAIL() << "chromium is not installed but CI is set: scripts/install-deps.sh --test "
                  "installs it";
      }
      GTEST_SKIP() << "chromium is not installed (apt-get install chromium, or "
                      "scripts/install-deps.sh --test); skipping the rendering test";
    }
    dir_ = std::filesystem::temp_directory_path() / ("thaw-report-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Headless Chromium with a profile of its own, so parallel runs do not share one.
  std::string Chromium(const std::string& args) {
    return "timeout 120 " + chromium_ +
           " --headless --disable-gpu --no-sandbox --no-first-run --hide-scrollbars"
           " --user-data-dir=" +
           (dir_ / "profile").string() + " " + args + " 2>/dev/null";
  }

  std::string chromium_;
  std::filesystem::path dir_;
};

TEST_F(HtmlReportChromiumTest, ARealRunRendersOneLanePerInstance) {
  auto started = TestEmulator::Start(kConfig, nullptr, /*momento=*/true);
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<TestEmulator> emu = *std::move(started);

  // Instance 1: `cached` answers its environment, whose Momento endpoint the test then uses
  // the way the function's client would: a connection and two RPCs, attributed to it.
  const HttpResult env = emu->Invoke("cached");
  ASSERT_EQ(env.status, 200) << env.error << env.body;
  const auto env_json = nlohmann::json::parse(env.body);
  const std::string endpoint = env_json.value("THAW_MOMENTO_ENDPOINT", "");
  ASSERT_FALSE(endpoint.empty()) << env.body;
  {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto channel = grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), args);
    auto scs = cache_client::Scs::NewStub(channel);
    for (int i = 0; i < 2; ++i) {
      grpc::ClientContext context;
      context.AddMetadata("cache", "report-cache");
      context.AddMetadata("authorization", "");
      context.set_deadline(std::chrono::system_clock::now() + TestTimeout());
      cache_client::GetRequest get;
      get.set_cache_key("k");
      cache_client::GetResponse got;
      // Hit, miss or NOT_FOUND for the cache: any answer is an RPC in the ledger.
      const grpc::Status status = scs->Get(&context, get, &got);
      ASSERT_NE(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
    }
  }
  ASSERT_TRUE(emu->WaitForEvents("momento.rpc", "cached", 2).ok());
  ASSERT_TRUE(emu->WaitForEvent("momento.connection.closed", "cached").ok());

  // Instance 2: three invokes of `echo`, the first cold.
  for (int i = 0; i < 3; ++i) ASSERT_EQ(emu->Invoke("echo").status, 200);
  // Frozen once it waits for its next event (a freeze between two invokes is not certain).
  const auto ends = emu->ledger().Select(
      [](const Event& e) { return e.kind == "invoke.end" && e.function == "echo"; });
  ASSERT_EQ(ends.size(), 3u);
  ASSERT_TRUE(emu->WaitForEvent("instance.frozen", "echo", ends.back().seq).ok());

  // Eleven minutes on the scheduler clock: both are reaped as idle.
  emu->AdvanceClock(std::chrono::minutes(11));
  ASSERT_TRUE(emu->WaitForEvents("instance.gone", "", 2).ok());

  report::ReportInput input;
  input.title = "echo & cached <real run>";
  input.events = emu->ledger().Since(0);
  input.verdicts = {{"instances == 2", true, "2 instances"},
                    {"momento.connections per instance == 1", false, "echo #2: 0 connections"}};
  const std::string html = report::RenderHtmlReport(input);
  emu.reset();

  const std::filesystem::path page = dir_ / "report.html";
  std::ofstream(page) << html;
  const CommandOutput rendered = RunCommand(Chromium("--dump-dom file://" + page.string()));
  ASSERT_EQ(rendered.exit_code, 0) << "chromium failed";
  const std::string* dom = &rendered.out;

  // The DOM the browser built, not just the text we wrote: one lane per instance.
  EXPECT_EQ(Occurrences(*dom, "class=\"lane\""), 2u) << *dom;
  EXPECT_THAT(*dom, HasSubstr("data-instance=\"1\" data-function=\"cached\""));
  EXPECT_THAT(*dom, HasSubstr("data-instance=\"2\" data-function=\"echo\""));
  for (const char* state : {"init", "busy", "frozen", "stopping", "gone"}) {
    EXPECT_THAT(*dom, HasSubstr(std::string("data-state=\"") + state + "\"")) << state;
  }
  EXPECT_THAT(*dom, HasSubstr("mk mk-conn-open"));
  EXPECT_THAT(*dom, HasSubstr("mk mk-conn-close"));
  EXPECT_EQ(Occurrences(*dom, "class=\"mk mk-rpc\""), 2u + 1u);  // two RPCs and the legend's
  EXPECT_THAT(*dom, HasSubstr("data-clock-ms=\"660000\""));
  EXPECT_THAT(*dom, HasSubstr("FAIL · 1 of 2 expectations failed"));
  EXPECT_THAT(*dom, HasSubstr("<h1>echo &amp; cached &lt;real run&gt;</h1>"));
  EXPECT_THAT(*dom, HasSubstr("3 inv · idle"));

  // And a screenshot of it (kept when THAW_REPORT_KEEP names a directory, for the README).
  const std::filesystem::path png = dir_ / "report.png";
  const CommandOutput shot = RunCommand(
      Chromium("--window-size=1540,520 --screenshot=" + png.string() + " file://" + page.string()));
  ASSERT_EQ(shot.exit_code, 0) << "chromium failed";
  std::ifstream in(png, std::ios::binary);
  std::string magic(8, '\0');
  in.read(magic.data(), 8);
  EXPECT_EQ(magic, "\x89PNG\r\n\x1a\n");
  EXPECT_GT(std::filesystem::file_size(png), 10'000u);
  if (const char* keep = std::getenv("THAW_REPORT_KEEP")) {
    std::filesystem::copy_file(page, std::filesystem::path(keep) / "report.html",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(png, std::filesystem::path(keep) / "report.png",
                               std::filesystem::copy_options::overwrite_existing);
  }
}

}  // namespace
}  // namespace thaw::testing
