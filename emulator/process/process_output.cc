#include "emulator/process/process_output.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace thaw {

namespace {

constexpr size_t kMaxLine = 256 * 1024;

}  // namespace

void LineSplitter::Append(const char* data, size_t n, const Emit& emit) {
  partial_.append(data, n);
  size_t start = 0;
  while (true) {
    const size_t nl = partial_.find('\n', start);
    if (nl == std::string::npos) break;
    emit(std::string_view(partial_).substr(start, nl - start));
    start = nl + 1;
  }
  partial_.erase(0, start);
  if (partial_.size() > kMaxLine) {
    emit(partial_);
    partial_.clear();
  }
}

void LineSplitter::Flush(const Emit& emit) {
  if (!partial_.empty()) emit(partial_);
  partial_.clear();
}

void DrainPipesNow(int out_fd, int err_fd,
                   const std::function<void(bool, const char*, size_t)>& on_bytes) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};  // poll skips a negative fd
  int ready;
  while ((ready = ::poll(fds, 2, 0)) < 0 && errno == EINTR) {
  }
  if (ready <= 0) return;
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd < 0 || fds[i].revents == 0) continue;
    char buf[16 * 1024];
    while (true) {
      const ssize_t n = ::read(fds[i].fd, buf, sizeof(buf));
      if (n <= 0) break;
      on_bytes(i == 1, buf, static_cast<size_t>(n));
      // A pipe's read returns all it holds up to the size asked: a short one emptied it.
      if (static_cast<size_t>(n) < sizeof(buf)) break;
    }
  }
}

PeakRss::PeakRss(int pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  status_fd_ = ::open((proc + "/status").c_str(), O_RDONLY | O_CLOEXEC);
  statm_fd_ = ::open((proc + "/statm").c_str(), O_RDONLY | O_CLOEXEC);
}

PeakRss::~PeakRss() {
  if (status_fd_ >= 0) ::close(status_fd_);
  if (statm_fd_ >= 0) ::close(statm_fd_);
}

long PeakRss::ReadKb() {
  if (statm_fd_ >= 0) {
    char buf[128];
    const ssize_t n = ::pread(statm_fd_, buf, sizeof(buf) - 1, 0);
    if (n > 0) {
      buf[n] = '\0';
      char* end = nullptr;
      std::strtol(buf, &end, 10);  // size
      const long resident_pages = std::strtol(end, nullptr, 10);
      peak_kb_ = std::max(peak_kb_, resident_pages * (::sysconf(_SC_PAGESIZE) / 1024));
    }
  }
  const auto now = std::chrono::steady_clock::now();
  if (status_fd_ >= 0 && now - last_status_read_ >= std::chrono::seconds(1)) {
    last_status_read_ = now;
    char buf[4096];
    const ssize_t n = ::pread(status_fd_, buf, sizeof(buf) - 1, 0);
    if (n > 0) {
      buf[n] = '\0';
      if (const char* p = std::strstr(buf, "VmHWM:")) {
        peak_kb_ = std::max(peak_kb_, std::strtol(p + 6, nullptr, 10));
      }
    }
  }
  return peak_kb_;
}

}  // namespace thaw
