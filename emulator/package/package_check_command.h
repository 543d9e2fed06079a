#ifndef THAW_EMULATOR_PACKAGE_PACKAGE_CHECK_COMMAND_H_
#define THAW_EMULATOR_PACKAGE_PACKAGE_CHECK_COMMAND_H_

#include <cstdio>
#include <string>
#include <vector>

#include "emulator/config/load_flags.h"
#include "emulator/config/thaw_config.h"

namespace thaw::package {

// `thaw package-check [--config FILE] [--function NAME]`: the packaging check (package_check.h)
// over the functions of a configuration, without running anything.
struct PackageCheckCommandOptions {
  std::string config;    // as --config of serve / invoke; empty: ./thaw.yaml
  std::string function;  // a function's name or short name; empty: every function
  LoadFlags load;        // --parameter-overrides, --overlay, --env-vars
};

// Prints each problem on stdout, "error: <function>: <file>: <reason>" or "note: ...", then a
// summary line ("thaw package-check: 2 functions, 1840 files, 3 native binaries: 1 error, 0
// notes"). Returns 0 when there is no error (notes are fine), 1 when there is one, and 2 after
// printing `thaw: <what>` on stderr when the configuration cannot be loaded or `function` is
// not one of its functions.
int RunPackageCheckCommand(const PackageCheckCommandOptions& options);

// Prints the problems of `config`'s packages on `out`, once each, as the loaders print their
// notes: "thaw: warning: package: <function>: <file>: <reason>" for an error, "thaw: note:
// package: ..." for a note. For serve and invoke, at load.
void PrintPackageWarnings(const ThawConfig& config, std::FILE* out);

}  // namespace thaw::package

#endif  // THAW_EMULATOR_PACKAGE_PACKAGE_CHECK_COMMAND_H_
