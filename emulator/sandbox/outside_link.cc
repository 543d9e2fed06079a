#include "emulator/sandbox/outside_link.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "emulator/sandbox/kill_and_reap.h"

extern char** environ;

namespace thaw {

namespace asio = boost::asio;

namespace {

// Longest wait for slirp4netns to configure the device.
constexpr auto kReadyLimit = std::chrono::seconds(10);
// Where the child finds its pipes.
constexpr int kReadyFd = 3;
constexpr int kExitFd = 4;

}  // namespace

struct OutsideLink::State {
  explicit State(asio::io_context& io) : pidfd(io) {}
  // Reaps slirp4netns if the io_context did not: its exit pipe is closed by then, and it ends
  // at once when killed.
  ~State() {
    if (exit_write >= 0) ::close(exit_write);
    if (pidfd.is_open()) KillAndReap(pidfd.native_handle());
  }
  asio::posix::stream_descriptor pidfd;
  int pid = 0;
  // thaw's end of slirp4netns's --exit-fd pipe: closing it (or thaw's death) ends slirp4netns.
  int exit_write = -1;
};

absl::StatusOr<std::unique_ptr<OutsideLink>> OutsideLink::Start(asio::io_context& io, int init_pid,
                                                                bool user_namespace) {
  int ready[2];
  int exit[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) {
    return absl::InternalError(std::string("slirp4netns: pipe: ") + std::strerror(errno));
  }
  if (::pipe2(exit, O_CLOEXEC) != 0) {
    ::close(ready[0]);
    ::close(ready[1]);
    return absl::InternalError(std::string("slirp4netns: pipe: ") + std::strerror(errno));
  }
  const std::string ns = "/proc/" + std::to_string(init_pid) + "/ns/";
  std::vector<std::string> args = {kProgram,
                                   "--configure",
                                   "--mtu=65520",
                                   "--disable-host-loopback",
                                   "--ready-fd=" + std::to_string(kReadyFd),
                                   "--exit-fd=" + std::to_string(kExitFd)};
  if (user_namespace) args.push_back("--userns-path=" + ns + "user");
  args.insert(args.end(), {"--netns-type=path", ns + "net", "tap0"});
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, ready[1], kReadyFd);
  posix_spawn_file_actions_adddup2(&actions, exit[0], kExitFd);
  posix_spawn_file_actions_addclosefrom_np(&actions, kExitFd + 1);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, kProgram, &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(ready[1]);
  ::close(exit[0]);
  if (spawned != 0) {
    ::close(ready[0]);
    ::close(exit[1]);
    return absl::UnavailableError(std::string("settings.egress: allow needs slirp4netns (") +
                                  std::strerror(spawned) +
                                  "): install it (apt-get install slirp4netns)");
  }
  auto state = std::make_shared<State>(io);
  state->pid = pid;
  state->exit_write = exit[1];
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    state->pidfd.assign(pidfd);
  } else {
    ::close(ready[0]);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    state->pid = 0;
    return absl::InternalError(std::string("slirp4netns: pidfd_open: ") + std::strerror(errno));
  }
  std::unique_ptr<OutsideLink> link(new OutsideLink(state));

  // It writes "1" once the device is configured; end of file means it gave up.
  const auto deadline = std::chrono::steady_clock::now() + kReadyLimit;
  char byte = 0;
  ssize_t n = -1;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{ready[0], POLLIN, 0};
    const int polled = ::poll(&p, 1, static_cast<int>(left.count()));
    if (polled < 0 && errno == EINTR) continue;
    if (polled <= 0) break;
    n = ::read(ready[0], &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  ::close(ready[0]);
  if (n != 1 || byte != '1') {
    return absl::UnavailableError(
        "settings.egress: allow: slirp4netns did not get ready (run `slirp4netns --version`; "
        "it needs /dev/net/tun)");
  }
  ReapWhenExited(state->pidfd, state);  // as soon as it ends
  return link;
}

OutsideLink::OutsideLink(std::shared_ptr<State> state) : state_(std::move(state)) {}

OutsideLink::~OutsideLink() {
  // Its exit pipe closes: slirp4netns ends on its own, and the wait above reaps it.
  if (state_->exit_write >= 0) {
    ::close(state_->exit_write);
    state_->exit_write = -1;
  }
}

int OutsideLink::pid() const { return state_->pid; }

}  // namespace thaw
