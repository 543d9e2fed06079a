#include "emulator/sandbox/sandbox.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "core/status_macros.h"
#include "emulator/process/process_output.h"
#include "emulator/sandbox/kill_and_reap.h"
#include "emulator/sandbox/sandbox_init.h"

#if defined(__SANITIZE_THREAD__)
// ThreadSanitizer's run-time interface (libtsan; gcc 12's sanitizer/tsan_interface.h does not
// declare these two).
extern "C" void __tsan_ignore_thread_begin();
extern "C" void AnnotateIgnoreSyncBegin(const char* file, int line);
#endif

namespace thaw {

namespace asio = boost::asio;
using sandbox_internal::Command;
using sandbox_internal::CommandOp;
using sandbox_internal::InitConfig;
using sandbox_internal::Report;
using sandbox_internal::ReportOp;

namespace {

// Longest wait for the init to set up, or for a runtime's exec.
constexpr auto kSetupLimit = std::chrono::seconds(10);

std::string ErrnoText(int error) { return ::strerror(error); }

// clone3 with `args`: like fork, without glibc's fork handlers (the init never runs thaw's code
// again). Under ThreadSanitizer the child ignores every access and synchronization from its first
// step: TSan never sees this clone (its fork interceptor is not called), so in the init it would
// still take itself for the parent's thread and thaw's other threads' descriptor accesses for
// races with the init's own dup2 and close, and halt_on_error ended the init during its set-up.
// (TSan's fork hooks are no answer: after the fork of a single-threaded process they start
// TSan's background thread in the child, an extra task in the instance's PID namespace.)
long CloneInit(clone_args& args) {
  const long pid = ::syscall(SYS_clone3, &args, sizeof(args));
#if defined(__SANITIZE_THREAD__)
  if (pid == 0) {
    __tsan_ignore_thread_begin();
    AnnotateIgnoreSyncBegin(__FILE__, __LINE__);
  }
#endif
  return pid;
}

}  // namespace

absl::StatusOr<SandboxAddress> SandboxAddress::Parse(const std::string& text) {
  const size_t colon = text.rfind(':');
  in_addr ip{};
  if (colon == std::string::npos || ::inet_pton(AF_INET, text.substr(0, colon).c_str(), &ip) != 1) {
    return absl::InvalidArgumentError("not an IPv4 address and port: '" + text + "'");
  }
  const std::string port = text.substr(colon + 1);
  char* end = nullptr;
  const long value = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || value < 1 || value > 65535) {
    return absl::InvalidArgumentError("not an IPv4 address and port: '" + text + "'");
  }
  return SandboxAddress{text.substr(0, colon), static_cast<uint16_t>(value)};
}

// One runtime started in the sandbox. Shared by its RuntimeProcess, the sandbox's report reader
// and pending pipe reads, which can outlive it.
struct Run {
  explicit Run(asio::io_context& io) : out(io), err(io) {}
  ~Run() { ClosePidfd(); }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;
  void ClosePidfd() {
    if (pidfd >= 0) ::close(pidfd);
    pidfd = -1;
  }
  int32_t seq = 0;
  int pid = 0;
  // The runtime itself (not its descendants), from its kChild report until its exit: the
  // freeze's SIGCONT goes to it directly, so an event does not wait for the init to wake.
  int pidfd = -1;
  // The last SIGSTOP went through the init (other processes were in the namespace): the SIGCONT
  // that follows must too, or it could overtake that SIGSTOP, still queued at the init.
  bool stopped_by_init = false;
  bool exited = false;
  bool owner_alive = true;
  long max_rss_kb = 0;
  ProcessCallbacks callbacks;
  asio::posix::stream_descriptor out;
  asio::posix::stream_descriptor err;
  LineSplitter out_lines;
  LineSplitter err_lines;
  std::array<char, 16 * 1024> out_buffer;
  std::array<char, 16 * 1024> err_buffer;
};

