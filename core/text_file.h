#ifndef THAW_CORE_TEXT_FILE_H_
#define THAW_CORE_TEXT_FILE_H_

#include <string>

#include "absl/status/status.h"

namespace thaw {

// Writes `text` to `path`, replacing what was there. Unavailable ("cannot write <path>") when the
// file cannot be written whole. Thread-safe for distinct paths.
absl::Status WriteTextFile(const std::string& path, const std::string& text);

}  // namespace thaw

#endif  // THAW_CORE_TEXT_FILE_H_
