#ifndef THAW_CLI_CLI_H_
#define THAW_CLI_CLI_H_

namespace thaw {

// Runs the `thaw` command line and returns the process exit code: 0 on success, 1 when an
// invoked function failed, 2 on a usage or configuration error (printed as "thaw: <what>").
int RunCli(int argc, char** argv);

}  // namespace thaw

#endif  // THAW_CLI_CLI_H_
