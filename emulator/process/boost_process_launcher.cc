#include "emulator/process/boost_process_launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/process/args.hpp>
#include <boost/process/async.hpp>
#include <boost/process/async_pipe.hpp>
#include <boost/process/child.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/start_dir.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>

#include "absl/status/status.h"
#include "emulator/process/process_output.h"
#include "emulator/process/process_tree.h"

namespace thaw {

namespace asio = boost::asio;
namespace bp = boost::process;

std::string ExitInfo::Describe() const {
  if (signal != 0) {
    switch (signal) {
      case SIGKILL:
        return "signal: killed";
      case SIGTERM:
        return "signal: terminated";
      case SIGSEGV:
        return "signal: segmentation fault";
      case SIGABRT:
        return "signal: aborted";
      default:
        return std::string("signal: ") + ::strsignal(signal);
    }
  }
  return "exit status " + std::to_string(exit_code);
}

// Shared by the process object, the launcher's reaper and pending reads, which can outlive it.
struct BoostProcessLauncher::Child {
  explicit Child(asio::io_context& context) : out(context), err(context), exited(context) {}
  ~Child() { SignalHeld(held, 0, /*close=*/true); }
  long max_rss_kb = 0;  // from wait4, once reaped
  ProcessCallbacks callbacks;
  int pid = 0;
  bool reaped = false;
  bool owner_alive = true;
  // Descendants found when it was asked to end (SIGTERM), killed once it has exited: by then
  // /proc no longer lists them under it (process_tree.h).
  std::map<pid_t, int> held;
  bp::async_pipe out;
  bp::async_pipe err;
  // The child's pidfd: readable once it has exited.
  asio::posix::stream_descriptor exited;
  LineSplitter out_lines;
  LineSplitter err_lines;
  // One buffer per stream: both reads can be pending at once.
  std::array<char, 16 * 1024> out_buffer;
  std::array<char, 16 * 1024> err_buffer;
};

namespace {

using Child = BoostProcessLauncher::Child;

LineSplitter::Emit Emitter(Child& s, bool from_stderr) {
  return [&s, from_stderr](std::string_view line) {
    if (s.owner_alive && s.callbacks.on_line) s.callbacks.on_line(line, from_stderr);
  };
}

void ReadLoop(std::shared_ptr<Child> s, bool from_stderr) {
  bp::async_pipe& pipe = from_stderr ? s->err : s->out;
  auto& buffer = from_stderr ? s->err_buffer : s->out_buffer;
  pipe.async_read_some(asio::buffer(buffer),
                       [s, from_stderr](const boost::system::error_code& ec, size_t n) {
                         LineSplitter& lines = from_stderr ? s->err_lines : s->out_lines;
                         auto& data = from_stderr ? s->err_buffer : s->out_buffer;
                         if (n > 0) lines.Append(data.data(), n, Emitter(*s, from_stderr));
                         if (ec) {
                           lines.Flush(Emitter(*s, from_stderr));
                           return;
                         }
                         ReadLoop(s, from_stderr);
                       });
}

class BoostRuntimeProcess : public RuntimeProcess {
 public:
  BoostRuntimeProcess(std::shared_ptr<Child> state, bp::child child)
      : state_(std::move(state)), child_(std::move(child)) {
    child_.detach();  // Reaped by BoostProcessLauncher::Reap, never by ~child.
  }
  ~BoostRuntimeProcess() override {
    state_->owner_alive = false;
    SignalGroup(SIGKILL);
  }

  int pid() const override { return state_->pid; }

  void SignalGroup(int signal) override {
    if (state_->reaped) return;
    if (signal == SIGKILL) {
      // The end of the instance: its descendants outside the group too.
      KillProcessTree(state_->pid, state_->held);
      return;
    }
    // Asked to end: remember who is below it now, to kill them once it has exited.
    if (signal == SIGTERM) HoldDescendants(state_->pid, /*stop=*/false, state_->held);
    ::kill(-state_->pid, signal);
  }

  long PeakRssKb() override {
    if (state_->reaped) return std::max(peak_.ReadKb(), state_->max_rss_kb);
    return peak_.ReadKb();
  }

  void DrainOutput() override {
    Child& s = *state_;
    DrainPipesNow(
        s.out.is_open() ? s.out.native_source() : -1, s.err.is_open() ? s.err.native_source() : -1,
        [&s](bool from_stderr, const char* data, size_t n) {
          (from_stderr ? s.err_lines : s.out_lines).Append(data, n, Emitter(s, from_stderr));
        });
  }