struct Sandbox::State {
  explicit State(asio::io_context& context) : io(context), control(context), pidfd(context) {}
  // Reaps the init if the io_context did not (it stopped, or is being destroyed).
  ~State() {
    if (pidfd.is_open()) KillAndReap(pidfd.native_handle());
    if (proc_fd >= 0) ::close(proc_fd);
  }
  asio::io_context& io;
  asio::posix::stream_descriptor control;
  asio::posix::stream_descriptor pidfd;
  int init_pid = 0;
  bool init_gone = false;  // its end of the control socket is closed
  // The namespace's /proc directory (from the ready report), or -1.
  int proc_fd = -1;
  int32_t next_seq = 1;
  // Runs not yet reported exited, by launch sequence.
  std::map<int32_t, std::shared_ptr<Run>> runs;
  // Acts on one report of the init or a runtime.
  void Handle(const Report& report, const ucred* credentials);
  void InitGone();
  // Receives one report without blocking; false when none is waiting (or the socket closed,
  // which InitGone records).
  bool ReceiveOne(Report& report, ucred& credentials, bool& has_credentials);
};

namespace {

void Deliver(const std::shared_ptr<Run>& run, asio::io_context& io, ExitInfo info) {
  run->exited = true;
  if (run->owner_alive && run->callbacks.on_exit) {
    asio::post(io, [run, info] {
      if (run->owner_alive) run->callbacks.on_exit(info);
    });
  }
}

LineSplitter::Emit Emitter(Run& run, bool from_stderr) {
  return [&run, from_stderr](std::string_view line) {
    if (run.owner_alive && run.callbacks.on_line) run.callbacks.on_line(line, from_stderr);
  };
}

void ReadLoop(std::shared_ptr<Run> run, bool from_stderr) {
  auto& pipe = from_stderr ? run->err : run->out;
  auto& buffer = from_stderr ? run->err_buffer : run->out_buffer;
  pipe.async_read_some(asio::buffer(buffer),
                       [run, from_stderr](const boost::system::error_code& ec, size_t n) {
                         LineSplitter& lines = from_stderr ? run->err_lines : run->out_lines;
                         auto& data = from_stderr ? run->err_buffer : run->out_buffer;
                         if (n > 0) lines.Append(data.data(), n, Emitter(*run, from_stderr));
                         if (ec) {
                           lines.Flush(Emitter(*run, from_stderr));
                           return;
                         }
                         ReadLoop(run, from_stderr);
                       });
}

// Whether the PID namespace whose /proc directory is `proc_fd` has at most two processes: its
// init and the runtime. Threads are not listed there; a zombie is (so it counts).
bool RuntimeIsAlone(int proc_fd) {
  if (::lseek(proc_fd, 0, SEEK_SET) != 0) return false;
  alignas(dirent64) char buffer[16 * 1024];
  int processes = 0;
  while (true) {
    const ssize_t n = ::getdents64(proc_fd, buffer, sizeof(buffer));
    if (n < 0) return false;
    if (n == 0) return true;
    for (ssize_t at = 0; at < n;) {
      const auto* entry = reinterpret_cast<const dirent64*>(buffer + at);
      if (entry->d_name[0] >= '1' && entry->d_name[0] <= '9' && ++processes > 2) return false;
      at += entry->d_reclen;
    }
    // The kernel stops filling only when the next entry does not fit, and no entry is larger
    // than a dirent64: with that much room left, it had none left (saves the call that says so).
    if (sizeof(buffer) - static_cast<size_t>(n) >= sizeof(dirent64)) return true;
  }
}

bool SendCommand(int fd, const Command& command, const std::string& payload = "",
                 const int* fds = nullptr, int fd_count = 0) {
  iovec iov[2] = {{const_cast<Command*>(&command), sizeof(command)},
                  {const_cast<char*>(payload.data()), payload.size()}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = payload.empty() ? 1 : 2;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 2)];
  sandbox_internal::AttachDescriptors(msg, control, fds, fd_count);
  ssize_t n;
  while ((n = ::sendmsg(fd, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
  }
  return n >= 0;
}

// Waits until `fd` is readable or `deadline` passes.
bool WaitReadable(int fd, std::chrono::steady_clock::time_point deadline) {
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()) + 1);
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

class SandboxedProcess : public RuntimeProcess {
 public:
  SandboxedProcess(std::shared_ptr<Sandbox::State> sandbox, std::shared_ptr<Run> run)
      : sandbox_(std::move(sandbox)), run_(std::move(run)), peak_(run_->pid) {}
  ~SandboxedProcess() override {
    run_->owner_alive = false;
    SignalGroup(SIGKILL);
  }
  int pid() const override { return run_->pid; }
  void SignalGroup(int signal) override {
    if (run_->exited || sandbox_->init_gone) return;
    if ((signal == SIGSTOP || signal == SIGCONT) && FreezeAlone(signal)) return;
    // The runtime goes on at once, or dies at once, and the init signals the rest of the
    // namespace after. A SIGKILL must be the runtime's end before thaw closes its Runtime API
    // (Instance::Kill does both in a row): left to the init, the runtime could see its
    // connection end first and exit on its own, recorded as "exit status 1", not "killed".
    if ((signal == SIGCONT || signal == SIGKILL) && run_->pidfd >= 0) {
      ::syscall(SYS_pidfd_send_signal, run_->pidfd, signal, nullptr, 0);
    }
    Command command{};
    command.op = CommandOp::kSignal;
    command.seq = run_->seq;
    command.signal = signal;
    SendCommand(sandbox_->control.native_handle(), command);
    if (signal == SIGSTOP) run_->stopped_by_init = true;
    if (signal == SIGCONT) run_->stopped_by_init = false;
  }
  // The freeze's fast path, taken at every event while the runtime is the namespace's only process
  // (the init aside): thaw signals the runtime's process group itself, and the init, which would
  // signal every process of the namespace, is not woken (two wake-ups per event less).
  // SIGSTOP: the group's signal also reaches a child the runtime is forking as it is sent (the
  // kernel holds group signals for forks in progress), so once it is sent, a look at /proc that
  // finds no third process proves nothing was left running. Then, and only then, the SIGCONT
  // needs no init either: nothing of the runtime's could fork while it was stopped. False when
  // the init must do it (thaw's signal to the group may have been sent too: harmless).
  bool FreezeAlone(int signal) {
    if (sandbox_->proc_fd < 0 || run_->pid <= 0) return false;
    if (signal == SIGCONT) return !run_->stopped_by_init && ::kill(-run_->pid, SIGCONT) == 0;
    // A success names the runtime's group: the runtime leads it from its start (ExecRuntime), and
    // with no third process in the namespace no other process can be in a group of that number.
    return ::kill(-run_->pid, SIGSTOP) == 0 && RuntimeIsAlone(sandbox_->proc_fd);
  }

