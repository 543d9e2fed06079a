// FileWatcher on real inotify and a real temporary directory, driven by a real io_context: the
// ways editors and build tools change files, bursts, noise, the directory cap, and the descriptor.
#include "host/file_watcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tests/util/test_emulator.h"

namespace thaw {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

void Write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

// Descriptors this process has open now.
int OpenDescriptors() {
  int n = 0;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    (void)entry;
    ++n;
  }
  return n;
}

class FileWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("thaw-watch-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "code" / "lib");
    Write(dir_ / "code" / "index.mjs", "v1");
    Write(dir_ / "code" / "lib" / "util.mjs", "v1");
    Write(dir_ / "thaw.yaml", "functions: {}");
  }
  void TearDown() override {
    watcher_.reset();
    fs::remove_all(dir_);
  }

  void Start(FileWatcher::Options options = {}) {
    auto watcher = FileWatcher::Create(io_, options, [this](std::vector<fs::path> changed) {
      bursts_.push_back(std::move(changed));
      io_.stop();
    });
    ASSERT_TRUE(watcher.ok()) << watcher.status();
    watcher_ = *std::move(watcher);
  }

  // Runs the loop until the next burst is reported, at most `timeout`; nullopt when none came.
  std::optional<std::vector<fs::path>> NextBurst(
      std::chrono::milliseconds timeout = testing::TestTimeout()) {
    const size_t before = bursts_.size();
    boost::asio::steady_timer deadline(io_, timeout);
    deadline.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) io_.stop();
    });
    io_.restart();
    io_.run();
    deadline.cancel();
    io_.restart();
    io_.poll();  // the cancelled wait's handler
    if (bursts_.size() == before) return std::nullopt;
    return bursts_.back();
  }

  fs::path dir_;
  boost::asio::io_context io_;
  std::unique_ptr<FileWatcher> watcher_;
  std::vector<std::vector<fs::path>> bursts_;
};

TEST_F(FileWatcherTest, SeesAWriteInPlace) {
  Start();
  ASSERT_TRUE(watcher_->WatchTree(dir_ / "code").ok());
  Write(dir_ / "code" / "index.mjs", "v2");
  EXPECT_THAT(NextBurst(), ::testing::Optional(ElementsAre(dir_ / "code" / "index.mjs")));
}

// An editor's safe save: write a temporary file, rename it over the original. The temporary
// file is reported too (it changed), in the same burst.
TEST_F(FileWatcherTest, SeesAReplaceByRenameAsOneBurst) {
  Start();
  ASSERT_TRUE(watcher_->WatchTree(dir_ / "code").ok());
  Write(dir_ / "code" / ".index.mjs.tmp", "v2");
  fs::rename(dir_ / "code" / ".index.mjs.tmp", dir_ / "code" / "index.mjs");
  EXPECT_THAT(NextBurst(), ::testing::Optional(UnorderedElementsAre(
                               dir_ / "code" / ".index.mjs.tmp", dir_ / "code" / "index.mjs")));
}

TEST_F(FileWatcherTest, SeesADeleteAndCreateInASubdirectory) {
  Start();
  ASSERT_TRUE(watcher_->WatchTree(dir_ / "code").ok());
  fs::remove(dir_ / "code" / "lib" / "util.mjs");
  Write(dir_ / "code" / "lib" / "util.mjs", "v2");
  EXPECT_THAT(NextBurst(), ::testing::Optional(ElementsAre(dir_ / "code" / "lib" / "util.mjs")));
}

// A directory made after the watch started is watched too (inotify has no recursion).
TEST_F(FileWatcherTest, WatchesDirectoriesMadeLater) {
  Start();
  ASSERT_TRUE(watcher_->WatchTree(dir_ / "code").ok());
  fs::create_directories(dir_ / "code" / "new");
  ASSERT_TRUE(NextBurst().has_value());
  Write(dir_ / "code" / "new" / "a.mjs", "v1");
  EXPECT_THAT(NextBurst(), ::testing::Optional(ElementsAre(dir_ / "code" / "new" / "a.mjs")));
}

// A build that deletes its output directory and writes it again is still watched afterwards.
TEST_F(FileWatcherTest, WatchesATreeMadeAgainAfterItWasDeleted) {
  Start();
  ASSERT_TRUE(watcher_->WatchTree(dir_ / "code").ok());
  fs::remove_all(dir_ / "code");
  ASSERT_TRUE(NextBurst().has_value());
  fs::create_directories(dir_ / "code");
  ASSERT_TRUE(NextBurst().has_value());
  Write(dir_ / "code" / "index.mjs", "v3");
  EXPECT_THAT(NextBurst(), ::testing::Optional(ElementsAre(dir_ / "code" / "index.mjs")));
}

