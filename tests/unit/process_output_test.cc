#include "emulator/process/process_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"

namespace thaw {
namespace {

// A non-blocking pipe, as a runtime's stdout or stderr is on thaw's side.
struct Pipe {
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  ~Pipe() {
    if (read_end >= 0) ::close(read_end);
    if (write_end >= 0) ::close(write_end);
  }
  void Write(const std::string& bytes) {
    ASSERT_EQ(::write(write_end, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  int read_end = -1;
  int write_end = -1;
};

struct Drained {
  std::string out;
  std::string err;
  int calls = 0;
};

Drained Drain(int out_fd, int err_fd) {
  Drained d;
  DrainPipesNow(out_fd, err_fd, [&d](bool from_stderr, const char* data, size_t n) {
    ++d.calls;
    (from_stderr ? d.err : d.out).append(data, n);
  });
  return d;
}

TEST(DrainPipesNowTest, EmptyPipesGiveNothing) {
  Pipe out, err;
  const Drained d = Drain(out.read_end, err.read_end);
  EXPECT_EQ(d.calls, 0);
}

TEST(DrainPipesNowTest, ReadsWhatEachPipeHoldsToItsEnd) {
  Pipe out, err;
  // More than one read's worth on stdout (the helper reads 16 KB at a time).
  std::string big;
  for (int i = 0; big.size() < 40 * 1024; ++i) big += "stdout line " + std::to_string(i) + "\n";
  out.Write(big);
  err.Write("stderr line\n");
  const Drained d = Drain(out.read_end, err.read_end);
  EXPECT_EQ(d.out, big);
  EXPECT_EQ(d.err, "stderr line\n");
  // Nothing is left behind: a second drain finds both empty.
  EXPECT_EQ(Drain(out.read_end, err.read_end).calls, 0);
}

TEST(DrainPipesNowTest, ExactlyOneReadsWorthIsReadWhole) {
  Pipe out, err;
  const std::string exact(16 * 1024, 'x');
  out.Write(exact);
  EXPECT_EQ(Drain(out.read_end, err.read_end).out, exact);
}

TEST(DrainPipesNowTest, ReadsWhatAClosedWriterLeft) {
  Pipe out, err;
  err.Write("last words\n");
  ::close(err.write_end);
  err.write_end = -1;
  ::close(out.write_end);
  out.write_end = -1;
  const Drained d = Drain(out.read_end, err.read_end);
  EXPECT_EQ(d.err, "last words\n");
  EXPECT_EQ(d.out, "");
}

TEST(DrainPipesNowTest, SkipsANegativeDescriptor) {
  Pipe err;
  err.Write("only stderr\n");
  const Drained d = Drain(-1, err.read_end);
  EXPECT_EQ(d.err, "only stderr\n");
  EXPECT_EQ(Drain(-1, -1).calls, 0);
}

}  // namespace
}  // namespace thaw
