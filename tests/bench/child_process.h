#ifndef THAW_TESTS_BENCH_CHILD_PROCESS_H_
#define THAW_TESTS_BENCH_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace thaw::bench {

// A server the benchmark starts: its stdout goes to a file (so it can never block on a full
// pipe) that the benchmark reads the "listening" line from; its stderr is the benchmark's. It
// gets SIGTERM if the benchmark dies.
class ChildProcess {
 public:
  // Starts argv[0] with argv, stdout to `stdout_path`; null (and `error`) when it cannot be
  // started.
  static std::unique_ptr<ChildProcess> Start(const std::vector<std::string>& argv,
                                             const std::string& stdout_path, std::string* error);
  // Stops the process if it is still running.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Reads stdout until a line containing `needle`; false (and `error`) on timeout or when the
  // process exits first.
  bool WaitForLine(const std::string& needle, std::chrono::milliseconds timeout, std::string* line,
                   std::string* error);
  // SIGTERM, then SIGKILL after `grace`. Returns the wait status, or -1 when it was killed.
  int Stop(std::chrono::milliseconds grace);

  pid_t pid() const { return pid_; }

 private:
  ChildProcess(pid_t pid, int out_fd) : pid_(pid), out_fd_(out_fd) {}

  pid_t pid_;
  int out_fd_;
  bool reaped_ = false;
  std::string pending_;
};

// Pins every thread of `pid` (0: only the calling thread) to `cpu`, or lets it run on every
// online CPU when cpu < 0. False when the kernel refuses.
bool SetAffinity(pid_t pid, int cpu);

// "listening on http://127.0.0.1:PORT" -> PORT; 0 when the line has no port.
uint16_t PortFromLine(const std::string& line);

}  // namespace thaw::bench

#endif  // THAW_TESTS_BENCH_CHILD_PROCESS_H_
