#ifndef THAW_TESTS_UTIL_SERVE_PROCESS_H_
#define THAW_TESTS_UTIL_SERVE_PROCESS_H_

#include <gtest/gtest.h>

#include <boost/process.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace thaw::testing {

// A real `thaw serve --port 0 ARGS...` (the binary built with the tests) started from `dir`,
// with both its outputs read by threads of their own (so it never blocks on a full pipe) and
// kept line by line for WaitForStdout / WaitForStderr. The constructor waits (TestTimeout())
// for the "listening on" line; port() is then the Invoke API's port, else 0.
class ServeProcess {
 public:
  ServeProcess(const std::filesystem::path& dir, const std::vector<std::string>& args);
  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // SIGTERM, then its exit code (-1 when it had to be killed). Under the sanitizers a leak
  // or an error makes it non-zero.
  int Stop();

  uint16_t port() const { return port_; }
  // The thaw process's pid (for /proc).
  pid_t pid() const { return static_cast<pid_t>(child_.id()); }

  // Waits until a stderr (stdout) line matches `pattern` (a regex searched in the line), at
  // most `timeout`; the line goes to `line`. Lines already read count, except those up to the
  // last line an earlier wait on the same stream matched.
  ::testing::AssertionResult WaitForStderr(const std::string& pattern,
                                           std::chrono::milliseconds timeout,
                                           std::string* line = nullptr);
  ::testing::AssertionResult WaitForStdout(const std::string& pattern,
                                           std::chrono::milliseconds timeout,
                                           std::string* line = nullptr);
  std::string Stderr();
  std::string Stdout();

 private:
  void ReadLines(boost::process::ipstream& in, std::vector<std::string>& lines);
  // From line `*from` on (0 when null); `*from` then moves past the line found.
  bool WaitForLine(const std::vector<std::string>& lines, const std::string& pattern,
                   std::chrono::milliseconds timeout, std::string* found, size_t* from = nullptr);
  std::string Joined(const std::vector<std::string>& lines);

  boost::process::ipstream out_;
  boost::process::ipstream err_;
  boost::process::child child_;
  uint16_t port_ = 0;
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::string> stdout_lines_;
  std::vector<std::string> stderr_lines_;
  // Lines before these were matched by an earlier wait, or come before such a line.
  size_t stderr_matched_ = 0;
  size_t stdout_matched_ = 0;
  std::thread out_reader_;
  std::thread err_reader_;
};

}  // namespace thaw::testing

#endif  // THAW_TESTS_UTIL_SERVE_PROCESS_H_
