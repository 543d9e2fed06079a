#ifndef THAW_TESTS_UTIL_ZIP_WRITER_H_
#define THAW_TESTS_UTIL_ZIP_WRITER_H_

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace thaw::testing {

// One entry of a zip file made by a test.
struct ZipEntry {
  std::string name;  // a directory when it ends in '/'
  std::string content;
  mode_t mode = 0644;  // Unix permission bits, stored as `zip` on Linux stores them
};

// Writes `entries` into a new zip file at `path` (libzip, deflated). Names are written as
// given, `../` included, so tests can make hostile packages. Errors name the path.
absl::Status WriteZip(const std::filesystem::path& path, const std::vector<ZipEntry>& entries);

}  // namespace thaw::testing

#endif  // THAW_TESTS_UTIL_ZIP_WRITER_H_
