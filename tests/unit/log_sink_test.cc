// StreamLogSink: a reader that stops reading never blocks Line(); what is dropped is counted and
// said in the output.
#include "emulator/control/log_sink.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <future>
#include <memory>
#include <sstream>
#include <string>

#include "tests/util/test_emulator.h"

namespace thaw {
namespace {

// A pipe whose write end is a stdio stream, as thaw's stdout is when a harness reads it.
class Pipe {
 public:
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    read_fd_ = fds[0];
    out_ = ::fdopen(fds[1], "w");
  }
  ~Pipe() {
    CloseWriteEnd();
    if (read_fd_ >= 0) ::close(read_fd_);
  }
  std::FILE* out() { return out_; }
  void CloseWriteEnd() {
    if (out_ != nullptr) std::fclose(out_);
    out_ = nullptr;
  }
  // Everything until the write end is closed.
  std::string ReadAll() {
    std::string all;
    char buffer[65536];
    ssize_t n;
    while ((n = ::read(read_fd_, buffer, sizeof(buffer))) > 0) all.append(buffer, n);
    return all;
  }

 private:
  int read_fd_ = -1;
  std::FILE* out_ = nullptr;
};

TEST(StreamLogSinkTest, ALineIsWrittenWithItsFunctionAndInstance) {
  Pipe pipe;
  {
    StreamLogSink sink(pipe.out());
    sink.Line("fn", 3, "hello");
  }
  pipe.CloseWriteEnd();
  EXPECT_EQ(pipe.ReadAll(), "[fn:3] hello\n");
}

TEST(StreamLogSinkTest, AReaderThatDoesNotReadNeverBlocksLinesAreDroppedAndCounted) {
  constexpr uint64_t kLines = 100000;
  Pipe pipe;
  // A 64 KiB buffer in front of a 64 KiB pipe that nobody reads yet: 4 MB of lines.
  auto sink = std::make_unique<StreamLogSink>(pipe.out(), 64 * 1024, testing::TestTimeout());
  auto writing = std::async(std::launch::async, [&] {
    for (uint64_t i = 0; i < kLines; ++i) sink->Line("fn", 1, std::string(30, 'x'));
  });
  ASSERT_EQ(writing.wait_for(testing::TestTimeout()), std::future_status::ready)
      << "Line() blocked on a reader that does not read";
  EXPECT_GT(sink->dropped(), 0u);

  // The reader comes back: what was buffered arrives, then the note saying what was dropped.
  auto reading = std::async(std::launch::async, [&] { return pipe.ReadAll(); });
  const uint64_t dropped = sink->dropped();
  sink.reset();  // flushes
  pipe.CloseWriteEnd();
  std::istringstream lines(reading.get());
  std::string line;
  uint64_t written = 0;
  uint64_t noted = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("[fn:1] ", 0) == 0) {
      ++written;
    } else {
      ASSERT_EQ(line.rfind("[thaw] ", 0), 0u) << line;
      EXPECT_NE(line.find("log lines dropped"), std::string::npos) << line;
      noted += std::stoull(line.substr(7));
    }
  }
  EXPECT_EQ(noted, dropped);
  EXPECT_EQ(written + dropped, kLines);
}

// A reader that never comes back does not hold the sink's end longer than its flush limit.
TEST(StreamLogSinkTest, TheEndDoesNotWaitPastItsFlushLimitForAReaderThatNeverReads) {
  Pipe pipe;
  auto sink =
      std::make_unique<StreamLogSink>(pipe.out(), 1024 * 1024, std::chrono::milliseconds(10));
  for (int i = 0; i < 10000; ++i) sink->Line("fn", 1, std::string(60, 'x'));  // > the pipe
  auto ending = std::async(std::launch::async, [&] { sink.reset(); });
  EXPECT_EQ(ending.wait_for(testing::TestTimeout()), std::future_status::ready);
}

}  // namespace
}  // namespace thaw
