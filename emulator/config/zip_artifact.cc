#include "emulator/config/zip_artifact.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "core/status_macros.h"

namespace thaw {
namespace {

namespace fs = std::filesystem;

std::string Megabytes(uint64_t bytes) {
  if (bytes < 1024 * 1024) return std::to_string(bytes) + " bytes";
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f MB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return text;
}

absl::StatusOr<std::string> Sha256OfFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(path.string() + ": cannot read the zip file");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return absl::InternalError("SHA-256 is not available");
  }
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buffer.data(), in.gcount());
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &size);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

// The entry's path inside the package, or why it may not be unpacked.
absl::StatusOr<fs::path> SafeEntryPath(const fs::path& zip, const std::string& name) {
  const fs::path entry(name);
  if (name.find('\\') != std::string::npos) {
    return absl::InvalidArgumentError(zip.string() + ": the entry '" + name +
                                      "' has a backslash in its path (a Windows path?); Lambda "
                                      "packages use '/'; refusing to unpack it");
  }
  bool escapes = name.empty() || entry.is_absolute();
  for (const auto& part : entry) escapes = escapes || part == "..";
  if (escapes) {
    return absl::InvalidArgumentError(zip.string() + ": the entry '" + name +
                                      "' points outside the code directory (an absolute path or "
                                      "'..'); refusing to unpack it");
  }
  return entry.lexically_normal();
}

struct ZipCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

// Unpacks every entry of `archive` under `root` (which exists and is empty).
absl::Status UnpackInto(zip_t* archive, const fs::path& zip, const fs::path& root) {
  const zip_int64_t count = zip_get_num_entries(archive, 0);
  std::vector<char> buffer(1 << 16);
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(archive, i, 0, &stat) != 0 || !(stat.valid & ZIP_STAT_NAME)) {
      return absl::InvalidArgumentError(zip.string() + ": cannot read entry " + std::to_string(i) +
                                        ": " + zip_strerror(archive));
    }
    const std::string name = stat.name;
    ASSIGN_OR_RETURN(auto relative, SafeEntryPath(zip, name));
    const fs::path target = root / relative;
    zip_uint8_t opsys = 0;
    zip_uint32_t attributes = 0;
    mode_t mode = 0;
    if (zip_file_get_external_attributes(archive, i, 0, &opsys, &attributes) == 0 &&
        opsys == ZIP_OPSYS_UNIX) {
      mode = static_cast<mode_t>(attributes >> 16);
    }
    std::error_code ec;
    if (name.back() == '/' || S_ISDIR(mode)) {
      fs::create_directories(target, ec);
      if (ec) return absl::InternalError(target.string() + ": " + ec.message());
      continue;
    }
    fs::create_directories(target.parent_path(), ec);
    if (ec) return absl::InternalError(target.parent_path().string() + ": " + ec.message());
    std::unique_ptr<zip_file_t, ZipFileCloser> file(zip_fopen_index(archive, i, 0));
    if (!file) {
      return absl::InvalidArgumentError(zip.string() + ": cannot read the entry '" + name +
                                        "': " + zip_strerror(archive));
    }
    std::string content;
    if (S_ISLNK(mode)) {
      zip_int64_t n;
      while ((n = zip_fread(file.get(), buffer.data(), buffer.size())) > 0)
        content.append(buffer.data(), n);
      const fs::path link_target(content);
      const fs::path resolved = (relative.parent_path() / link_target).lexically_normal();
      if (link_target.is_absolute() || resolved.empty() || *resolved.begin() == "..") {
        return absl::InvalidArgumentError(zip.string() + ": the symbolic link '" + name +
                                          "' points outside the code directory (to '" + content +
                                          "'); refusing to unpack it");
      }
      fs::create_symlink(link_target, target, ec);
      if (ec) return absl::InternalError(target.string() + ": " + ec.message());
      continue;
    }
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    if (!out) return absl::InternalError(target.string() + ": cannot write: " + strerror(errno));
    zip_int64_t n;
    while ((n = zip_fread(file.get(), buffer.data(), buffer.size())) > 0) {
      out.write(buffer.data(), n);
    }
    if (n < 0) {
      return absl::InvalidArgumentError(zip.string() + ": the entry '" + name +
                                        "' is damaged: " + zip_file_strerror(file.get()));
    }
    out.close();
    if (!out) return absl::InternalError(target.string() + ": cannot write");
    // The executable bits are kept (a custom runtime's `bootstrap`); the rest is the owner's.
    const mode_t perms = mode != 0 ? ((mode & 0111) ? 0755 : 0644) : 0644;
    if (::chmod(target.c_str(), perms) != 0) {
      return absl::InternalError(target.string() + ": chmod: " + strerror(errno));
    }
  }
  return absl::OkStatus();
}

}  // namespace

