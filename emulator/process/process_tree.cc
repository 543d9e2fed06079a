#include "emulator/process/process_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <set>
#include <string>

namespace thaw {
namespace {

// The whole content of a small /proc file, "" when it cannot be read (the process is gone).
std::string ReadProc(const std::string& path) {
  std::string content;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return content;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof(buffer))) > 0) content.append(buffer, n);
  ::close(fd);
  return n < 0 ? std::string() : content;
}

// The children of `pid`, over all its threads (each thread's children are listed apart).
std::vector<pid_t> Children(pid_t pid) {
  std::vector<pid_t> out;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = ::opendir(tasks.c_str());
  if (dir == nullptr) return out;
  while (dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const std::string list = ReadProc(tasks + "/" + entry->d_name + "/children");
    char* cursor = const_cast<char*>(list.c_str());
    while (*cursor) {
      char* end = nullptr;
      const long child = std::strtol(cursor, &end, 10);
      if (end == cursor) break;
      if (child > 0) out.push_back(static_cast<pid_t>(child));
      cursor = end;
    }
  }
  ::closedir(dir);
  return out;
}

// The parent of `pid` from /proc/<pid>/stat (after the command's closing parenthesis), or -1.
pid_t ParentOf(pid_t pid) {
  const std::string stat = ReadProc("/proc/" + std::to_string(pid) + "/stat");
  const size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 4 >= stat.size()) return -1;
  // ") S 1234 ...": the state, then the parent.
  return static_cast<pid_t>(std::atol(stat.c_str() + close + 4));
}

}  // namespace

std::vector<pid_t> Descendants(pid_t root) {
  std::vector<pid_t> out;
  std::set<pid_t> seen = {root};
  std::vector<pid_t> frontier = {root};
  while (!frontier.empty()) {
    std::vector<pid_t> next;
    for (pid_t parent : frontier) {
      for (pid_t child : Children(parent)) {
        if (seen.insert(child).second) {
          out.push_back(child);
          next.push_back(child);
        }
      }
    }
    frontier = std::move(next);
  }
  return out;
}

int HoldDescendants(pid_t root, bool stop, std::map<pid_t, int>& held) {
  int added = 0;
  for (int round = 0; round < 8; ++round) {
    bool found_new = false;
    std::vector<pid_t> frontier = {root};
    std::set<pid_t> seen = {root};
    while (!frontier.empty()) {
      std::vector<pid_t> next;
      for (pid_t parent : frontier) {
        for (pid_t child : Children(parent)) {
          if (!seen.insert(child).second) continue;
          next.push_back(child);
          if (held.count(child)) continue;
          const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
          if (pidfd < 0) continue;          // gone already
          if (ParentOf(child) != parent) {  // the pid moved on between the two reads
            ::close(pidfd);
            continue;
          }
          held[child] = pidfd;
          found_new = true;
          ++added;
          if (stop) ::syscall(SYS_pidfd_send_signal, pidfd, SIGSTOP, nullptr, 0);
        }
      }
      frontier = std::move(next);
    }
    if (!found_new || !stop) break;
  }
  return added;
}

void SignalHeld(std::map<pid_t, int>& held, int signal, bool close) {
  for (const auto& [pid, pidfd] : held) {
    ::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0);
    if (close) ::close(pidfd);
  }
  if (close) held.clear();
}

void KillProcessTree(pid_t root, std::map<pid_t, int>& held) {
  HoldDescendants(root, /*stop=*/true, held);
  ::kill(-root, SIGKILL);
  ::kill(root, SIGKILL);
  SignalHeld(held, SIGKILL, /*close=*/true);
}

}  // namespace thaw
