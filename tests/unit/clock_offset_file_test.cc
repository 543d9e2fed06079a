// The clock offset file (emulator/vtime/clock_offset_file.h) as a reader sees it: a fresh file
// reads zero, every Set is seen at once through another mapping (as the preload maps it), time
// never goes back, and the file goes with its owner. And the preload itself, loaded into a real
// `date`, reads it (clock_preload.cc).
#include "emulator/vtime/clock_offset_file.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "core/scheduler_clock.h"
#include "emulator/vtime/clock_offset_abi.h"
#include "emulator/vtime/clock_preload_path.h"
#include "emulator/vtime/virtual_clock.h"

namespace thaw {
namespace {

using std::chrono::minutes;
using std::chrono::nanoseconds;

// A read-only mapping of the file's offset word, as the preload makes it.
class Reader {
 public:
  explicit Reader(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0) << path;
    map_ = ::mmap(nullptr, vtime::kOffsetFileSize, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    EXPECT_NE(map_, MAP_FAILED);
  }
  ~Reader() { ::munmap(map_, vtime::kOffsetFileSize); }
  int64_t Read() const {
    return __atomic_load_n(static_cast<const int64_t*>(map_), __ATOMIC_ACQUIRE);
  }

 private:
  void* map_ = nullptr;
};

TEST(ClockOffsetFileTest, StartsAtZeroAndEverySetIsSeenByAReader) {
  auto file = ClockOffsetFile::Create();
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(std::filesystem::file_size((*file)->path()),
            static_cast<uintmax_t>(vtime::kOffsetFileSize));
  Reader reader((*file)->path());
  EXPECT_EQ(reader.Read(), 0);
  (*file)->Set(minutes(20));
  EXPECT_EQ(reader.Read(), nanoseconds(minutes(20)).count());
  EXPECT_EQ((*file)->offset(), minutes(20));
  (*file)->Set(minutes(31));
  EXPECT_EQ(reader.Read(), nanoseconds(minutes(31)).count());
}

TEST(ClockOffsetFileTest, ANegativeOffsetIsStoredAsZero) {
  auto file = ClockOffsetFile::Create();
  ASSERT_TRUE(file.ok()) << file.status();
  (*file)->Set(nanoseconds(-5));
  EXPECT_EQ((*file)->offset(), nanoseconds(0));
}

TEST(ClockOffsetFileTest, IsPrivateAndGoesWithItsOwner) {
  std::filesystem::path path;
  {
    auto file = ClockOffsetFile::Create(::testing::TempDir());
    ASSERT_TRUE(file.ok()) << file.status();
    path = (*file)->path();
    EXPECT_TRUE(path.string().starts_with(::testing::TempDir())) << path;
    const auto perms = std::filesystem::status(path).permissions();
    EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
              std::filesystem::perms::none);
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(ClockOffsetFileTest, CreateFailsInADirectoryThatIsNot) {
  auto file = ClockOffsetFile::Create("/nonexistent/thaw");
  EXPECT_FALSE(file.ok());
  EXPECT_THAT(std::string(file.status().message()), ::testing::HasSubstr("/nonexistent/thaw"));
}

TEST(VirtualClockTest, FollowsEveryAdvanceOfTheSchedulerClock) {
  SchedulerClock clock;
  Ledger ledger;
  ThawConfig config;
  FunctionConfig fn;
  fn.name = "f";
  fn.executable = "/bin/true";
  config.functions["f"] = fn;
  FunctionConfig off = fn;
  off.name = "off";
  off.virtual_time = false;
  config.functions["off"] = off;
  auto vclock = VirtualClock::Create(clock, config, ledger);
  ASSERT_NE(vclock, nullptr);
  clock.Advance(minutes(20));
  EXPECT_EQ(vclock->OffsetFor(config.functions["f"]), minutes(20));
  EXPECT_EQ(vclock->OffsetFor(config.functions["off"]), nanoseconds(0));
  EXPECT_EQ(Reader(vclock->offset_file()).Read(), nanoseconds(minutes(20)).count());
  const auto env = vclock->EnvironmentFor(config.functions["f"], 1);
  EXPECT_EQ(env.at("LD_PRELOAD"), vclock->preload().string());
  EXPECT_EQ(env.at(vtime::kOffsetFileEnv), vclock->offset_file().string());
  EXPECT_TRUE(vclock->EnvironmentFor(config.functions["off"], 2).empty());
  // The function's own preload still loads, after thaw's.
  config.functions["f"].environment["LD_PRELOAD"] = "/x/libmine.so";
  EXPECT_EQ(vclock->EnvironmentFor(config.functions["f"], 1).at("LD_PRELOAD"),
            vclock->preload().string() + ":/x/libmine.so");
}

TEST(VirtualClockTest, NoneWhenEveryFunctionHasItOff) {
  SchedulerClock clock;
  Ledger ledger;
  ThawConfig config;
  config.settings.virtual_time = false;
  config.functions["f"].name = "f";
  EXPECT_EQ(VirtualClock::Create(clock, config, ledger), nullptr);
}

TEST(ClockPreloadBypassTest, StaticAndGoProgramsAreNamedDynamicOnesAreNot) {
  EXPECT_EQ(ClockPreloadBypass("/bin/date"), std::nullopt);
  EXPECT_EQ(ClockPreloadBypass("/nonexistent"), std::nullopt);
  // ldconfig is statically linked on Debian.
  if (std::filesystem::exists("/sbin/ldconfig")) {
    const auto bypass = ClockPreloadBypass("/sbin/ldconfig");
    ASSERT_TRUE(bypass.has_value());
    EXPECT_THAT(*bypass, ::testing::HasSubstr("statically linked"));
  }
  const std::filesystem::path go = std::filesystem::path(::testing::TempDir()) / "fake-go";
  {
    std::FILE* out = std::fopen(go.c_str(), "wb");
    ASSERT_NE(out, nullptr);
    const std::string bytes = std::string(
                                  "\x7f"
                                  "ELF",
                                  4) +
                              std::string(60, '\0') + "\xff Go buildinf:" + std::string(32, '\0');
    std::fwrite(bytes.data(), 1, bytes.size(), out);
    std::fclose(out);
  }
  const auto bypass = ClockPreloadBypass(go);
  ASSERT_TRUE(bypass.has_value());
  EXPECT_THAT(*bypass, ::testing::HasSubstr("Go"));
  std::filesystem::remove(go);
}

// The preload in a real program: `date +%s` under it reads 20 minutes ahead.
TEST(ClockPreloadTest, ADynamicallyLinkedProgramReadsTheOffset) {
  auto preload = FindClockPreload();
  ASSERT_TRUE(preload.ok()) << preload.status();
  auto file = ClockOffsetFile::Create();
  ASSERT_TRUE(file.ok()) << file.status();
  (*file)->Set(minutes(20));
  const std::string command = "env LD_PRELOAD=" + preload->string() + " " + vtime::kOffsetFileEnv +
                              "=" + (*file)->path().string() + " date +%s";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::array<char, 64> buffer{};
  ASSERT_NE(std::fgets(buffer.data(), buffer.size(), pipe), nullptr);
  ::pclose(pipe);
  const long shown = std::stol(buffer.data());
  const long now = static_cast<long>(::time(nullptr));
  EXPECT_GE(shown, now + 20 * 60 - 2);
  EXPECT_LE(shown, now + 20 * 60 + 10);
}

}  // namespace
}  // namespace thaw
