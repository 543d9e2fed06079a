// BoostProcessLauncher with real child processes: each child's exit reaches its own callback,
// with its status, after its output; no process-wide SIGCHLD handler is installed (so launchers
// on io_contexts in different threads never share asio's signal pipe); nothing leaks.

#include "emulator/process/boost_process_launcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/util/test_emulator.h"

namespace thaw {
namespace {

namespace asio = boost::asio;

size_t OpenDescriptors() {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                           std::filesystem::directory_iterator()));
}

LaunchSpec Shell(const std::string& script) {
  LaunchSpec spec;
  spec.executable = "/bin/sh";
  spec.args = {"-c", script};
  spec.env = {"PATH=/usr/bin:/bin"};
  spec.working_dir = "/";
  return spec;
}

// Runs `io` until `done` holds or the test's timeout passes.
bool RunUntil(asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + testing::TestTimeout();
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(20));
    if (io.stopped()) io.restart();
  }
  return done();
}

struct Outcome {
  std::vector<std::string> lines;
  std::optional<ExitInfo> exit;
  size_t lines_at_exit = 0;
};

ProcessCallbacks Record(Outcome& outcome) {
  return {[&outcome](std::string_view line, bool) { outcome.lines.emplace_back(line); },
          [&outcome](const ExitInfo& info) {
            outcome.exit = info;
            outcome.lines_at_exit = outcome.lines.size();
          }};
}

TEST(BoostProcessLauncherTest, EachChildsExitReachesItsOwnCallbackWithItsStatus) {
  asio::io_context io;
  BoostProcessLauncher launcher(io);
  Outcome exited, killed, running;
  auto a = launcher.Launch(Shell("echo one; echo two; exit 3"), Record(exited));
  auto b = launcher.Launch(Shell("kill -9 $$"), Record(killed));
  auto c = launcher.Launch(Shell("exec sleep 60"), Record(running));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  ASSERT_TRUE(RunUntil(io, [&] { return exited.exit && killed.exit; }));
  EXPECT_EQ(exited.exit->exit_code, 3);
  EXPECT_EQ(exited.exit->Describe(), "exit status 3");
  EXPECT_THAT(exited.lines, ::testing::ElementsAre("one", "two"));
  EXPECT_EQ(exited.lines_at_exit, 2u) << "the exit was reported before the output";
  EXPECT_EQ(killed.exit->signal, SIGKILL);
  EXPECT_FALSE(running.exit) << "a child's end was reported for another";

  (*c)->SignalGroup(SIGTERM);
  ASSERT_TRUE(RunUntil(io, [&] { return running.exit.has_value(); }));
  EXPECT_EQ(running.exit->signal, SIGTERM);
  EXPECT_GT((*c)->PeakRssKb(), 0);
}

TEST(BoostProcessLauncherTest, InstallsNoSigchldHandler) {
  asio::io_context io;
  BoostProcessLauncher launcher(io);
  Outcome outcome;
  auto child = launcher.Launch(Shell("exit 0"), Record(outcome));
  ASSERT_TRUE(child.ok());
  ASSERT_TRUE(RunUntil(io, [&] { return outcome.exit.has_value(); }));
  struct sigaction action {};
  ASSERT_EQ(::sigaction(SIGCHLD, nullptr, &action), 0);
  EXPECT_EQ(action.sa_handler, SIG_DFL)
      << "a SIGCHLD handler runs on any thread, and asio's writes to a pipe another io_context "
         "may be closing";
}

// As `thaw check -j` runs scenarios: one launcher per thread, each on its own io_context, one
// destroyed while the other's children still run and end.
TEST(BoostProcessLauncherTest, LaunchersInOtherThreadsReapOnlyTheirOwnAndLeakNothing) {
  const size_t descriptors_before = OpenDescriptors();
  Outcome first, second;
  std::thread other([&] {
    asio::io_context io;
    BoostProcessLauncher launcher(io);
    auto child = launcher.Launch(Shell("exit 7"), Record(second));
    ASSERT_TRUE(child.ok());
    ASSERT_TRUE(RunUntil(io, [&] { return second.exit.has_value(); }));
  });
  {
    asio::io_context io;
    BoostProcessLauncher launcher(io);
    for (int i = 0; i < 20; ++i) {
      Outcome outcome;
      auto child = launcher.Launch(Shell("exit 1"), Record(outcome));
      ASSERT_TRUE(child.ok());
      ASSERT_TRUE(RunUntil(io, [&] { return outcome.exit.has_value(); }));
      EXPECT_EQ(outcome.exit->exit_code, 1);
    }
    auto child = launcher.Launch(Shell("echo last; exit 5"), Record(first));
    ASSERT_TRUE(child.ok());
    ASSERT_TRUE(RunUntil(io, [&] { return first.exit.has_value(); }));
  }
  other.join();
  EXPECT_EQ(first.exit->exit_code, 5);
  EXPECT_EQ(second.exit->exit_code, 7);
  EXPECT_EQ(OpenDescriptors(), descriptors_before);
}

// A launcher destroyed with children still running kills and reaps them: no zombie, no process.
TEST(BoostProcessLauncherTest, DestroyingTheLauncherEndsItsChildren) {
  int pid = 0;
  {
    asio::io_context io;
    BoostProcessLauncher launcher(io);
    Outcome outcome;
    auto child = launcher.Launch(Shell("exec sleep 60"), Record(outcome));
    ASSERT_TRUE(child.ok());
    pid = (*child)->pid();
    child->reset();  // the instance is gone; the launcher still owns the reap
    io.poll();
  }
  EXPECT_NE(::kill(pid, 0), 0) << "pid " << pid << " outlived its launcher";
  EXPECT_EQ(errno, ESRCH);
}

}  // namespace
}  // namespace thaw
