#include "emulator/runtimes/ric/ric_installer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/status/status.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"

namespace thaw {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// An executable named `name` on PATH, or empty.
std::filesystem::path FindOnPath(const std::string& name) {
  std::stringstream dirs(Env("PATH").empty() ? "/usr/local/bin:/usr/bin:/bin" : Env("PATH"));
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const std::filesystem::path candidate = std::filesystem::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

// The last `lines` lines of a file, for error messages.
std::string Tail(const std::filesystem::path& file, size_t lines) {
  std::ifstream in(file);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
    out += "\n  " + all[i];
  }
  return out;
}

// An exclusive flock on a file, released when destroyed: one install at a time, also between
// processes (parallel `thaw serve` or test runs sharing a cache).
class FileLock {
 public:
  static absl::StatusOr<FileLock> Acquire(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd < 0) {
      return absl::FailedPreconditionError("cannot create " + path.string() + ": " +
                                           std::strerror(errno));
    }
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      return absl::FailedPreconditionError("cannot lock " + path.string() + ": " +
                                           std::strerror(error));
    }
    return FileLock(fd);
  }
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

// Runs `argv` (argv[0] an absolute path) in `dir` with stdout and stderr appended to `log`;
// returns its exit status, or -1 when it could not be started.
int RunLogged(const std::vector<std::string>& argv, const std::filesystem::path& dir,
              const std::filesystem::path& log) {
  const int log_fd = ::open(log.c_str(), O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return -1;
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(log_fd);
  if (pid < 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

absl::StatusOr<std::filesystem::path> DefaultCacheDir() {
  if (const std::string dir = Env("THAW_CACHE_DIR"); !dir.empty()) return dir;
  if (const std::string dir = Env("XDG_CACHE_HOME"); !dir.empty()) {
    return std::filesystem::path(dir) / "thaw";
  }
  if (const std::string home = Env("HOME"); !home.empty()) {
    return std::filesystem::path(home) / ".cache" / "thaw";
  }
  return absl::FailedPreconditionError(
      "no cache directory for aws-lambda-ric: set THAW_CACHE_DIR (or XDG_CACHE_HOME or HOME)");
}

RicInstaller::RicInstaller(Options options) : options_(std::move(options)) {}

std::filesystem::path RicInstaller::InstallDir() const {
  return options_.cache_dir / (std::string("aws-lambda-ric-") + kRicVersion);
}

std::filesystem::path RicInstaller::EntryPoint() const {
  return InstallDir() / "node_modules" / "aws-lambda-ric" / "index.mjs";
}

bool RicInstaller::IsInstalled() const {
  const std::filesystem::path package = InstallDir() / "node_modules" / "aws-lambda-ric";
  std::error_code ec;
  if (!std::filesystem::exists(package / "rapid-client.node", ec) ||
      !std::filesystem::exists(EntryPoint(), ec)) {
    return false;
  }
  std::ifstream in(package / "package.json");
  const nlohmann::json manifest = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  return manifest.is_object() && manifest.value("version", "") == kRicVersion;
}

absl::Status RicInstaller::CheckTools() const {
  struct Tool {
    const char* name;
    const char* package;
  };
  // What the package's install scripts run: npm itself, then cmake + make + a C++ compiler for
  // its bundled curl and aws-lambda-cpp, and node-gyp (python3) for the addon.
  for (const Tool& tool : {Tool{"npm", "npm"}, Tool{"cmake", "cmake"}, Tool{"make", "make"},
                           Tool{"g++", "g++"}, Tool{"python3", "python3"}}) {
    if (FindOnPath(tool.name).empty()) {
      return absl::FailedPreconditionError(
          std::string(
              "runtime_client aws-lambda-ric: installing it builds native code and needs ") +
          tool.name + ", which is not on PATH (Debian: apt-get install " + tool.package + ")");
    }
  }
  // node-gyp builds against the running node's headers; without them it would try to download
  // them.
  const std::filesystem::path node = FindOnPath("node");
  if (node.empty()) {
    return absl::FailedPreconditionError(
        "runtime_client aws-lambda-ric needs node on PATH (Debian: apt-get install nodejs)");
  }
  std::error_code ec;
  const std::filesystem::path prefix =
      std::filesystem::canonical(node, ec).parent_path().parent_path();
  const std::filesystem::path header = prefix / "include" / "node" / "node_api.h";
  if (ec || !std::filesystem::exists(header, ec)) {
    return absl::FailedPreconditionError(
        "runtime_client aws-lambda-ric: installing it builds a native addon against node's "
        "headers, and " +
        header.string() + " is missing (with Debian's nodejs: apt-get install libnode-dev)");
  }
  return absl::OkStatus();
}

absl::Status RicInstaller::Install() {
  RETURN_IF_ERROR(CheckTools());
  const std::string name = std::string("aws-lambda-ric-") + kRicVersion;
  const std::filesystem::path staging = options_.cache_dir / (name + ".partial");
  const std::filesystem::path log = options_.cache_dir / (name + ".install.log");
  std::error_code ec;
  std::filesystem::remove_all(staging, ec);  // a crashed install's leftovers; we hold the lock
  std::filesystem::remove(log, ec);
  std::filesystem::create_directories(staging, ec);
  for (const char* file : {"package.json", "package-lock.json"}) {
    if (!std::filesystem::exists(options_.pin_dir / file, ec)) {
      return absl::FailedPreconditionError(
          "runtime_client aws-lambda-ric: thaw's pin of it is missing: " +
          (options_.pin_dir / file).string() + " (set THAW_RUNTIMES_DIR)");
    }
    std::filesystem::copy_file(options_.pin_dir / file, staging / file, ec);
    if (ec) {
      return absl::FailedPreconditionError("runtime_client aws-lambda-ric: cannot copy " +
                                           (options_.pin_dir / file).string() + " to " +
                                           staging.string() + ": " + ec.message());
    }
  }
  if (options_.on_install) {
    options_.on_install(std::string("installing aws-lambda-ric@") + kRicVersion + " into " +
                        InstallDir().string() +
                        " (first use only; npm builds its native code, about a minute)");
  }
  const int status = RunLogged({FindOnPath("npm").string(), "ci", "--no-audit", "--no-fund",
                                "--ignore-scripts=false", "--foreground-scripts"},
                               staging, log);
  if (status != 0) {
    return absl::InternalError(
        "runtime_client aws-lambda-ric: `npm ci` of aws-lambda-ric@" + std::string(kRicVersion) +
        " failed (exit " + std::to_string(status) + "); full log: " + log.string() + Tail(log, 12));
  }
  if (!std::filesystem::exists(staging / "node_modules" / "aws-lambda-ric" / "rapid-client.node",
                               ec)) {
    return absl::InternalError(
        "runtime_client aws-lambda-ric: npm installed aws-lambda-ric but not its native addon "
        "(rapid-client.node): did npm skip its install scripts (ignore-scripts or allow-scripts "
        "in your npm config)? Full log: " +
        log.string());
  }
  std::filesystem::remove_all(InstallDir(), ec);  // an incomplete or other version's install
  std::filesystem::rename(staging, InstallDir(), ec);
  if (ec) {
    return absl::InternalError("runtime_client aws-lambda-ric: cannot move " + staging.string() +
                               " to " + InstallDir().string() + ": " + ec.message());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::filesystem::path> RicInstaller::EnsureInstalled() {
  if (IsInstalled()) return EntryPoint();
  std::error_code ec;
  std::filesystem::create_directories(options_.cache_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        "runtime_client aws-lambda-ric: cannot create the cache "
        "directory " +
        options_.cache_dir.string() + ": " + ec.message() + " (set THAW_CACHE_DIR)");
  }
  ASSIGN_OR_RETURN(auto lock,
                   FileLock::Acquire(options_.cache_dir /
                                     (std::string("aws-lambda-ric-") + kRicVersion + ".lock")));
  // Another process may have installed it while this one waited for the lock.
  if (IsInstalled()) return EntryPoint();
  RETURN_IF_ERROR(Install());
  return EntryPoint();
}

}  // namespace thaw
