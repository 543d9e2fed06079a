#include "check/scenario_files.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/match.h"

namespace thaw::check {

namespace fs = std::filesystem;

bool IsScenarioFileName(const std::string& file_name) {
  for (const char* suffix : {".yaml", ".yml"}) {
    if (file_name == std::string("scenario") + suffix) return true;
    if (absl::EndsWith(file_name, std::string(".scenario") + suffix)) return true;
  }
  return false;
}

namespace {

// Skipped when searching a directory: dependencies and hidden trees are never a user's scenarios.
bool SkipDirectory(const fs::path& dir) {
  const std::string name = dir.filename().string();
  return name == "node_modules" || (name.size() > 1 && name[0] == '.' && name != "..");
}

absl::Status SearchDirectory(const fs::path& root, std::vector<std::string>& found) {
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  if (ec) return absl::InvalidArgumentError(root.string() + ": " + ec.message());
  std::vector<std::string> here;
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return absl::InvalidArgumentError(root.string() + ": " + ec.message());
    const fs::directory_entry& entry = *it;
    if (entry.is_directory(ec) && !entry.is_symlink(ec)) {
      if (SkipDirectory(entry.path())) it.disable_recursion_pending();
      continue;
    }
    if (entry.is_regular_file(ec) && IsScenarioFileName(entry.path().filename().string())) {
      here.push_back(entry.path().lexically_normal().string());
    }
  }
  if (here.empty()) {
    return absl::InvalidArgumentError(root.string() +
                                      ": no scenario.yaml or *.scenario.yaml under it");
  }
  std::sort(here.begin(), here.end());
  found.insert(found.end(), here.begin(), here.end());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> FindScenarioFiles(const std::vector<std::string>& args) {
  std::vector<std::string> found;
  for (const std::string& arg : args) {
    std::error_code ec;
    const fs::file_status status = fs::status(arg, ec);
    if (!ec && fs::is_directory(status)) {
      if (absl::Status s = SearchDirectory(arg, found); !s.ok()) return s;
    } else {
      found.push_back(arg);  // even when missing: the loader says it cannot read it
    }
  }
  // Without repeats, keeping the first place of each (by the file, however it was named).
  std::vector<std::string> unique;
  std::set<std::string> seen;
  for (const std::string& path : found) {
    std::error_code ec;
    fs::path key = fs::weakly_canonical(path, ec);
    if (seen.insert(ec ? path : key.string()).second) unique.push_back(path);
  }
  return unique;
}

}  // namespace thaw::check
