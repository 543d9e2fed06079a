#ifndef THAW_EMULATOR_VTIME_CLOCK_PRELOAD_PATH_H_
#define THAW_EMULATOR_VTIME_CLOCK_PRELOAD_PATH_H_

#include <filesystem>

#include "absl/status/statusor.h"

namespace thaw {

// Where thaw's clock preload (libthaw_clock.so) is, found the way the runtimes' bootstraps are
// (function_checks.cc RuntimesDir): $THAW_CLOCK_PRELOAD, else an installed thaw's
// <prefix>/lib/thaw/libthaw_clock.so (beside <prefix>/bin/thaw; cmake/install.cmake), else the
// build tree's. NotFound, naming where it looked, when none exists. Thread-safe.
absl::StatusOr<std::filesystem::path> FindClockPreload();

}  // namespace thaw

#endif  // THAW_EMULATOR_VTIME_CLOCK_PRELOAD_PATH_H_
