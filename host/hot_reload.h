#ifndef THAW_HOST_HOT_RELOAD_H_
#define THAW_HOST_HOT_RELOAD_H_

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "emulator/config/thaw_config.h"
#include "host/emulator_session.h"
#include "host/file_watcher.h"

namespace thaw {

// `thaw serve`'s hot reload: watches (FileWatcher) each function's code directory, recursively,
// its layers and the configuration's files, and acts once a burst of changes has settled:
// - A change under a function's code or layers retires its instances
//   (ControlPlane::RetireInstances, reason stop_reasons::kCodeChanged): idle ones stop now, busy
//   ones once their event is answered, so the next invoke is a cold start on the new code.
// - A change to a configuration file reads the configuration again (`load`, the way `serve`
//   read it at start) and applies it (EmulatorSession::ReloadConfig); when it cannot be read or
//   applied, the definitions running stay and the error is said. The watches are then made again
//   for the functions now defined.
// Each action is one line said through `say` ("thaw: samples/echo/index.mjs changed: echo's 2
// idle instances stopped, 1 busy one stops after its invoke"), paths relative to
// Options::base when under it. Events in flight keep their one answer.
//
// Ownership: `session` must outlive it and `io` must outlive it. Strand-confined to `io`'s thread
// (the session's): create, destroy and let it act there. `load` runs on that thread too, so a
// configuration that newly needs aws-lambda-ric holds the loop while that installs (once).
class HotReload {
 public:
  // Reads the configuration again; errors are the loader's own (they name the file and line).
  using Loader = std::function<absl::StatusOr<ThawConfig>()>;
  // One line of thaw's own ("thaw: ..."), without its newline; must not block.
  using Say = std::function<void(const std::string& line)>;

  struct Options {
    // The files the configuration came from: the file itself, and --overlay / --env-vars.
    std::vector<std::filesystem::path> config_files;
    FileWatcher::Options watch;
    // Paths are said relative to it when under it (normally the current directory).
    std::filesystem::path base;
  };

  // Watches what the session's functions run and the configuration files, and says what is
  // watched (and what could not be, e.g. past FileWatcher::Options::max_directories).
  // Errors: FileWatcher::Create's (no inotify).
  static absl::StatusOr<std::unique_ptr<HotReload>> Start(boost::asio::io_context& io,
                                                          EmulatorSession& session, Options options,
                                                          Loader load, Say say);
  ~HotReload();
  HotReload(const HotReload&) = delete;
  HotReload& operator=(const HotReload&) = delete;

 private:
  HotReload(EmulatorSession& session, Options options, Loader load, Say say);
  // (Re)makes every watch for the functions defined now; says what could not be watched.
  void Watch();
  void OnChange(std::vector<std::filesystem::path> changed);
  // Reads and applies the configuration; the names of the functions it retired or added.
  std::vector<std::string> Reload(const std::vector<std::filesystem::path>& changed);
  std::string Show(const std::filesystem::path& path) const;
  std::string ShowAll(const std::vector<std::filesystem::path>& paths) const;

  EmulatorSession& session_;
  const Options options_;
  const Loader load_;
  const Say say_;
  std::unique_ptr<FileWatcher> watcher_;
};

}  // namespace thaw

#endif  // THAW_HOST_HOT_RELOAD_H_
