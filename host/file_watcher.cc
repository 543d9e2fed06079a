#include "host/file_watcher.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <boost/asio/buffer.hpp>
#include <cerrno>
#include <cstring>
#include <deque>
#include <system_error>
#include <utility>

#include "core/status_macros.h"

namespace thaw {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

// What changes a directory's content or a file in it, and the directory's own end.
constexpr uint32_t kMask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM |
                           IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

// Room for many events at once (one is at most sizeof(inotify_event) + NAME_MAX + 1).
constexpr size_t kReadBuffer = 64 * 1024;

// Written by tools, not by the user: never a reason to restart anything.
bool IsNoise(const std::string& name, const fs::path& dir) {
  if (name == ".git" || name == "__pycache__" || name == "4913") return true;
  if (name == ".cache" && dir.filename() == "node_modules") return true;
  return name.ends_with(".pyc") || name.ends_with(".swp") || name.ends_with(".swx") ||
         name.ends_with("~") || name.starts_with(".#");
}

absl::Status ErrnoStatus(int error, const std::string& what) {
  return absl::ErrnoToStatus(error, what + ": " + std::strerror(error));
}

}  // namespace

absl::StatusOr<std::unique_ptr<FileWatcher>> FileWatcher::Create(asio::io_context& io,
                                                                 Options options,
                                                                 OnChange on_change) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    return absl::UnavailableError(
        std::string("cannot watch files: inotify_init1: ") + std::strerror(error) +
        (error == EMFILE ? " (fs.inotify.max_user_instances is reached)" : ""));
  }
  std::unique_ptr<FileWatcher> watcher(
      new FileWatcher(io, fd, std::move(options), std::move(on_change)));
  if (!watcher->inotify_.is_open()) {
    return absl::UnavailableError("cannot watch files: the inotify descriptor cannot be polled");
  }
  watcher->Read();
  return watcher;
}

FileWatcher::FileWatcher(asio::io_context& io, int fd, Options options, OnChange on_change)
    : io_(io),
      options_(std::move(options)),
      on_change_(std::move(on_change)),
      inotify_(io),
      settle_(io) {
  boost::system::error_code ec;
  inotify_.assign(fd, ec);
  if (ec) ::close(fd);
}

// Closing the descriptor (inotify_'s destructor) drops every watch with it.
FileWatcher::~FileWatcher() = default;

absl::StatusOr<int> FileWatcher::AddWatch(const fs::path& dir, bool tree, const std::string& name) {
  const int wd = ::inotify_add_watch(inotify_.native_handle(), dir.c_str(), kMask);
  if (wd < 0) return ErrnoStatus(errno, "cannot watch " + dir.string());
  Watch& watch = watches_[wd];
  if (watch.dir.empty()) {
    watch.dir = dir;
    watch_of_[dir] = wd;
  }
  watch.tree = watch.tree || tree;
  if (!name.empty()) watch.names.insert(name);
  return wd;
}

absl::StatusOr<int> FileWatcher::WatchTree(const fs::path& root) {
  std::error_code error;
  const fs::file_status status = fs::status(root, error);
  if (status.type() == fs::file_type::not_found) {
    return absl::NotFoundError("cannot watch " + root.string() + ": no such directory");
  }
  if (error) return ErrnoStatus(error.value(), "cannot watch " + root.string());
  if (!fs::is_directory(status)) {
    return absl::FailedPreconditionError("cannot watch " + root.string() + ": not a directory");
  }
  trees_.insert(root);
  // Through its parent too, to see it made again after a delete; not essential, so no error.
  if (root.has_parent_path() && root.parent_path() != root) {
    AddWatch(root.parent_path(), /*tree=*/false, root.filename().string()).IgnoreError();
  }
  return AddTree(root);
}

absl::Status FileWatcher::WatchFile(const fs::path& file) {
  const fs::path dir = file.parent_path();
  RETURN_IF_ERROR(AddWatch(dir, /*tree=*/false, file.filename().string()).status());
  files_[dir].insert(file.filename().string());
  // Its directory too, through the parent, to see it made again; not essential, so no error.
  if (dir.has_parent_path() && dir.parent_path() != dir) {
    AddWatch(dir.parent_path(), /*tree=*/false, dir.filename().string()).IgnoreError();
  }
  return absl::OkStatus();
}

void FileWatcher::Remake(const fs::path& dir) {
  if (trees_.count(dir)) AddTree(dir);
  auto files = files_.find(dir);
  if (files == files_.end()) return;
  for (const std::string& name : files->second) {
    if (!AddWatch(dir, /*tree=*/false, name).ok()) return;
    // Written before the watch was back, perhaps.
    std::error_code error;
    if (fs::exists(dir / name, error)) Note(dir / name);
  }
}

