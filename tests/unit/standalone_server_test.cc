#include "core/standalone/standalone_server.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace thaw {
namespace {

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("thaw-standalone-test-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

TEST(StandaloneServerTest, WritesEveryEventToTheEventsFileAndPrintsTheChosenOnes) {
  const std::string path = TempPath("events.jsonl");
  std::vector<std::string> printed;
  {
    auto frame = StandaloneServer::Create(
        {.name = "test", .events_file = path, .print_event = [&](const Event& event) {
           printed.push_back(event.kind);
         }});
    ASSERT_TRUE(frame.ok()) << frame.status();
    (*frame)->ledger().Append(1, "", "a");
    (*frame)->ledger().Append(2, "", "b");
  }
  EXPECT_EQ(printed, (std::vector<std::string>{"a", "b"}));
  std::ifstream in(path);
  std::string line;
  std::vector<std::string> kinds;
  while (std::getline(in, line)) kinds.push_back(nlohmann::json::parse(line)["kind"]);
  EXPECT_EQ(kinds, (std::vector<std::string>{"a", "b"}));
  std::filesystem::remove(path);
}

TEST(StandaloneServerTest, QuietPrintsNothing) {
  int printed = 0;
  auto frame = StandaloneServer::Create(
      {.name = "test", .quiet = true, .print_event = [&](const Event&) { ++printed; }});
  ASSERT_TRUE(frame.ok()) << frame.status();
  (*frame)->ledger().Append(1, "", "a");
  EXPECT_EQ(printed, 0);
}

TEST(StandaloneServerTest, AnEventsFileThatCannotBeOpenedIsAnError) {
  auto frame =
      StandaloneServer::Create({.name = "test", .events_file = "/nonexistent-dir/events.jsonl"});
  EXPECT_FALSE(frame.ok());
}

TEST(StandaloneServerTest, ATemporaryTlsDirectoryIsRemovedAtExitAndAGivenOneIsKept) {
  std::string temporary;
  const std::string given = TempPath("tls");
  {
    auto frame = StandaloneServer::Create({.name = "test"});
    ASSERT_TRUE(frame.ok()) << frame.status();
    auto made = (*frame)->MakeTls("", {"localhost"});
    ASSERT_TRUE(made.ok()) << made.status();
    EXPECT_TRUE(made->temporary);
    temporary = made->dir;
    EXPECT_TRUE(std::filesystem::exists(temporary + "/ca.pem"));
    auto kept = (*frame)->MakeTls(given, {"localhost"});
    ASSERT_TRUE(kept.ok()) << kept.status();
    EXPECT_FALSE(kept->temporary);
  }
  EXPECT_FALSE(std::filesystem::exists(temporary));
  EXPECT_TRUE(std::filesystem::exists(given + "/ca.pem"));
  std::filesystem::remove_all(given);
}

TEST(StandaloneServerTest, ServeStopsOnSigtermAfterCallingStop) {
  auto frame = StandaloneServer::Create({.name = "test"});
  ASSERT_TRUE(frame.ok()) << frame.status();
  bool stopped = false;
  // Raised from the io thread once Serve's signal set is in place.
  boost::asio::post((*frame)->io(), [] { ::raise(SIGTERM); });
  testing::internal::CaptureStdout();
  const int code = (*frame)->Serve("127.0.0.1:1", " (detail)", [&] { stopped = true; });
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(code, 0);
  EXPECT_TRUE(stopped);
  EXPECT_EQ(out, "thaw test: listening on 127.0.0.1:1 (detail)\nthaw test: shutting down\n");
}

}  // namespace
}  // namespace thaw
