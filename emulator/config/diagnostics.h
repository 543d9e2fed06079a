#ifndef THAW_EMULATOR_CONFIG_DIAGNOSTICS_H_
#define THAW_EMULATOR_CONFIG_DIAGNOSTICS_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "yaml-cpp/yaml.h"

namespace thaw {

// What a loader of function definitions says about a file: errors that stop the load
// ("template.yaml:12: Resources.Fn.Properties.MemorySize: must be between 128 and 10240") and
// notes about what it could not apply or chose to ignore, each said once
// ("template.yaml: Globals.Function.Tracing: ignored; ..."). Not thread-safe.
class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  // InvalidArgument naming the file, `node`'s line when it has one, and `path`.
  absl::Status Error(const YAML::Node& node, const std::string& path,
                     const std::string& what) const;
  // Same, with no line.
  absl::Status Error(const std::string& path, const std::string& what) const;

  // Records a note about `path` unless the same note was made before.
  void Note(const std::string& path, const std::string& what);

  const std::string& file() const { return file_; }
  // The notes in the order they were first made, each "<file>: <path>: <what>".
  std::vector<std::string> TakeNotes() { return std::move(notes_); }

 private:
  std::string file_;
  std::vector<std::string> notes_;
  std::set<std::string> seen_;
};

// The value of `key` in the mapping `node`; an undefined node (test it with `!`) when `node`
// is no mapping or lacks the key. yaml-cpp throws when a scalar or a missing node is indexed,
// so the loaders index through this.
YAML::Node Get(const YAML::Node& node, const std::string& key);

// A value a loader cannot resolve locally (an unknown variable source, an intrinsic thaw does not
// evaluate) is Unimplemented: the loader notes it and skips the key. InvalidArgument (Error above)
// is a malformed file, and stops the load.
inline bool IsUnresolved(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnimplemented;
}

}  // namespace thaw

#endif  // THAW_EMULATOR_CONFIG_DIAGNOSTICS_H_