  long PeakRssKb() override {
    const long now = peak_.ReadKb();
    return run_->exited ? std::max(now, run_->max_rss_kb) : now;
  }
  void DrainOutput() override {
    DrainPipesNow(run_->out.is_open() ? run_->out.native_handle() : -1,
                  run_->err.is_open() ? run_->err.native_handle() : -1,
                  [this](bool from_stderr, const char* data, size_t n) {
                    (from_stderr ? run_->err_lines : run_->out_lines)
                        .Append(data, n, Emitter(*run_, from_stderr));
                  });
  }

 private:
  std::shared_ptr<Sandbox::State> sandbox_;
  std::shared_ptr<Run> run_;
  PeakRss peak_;
};

}  // namespace

bool Sandbox::State::ReceiveOne(Report& report, ucred& credentials, bool& has_credentials) {
  iovec iov{&report, sizeof(report)};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char
      control_buffer[CMSG_SPACE(sizeof(ucred)) +
                     CMSG_SPACE(sizeof(int) * sandbox_internal::kMaxReportDescriptors)];
  msg.msg_control = control_buffer;
  msg.msg_controllen = sizeof(control_buffer);
  ssize_t n;
  while ((n = ::recvmsg(control.native_handle(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC)) < 0 &&
         errno == EINTR) {
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
  if (n <= 0) {
    InitGone();
    return false;
  }
  has_credentials = false;
  for (cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
    if (cmsg->cmsg_level != SOL_SOCKET) continue;
    if (cmsg->cmsg_type == SCM_CREDENTIALS) {
      std::memcpy(&credentials, CMSG_DATA(cmsg), sizeof(credentials));
      has_credentials = true;
    } else if (cmsg->cmsg_type == SCM_RIGHTS) {
      // Listeners only come with the ready report, read by Create; anything else is closed.
      const size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      std::vector<int> fds(count);
      std::memcpy(fds.data(), CMSG_DATA(cmsg), sizeof(int) * count);
      for (int fd : fds) ::close(fd);
    }
  }
  return static_cast<size_t>(n) == sizeof(report);
}

void Sandbox::State::Handle(const Report& report, const ucred* credentials) {
  auto it = runs.find(report.seq);
  if (it == runs.end()) return;
  std::shared_ptr<Run> run = it->second;
  if (report.op == ReportOp::kChild && credentials != nullptr) {
    run->pid = credentials->pid;
    run->ClosePidfd();
    run->pidfd = static_cast<int>(::syscall(SYS_pidfd_open, run->pid, 0));
  } else if (report.op == ReportOp::kExit) {
    run->ClosePidfd();
    runs.erase(it);
    run->max_rss_kb = report.max_rss_kb;
    ExitInfo info;
    if (WIFEXITED(report.status)) {
      info.exit_code = WEXITSTATUS(report.status);
    } else if (WIFSIGNALED(report.status)) {
      info.signal = WTERMSIG(report.status);
    }
    Deliver(run, io, info);
  }
}

void Sandbox::State::InitGone() {
  if (init_gone) return;
  init_gone = true;
  // The whole namespace died with its init: every runtime was killed.
  ExitInfo killed;
  killed.signal = SIGKILL;
  for (auto& [seq, run] : runs) Deliver(run, io, killed);
  runs.clear();
}

namespace {

void ReapKilledInit(std::shared_ptr<Sandbox::State> state, std::chrono::milliseconds delay);

// Reads every report waiting, then waits for more, until the init's end closes. Then the init
// has exited, or is about to: it is reaped by polling too, not only by ReapWhenExited's wait, so
// that a sandbox kept a while after its init's end never holds a zombie.
void WatchReports(std::shared_ptr<Sandbox::State> state) {
  state->control.async_wait(asio::posix::stream_descriptor::wait_read,
                            [state](const boost::system::error_code& ec) {
                              if (ec) return;
                              Report report;
                              ucred credentials{};
                              bool has_credentials = false;
                              while (state->ReceiveOne(report, credentials, has_credentials)) {
                                state->Handle(report, has_credentials ? &credentials : nullptr);
                              }
                              if (!state->init_gone) {
                                WatchReports(state);
                              } else if (state->pidfd.is_open()) {
                                ReapKilledInit(state, std::chrono::milliseconds(10));
                              }
                            });
}

// Reaps the killed (or ended) init once it has exited, looking again after `delay` (doubling up
// to a second) until it has. ReapWhenExited's wait usually does it first; this covers a readiness
// of the pidfd that the reactor missed (it watches descriptors edge-triggered), which would
// otherwise leave the init a zombie for as long as thaw runs.
void ReapKilledInit(std::shared_ptr<Sandbox::State> state, std::chrono::milliseconds delay) {
  auto timer = std::make_shared<asio::steady_timer>(state->io, delay);
  timer->async_wait([state, timer, delay](const boost::system::error_code& ec) {
    if (ec || !state->pidfd.is_open()) return;
    if (!TryReap(state->pidfd.native_handle())) {  // still running
      ReapKilledInit(state, std::min(delay * 2, std::chrono::milliseconds(1000)));
      return;
    }
    boost::system::error_code ignored;
    state->pidfd.close(ignored);  // reaped (or gone already): ReapWhenExited's wait ends too
  });
}

}  // namespace

std::string sandbox_internal::InitStateText(int pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  std::string stat;
  std::getline(std::ifstream(proc + "/stat"), stat);
  const size_t paren = stat.rfind(") ");
  const std::string state = paren == std::string::npos ? "?" : stat.substr(paren + 2, 1);
  std::string call;
  std::ifstream(proc + "/syscall") >> call;
  return "init " + std::to_string(pid) + ": state " + state + ", system call " +
         (call.empty() ? "?" : call);
}

absl::StatusOr<std::unique_ptr<Sandbox>> Sandbox::Create(asio::io_context& io,
                                                         const SandboxOptions& options) {
  absl::StatusOr<std::unique_ptr<Sandbox>> made = CreateOnce(io, options);
#if defined(__SANITIZE_THREAD__)
  // ThreadSanitizer builds only. Their clone of thaw runs TSan's interceptors (the release
  // build's init makes only lock-free system calls), so an init cloned while another thaw thread
  // held a lock of TSan's runtime can, we believe (not yet seen in a stack), wait on it forever.
  // Seen twice in CI's TSan suite (NodeRuntimeTest.InitErrorsAreTheNodeRuntimesTypes, the init
  // never ready in 10 s), never in a release or ASan build. One more clone, at another moment, gets
  // past it; the stuck init's state is printed to say what held it.
  if (absl::IsDeadlineExceeded(made.status())) {
    std::fprintf(stderr, "thaw: %s; once more (ThreadSanitizer build)\n",
                 std::string(made.status().message()).c_str());
    made = CreateOnce(io, options);
  }
#endif
  return made;
}

absl::StatusOr<std::unique_ptr<Sandbox>> Sandbox::CreateOnce(asio::io_context& io,
                                                             const SandboxOptions& options) {
  if (options.listeners.size() > sandbox_internal::kMaxListeners) {
    return absl::InvalidArgumentError("too many sandbox listeners");
  }
  if (options.binds.size() > 8) return absl::InvalidArgumentError("too many sandbox binds");
  InitConfig config;
  config.user_namespace = options.user_namespace;
  config.outer_uid = ::geteuid();
  config.outer_gid = ::getegid();
  config.listener_count = static_cast<int>(options.listeners.size());
  config.egress_trap = options.egress_trap;
  for (size_t i = 0; i < options.listeners.size(); ++i) {
    in_addr ip{};
    if (::inet_pton(AF_INET, options.listeners[i].ip.c_str(), &ip) != 1) {
      return absl::InvalidArgumentError("not an IPv4 address: " + options.listeners[i].ip);
    }
    config.listener_ip[i] = ip.s_addr;
    config.listener_port[i] = options.listeners[i].port;
    config.listener_udp[i] = options.listeners[i].udp;
  }
  std::vector<std::string> paths;
  paths.reserve(options.binds.size() * 2);
  for (const SandboxBind& bind : options.binds) {
    paths.push_back(bind.source.string());
    paths.push_back(bind.target.string());
  }
  config.bind_count = static_cast<int>(options.binds.size());
  for (int i = 0; i < config.bind_count; ++i) {
    config.bind_source[i] = paths[2 * i].c_str();
    config.bind_target[i] = paths[2 * i + 1].c_str();
  }
  // The layers at /opt, checked and spelled out here: the init may not allocate.
  std::string opt_source;
  if (!options.opt_layers.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory("/opt", ec)) {
      return absl::FailedPreconditionError(
          "sandbox: the function's layers go to /opt, which this machine does not have "
          "(mkdir /opt)");
    }
    for (const std::filesystem::path& layer : options.opt_layers) {
      if (!std::filesystem::is_directory(layer, ec)) {
        return absl::InvalidArgumentError("sandbox: layer " + layer.string() +
                                          " is not a directory");
      }
      if (layer.string().find_first_of(":,") != std::string::npos) {
        return absl::InvalidArgumentError("sandbox: layer " + layer.string() +
                                          " cannot be stacked at /opt (its path holds ':' or ',')");
      }
    }
    if (options.opt_layers.size() == 1) {
      opt_source = options.opt_layers.front().string();
      config.opt_bind = opt_source.c_str();
    } else {
      // overlayfs takes the uppermost lower directory first: the last layer, which wins.
      opt_source = "lowerdir=";
      for (auto it = options.opt_layers.rbegin(); it != options.opt_layers.rend(); ++it) {
        if (it != options.opt_layers.rbegin()) opt_source += ':';
        opt_source += it->string();
      }
      config.opt_overlay = opt_source.c_str();
    }
  }

  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    return absl::InternalError("sandbox: socketpair: " + ErrnoText(errno));
  }
  const int one = 1;
  ::setsockopt(pair[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));

  int pidfd = -1;
  clone_args args{};
  args.flags = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_PIDFD |
               (options.user_namespace ? CLONE_NEWUSER : 0);
  args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  const long pid = CloneInit(args);
  if (pid == 0) sandbox_internal::RunInit(config, pair[1]);
  const int clone_error = errno;
  ::close(pair[1]);
  if (pid < 0) {
    ::close(pair[0]);
    return absl::UnavailableError(
        "sandbox: cannot create namespaces (clone: " + ErrnoText(clone_error) + ")");
  }
  auto state = std::make_shared<State>(io);
  state->control.assign(pair[0]);
  state->pidfd.assign(pidfd);
  state->init_pid = static_cast<int>(pid);
  ReapWhenExited(state->pidfd, state);

  // The init's first report: ready (with the listeners) or the step that failed.
  std::vector<int> listeners;
  int trap = -1;
  int trap_error = 0;
  const auto deadline = std::chrono::steady_clock::now() + kSetupLimit;
  absl::Status status = absl::DeadlineExceededError("sandbox: the init did not get ready in time");
  while (WaitReadable(pair[0], deadline)) {
    Report report{};
    iovec iov{&report, sizeof(report)};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(
        cmsghdr) char control[CMSG_SPACE(sizeof(ucred)) +
                              CMSG_SPACE(sizeof(int) * sandbox_internal::kMaxReportDescriptors)];
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    const ssize_t n = ::recvmsg(pair[0], &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    for (cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
      if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
        const size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        listeners.resize(count);
        std::memcpy(listeners.data(), CMSG_DATA(cmsg), sizeof(int) * count);
      }
    }
    const bool ready = report.op == ReportOp::kReady;
    const bool trapped = ready && (report.status & sandbox_internal::kReadyEgressTrap) != 0;
    const bool with_proc = ready && (report.status & sandbox_internal::kReadyProc) != 0;
    if (n == static_cast<ssize_t>(sizeof(report)) && ready &&
        listeners.size() == options.listeners.size() + (trapped ? 1 : 0) + (with_proc ? 1 : 0)) {
      status = absl::OkStatus();
      if (with_proc) {
        state->proc_fd = listeners.back();
        listeners.pop_back();
      }
      if (trapped) {
        trap = listeners.back();
        listeners.pop_back();
      } else {
        trap_error = report.error;
      }
    } else if (n == static_cast<ssize_t>(sizeof(report)) && report.op == ReportOp::kSetupError) {
      report.step[sizeof(report.step) - 1] = '\0';
      status = absl::UnavailableError(std::string("sandbox: ") + report.step + ": " +
                                      ErrnoText(report.error));
    } else {
      status = absl::InternalError("sandbox: the init ended during set-up");
    }
    break;
  }
  if (absl::IsDeadlineExceeded(status)) {
    status = absl::DeadlineExceededError("sandbox: the init did not get ready in time (" +
                                         sandbox_internal::InitStateText(state->init_pid) + ")");
  }
  std::unique_ptr<Sandbox> sandbox(new Sandbox(state, std::move(listeners)));
  sandbox->egress_trap_ = trap;
  sandbox->trap_error_ = trap_error;
  if (!status.ok()) return status;  // ~Sandbox kills the init and closes what came.
  if (options.outside_link) {
    ASSIGN_OR_RETURN(auto link, OutsideLink::Start(io, state->init_pid, options.user_namespace));
    sandbox->outside_link_ = std::move(link);
  }
  WatchReports(state);
  return sandbox;
}

