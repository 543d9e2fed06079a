#include "emulator/vtime/clock_offset_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include "emulator/vtime/clock_offset_abi.h"

namespace thaw {

namespace {

absl::Status Errno(const std::string& step) {
  return absl::InternalError("clock offset file: " + step + ": " + std::strerror(errno));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ClockOffsetFile>> ClockOffsetFile::Create(
    const std::filesystem::path& dir) {
  std::error_code ec;
  const std::filesystem::path base = dir.empty() ? std::filesystem::temp_directory_path(ec) : dir;
  if (ec) return absl::InternalError("clock offset file: no temporary directory: " + ec.message());
  std::string name = (base / "thaw-clock-XXXXXX").string();
  std::vector<char> buffer(name.begin(), name.end());
  buffer.push_back('\0');
  const int fd = ::mkostemp(buffer.data(), O_CLOEXEC);
  if (fd < 0) return Errno("create in " + base.string());
  const std::filesystem::path path(buffer.data());
  if (::ftruncate(fd, vtime::kOffsetFileSize) != 0) {
    absl::Status status = Errno("size " + path.string());
    ::close(fd);
    ::unlink(path.c_str());
    return status;
  }
  void* map = ::mmap(nullptr, vtime::kOffsetFileSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  const int map_errno = errno;
  ::close(fd);
  if (map == MAP_FAILED) {
    errno = map_errno;
    absl::Status status = Errno("map " + path.string());
    ::unlink(path.c_str());
    return status;
  }
  // ftruncate filled it with zeros: offset zero.
  return std::unique_ptr<ClockOffsetFile>(new ClockOffsetFile(path, static_cast<int64_t*>(map)));
}

ClockOffsetFile::ClockOffsetFile(std::filesystem::path path, int64_t* word)
    : path_(std::move(path)), word_(word) {}

ClockOffsetFile::~ClockOffsetFile() {
  ::munmap(word_, vtime::kOffsetFileSize);
  ::unlink(path_.c_str());
}

void ClockOffsetFile::Set(std::chrono::nanoseconds offset) {
  const int64_t nanos = offset.count() < 0 ? 0 : offset.count();
  __atomic_store_n(word_, nanos, __ATOMIC_RELEASE);
}

std::chrono::nanoseconds ClockOffsetFile::offset() const {
  return std::chrono::nanoseconds(__atomic_load_n(word_, __ATOMIC_ACQUIRE));
}

}  // namespace thaw
