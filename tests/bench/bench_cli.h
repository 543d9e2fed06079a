#ifndef THAW_TESTS_BENCH_BENCH_CLI_H_
#define THAW_TESTS_BENCH_BENCH_CLI_H_

#include <CLI/CLI.hpp>
#include <optional>

namespace thaw::bench {

// Every benchmark's command line, declared on a CLI::App (flags, options, their checks and
// help) and parsed here, so they all answer alike:
//   - `--help` prints the usage on stdout: exit code 0;
//   - a bad value, an unknown or a missing argument prints what is wrong and the usage on
//     stderr: exit code 2 (each benchmark's documented usage error);
//   - otherwise std::nullopt: run the benchmark.
std::optional<int> ParseCommandLine(CLI::App& app, int argc, char** argv);

}  // namespace thaw::bench

#endif  // THAW_TESTS_BENCH_BENCH_CLI_H_
