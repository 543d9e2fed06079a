#include "emulator/sandbox/sandbox_init.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

// Everything here runs in a child cloned from a multi-threaded thaw: no allocation, no locks,
// no stdio; only system calls and stack or mmap'd memory.

namespace thaw::sandbox_internal {
namespace {

void CopyStep(char* out, size_t size, const char* step) {
  size_t i = 0;
  for (; step[i] != '\0' && i + 1 < size; ++i) out[i] = step[i];
  out[i] = '\0';
}

void SendReport(int fd, const Report& report, const int* fds = nullptr, int fd_count = 0) {
  iovec iov{const_cast<Report*>(&report), sizeof(report)};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxReportDescriptors)];
  AttachDescriptors(msg, control, fds, fd_count);
  while (::sendmsg(fd, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

[[noreturn]] void Fail(const char* step) {
  Report report{};
  report.op = ReportOp::kSetupError;
  report.error = errno;
  CopyStep(report.step, sizeof(report.step), step);
  SendReport(kControlFd, report);
  ::_exit(1);
}

bool WriteFile(const char* path, const char* data) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const size_t n = std::strlen(data);
  const bool ok = ::write(fd, data, n) == static_cast<ssize_t>(n);
  ::close(fd);
  return ok;
}

// "0 <id> 1": the outer id is root inside.
void FormatIdMap(char* out, unsigned id) {
  char digits[16];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + id % 10);
    id /= 10;
  } while (id != 0);
  int i = 0;
  out[i++] = '0';
  out[i++] = ' ';
  while (n > 0) out[i++] = digits[--n];
  out[i++] = ' ';
  out[i++] = '1';
  out[i++] = '\n';
  out[i] = '\0';
}

void SetUpUserNamespace(const InitConfig& config) {
  char map[32];
  // setgroups must be denied before an unprivileged process may write its gid_map.
  if (!WriteFile("/proc/self/setgroups", "deny") && errno != ENOENT) Fail("write setgroups");
  FormatIdMap(map, config.outer_uid);
  if (!WriteFile("/proc/self/uid_map", map)) Fail("write uid_map");
  FormatIdMap(map, config.outer_gid);
  if (!WriteFile("/proc/self/gid_map", map)) Fail("write gid_map");
}

void SetUpMounts(const InitConfig& config) {
  // Nothing mounted here may propagate back to thaw's namespace.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) Fail("make / private");
  if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    Fail("mount /proc");
  }
  for (int i = 0; i < config.bind_count; ++i) {
    if (::mount(config.bind_source[i], config.bind_target[i], nullptr, MS_BIND, nullptr) != 0) {
      Fail("bind mount");
    }
    // Read-only where the kernel lets us (a user namespace may refuse the remount).
    ::mount(nullptr, config.bind_target[i], nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr);
  }
  // The layers: what the host has at /opt is hidden, as Lambda's /opt holds only the layers.
  if (config.opt_bind != nullptr) {
    if (::mount(config.opt_bind, "/opt", nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      Fail("bind-mount the layer at /opt");
    }
    // Read-only, as Lambda's /opt. A remount must keep the flags the source's mount has (a user
    // namespace refuses to drop them), so they are read first.
    struct statvfs opt {};
    unsigned long kept = 0;
    if (::statvfs("/opt", &opt) == 0) {
      kept = opt.f_flag &
             (ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME | ST_NODIRATIME | ST_RELATIME);
    }
    if (::mount(nullptr, "/opt", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | kept, nullptr) != 0) {
      Fail("make the layer at /opt read-only");
    }
  } else if (config.opt_overlay != nullptr) {
    // Lower directories only: overlayfs makes that read-only by itself.
    if (::mount("thaw-layers", "/opt", "overlay", MS_RDONLY | MS_NOSUID | MS_NODEV,
                config.opt_overlay) != 0) {
      Fail("mount the layers' overlay at /opt");
    }
  }
}

void BringUpLoopback() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) Fail("socket for lo");
  ifreq request{};
  std::memcpy(request.ifr_name, "lo", 3);
  if (::ioctl(fd, SIOCGIFFLAGS, &request) != 0) Fail("read lo flags");
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP | IFF_RUNNING);
  if (::ioctl(fd, SIOCSIFFLAGS, &request) != 0) Fail("bring lo up");
  ::close(fd);
}

