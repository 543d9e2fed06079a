#ifndef THAW_TESTS_UTIL_RUN_THAW_H_
#define THAW_TESTS_UTIL_RUN_THAW_H_

#include <boost/process/environment.hpp>
#include <string>
#include <vector>

namespace thaw::testing {

struct ThawRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the `thaw` binary built with the tests as a user would, from the source tree (where
// ./thaw.yaml and samples/ are), with `env` (default: this process's environment), and waits
// for it. Reads stdout to its end, then stderr: for commands whose stderr stays small enough
// not to fill its pipe meanwhile.
ThawRun RunThaw(const std::vector<std::string>& args);
ThawRun RunThaw(const std::vector<std::string>& args, const boost::process::environment& env);
// Same, from `start_dir` (a project directory, for commands that find their configuration there).
ThawRun RunThaw(const std::vector<std::string>& args, const boost::process::environment& env,
                const std::string& start_dir);

}  // namespace thaw::testing

#endif  // THAW_TESTS_UTIL_RUN_THAW_H_
