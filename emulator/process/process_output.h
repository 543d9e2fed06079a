#ifndef THAW_EMULATOR_PROCESS_PROCESS_OUTPUT_H_
#define THAW_EMULATOR_PROCESS_PROCESS_OUTPUT_H_

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

// Helpers every RuntimeProcess implementation shares: splitting a stream into lines, reading what
// its output pipes hold, and following a process's peak memory through /proc.

namespace thaw {

// Cuts a byte stream into lines (without their '\n'). A line longer than 256 KB is passed on in
// pieces. Not thread-safe.
class LineSplitter {
 public:
  using Emit = std::function<void(std::string_view line)>;
  void Append(const char* data, size_t n, const Emit& emit);
  // Passes on what is left of an unterminated last line.
  void Flush(const Emit& emit);

 private:
  std::string partial_;
};

// Reads what the two non-blocking pipes `out_fd` and `err_fd` (the read ends of a process's
// stdout and stderr; a negative one is skipped) hold now, without waiting, and passes it to
// `on_bytes` (from_stderr, data, size), pipe by pipe. One poll() asks both: an invoke that wrote
// nothing, the common case at every event's end, costs one system call rather than a read of
// each.
void DrainPipesNow(
    int out_fd, int err_fd,
    const std::function<void(bool from_stderr, const char* data, size_t n)>& on_bytes);

// The peak resident set size of one process (not its children), read from /proc/<pid>: the
// current size (statm, cheap) at every call, the kernel's high-water mark (status, costly to
// generate) at most once a second. Open it right after the process starts. Not thread-safe.
class PeakRss {
 public:
  explicit PeakRss(int pid);
  ~PeakRss();
  PeakRss(const PeakRss&) = delete;
  PeakRss& operator=(const PeakRss&) = delete;
  // In kB; 0 when unknown.
  long ReadKb();

 private:
  int status_fd_ = -1;
  int statm_fd_ = -1;
  std::chrono::steady_clock::time_point last_status_read_;
  long peak_kb_ = 0;
};

}  // namespace thaw

#endif  // THAW_EMULATOR_PROCESS_PROCESS_OUTPUT_H_
