#ifndef THAW_HOST_FILE_WATCHER_H_
#define THAW_HOST_FILE_WATCHER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace thaw {

// Watches directory trees and single files with inotify, read through Asio on `io` (no thread,
// no polling), and reports what changed once a burst of changes has settled.
//
// Editors save in several ways (write in place; write a temporary file and rename it over; delete
// and create), so directories are watched, never a file's inode: a file is watched through its
// directory, filtered by name. inotify has no recursion: WatchTree adds a watch for each
// directory of the tree (breadth first, so a deep node_modules comes last) and for each directory
// created or moved in later, up to Options::max_directories in all. A tree root, or a watched
// file's directory, deleted and made again (`rm -rf dist && cp -r ...`, `sam build` remaking
// .aws-sam/build) is watched again, through its parent. Noise is not reported
// and its directories are not watched: `.git`, `__pycache__` and `node_modules/.cache`
// directories, `*.pyc` files and editors' swap, backup and lock files (`*.swp`, `*.swx`, `*~`,
// `.#*`, vim's `4913` probe).
//
// Reporting: the first change starts a burst; it ends `settle` after the last change, or
// `max_delay` after the first, whichever is sooner, and OnChange then gets every path that
// changed in it (a file, or a directory itself when it was created, deleted or moved), sorted,
// once each. An inotify queue overflow reports every watched root.
//
// Ownership: owns the inotify descriptor (closed by the destructor, which also drops every
// watch); `io` must outlive it. Strand-confined: create, call and destroy it on `io`'s thread;
// OnChange runs there too, and may call Clear / WatchTree / WatchFile. Destroying it stops all
// reporting, also of a burst in progress.
class FileWatcher {
 public:
  struct Options {
    // Quiet time that ends a burst.
    std::chrono::milliseconds settle{50};
    // Longest a burst is held back.
    std::chrono::milliseconds max_delay{400};
    // Most directories watched at once (each is one inotify watch of the user's
    // fs.inotify.max_user_watches).
    int max_directories = 4096;
  };
  using OnChange = std::function<void(std::vector<std::filesystem::path> changed)>;

  // Errors: Unavailable, naming the limit, when inotify cannot be had (EMFILE:
  // fs.inotify.max_user_instances).
  static absl::StatusOr<std::unique_ptr<FileWatcher>> Create(boost::asio::io_context& io,
                                                             Options options, OnChange on_change);
  ~FileWatcher();
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  // Watches the directory `root` (absolute; a symbolic link to a directory is followed there,
  // not below) and every directory under it. Returns how many directories found under it were
  // left unwatched because of max_directories (or the system's watch limit): changes in them are
  // not seen. NotFound / FailedPrecondition (not a directory) / PermissionDenied for `root`
  // itself, with strerror's words.
  absl::StatusOr<int> WatchTree(const std::filesystem::path& root);
  // Watches the file `file` (absolute) through its directory, whatever way it is replaced.
  // Errors as WatchTree's, for the directory.
  absl::Status WatchFile(const std::filesystem::path& file);
  // Drops every watch, and a burst in progress.
  void Clear();

  // Directories watched now.
  int watched_directories() const { return static_cast<int>(watches_.size()); }

 private:
  // One inotify watch: a directory, reported whole (in a tree) or for some names only.
  struct Watch {
    std::filesystem::path dir;
    bool tree = false;
    std::set<std::string> names;
  };

  FileWatcher(boost::asio::io_context& io, int fd, Options options, OnChange on_change);
  // Adds (or widens) the watch of `dir`; ENOENT and the like as Status.
  absl::StatusOr<int> AddWatch(const std::filesystem::path& dir, bool tree,
                               const std::string& name);
  // Watches `root` and the directories under it; returns how many were left unwatched.
  int AddTree(const std::filesystem::path& root);
  // `dir` was made (again): watches it if it is a tree root or a watched file's directory.
  void Remake(const std::filesystem::path& dir);
  void Read();
  void OnEvents(const char* data, size_t size);
  void Note(std::filesystem::path path);
  void Deliver();

  boost::asio::io_context& io_;
  const Options options_;
  const OnChange on_change_;
  // Owns the inotify descriptor.
  boost::asio::posix::stream_descriptor inotify_;
  // By watch descriptor; and the directories watched, to find one by path.
  std::map<int, Watch> watches_;
  std::map<std::filesystem::path, int> watch_of_;
  // WatchTree's roots, and WatchFile's files by directory: watched again when made again.
  std::set<std::filesystem::path> trees_;
  std::map<std::filesystem::path, std::set<std::string>> files_;
  // The burst in progress.
  std::set<std::filesystem::path> pending_;
  std::chrono::steady_clock::time_point burst_start_;
  boost::asio::steady_timer settle_;
  // Lets completion handlers tell whether the watcher still exists.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace thaw

#endif  // THAW_HOST_FILE_WATCHER_H_