// The egress trap: a tun device, up, with a default route, so that every IPv4 packet bound
// outside reaches thaw (which records it and answers "unreachable") instead of failing unseen.
// -1 when the kernel or /dev/net/tun's mode refuses it: then there is no route out at all, as
// without the trap. Not fatal.
int MakeEgressTrap() {
  const int tun = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (tun < 0) return -1;
  ifreq request{};
  std::memcpy(request.ifr_name, kEgressDevice, sizeof(kEgressDevice));
  request.ifr_flags = IFF_TUN | IFF_NO_PI;
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  // Persistent: thaw's close of its descriptor then leaves the device to go with the namespace
  // (the kernel's cleanup worker), instead of unregistering it there and then, which waits for
  // an RCU grace period (about 25 ms) on thaw's event loop.
  bool ok =
      fd >= 0 && ::ioctl(tun, TUNSETIFF, &request) == 0 && ::ioctl(tun, TUNSETPERSIST, 1) == 0;
  if (ok) {
    auto* address = reinterpret_cast<sockaddr_in*>(&request.ifr_addr);
    address->sin_family = AF_INET;
    ::inet_pton(AF_INET, kEgressDeviceAddress, &address->sin_addr);
    ok = ::ioctl(fd, SIOCSIFADDR, &request) == 0;
  }
  if (ok) {
    request.ifr_flags = IFF_UP | IFF_RUNNING;
    ok = ::ioctl(fd, SIOCSIFFLAGS, &request) == 0;
  }
  if (ok) {
    rtentry route{};
    auto* any = reinterpret_cast<sockaddr_in*>(&route.rt_dst);
    any->sin_family = AF_INET;
    reinterpret_cast<sockaddr_in*>(&route.rt_genmask)->sin_family = AF_INET;
    route.rt_flags = RTF_UP;
    char device[sizeof(kEgressDevice)];
    std::memcpy(device, kEgressDevice, sizeof(kEgressDevice));
    route.rt_dev = device;
    ok = ::ioctl(fd, SIOCADDRT, &route) == 0;
  }
  if (fd >= 0) ::close(fd);
  if (!ok) {
    ::close(tun);
    return -1;
  }
  return tun;
}

void MakeListeners(const InitConfig& config, int* fds) {
  for (int i = 0; i < config.listener_count; ++i) {
    const bool udp = config.listener_udp[i];
    const int fd = ::socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
    if (fd < 0) Fail("socket");
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = config.listener_ip[i];
    address.sin_port = htons(config.listener_port[i]);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) Fail("bind");
    if (!udp && ::listen(fd, SOMAXCONN) != 0) Fail("listen");
    fds[i] = fd;
  }
}

// Blanks the init's copy of thaw's arguments and environment (what /proc/1/cmdline and
// /proc/1/environ show). Its memory is kept from the runtime by PR_SET_DUMPABLE.
void HideThaw() {
  const int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char buf[4096];
  const ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
  ::close(fd);
  if (n <= 0) return;
  buf[n] = '\0';
  const char* p = nullptr;
  for (ssize_t i = n - 1; i >= 0; --i) {
    if (buf[i] == ')') {
      p = buf + i + 1;
      break;
    }
  }
  if (p == nullptr) return;
  // Fields 48-51 (arg_start, arg_end, env_start, env_end); field 3 follows the ')'.
  unsigned long fields[4] = {};
  int field = 2;
  while (*p != '\0' && field < 51) {
    while (*p == ' ') ++p;
    ++field;
    unsigned long value = 0;
    while (*p >= '0' && *p <= '9') value = value * 10 + static_cast<unsigned long>(*p++ - '0');
    while (*p != ' ' && *p != '\0') ++p;
    if (field >= 48) fields[field - 48] = value;
  }
  if (field != 51) return;
  for (int i = 0; i < 4; i += 2) {
    if (fields[i] != 0 && fields[i + 1] > fields[i]) {
      std::memset(reinterpret_cast<void*>(fields[i]), 0, fields[i + 1] - fields[i]);
    }
  }
}

void ResetSignals() {
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  for (int signal = 1; signal < NSIG; ++signal) {
    if (signal != SIGKILL && signal != SIGSTOP) ::sigaction(signal, &action, nullptr);
  }
}

// The runtime: the init's child, exec'd with the launch's arguments.
[[noreturn]] void ExecRuntime(const char* executable, const char* directory, char** argv,
                              char** envp, int out_fd, int err_fd, int exec_error_fd, int32_t seq) {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // The leader of its own process group, so that thaw can signal the runtime and whatever it
  // forks at that moment as one (a group's signal reaches a child still being forked).
  ::setpgid(0, 0);
  // Tells thaw the runtime's pid in thaw's own namespace (the kernel translates the sender's
  // credentials for the receiver).
  Report child{};
  child.op = ReportOp::kChild;
  child.seq = seq;
  SendReport(kControlFd, child);
  int error = 0;
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) {
    error = errno;
  } else if (::chdir(directory) != 0) {
    error = errno;
  } else {
    // Nothing of the init's reaches the runtime but stdio (the error pipe closes at exec).
    ::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);
    ::execve(executable, argv, envp);
    error = errno;
  }
  while (::write(exec_error_fd, &error, sizeof(error)) < 0 && errno == EINTR) {
  }
  ::_exit(127);
}

