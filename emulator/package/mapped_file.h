#ifndef THAW_EMULATOR_PACKAGE_MAPPED_FILE_H_
#define THAW_EMULATOR_PACKAGE_MAPPED_FILE_H_

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string_view>

namespace thaw::package {

// A file mapped read-only for inspection. Its pages come from the page cache and leave the
// process at unmap; reading a program into a string instead would keep up to its size (node:
// about 100 MB) in the allocator after the inspection. Move-only; not thread-safe.
class MappedFile {
 public:
  // Nullopt when the file cannot be opened or mapped (an empty file maps to empty bytes).
  static std::optional<MappedFile> Open(const std::filesystem::path& path);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  // Valid while this object lives.
  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }

 private:
  MappedFile(void* data, size_t size) : data_(data), size_(size) {}
  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace thaw::package

#endif  // THAW_EMULATOR_PACKAGE_MAPPED_FILE_H_
