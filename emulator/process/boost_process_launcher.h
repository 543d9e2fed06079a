#ifndef THAW_EMULATOR_PROCESS_BOOST_PROCESS_LAUNCHER_H_
#define THAW_EMULATOR_PROCESS_BOOST_PROCESS_LAUNCHER_H_

#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>

#include "emulator/process/process_launcher.h"

namespace thaw {

// ProcessLauncher on Boost.Process. Each child:
//  - leads its own process group (so signals reach everything the runtime started);
//  - gets SIGKILL when the thread that launched it dies (PR_SET_PDEATHSIG), so instances never
//    outlive thaw even when thaw is SIGKILLed; launch from a thread that lives as long as thaw;
//  - inherits no descriptor but stdin (/dev/null), stdout and stderr (pipes read here);
//  - is reaped here, with its exit status and peak memory, even after its RuntimeProcess object
//    is gone: each child's pidfd is watched on `io`, so a child's end wakes only its own reap.
//    No SIGCHLD handler is installed (a process-wide handler writing to asio's signal pipe races
//    with another io_context closing that pipe, and wakes every launcher for any child).
//    Needs Linux 5.3 (pidfd_open); Launch fails, and kills the child, where it is missing.
// Strand-confined: call and destroy only on `io`'s single thread. Must outlive the processes
// it started (destroying it kills any that are left).
class BoostProcessLauncher : public ProcessLauncher {
 public:
  explicit BoostProcessLauncher(boost::asio::io_context& io);
  ~BoostProcessLauncher() override;
  absl::StatusOr<std::unique_ptr<RuntimeProcess>> Launch(const LaunchSpec& spec,
                                                         ProcessCallbacks callbacks) override;

  struct Child;

 private:
  // Waits for `child`'s pidfd to be readable (it has exited), then reaps it.
  void WatchExit(std::shared_ptr<Child> child);
  // Reaps `child` if it has exited (wait4, WNOHANG); returns false while it still runs.
  bool Reap(const std::shared_ptr<Child>& child);

  boost::asio::io_context& io_;
  // Started and not yet reaped, by pid.
  std::map<int, std::shared_ptr<Child>> children_;
  // Expires with the launcher, so that completions queued before its end do nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace thaw

#endif  // THAW_EMULATOR_PROCESS_BOOST_PROCESS_LAUNCHER_H_
