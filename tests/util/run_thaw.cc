#include "tests/util/run_thaw.h"

#include <boost/process.hpp>

namespace thaw::testing {

namespace bp = boost::process;

ThawRun RunThaw(const std::vector<std::string>& args) {
  return RunThaw(args, boost::this_process::environment());
}

ThawRun RunThaw(const std::vector<std::string>& args, const bp::environment& env) {
  return RunThaw(args, env, THAW_SOURCE_DIR);
}

ThawRun RunThaw(const std::vector<std::string>& args, const bp::environment& env,
                const std::string& start_dir) {
  bp::ipstream out;
  bp::ipstream err;
  bp::child child(THAW_BINARY, bp::args = args, bp::std_out > out, bp::std_err > err,
                  bp::start_dir = start_dir, env);
  ThawRun result;
  std::string line;
  while (std::getline(out, line)) result.out += line + "\n";
  while (std::getline(err, line)) result.err += line + "\n";
  child.wait();
  result.exit_code = child.exit_code();
  return result;
}

}  // namespace thaw::testing
