#include "tests/util/zip_writer.h"

#include <sys/stat.h>
#include <zip.h>

#include <cstdlib>
#include <cstring>

namespace thaw::testing {

absl::Status WriteZip(const std::filesystem::path& path, const std::vector<ZipEntry>& entries) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (archive == nullptr) {
    return absl::InternalError(path.string() + ": zip_open failed (" + std::to_string(error) + ")");
  }
  auto fail = [&](const std::string& what) {
    const std::string message = path.string() + ": " + what + ": " + zip_strerror(archive);
    zip_discard(archive);
    return absl::InternalError(message);
  };
  for (const ZipEntry& entry : entries) {
    const bool directory = !entry.name.empty() && entry.name.back() == '/';
    zip_int64_t index;
    if (directory) {
      index = zip_dir_add(archive, entry.name.c_str(), ZIP_FL_ENC_UTF_8);
    } else {
      // libzip reads the data at zip_close and frees it then (freep = 1).
      void* copy = std::malloc(entry.content.size() + 1);
      std::memcpy(copy, entry.content.data(), entry.content.size());
      zip_source_t* source = zip_source_buffer(archive, copy, entry.content.size(), 1);
      if (source == nullptr) {
        std::free(copy);
        return fail("zip_source_buffer");
      }
      index = zip_file_add(archive, entry.name.c_str(), source, ZIP_FL_ENC_UTF_8);
      if (index < 0) zip_source_free(source);
    }
    if (index < 0) return fail("cannot add " + entry.name);
    const mode_t type = directory ? S_IFDIR : S_IFREG;
    const mode_t mode = directory ? 0755 : entry.mode;
    if (zip_file_set_external_attributes(archive, index, 0, ZIP_OPSYS_UNIX,
                                         static_cast<zip_uint32_t>(type | mode) << 16) != 0) {
      return fail("cannot set the mode of " + entry.name);
    }
  }
  if (zip_close(archive) != 0) return fail("zip_close");
  return absl::OkStatus();
}

}  // namespace thaw::testing