// A single file is watched through its directory: its neighbours are not reported, and it is
// still seen after it was replaced by a rename (a new inode).
TEST_F(FileWatcherTest, WatchesOneFileWhateverWayItIsReplaced) {
  Start();
  ASSERT_TRUE(watcher_->WatchFile(dir_ / "thaw.yaml").ok());
  Write(dir_ / "other.txt", "x");
  EXPECT_EQ(NextBurst(std::chrono::milliseconds(300)), std::nullopt);
  Write(dir_ / "thaw.yaml.new", "functions: {a: 1}");
  fs::rename(dir_ / "thaw.yaml.new", dir_ / "thaw.yaml");
  EXPECT_THAT(NextBurst(), ::testing::Optional(ElementsAre(dir_ / "thaw.yaml")));
  Write(dir_ / "thaw.yaml", "functions: {b: 1}");
  EXPECT_THAT(NextBurst(), ::testing::Optional(ElementsAre(dir_ / "thaw.yaml")));
}

// A watched file's directory deleted and made again (`sam build` remaking .aws-sam/build): the
// file is still watched, and seen when it comes back.
TEST_F(FileWatcherTest, WatchesAFileWhoseDirectoryIsMadeAgain) {
  fs::create_directories(dir_ / "build");
  Write(dir_ / "build" / "template.yaml", "v1");
  Start();
  ASSERT_TRUE(watcher_->WatchFile(dir_ / "build" / "template.yaml").ok());
  fs::remove_all(dir_ / "build");
  // The directory is reported too: it is a watched name of its parent's.
  EXPECT_THAT(NextBurst(), ::testing::Optional(UnorderedElementsAre(
                               dir_ / "build", dir_ / "build" / "template.yaml")));
  fs::create_directories(dir_ / "build");
  Write(dir_ / "build" / "template.yaml", "v2");
  EXPECT_THAT(NextBurst(),
              ::testing::Optional(::testing::Contains(dir_ / "build" / "template.yaml")));
  Write(dir_ / "build" / "template.yaml", "v3");
  EXPECT_THAT(NextBurst(), ::testing::Optional(ElementsAre(dir_ / "build" / "template.yaml")));
}

// Caches, compiled files and editors' swap files are not the user's change.
TEST_F(FileWatcherTest, IgnoresNoise) {
  fs::create_directories(dir_ / "code" / "node_modules" / ".cache");
  fs::create_directories(dir_ / "code" / "__pycache__");
  Start();
  ASSERT_TRUE(watcher_->WatchTree(dir_ / "code").ok());
  Write(dir_ / "code" / "node_modules" / ".cache" / "x.json", "{}");
  Write(dir_ / "code" / "__pycache__" / "app.cpython-312.pyc", "x");
  Write(dir_ / "code" / ".index.mjs.swp", "x");
  Write(dir_ / "code" / "index.mjs~", "x");
  Write(dir_ / "code" / "index.mjs", "v2");
  EXPECT_THAT(NextBurst(), ::testing::Optional(ElementsAre(dir_ / "code" / "index.mjs")));
}

// Past max_directories the rest is left unwatched and counted, breadth first: the top-level
// directories are watched before deep ones.
TEST_F(FileWatcherTest, CapsTheDirectoriesWatchedAndSaysHowManyAreLeft) {
  for (int i = 0; i < 5; ++i) fs::create_directories(dir_ / "code" / "deep" / std::to_string(i));
  Start({.max_directories = 4});
  // The root's parent (to see the root made again), code, code/deep and code/lib (breadth
  // first) use the 4; deep's 5 children are left.
  absl::StatusOr<int> left = watcher_->WatchTree(dir_ / "code");
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(*left, 5);
  EXPECT_EQ(watcher_->watched_directories(), 4);
  Write(dir_ / "code" / "deep" / "0" / "x", "unseen");
  Write(dir_ / "code" / "lib" / "util.mjs", "v2");
  EXPECT_THAT(NextBurst(), ::testing::Optional(ElementsAre(dir_ / "code" / "lib" / "util.mjs")));
}

TEST_F(FileWatcherTest, ErrorsNameTheDirectory) {
  Start();
  absl::StatusOr<int> missing = watcher_->WatchTree(dir_ / "absent");
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  EXPECT_THAT(std::string(missing.status().message()), ::testing::HasSubstr("absent"));
  absl::StatusOr<int> file = watcher_->WatchTree(dir_ / "thaw.yaml");
  EXPECT_TRUE(absl::IsFailedPrecondition(file.status())) << file.status();
}

// Clear drops every watch: nothing is reported afterwards.
TEST_F(FileWatcherTest, ClearStopsReporting) {
  Start();
  ASSERT_TRUE(watcher_->WatchTree(dir_ / "code").ok());
  watcher_->Clear();
  EXPECT_EQ(watcher_->watched_directories(), 0);
  Write(dir_ / "code" / "index.mjs", "v2");
  EXPECT_EQ(NextBurst(std::chrono::milliseconds(300)), std::nullopt);
}

// The inotify descriptor is the watcher's and goes with it.
TEST_F(FileWatcherTest, ClosesItsDescriptor) {
  // The loop's own descriptors (epoll, its timer) come with its first I/O object.
  boost::asio::steady_timer first_io_object(io_);
  const int before = OpenDescriptors();
  Start();
  ASSERT_TRUE(watcher_->WatchTree(dir_ / "code").ok());
  EXPECT_EQ(OpenDescriptors(), before + 1);
  watcher_.reset();
  EXPECT_EQ(OpenDescriptors(), before);
}

}  // namespace
}  // namespace thaw
