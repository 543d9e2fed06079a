#ifndef THAW_TESTS_FUZZ_FUZZ_CONFIG_H_
#define THAW_TESTS_FUZZ_FUZZ_CONFIG_H_

#include <unistd.h>

#include <filesystem>
#include <string>

#include "emulator/config/thaw_config.h"

namespace thaw::fuzz {

// An empty directory of this process's own under /tmp, made once: the base directory the
// configuration loaders resolve relative paths against (`code: .`, `CodeUri: src/`), and the
// cache .zip artifacts would be unpacked to, so that nothing a fuzzed file names is written
// anywhere else.
inline const std::filesystem::path& ScratchDir() {
  static const std::filesystem::path* dir = [] {
    auto* path = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                           ("thaw-fuzz-" + std::to_string(getpid())));
    std::filesystem::create_directories(*path / "base");
    return path;
  }();
  return *dir;
}

inline LoadOptions FuzzLoadOptions() {
  LoadOptions options;
  options.artifact_cache = ScratchDir() / "artifacts";
  return options;
}

}  // namespace thaw::fuzz

#endif  // THAW_TESTS_FUZZ_FUZZ_CONFIG_H_
