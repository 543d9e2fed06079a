#include "emulator/package/package_check_command.h"

#include <filesystem>

#include "emulator/package/package_check.h"

namespace thaw::package {
namespace {

int UsageError(const std::string& what) {
  std::fprintf(stderr, "thaw: %s\n", what.c_str());
  return 2;
}

std::string Plural(int64_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

int RunPackageCheckCommand(const PackageCheckCommandOptions& options) {
  auto load_options = MakeLoadOptions(options.load);
  if (!load_options.ok()) return UsageError(std::string(load_options.status().message()));
  // No --config: the current directory's (config_discovery.h).
  absl::StatusOr<ThawConfig> config =
      LoadConfigFile(options.config.empty() ? "." : options.config, *load_options);
  if (!config.ok()) return UsageError(std::string(config.status().message()));

  std::string function = options.function;
  if (!function.empty() && !config->functions.count(function)) {
    if (auto alias = config->aliases.find(function); alias != config->aliases.end()) {
      function = alias->second;
    } else {
      std::string known;
      for (const auto& [name, fn] : config->functions) known += (known.empty() ? "" : ", ") + name;
      return UsageError("function '" + function + "' is not defined in " + config->source +
                        " (defined: " + known + ")");
    }
  }
  const PackageReport report = CheckPackages(*config, function);
  for (const PackageProblem& p : report.problems) {
    const bool error = p.severity == PackageProblem::Severity::kError;
    std::fprintf(stdout, "%s: %s\n", error ? "error" : "note", FormatProblem(p).c_str());
  }
  const int64_t functions = function.empty() ? static_cast<int64_t>(config->functions.size()) : 1;
  const int64_t errors = report.errors();
  const int64_t notes = static_cast<int64_t>(report.problems.size()) - errors;
  std::fprintf(stdout, "thaw package-check: %s, %s, %s: %s, %s\n",
               Plural(functions, "function", "functions").c_str(),
               Plural(report.files, "file", "files").c_str(),
               Plural(report.binaries, "native binary", "native binaries").c_str(),
               Plural(errors, "error", "errors").c_str(), Plural(notes, "note", "notes").c_str());
  std::fflush(stdout);
  return errors > 0 ? 1 : 0;
}

void PrintPackageWarnings(const ThawConfig& config, std::FILE* out) {
  for (const PackageProblem& p : CheckPackages(config).problems) {
    const bool error = p.severity == PackageProblem::Severity::kError;
    std::fprintf(out, "thaw: %s: package: %s\n", error ? "warning" : "note",
                 FormatProblem(p).c_str());
  }
  std::fflush(out);
}

}  // namespace thaw::package
