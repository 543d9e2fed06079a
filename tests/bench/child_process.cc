#include "tests/bench/child_process.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

namespace thaw::bench {

using Clock = std::chrono::steady_clock;

std::unique_ptr<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv,
                                                  const std::string& stdout_path,
                                                  std::string* error) {
  if (argv.empty()) {
    *error = "no program to start";
    return nullptr;
  }
  const int out = ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int in = out < 0 ? -1 : ::open(stdout_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (out < 0 || in < 0) {
    *error = "cannot open " + stdout_path + ": " + std::strerror(errno);
    if (out >= 0) ::close(out);
    return nullptr;
  }
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    ::close(out);
    ::close(in);
    return nullptr;
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(out, STDOUT_FILENO);  // dup2 clears O_CLOEXEC on the copy
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, in));
}

ChildProcess::~ChildProcess() {
  if (!reaped_) Stop(std::chrono::milliseconds(2000));
  if (out_fd_ >= 0) ::close(out_fd_);
}

bool ChildProcess::WaitForLine(const std::string& needle, std::chrono::milliseconds timeout,
                               std::string* line, std::string* error) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    const size_t nl = pending_.find('\n');
    if (nl != std::string::npos) {
      std::string next = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      if (next.find(needle) != std::string::npos) {
        *line = next;
        return true;
      }
      continue;
    }
    char buf[4096];
    const ssize_t n = ::read(out_fd_, buf, sizeof(buf));
    if (n > 0) {
      pending_.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno != EINTR) {
      *error = std::string("read: ") + std::strerror(errno);
      return false;
    }
    int status = 0;
    if (!reaped_ && ::waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      *error = "the process exited (wait status " + std::to_string(status) + ") before printing '" +
               needle + "'";
      return false;
    }
    if (reaped_ || Clock::now() >= deadline) {
      *error = "no '" + needle + "' line within " + std::to_string(timeout.count()) + " ms";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

int ChildProcess::Stop(std::chrono::milliseconds grace) {
  if (reaped_) return 0;
  ::kill(pid_, SIGTERM);
  const Clock::time_point deadline = Clock::now() + grace;
  int status = 0;
  while (Clock::now() < deadline) {
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) {
      reaped_ = true;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  reaped_ = true;
  return -1;
}

bool SetAffinity(pid_t pid, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (cpu >= 0) {
    CPU_SET(cpu, &set);
  } else {
    const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
    for (long i = 0; i < cpus && i < CPU_SETSIZE; ++i) CPU_SET(i, &set);
  }
  if (pid == 0) return ::sched_setaffinity(0, sizeof(set), &set) == 0;
  bool ok = true;
  std::error_code ec;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    const pid_t tid = static_cast<pid_t>(std::strtol(task.path().filename().c_str(), nullptr, 10));
    if (tid > 0 && ::sched_setaffinity(tid, sizeof(set), &set) != 0) ok = false;
  }
  return ok && !ec;
}

uint16_t PortFromLine(const std::string& line) {
  const std::string marker = "http://127.0.0.1:";
  const size_t at = line.find(marker);
  if (at == std::string::npos) return 0;
  const long port = std::strtol(line.c_str() + at + marker.size(), nullptr, 10);
  return port > 0 && port < 65536 ? static_cast<uint16_t>(port) : 0;
}

}  // namespace thaw::bench
