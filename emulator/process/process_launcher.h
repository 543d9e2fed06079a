#ifndef THAW_EMULATOR_PROCESS_PROCESS_LAUNCHER_H_
#define THAW_EMULATOR_PROCESS_PROCESS_LAUNCHER_H_

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace thaw {

// What to start: the executable, its arguments, its whole environment ("NAME=value"; nothing
// is inherited) and its working directory.
struct LaunchSpec {
  std::filesystem::path executable;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::filesystem::path working_dir;
};

// How a process ended, as waitpid tells it.
struct ExitInfo {
  int exit_code = -1;  // when it exited; -1 otherwise
  int signal = 0;      // when a signal killed it; 0 otherwise
  // "exit status 42" or "signal: killed", the wording Lambda uses in Runtime.ExitError.
  std::string Describe() const;
};

// Where a process's output and its end are reported. Both are called on the launcher's
// io_context thread; `on_exit` is called exactly once, and never from inside Launch().
struct ProcessCallbacks {
  std::function<void(std::string_view line, bool from_stderr)> on_line;
  std::function<void(const ExitInfo&)> on_exit;
};

// A running child process, leader of its own process group.
// Strand-confined to the launcher's io_context. Destroying it kills the whole group (SIGKILL)
// and every descendant (process_tree.h) if it is still running; the exit is still reaped, so
// no zombie remains.
class RuntimeProcess {
 public:
  virtual ~RuntimeProcess() = default;
  virtual int pid() const = 0;
  // Sends `signal` to the whole process group; SIGKILL also reaches descendants that left the
  // group (KillProcessTree). No effect once the process has been reaped.
  virtual void SignalGroup(int signal) = 0;
  // Peak resident set size of the group leader so far, in kB (0 when unknown): the largest RSS
  // seen at any call, and the kernel's high-water mark read at most once a second (exact once
  // the process is reaped).
  virtual long PeakRssKb() = 0;
  // Reads and reports (through on_line) whatever output the process has written so far, now.
  // Used before a log is closed, since output and HTTP requests travel separately.
  virtual void DrainOutput() = 0;
};

// Lambda's limit on a function's open file descriptors; a launched process starts with this soft
// limit (or its hard limit, if lower), whatever thaw's own is.
inline constexpr unsigned long kLambdaOpenFiles = 1024;

// Starts runtime processes. Implementations are strand-confined to one io_context.
class ProcessLauncher {
 public:
  virtual ~ProcessLauncher() = default;
  // Starts the process in a new process group that dies with thaw. Returns Internal when the
  // process cannot be started.
  virtual absl::StatusOr<std::unique_ptr<RuntimeProcess>> Launch(const LaunchSpec& spec,
                                                                 ProcessCallbacks callbacks) = 0;
};

}  // namespace thaw

#endif  // THAW_EMULATOR_PROCESS_PROCESS_LAUNCHER_H_