struct Runtime {
  pid_t pid = 0;
  int32_t seq = 0;
};

void KillOthers() { ::kill(-1, SIGKILL); }

void ReportExit(const Runtime& runtime, int status, const rusage& usage) {
  Report report{};
  report.op = ReportOp::kExit;
  report.seq = runtime.seq;
  report.status = status;
  report.max_rss_kb = usage.ru_maxrss;
  SendReport(kControlFd, report);
}

// Reaps every exited process; when the runtime is among them, reports it and ends the rest of
// the namespace with it.
void ReapAll(Runtime& runtime) {
  while (true) {
    int status = 0;
    rusage usage{};
    const pid_t pid = ::wait4(-1, &status, WNOHANG | __WALL, &usage);
    if (pid <= 0) {
      if (pid < 0 && errno == EINTR) continue;
      return;
    }
    if (pid == runtime.pid) {
      ReportExit(runtime, status, usage);
      runtime.pid = 0;
      KillOthers();
    }
  }
}

void Launch(const Command& command, const char* payload, size_t size, int out_fd, int err_fd,
            Runtime& runtime, char** pointers, size_t pointer_slots) {
  Report report{};
  report.seq = command.seq;
  auto fail = [&](const char* step, int error) {
    report.op = ReportOp::kLaunchError;
    report.error = error;
    CopyStep(report.step, sizeof(report.step), step);
    SendReport(kControlFd, report);
  };
  // One runtime at a time: the previous one and everything it started go first.
  if (runtime.pid != 0) {
    KillOthers();
    int status = 0;
    rusage usage{};
    while (::wait4(runtime.pid, &status, __WALL, &usage) < 0 && errno == EINTR) {
    }
    ReportExit(runtime, status, usage);
    runtime.pid = 0;
  }
  // Splits the payload into its strings.
  const char* strings[2] = {};
  size_t at = 0;
  size_t index = 0;
  const size_t total = 2 + command.argc + command.envc;
  if (command.argc + command.envc + 2 > pointer_slots) {
    fail("too many arguments", E2BIG);
    return;
  }
  char** argv = pointers;
  char** envp = pointers + command.argc + 1;
  while (index < total && at < size) {
    const char* s = payload + at;
    const size_t n = ::strnlen(s, size - at);
    if (at + n >= size) break;
    if (index < 2) {
      strings[index] = s;
    } else if (index < 2 + command.argc) {
      argv[index - 2] = const_cast<char*>(s);
    } else {
      envp[index - 2 - command.argc] = const_cast<char*>(s);
    }
    at += n + 1;
    ++index;
  }
  if (index != total) {
    fail("malformed launch", EINVAL);
    return;
  }
  argv[command.argc] = nullptr;
  envp[command.envc] = nullptr;
  int exec_error[2];
  if (::pipe2(exec_error, O_CLOEXEC) != 0) {
    fail("pipe", errno);
    return;
  }
  // Not glibc's fork(): that runs the atfork handlers and takes malloc's and stdio's locks,
  // copied into the init as they were when it was cloned from a multi-threaded thaw. One held
  // then by another of thaw's threads is held for ever here, and the launch would hang.
  const pid_t pid = static_cast<pid_t>(::syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0));
  if (pid < 0) {
    const int error = errno;
    ::close(exec_error[0]);
    ::close(exec_error[1]);
    fail("fork", error);
    return;
  }
  if (pid == 0) {
    ::close(exec_error[0]);
    ExecRuntime(strings[0], strings[1], argv, envp, out_fd, err_fd, exec_error[1], command.seq);
  }
  ::close(exec_error[1]);
  runtime.pid = pid;
  runtime.seq = command.seq;
  int error = 0;
  ssize_t n;
  while ((n = ::read(exec_error[0], &error, sizeof(error))) < 0 && errno == EINTR) {
  }
  ::close(exec_error[0]);
  if (n > 0) {
    // The child exits at once; its exit is reaped (and reported) as usual.
    fail("exec", error);
    return;
  }
  report.op = ReportOp::kStarted;
  SendReport(kControlFd, report);
}

