#ifndef THAW_EMULATOR_RUNTIMES_RIC_RIC_INSTALLER_H_
#define THAW_EMULATOR_RUNTIMES_RIC_RIC_INSTALLER_H_

#include <filesystem>
#include <functional>
#include <string>

#include "absl/status/statusor.h"

namespace thaw {

// The aws-lambda-ric version thaw runs; emulator/runtimes/ric/package.json pins the same one
// (and package-lock.json its dependencies).
inline constexpr char kRicVersion[] = "4.0.2";

// thaw's cache directory: $THAW_CACHE_DIR, else $XDG_CACHE_HOME/thaw, else $HOME/.cache/thaw.
// FailedPrecondition when none of these variables is set.
absl::StatusOr<std::filesystem::path> DefaultCacheDir();

// Installs the npm package aws-lambda-ric (the official Node.js runtime interface client) into
// <cache>/aws-lambda-ric-<kRicVersion>/ on first use, from thaw's pin
// (emulator/runtimes/ric/package.json + package-lock.json, `npm ci`), and finds its entry point.
// The package builds native code when installed (about a minute): it needs npm, cmake, make,
// a C++ compiler, python3 and node's headers, which are checked first.
//
// Installs are atomic and serialized across processes: npm runs in a private staging directory
// under an exclusive lock file, and the result is renamed into place; a directory counts as
// installed only when it holds the pinned version and its native addon. Not thread-safe (one
// instance per thread); blocking.
class RicInstaller {
 public:
  struct Options {
    // The cache directory (created when missing).
    std::filesystem::path cache_dir;
    // Directory holding package.json and package-lock.json (the pin).
    std::filesystem::path pin_dir;
    // Told once, before an install starts, what is about to happen.
    std::function<void(const std::string& message)> on_install;
  };

  explicit RicInstaller(Options options);

  // <cache>/aws-lambda-ric-<kRicVersion>
  std::filesystem::path InstallDir() const;
  // What `node` runs: <InstallDir>/node_modules/aws-lambda-ric/index.mjs.
  std::filesystem::path EntryPoint() const;
  // True when InstallDir() holds the pinned version with its native addon built.
  bool IsInstalled() const;

  // Returns EntryPoint(), installing first unless IsInstalled(). Errors, with a message fit for
  // the user: FailedPrecondition for a missing tool (naming the Debian package) or an
  // unwritable cache directory; Internal when npm fails (with the tail of its output and the
  // path of the full log).
  absl::StatusOr<std::filesystem::path> EnsureInstalled();

 private:
  absl::Status CheckTools() const;
  absl::Status Install();

  Options options_;
};

}  // namespace thaw

#endif  // THAW_EMULATOR_RUNTIMES_RIC_RIC_INSTALLER_H_
