#ifndef THAW_EMULATOR_SANDBOX_SANDBOX_INIT_H_
#define THAW_EMULATOR_SANDBOX_SANDBOX_INIT_H_

#include <sys/socket.h>
#include <sys/types.h>

#include <cstdint>

// The sandbox's init (PID 1 of its namespaces) and the messages it exchanges with thaw over a
// SOCK_SEQPACKET socketpair. Internal to emulator/sandbox.

namespace thaw::sandbox_internal {

// The init's end of the socketpair, once it runs.
constexpr int kControlFd = 3;
// Most listeners a sandbox makes (one SCM_RIGHTS message).
constexpr int kMaxListeners = 16;
// Most descriptors one report carries: the ready report's listeners, egress trap and /proc.
constexpr int kMaxReportDescriptors = kMaxListeners + 2;
// Largest launch command (executable, directory, arguments and environment).
constexpr size_t kMaxLaunchBytes = 256 * 1024;

// thaw -> init.
enum class CommandOp : char {
  kLaunch = 'L',  // payload: LaunchPayload; descriptors: the runtime's stdout and stderr
  kSignal = 'S',  // sends `signal` to every process of the namespace but the init
};
struct Command {
  CommandOp op;
  int32_t seq = 0;  // the launch it is about
  int32_t signal = 0;
  // kLaunch: followed by NUL-terminated strings: executable, working directory, then `argc`
  // arguments (argv[0] first) and `envc` "NAME=value" entries.
  uint32_t argc = 0;
  uint32_t envc = 0;
};

// init (or the runtime, before its exec) -> thaw.
enum class ReportOp : char {
  kReady = 'R',  // set up; descriptors: the listeners, in order, then the egress trap's (when
                 // `status` has kReadyEgressTrap), then the namespace's /proc directory (when
                 // `status` has kReadyProc)
  kSetupError = 'E',
  kChild = 'C',    // sent by the runtime itself before exec: its credentials name its pid
  kStarted = 'S',  // exec succeeded
  kLaunchError = 'F',
  kExit = 'X',  // the runtime exited (`status` as waitpid gives it)
};
// Bits of a kReady report's `status`.
constexpr int32_t kReadyEgressTrap = 1;
constexpr int32_t kReadyProc = 2;
struct Report {
  ReportOp op;
  int32_t seq = 0;
  int32_t status = 0;
  int32_t error = 0;  // errno of the failing step
  int64_t max_rss_kb = 0;
  char step[96] = {};  // what failed ("mount /proc")
};

// What the init needs, prepared by thaw before the clone (the init reads it from its copy of
// thaw's memory and never allocates: it is forked from a multi-threaded process).
struct InitConfig {
  bool user_namespace = false;
  uid_t outer_uid = 0;
  gid_t outer_gid = 0;
  int listener_count = 0;
  uint32_t listener_ip[kMaxListeners] = {};  // network byte order
  uint16_t listener_port[kMaxListeners] = {};
  bool listener_udp[kMaxListeners] = {};  // a bound datagram socket instead of a TCP listener
  // Also a tun device (kEgressDevice) that every non-loopback IPv4 packet is routed to.
  bool egress_trap = false;
  // Read-only bind mounts (source, target), NUL-terminated paths owned by thaw's copy.
  int bind_count = 0;
  const char* bind_source[8] = {};
  const char* bind_target[8] = {};
  // The layers at /opt: `opt_bind` (one layer's directory) is bind-mounted over it, or
  // `opt_overlay` (overlayfs options "lowerdir=<last>:...:<first>") is mounted there; both null:
  // /opt is left alone. Owned by thaw's copy.
  const char* opt_bind = nullptr;
  const char* opt_overlay = nullptr;
};

// The egress trap's device and its own address (link-local: the source of what it catches).
constexpr char kEgressDevice[] = "egress0";
constexpr char kEgressDeviceAddress[] = "169.254.77.1";

// Runs the init in the freshly cloned child, whose end of the socketpair is `control_fd`.
// Only async-signal-safe calls. Never returns.
[[noreturn]] void RunInit(const InitConfig& config, int control_fd);

// Puts `fd_count` descriptors into `msg` as one SCM_RIGHTS control message, written to `control`
// (aligned for cmsghdr, at least CMSG_SPACE(sizeof(int) * fd_count) bytes); nothing when
// `fd_count` is 0. Both ends of the control socket use it; async-signal-safe.
void AttachDescriptors(msghdr& msg, char* control, const int* fds, int fd_count);

}  // namespace thaw::sandbox_internal

#endif  // THAW_EMULATOR_SANDBOX_SANDBOX_INIT_H_
