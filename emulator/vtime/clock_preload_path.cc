#include "emulator/vtime/clock_preload_path.h"

#include <cstdlib>
#include <system_error>

namespace thaw {

absl::StatusOr<std::filesystem::path> FindClockPreload() {
  std::error_code ec;
  if (const char* given = std::getenv("THAW_CLOCK_PRELOAD"); given != nullptr && *given) {
    if (std::filesystem::exists(given, ec)) return std::filesystem::absolute(given, ec);
    return absl::NotFoundError(std::string("THAW_CLOCK_PRELOAD names no file: ") + given);
  }
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::filesystem::path installed =
        exe.parent_path().parent_path() / "lib" / "thaw" / "libthaw_clock.so";
    if (std::filesystem::exists(installed, ec)) return installed;
  }
  const std::filesystem::path built = THAW_DEFAULT_CLOCK_PRELOAD;
  if (std::filesystem::exists(built, ec)) return built;
  return absl::NotFoundError("thaw's clock preload libthaw_clock.so is missing (looked beside " +
                             exe.string() + " and at " + built.string() +
                             "; set THAW_CLOCK_PRELOAD)");
}

}  // namespace thaw