int FileWatcher::AddTree(const fs::path& root) {
  std::deque<fs::path> queue = {root};
  while (!queue.empty()) {
    fs::path dir = std::move(queue.front());
    queue.pop_front();
    const bool known = watch_of_.count(dir) > 0;
    if (!known && watched_directories() >= options_.max_directories) {
      return static_cast<int>(queue.size()) + 1;
    }
    absl::StatusOr<int> added = AddWatch(dir, /*tree=*/true, "");
    if (!added.ok()) {
      // The system's limit (fs.inotify.max_user_watches) is a cap too; a directory gone
      // meanwhile is simply not there to watch.
      if (absl::IsResourceExhausted(added.status())) return static_cast<int>(queue.size()) + 1;
      continue;
    }
    std::error_code error;
    for (fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, error);
         !error && it != fs::directory_iterator(); it.increment(error)) {
      std::error_code status_error;
      const fs::file_status status = it->symlink_status(status_error);
      if (status_error || !fs::is_directory(status)) continue;
      if (IsNoise(it->path().filename().string(), dir)) continue;
      queue.push_back(it->path());
    }
  }
  return 0;
}

void FileWatcher::Clear() {
  for (const auto& [wd, watch] : watches_) ::inotify_rm_watch(inotify_.native_handle(), wd);
  watches_.clear();
  watch_of_.clear();
  trees_.clear();
  files_.clear();
  pending_.clear();
  settle_.cancel();
}

void FileWatcher::Read() {
  auto buffer = std::make_shared<std::array<char, kReadBuffer>>();
  inotify_.async_read_some(asio::buffer(*buffer),
                           [this, buffer, alive = std::weak_ptr<bool>(alive_)](
                               const boost::system::error_code& ec, size_t size) {
                             if (ec == asio::error::operation_aborted || !alive.lock()) return;
                             // Any other error means the descriptor is unusable: reporting ends
                             // there.
                             if (ec) return;
                             OnEvents(buffer->data(), size);
                             Read();
                           });
}

void FileWatcher::OnEvents(const char* data, size_t size) {
  size_t offset = 0;
  while (offset + sizeof(inotify_event) <= size) {
    inotify_event event;
    std::memcpy(&event, data + offset, sizeof(event));
    const char* name_start = data + offset + sizeof(inotify_event);
    offset += sizeof(inotify_event) + event.len;
    if (offset > size) break;
    const std::string name(name_start, ::strnlen(name_start, event.len));
    if (event.mask & IN_Q_OVERFLOW) {
      // Events were lost: everything may have changed.
      for (const fs::path& root : trees_) Note(root);
      for (const auto& [wd, watch] : watches_) {
        for (const std::string& file : watch.names) Note(watch.dir / file);
      }
      continue;
    }
    auto it = watches_.find(event.wd);
    if (it == watches_.end()) continue;
    const Watch watch = it->second;
    if (event.mask & (IN_IGNORED | IN_MOVE_SELF)) {
      // Deleted, or moved where its path no longer leads: a new directory at that path is
      // watched when it appears (through its parent's watch).
      if (event.mask & IN_MOVE_SELF) ::inotify_rm_watch(inotify_.native_handle(), event.wd);
      if (watch.tree) Note(watch.dir);
      watch_of_.erase(watch.dir);
      watches_.erase(it);
      continue;
    }
    if (event.mask & IN_DELETE_SELF) {
      if (watch.tree) Note(watch.dir);
      continue;
    }
    if (name.empty()) continue;
    const fs::path path = watch.dir / name;
    const bool made_dir = (event.mask & IN_ISDIR) && (event.mask & (IN_CREATE | IN_MOVED_TO));
    if (watch.tree) {
      if (IsNoise(name, watch.dir)) continue;
      Note(path);
      if (made_dir) {
        AddTree(path);
        Remake(path);
      }
    } else if (watch.names.count(name)) {
      Note(path);
      if (made_dir) Remake(path);
    }
  }
}

void FileWatcher::Note(fs::path path) {
  const auto now = std::chrono::steady_clock::now();
  if (pending_.empty()) burst_start_ = now;
  pending_.insert(std::move(path));
  settle_.expires_at(std::min(now + options_.settle, burst_start_ + options_.max_delay));
  settle_.async_wait(
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (ec || !alive.lock()) return;
        Deliver();
      });
}

void FileWatcher::Deliver() {
  if (pending_.empty()) return;
  std::vector<fs::path> changed(pending_.begin(), pending_.end());
  pending_.clear();
  on_change_(std::move(changed));
}

}  // namespace thaw