Sandbox::Sandbox(std::shared_ptr<State> state, std::vector<int> listeners)
    : state_(std::move(state)), listeners_(std::move(listeners)) {}

Sandbox::~Sandbox() {
  for (int fd : listeners_) {
    if (fd >= 0) ::close(fd);
  }
  if (egress_trap_ >= 0) ::close(egress_trap_);
  // The init's death ends every process of the namespace. It is reaped by ReapWhenExited.
  if (state_->pidfd.is_open()) {
    ::syscall(SYS_pidfd_send_signal, state_->pidfd.native_handle(), SIGKILL, nullptr, 0);
    ReapKilledInit(state_, std::chrono::milliseconds(10));
  }
  boost::system::error_code ignored;
  state_->control.close(ignored);
  state_->InitGone();
}

int Sandbox::TakeListener(size_t i) {
  if (i >= listeners_.size()) return -1;
  const int fd = listeners_[i];
  listeners_[i] = -1;
  return fd;
}

int Sandbox::TakeEgressTrap() {
  const int fd = egress_trap_;
  egress_trap_ = -1;
  return fd;
}

int Sandbox::init_pid() const { return state_->init_pid; }

absl::StatusOr<std::unique_ptr<RuntimeProcess>> Sandbox::Launch(const LaunchSpec& spec,
                                                                ProcessCallbacks callbacks) {
  if (state_->init_gone) return absl::InternalError("sandbox: its init is gone");
  Command command{};
  command.op = CommandOp::kLaunch;
  command.seq = state_->next_seq++;
  std::string payload;
  auto add = [&payload](const std::string& s) {
    payload += s;
    payload += '\0';
  };
  add(spec.executable.string());
  add(spec.working_dir.empty() ? "/" : spec.working_dir.string());
  add(spec.executable.string());
  for (const std::string& arg : spec.args) add(arg);
  for (const std::string& entry : spec.env) add(entry);
  command.argc = static_cast<uint32_t>(spec.args.size() + 1);
  command.envc = static_cast<uint32_t>(spec.env.size());
  if (payload.size() > sandbox_internal::kMaxLaunchBytes) {
    return absl::InvalidArgumentError("sandbox: arguments and environment too large");
  }
  int out[2];
  int err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return absl::InternalError("pipe: " + ErrnoText(errno));
  if (::pipe2(err, O_CLOEXEC) != 0) {
    const int error = errno;
    ::close(out[0]);
    ::close(out[1]);
    return absl::InternalError("pipe: " + ErrnoText(error));
  }
  auto run = std::make_shared<Run>(state_->io);
  run->seq = command.seq;
  run->callbacks = std::move(callbacks);
  run->out.assign(out[0]);
  run->err.assign(err[0]);
  const int writers[2] = {out[1], err[1]};
  const bool sent = SendCommand(state_->control.native_handle(), command, payload, writers, 2);
  ::close(out[1]);
  ::close(err[1]);
  if (!sent) return absl::InternalError("sandbox: cannot reach its init: " + ErrnoText(errno));
  state_->runs[run->seq] = run;

  // Waits for this launch's outcome; the reports of an earlier runtime are handled on the way.
  const auto deadline = std::chrono::steady_clock::now() + kSetupLimit;
  absl::Status status = absl::DeadlineExceededError("sandbox: the runtime did not start in time");
  bool done = false;
  while (!done && !state_->init_gone && WaitReadable(state_->control.native_handle(), deadline)) {
    Report report;
    ucred credentials{};
    bool has_credentials = false;
    while (state_->ReceiveOne(report, credentials, has_credentials)) {
      state_->Handle(report, has_credentials ? &credentials : nullptr);
      if (report.seq != run->seq) continue;
      if (report.op == ReportOp::kStarted) {
        status = absl::OkStatus();
        done = true;
      } else if (report.op == ReportOp::kLaunchError) {
        report.step[sizeof(report.step) - 1] = '\0';
        status = absl::InternalError("cannot start " + spec.executable.string() + ": " +
                                     report.step + ": " + ErrnoText(report.error));
        done = true;
      }
      if (done) break;
    }
  }
  if (state_->init_gone && !done) status = absl::InternalError("sandbox: its init is gone");
  if (!status.ok()) {
    run->owner_alive = false;
    return status;
  }
  ReadLoop(run, false);
  ReadLoop(run, true);
  return std::unique_ptr<RuntimeProcess>(new SandboxedProcess(state_, run));
}

absl::StatusOr<SandboxOptions> Sandbox::Probe(asio::io_context& io) {
  SandboxOptions options;
  options.user_namespace = true;
  options.egress_trap = true;
  options.listeners.push_back({"127.0.0.1", 9001});
  auto sandbox = Create(io, options);
  if (!sandbox.ok() && ::geteuid() == 0) {
    // Root where user namespaces are disabled can still have the others.
    options.user_namespace = false;
    sandbox = Create(io, options);
  }
  if (!sandbox.ok()) return sandbox.status();
  options.egress_trap = (*sandbox)->egress_trap_ >= 0;
  options.listeners.clear();
  return options;
}

}  // namespace thaw