// Receives one command; false when thaw's end is closed.
bool ReceiveCommand(char* buffer, size_t size, Runtime& runtime, char** pointers,
                    size_t pointer_slots) {
  iovec iov{buffer, size};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 2)];
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  while ((n = ::recvmsg(kControlFd, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (n <= 0) return n < 0 && errno == EAGAIN;
  int fds[2] = {-1, -1};
  for (cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
    if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
      const size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      std::memcpy(fds, CMSG_DATA(cmsg), sizeof(int) * (count < 2 ? count : 2));
    }
  }
  if (static_cast<size_t>(n) >= sizeof(Command)) {
    Command command;
    std::memcpy(&command, buffer, sizeof(command));
    if (command.op == CommandOp::kSignal) {
      // Only for the runtime it was meant for: a late signal must not reach its successor.
      if (runtime.pid != 0 && command.seq == runtime.seq) ::kill(-1, command.signal);
    } else if (command.op == CommandOp::kLaunch && fds[0] >= 0 && fds[1] >= 0) {
      Launch(command, buffer + sizeof(Command), static_cast<size_t>(n) - sizeof(Command), fds[0],
             fds[1], runtime, pointers, pointer_slots);
    }
  }
  for (int fd : fds) {
    if (fd >= 0) ::close(fd);
  }
  return true;
}

}  // namespace

void RunInit(const InitConfig& config, int control_fd) {
  if (control_fd != kControlFd) {
    if (::dup2(control_fd, kControlFd) < 0) ::_exit(1);
  }
  // Everything else inherited from thaw goes: its listeners, its sockets, other instances'.
  ::syscall(SYS_close_range, kControlFd + 1U, ~0U, 0U);
  HideThaw();
  ResetSignals();
  // Its runtime is stopped and continued at every event (the freeze): without SA_NOCLDSTOP each
  // of those would wake the init too (a SIGCHLD through its signalfd, then a wait4 sweep).
  // Exits still come. (exec clears the flag, so the runtime does not inherit it.)
  struct sigaction child_action {};
  child_action.sa_handler = SIG_DFL;
  child_action.sa_flags = SA_NOCLDSTOP;
  ::sigaction(SIGCHLD, &child_action, nullptr);
  sigset_t child_only;
  sigemptyset(&child_only);
  sigaddset(&child_only, SIGCHLD);
  ::sigprocmask(SIG_SETMASK, &child_only, nullptr);
  const int child_fd = ::signalfd(-1, &child_only, SFD_CLOEXEC | SFD_NONBLOCK);
  if (child_fd < 0) Fail("signalfd");
  if (config.user_namespace) SetUpUserNamespace(config);
  // After the id maps (a credential change would clear it): thaw's death kills the init, and
  // with it the namespace.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Also after the id maps: a non-dumpable process's /proc files belong to root, which an
  // unprivileged thaw is not.
  ::prctl(PR_SET_DUMPABLE, 0);
  SetUpMounts(config);
  BringUpLoopback();
  int listeners[kMaxReportDescriptors];
  MakeListeners(config, listeners);
  int count = config.listener_count;
  Report ready{};
  ready.op = ReportOp::kReady;
  if (config.egress_trap) {
    const int trap = MakeEgressTrap();
    if (trap >= 0) {
      listeners[count++] = trap;
      ready.status |= kReadyEgressTrap;
    } else {
      ready.error = errno;
    }
  }
  // The namespace's /proc, which lists its processes only: thaw reads there whether the runtime
  // is alone, when it may freeze it without waking the init.
  const int proc = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc >= 0) {
    listeners[count++] = proc;
    ready.status |= kReadyProc;
  }
  SendReport(kControlFd, ready, listeners, count);
  for (int i = 0; i < count; ++i) ::close(listeners[i]);

  const size_t pointer_slots = 16 * 1024;
  // The pointer array follows the buffer, at an offset rounded up to a pointer's alignment.
  const size_t pointers_at =
      (kMaxLaunchBytes + sizeof(Command) + alignof(char*) - 1) / alignof(char*) * alignof(char*);
  void* memory = ::mmap(nullptr, pointers_at + pointer_slots * sizeof(char*),
                        PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) ::_exit(1);
  char* buffer = static_cast<char*>(memory);
  char** pointers = reinterpret_cast<char**>(buffer + pointers_at);
  Runtime runtime;
  while (true) {
    pollfd fds[2] = {{kControlFd, POLLIN, 0}, {child_fd, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      ::_exit(1);
    }
    if (fds[1].revents != 0) {
      signalfd_siginfo info;
      while (::read(child_fd, &info, sizeof(info)) > 0) {
      }
      ReapAll(runtime);
    }
    if (fds[0].revents != 0) {
      if (!ReceiveCommand(buffer, kMaxLaunchBytes + sizeof(Command), runtime, pointers,
                          pointer_slots)) {
        // thaw is gone: so is the namespace (every other process dies with its init).
        ::_exit(0);
      }
    }
  }
}

void AttachDescriptors(msghdr& msg, char* control, const int* fds, int fd_count) {
  if (fd_count <= 0) return;
  msg.msg_control = control;
  msg.msg_controllen = CMSG_SPACE(sizeof(int) * fd_count);
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fd_count);
  std::memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * fd_count);
}

}  // namespace thaw::sandbox_internal