fs::path DefaultArtifactCache() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/') {
    return fs::path(xdg) / "thaw" / "artifacts";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] != '\0') {
    return fs::path(home) / ".cache" / "thaw" / "artifacts";
  }
  return fs::temp_directory_path() / "thaw-artifacts";
}

bool IsZipArtifact(const fs::path& path) {
  std::string extension = path.extension().string();
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::error_code ec;
  return extension == ".zip" && fs::is_regular_file(path, ec);
}

absl::StatusOr<UnpackedArtifact> UnpackZipArtifact(const fs::path& zip, const fs::path& cache,
                                                   const PackageLimits& limits) {
  ASSIGN_OR_RETURN(auto sha, Sha256OfFile(zip));
  int error = 0;
  std::unique_ptr<zip_t, ZipCloser> archive(zip_open(zip.c_str(), ZIP_RDONLY, &error));
  if (!archive) {
    zip_error_t why;
    zip_error_init_with_code(&why, error);
    std::string message = zip.string() + ": not a readable zip file: " + zip_error_strerror(&why);
    zip_error_fini(&why);
    return absl::InvalidArgumentError(message);
  }

  UnpackedArtifact out;
  out.dir = cache / sha;
  std::error_code ec;
  const uint64_t zipped = fs::file_size(zip, ec);
  uint64_t unzipped = 0;
  const zip_int64_t count = zip_get_num_entries(archive.get(), 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t stat;
    if (zip_stat_index(archive.get(), i, 0, &stat) == 0 && (stat.valid & ZIP_STAT_SIZE)) {
      unzipped += stat.size;
    }
  }
  if (zipped > limits.zipped_bytes) {
    out.limit_problems.push_back("the package is " + Megabytes(zipped) + " zipped, over the " +
                                 Megabytes(limits.zipped_bytes) +
                                 " Lambda takes in a direct upload: deploying it that way fails");
  }
  if (unzipped > limits.unzipped_bytes) {
    out.limit_problems.push_back("the package is " + Megabytes(unzipped) + " unzipped, over the " +
                                 Megabytes(limits.unzipped_bytes) +
                                 " Lambda allows (layers included): deploying it fails");
  }
  if (fs::is_directory(out.dir, ec)) return out;

  fs::create_directories(cache, ec);
  if (ec) return absl::InternalError(cache.string() + ": cannot create the cache: " + ec.message());
  std::string pattern = (cache / (".tmp-" + sha + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(cache.string() + ": mkdtemp: " + strerror(errno));
  }
  const fs::path temp = pattern;
  ::chmod(temp.c_str(), 0755);
  if (absl::Status status = UnpackInto(archive.get(), zip, temp); !status.ok()) {
    fs::remove_all(temp, ec);
    return status;
  }
  if (::rename(temp.c_str(), out.dir.c_str()) != 0) {
    const int why = errno;
    fs::remove_all(temp, ec);
    // Another thaw unpacked the same zip first: use its directory.
    if ((why == EEXIST || why == ENOTEMPTY) && fs::is_directory(out.dir, ec)) return out;
    return absl::InternalError(out.dir.string() + ": rename: " + strerror(why));
  }
  return out;
}

}  // namespace thaw
