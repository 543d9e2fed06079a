#ifndef THAW_EMULATOR_PROCESS_BOOST_PROCESS_LAUNCHER_H_
#define THAW_EMULATOR_PROCESS_BOOST_PROCESS_LAUNCHER_H_

#include <boost/asio/io_context.hpp>

#include "emulator/process/process_launcher.h"

namespace thaw {

// ProcessLauncher on Boost.Process. Each child:
//  - leads its own process group (so signals reach everything the runtime started);
//  - gets SIGKILL when the thread that launched it dies (PR_SET_PDEATHSIG), so instances never
//    outlive thaw even when thaw is SIGKILLed; launch from a thread that lives as long as thaw;
//  - inherits no descriptor but stdin (/dev/null), stdout and stderr (pipes read here).
// Strand-confined: call and destroy only on `io`'s single thread.
class BoostProcessLauncher : public ProcessLauncher {
 public:
  explicit BoostProcessLauncher(boost::asio::io_context& io) : io_(io) {}
  absl::StatusOr<std::unique_ptr<RuntimeProcess>> Launch(const LaunchSpec& spec,
                                                         ProcessCallbacks callbacks) override;

 private:
  boost::asio::io_context& io_;
};

}  // namespace thaw

#endif  // THAW_EMULATOR_PROCESS_BOOST_PROCESS_LAUNCHER_H_
