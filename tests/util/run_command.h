#ifndef THAW_TESTS_UTIL_RUN_COMMAND_H_
#define THAW_TESTS_UTIL_RUN_COMMAND_H_

#include <string>

namespace thaw::testing {

struct CommandOutput {
  std::string out;     // its stdout, whole
  int exit_code = -1;  // -1 when it did not exit normally
};

// Runs `command` through /bin/sh and waits for it (real clients: curl, chromium, openssl).
CommandOutput RunCommand(const std::string& command);

// /usr/bin/chromium (or chromium-browser), or "" when there is none.
std::string FindChromium();

}  // namespace thaw::testing

#endif  // THAW_TESTS_UTIL_RUN_COMMAND_H_
