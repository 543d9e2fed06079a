#include "tests/util/serve_process.h"

#include <signal.h>

#include <regex>

#include "tests/util/test_emulator.h"

namespace thaw::testing {

namespace bp = boost::process;

ServeProcess::ServeProcess(const std::filesystem::path& dir,
                           const std::vector<std::string>& args) {
  std::vector<std::string> all = {"serve", "--port", "0"};
  all.insert(all.end(), args.begin(), args.end());
  child_ = bp::child(THAW_BINARY, bp::args(all), bp::start_dir(dir.string()), bp::std_out > out_,
                     bp::std_err > err_);
  out_reader_ = std::thread([this] { ReadLines(out_, stdout_lines_); });
  err_reader_ = std::thread([this] { ReadLines(err_, stderr_lines_); });
  std::string ready;
  if (WaitForLine(stdout_lines_, "listening on http://127\\.0\\.0\\.1:[0-9]+", TestTimeout(),
                  &ready)) {
    std::smatch m;
    std::regex_search(ready, m, std::regex(":([0-9]+) "));
    port_ = static_cast<uint16_t>(std::stoi(m[1]));
  }
}

ServeProcess::~ServeProcess() {
  Stop();
  out_reader_.join();
  err_reader_.join();
}

int ServeProcess::Stop() {
  if (child_.running()) {
    ::kill(child_.id(), SIGTERM);
    std::error_code error;
    if (!child_.wait_for(TestTimeout(), error)) {
      child_.terminate();
      return -1;
    }
  }
  return child_.exit_code();
}

::testing::AssertionResult ServeProcess::WaitForStderr(const std::string& pattern,
                                                       std::chrono::milliseconds timeout,
                                                       std::string* line) {
  if (WaitForLine(stderr_lines_, pattern, timeout, line, &stderr_matched_)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no stderr line matching /" << pattern << "/ within "
                                       << timeout.count() << " ms; stderr:\n"
                                       << Stderr();
}

::testing::AssertionResult ServeProcess::WaitForStdout(const std::string& pattern,
                                                       std::chrono::milliseconds timeout,
                                                       std::string* line) {
  if (WaitForLine(stdout_lines_, pattern, timeout, line, &stdout_matched_)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no stdout line matching /" << pattern << "/ within "
                                       << timeout.count() << " ms; stdout:\n"
                                       << Stdout() << "stderr:\n"
                                       << Stderr();
}

std::string ServeProcess::Joined(const std::vector<std::string>& lines) {
  std::lock_guard lock(mu_);
  std::string all;
  for (const std::string& line : lines) all += line + "\n";
  return all;
}

std::string ServeProcess::Stderr() { return Joined(stderr_lines_); }
std::string ServeProcess::Stdout() { return Joined(stdout_lines_); }

void ServeProcess::ReadLines(bp::ipstream& in, std::vector<std::string>& lines) {
  for (std::string line; std::getline(in, line);) {
    std::lock_guard lock(mu_);
    lines.push_back(std::move(line));
    changed_.notify_all();
  }
}

bool ServeProcess::WaitForLine(const std::vector<std::string>& lines, const std::string& pattern,
                               std::chrono::milliseconds timeout, std::string* found,
                               size_t* from) {
  const std::regex re(pattern);
  std::unique_lock lock(mu_);
  size_t seen = from != nullptr ? *from : 0;
  return changed_.wait_for(lock, timeout, [&] {
    for (; seen < lines.size(); ++seen) {
      if (std::regex_search(lines[seen], re)) {
        if (found != nullptr) *found = lines[seen];
        if (from != nullptr) *from = seen + 1;
        return true;
      }
    }
    return false;
  });
}

}  // namespace thaw::testing
