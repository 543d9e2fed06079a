#include "tests/util/proc_stats.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace thaw::testing {

long ReadRssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

double ReadCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::stringstream text;
  text << in.rdbuf();
  const std::string stat = text.str();
  // Fields after the command name, which is in parentheses and may hold spaces.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  long utime = 0;
  long stime = 0;
  // Field 3 (state) is the first after the name; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::strtol(field.c_str(), nullptr, 10);
    if (i == 15) stime = std::strtol(field.c_str(), nullptr, 10);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

namespace {

// Entries of a /proc directory, without "." and "..".
size_t CountEntries(const std::string& dir) {
  size_t n = 0;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* entry = ::readdir(d)) {
      if (entry->d_name[0] != '.') ++n;
    }
    ::closedir(d);
  }
  return n;
}

std::string ProcDir(pid_t pid) { return "/proc/" + std::to_string(pid); }

}  // namespace

size_t CountDescriptors(pid_t pid) { return CountEntries(ProcDir(pid) + "/fd"); }

size_t CountThreads(pid_t pid) { return CountEntries(ProcDir(pid) + "/task"); }

size_t CountChildren(pid_t pid) {
  size_t n = 0;
  const std::string tasks = ProcDir(pid) + "/task";
  if (DIR* dir = ::opendir(tasks.c_str())) {
    while (const dirent* task = ::readdir(dir)) {
      if (task->d_name[0] == '.') continue;
      std::ifstream children(tasks + "/" + task->d_name + "/children");
      int child;
      while (children >> child) ++n;
    }
    ::closedir(dir);
  }
  return n;
}

}  // namespace thaw::testing