 private:
  std::shared_ptr<Child> state_;
  bp::child child_;
  PeakRss peak_{state_->pid};
};

}  // namespace

BoostProcessLauncher::BoostProcessLauncher(asio::io_context& io) : io_(io) {}

BoostProcessLauncher::~BoostProcessLauncher() {
  for (auto& [pid, child] : children_) {
    KillProcessTree(pid, child->held);
    ::waitpid(pid, nullptr, 0);
    boost::system::error_code ignored;
    child->exited.close(ignored);
  }
}

void BoostProcessLauncher::WatchExit(std::shared_ptr<Child> child) {
  // A completion may already be queued when the launcher is destroyed: check it still exists.
  child->exited.async_wait(
      asio::posix::stream_descriptor::wait_read,
      [this, alive = std::weak_ptr<bool>(alive_), child](const boost::system::error_code& ec) {
        if (ec || !alive.lock()) return;
        if (!Reap(child)) WatchExit(child);
      });
}

bool BoostProcessLauncher::Reap(const std::shared_ptr<Child>& child) {
  int status = 0;
  struct rusage usage {};
  pid_t pid;
  do {
    pid = ::wait4(child->pid, &status, WNOHANG, &usage);
  } while (pid < 0 && errno == EINTR);
  if (pid == 0) return false;
  // pid < 0 (ECHILD: SIGCHLD ignored by whoever started thaw, so the kernel reaped it): it is
  // gone, its status unknown.
  children_.erase(child->pid);
  child->reaped = true;
  boost::system::error_code ignored;
  child->exited.close(ignored);
  // What was below it when it was asked to end goes with it.
  SignalHeld(child->held, SIGKILL, /*close=*/true);
  child->max_rss_kb = usage.ru_maxrss;
  ExitInfo info;
  if (pid > 0 && WIFEXITED(status)) {
    info.exit_code = WEXITSTATUS(status);
  } else if (pid > 0 && WIFSIGNALED(status)) {
    info.signal = WTERMSIG(status);
  }
  if (child->owner_alive && child->callbacks.on_exit) {
    // Not inline: the callback may launch a new process, and output read before the exit is
    // delivered first.
    asio::post(io_, [child, info] {
      if (child->owner_alive) child->callbacks.on_exit(info);
    });
  }
  return true;
}

absl::StatusOr<std::unique_ptr<RuntimeProcess>> BoostProcessLauncher::Launch(
    const LaunchSpec& spec, ProcessCallbacks callbacks) {
  auto state = std::make_shared<Child>(io_);
  state->callbacks = std::move(callbacks);

  // The whole environment, handed to execve as is (Boost's environment class reads past the
  // end of its entries under AddressSanitizer, so it is not used).
  std::vector<char*> envp;
  envp.reserve(spec.env.size() + 1);
  for (const std::string& entry : spec.env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  auto set_env = bp::extend::on_setup([&envp](auto& exec) { exec.env = envp.data(); });

  const pid_t parent = ::getpid();
  // Runs in the child after fork, after the stdio redirections; only async-signal-safe calls.
  auto setup = bp::extend::on_exec_setup([parent](auto&) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    // Orphaned descendants (a setsid() grandchild whose parent exited) stay in the runtime's
    // tree, where KillProcessTree finds them.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (::getppid() != parent) ::_exit(127);
    // Every descriptor but stdio is closed at exec (CLOSE_RANGE_CLOEXEC), so no listener of thaw's
    // leaks into a function, while Boost's exec-error pipe still works.
    ::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);
    // thaw raises its own soft descriptor limit (it serves many instances); a function gets
    // Lambda's 1,024 back.
    struct rlimit files;
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur > kLambdaOpenFiles) {
      files.rlim_cur = kLambdaOpenFiles;
      ::setrlimit(RLIMIT_NOFILE, &files);
    }
  });

  std::error_code ec;
  bp::child child(bp::exe = spec.executable.string(), bp::args = spec.args,
                  bp::start_dir = spec.working_dir.string(),
                  bp::std_in<bp::null, bp::std_out> state->out, bp::std_err > state->err,
                  bp::error = ec, set_env, setup);
  if (ec || !child.valid()) {
    return absl::InternalError("cannot start " + spec.executable.string() + ": " +
                               (ec ? ec.message() : std::string("unknown error")));
  }
  state->pid = child.id();
  // Also from the parent, so the group exists before anyone signals it.
  ::setpgid(state->pid, state->pid);
  // Not yet waited for, so the pid is still this child's, even if it has exited already (then
  // the pidfd is readable at once). Without a watch it would never be reaped: it goes.
  const auto unwatched = [&](const std::string& why) {
    ::kill(-state->pid, SIGKILL);
    ::waitpid(state->pid, nullptr, 0);
    child.detach();
    return absl::InternalError("cannot watch " + spec.executable.string() + ": " + why);
  };
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, state->pid, 0));
  if (pidfd < 0)
    return unwatched(std::string("pidfd_open: ") + std::strerror(errno) + " (Linux 5.3 or later)");
  boost::system::error_code assign_error;
  state->exited.assign(pidfd, assign_error);
  if (assign_error) {
    ::close(pidfd);
    return unwatched(assign_error.message());
  }
  children_[state->pid] = state;
  ReadLoop(state, false);
  ReadLoop(state, true);
  WatchExit(state);
  return std::unique_ptr<RuntimeProcess>(new BoostRuntimeProcess(state, std::move(child)));
}

}  // namespace thaw
