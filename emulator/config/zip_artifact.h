#ifndef THAW_EMULATOR_CONFIG_ZIP_ARTIFACT_H_
#define THAW_EMULATOR_CONFIG_ZIP_ARTIFACT_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace thaw {

// Lambda's deployment package limits: the zip as uploaded directly, and its unpacked content.
inline constexpr uint64_t kMaxZippedPackageBytes = 50ull * 1024 * 1024;
inline constexpr uint64_t kMaxUnzippedPackageBytes = 250ull * 1024 * 1024;

// The limits a package is checked against (Lambda's unless a test says otherwise).
struct PackageLimits {
  uint64_t zipped_bytes = kMaxZippedPackageBytes;
  uint64_t unzipped_bytes = kMaxUnzippedPackageBytes;
};

// A .zip deployment package, unpacked.
struct UnpackedArtifact {
  // <cache>/<sha256 of the zip's bytes>: the code directory.
  std::filesystem::path dir;
  // The `limits` the package breaks (Lambda's: over 50 MB zipped, over 250 MB unzipped), each
  // a sentence for a loader note; thaw runs the code anyway.
  std::vector<std::string> limit_problems;
};

// $XDG_CACHE_HOME/thaw/artifacts, else $HOME/.cache/thaw/artifacts, else
// <temp dir>/thaw-artifacts.
std::filesystem::path DefaultArtifactCache();

// True when `path` names a .zip file (by its extension, any case) that exists.
bool IsZipArtifact(const std::filesystem::path& path);

// Unpacks the zip file `zip` (libzip) into `cache`/<sha256 of its content>, once: a directory
// already there is reused as it is. The unpacking goes to a temporary directory beside it that
// is renamed into place, so a concurrent thaw never sees a half-written directory. Entries keep
// their Unix mode (a `bootstrap` stays executable); symbolic links are kept when they stay
// inside the package. An entry whose path is absolute or climbs out with `..` fails the whole
// unpacking (InvalidArgument, naming the zip and the entry) and leaves nothing in the cache.
// Errors name `zip`. Thread-safe; processes may share `cache`.
absl::StatusOr<UnpackedArtifact> UnpackZipArtifact(const std::filesystem::path& zip,
                                                   const std::filesystem::path& cache,
                                                   const PackageLimits& limits = {});

}  // namespace thaw

#endif  // THAW_EMULATOR_CONFIG_ZIP_ARTIFACT_H_
