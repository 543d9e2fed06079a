#include "emulator/process/process_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
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
