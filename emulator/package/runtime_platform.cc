#include "emulator/package/runtime_platform.h"

namespace thaw::package {
namespace {

constexpr std::string_view kAl1 = "Amazon Linux 2018.03";
constexpr std::string_view kAl2 = "Amazon Linux 2";
constexpr std::string_view kAl2023 = "Amazon Linux 2023";
// glibc of each OS: 2.17 on Amazon Linux 2018.03, 2.26 on Amazon Linux 2, 2.34 on AL2023.
constexpr int kAl1Glibc = 17;
constexpr int kAl2Glibc = 26;
constexpr int kAl2023Glibc = 34;

}  // namespace

const std::vector<RuntimePlatform>& RuntimePlatforms() {
  // NODE_MODULE_VERSION: Node 18 = 108, 20 = 115, 22 = 127 (node's src/node_version.h).
  static const std::vector<RuntimePlatform> kTable = {
      {"nodejs18.x", kAl2, kAl2Glibc, 18, 108, 0},
      {"nodejs20.x", kAl2023, kAl2023Glibc, 20, 115, 0},
      {"nodejs22.x", kAl2023, kAl2023Glibc, 22, 127, 0},
      {"python3.9", kAl2, kAl2Glibc, 0, 0, 9},
      {"python3.10", kAl2, kAl2Glibc, 0, 0, 10},
      {"python3.11", kAl2, kAl2Glibc, 0, 0, 11},
      {"python3.12", kAl2023, kAl2023Glibc, 0, 0, 12},
      {"python3.13", kAl2023, kAl2023Glibc, 0, 0, 13},
      {"java8.al2", kAl2, kAl2Glibc, 0, 0, 0},
      {"java11", kAl2, kAl2Glibc, 0, 0, 0},
      {"java17", kAl2, kAl2Glibc, 0, 0, 0},
      {"java21", kAl2023, kAl2023Glibc, 0, 0, 0},
      {"provided", kAl1, kAl1Glibc, 0, 0, 0},
      {"provided.al2", kAl2, kAl2Glibc, 0, 0, 0},
      {"provided.al2023", kAl2023, kAl2023Glibc, 0, 0, 0},
  };
  return kTable;
}

const RuntimePlatform* FindRuntimePlatform(std::string_view runtime) {
  for (const RuntimePlatform& p : RuntimePlatforms()) {
    if (p.runtime == runtime) return &p;
  }
  return nullptr;
}

std::string GlibcText(int minor) { return "glibc 2." + std::to_string(minor); }

const OsLibraries* FindOsLibraries(std::string_view os) {
  // libstdc++: Amazon Linux 2 ships GCC 7's (7.3: GLIBCXX_3.4.24, CXXABI_1.3.11), AL2023 GCC
  // 11's (GLIBCXX_3.4.29, CXXABI_1.3.13). The versions per GCC release are those of the
  // libstdc++ manual's "ABI Policy and Guidelines" (doc/xml/manual/abi.xml). That AL2 Lambda
  // stops at 3.4.24 and AL2023 Lambda at 3.4.29 is what users report from the loader
  // ("GLIBCXX_3.4.26' not found", "GLIBCXX_3.4.30' not found": aws/aws-lambda-base-images#87,
  // duckdb/duckdb-node-neo#302). AL2023 images updated since 2025 carry GCC 14's runtime
  // libraries (amazonlinux/container-images#132); Lambda's AL2023 is held to the release's.
  //
  // Sonames: glibc's libraries, the GCC runtime (libgcc_s, libstdc++), zlib and the OS's
  // OpenSSL (1.0.2 on AL2: .so.10; 3 on AL2023) are in every Lambda image; AL2's glibc still
  // has libcrypt.so.1, AL2023's libxcrypt libcrypt.so.2.
  //
  // Libraries Amazon Linux's base images carry in practice (curl, krb5, libffi, expat, ...),
  // but which thaw does not promise for every runtime's image, or not at the version needed.
  static const std::vector<std::string_view> kMaybe = {
      "libffi.so.",          "libexpat.so.",    "liblzma.so.",
      "libbz2.so.",          "libsqlite3.so.",  "libcurl.so.",
      "libnghttp2.so.",      "libidn2.so.",     "libssh2.so.",
      "libuuid.so.",         "libtinfo.so.",    "libncursesw.so.",
      "libreadline.so.",     "libgmp.so.",      "libpcre",
      "libselinux.so.",      "libcap.so.",      "libkrb5.so.",
      "libgssapi_krb5.so.",  "libk5crypto.so.", "libkrb5support.so.",
      "libcom_err.so.",      "libkeyutils.so.", "libgomp.so.",
      "libatomic.so.",       "libanl.so.",      "libnsl.so.",
      "libBrokenLocale.so.", "libcrypt.so.",    "libcrypto.so.",
      "libssl.so.",          "libzstd.so.",     "libpsl.so.",
      "libunistring.so."};
  static const std::vector<OsLibraries> kTable = {
      {kAl2,
       7,
       24,
       11,
       {"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libresolv.so.2",
        "libutil.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "libcrypt.so.1",
        "libgcc_s.so.1", "libstdc++.so.6", "libz.so.1", "libcrypto.so.10", "libssl.so.10"},
       kMaybe},
      {kAl2023,
       11,
       29,
       13,
       {"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libresolv.so.2",
        "libutil.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "libcrypt.so.2",
        "libgcc_s.so.1", "libstdc++.so.6", "libz.so.1", "libcrypto.so.3", "libssl.so.3"},
       kMaybe},
  };
  for (const OsLibraries& libs : kTable) {
    if (libs.os == os) return &libs;
  }
  return nullptr;
}

std::string GccOfGlibcxx(int patch) {
  // The libstdc++ manual's "ABI Policy and Guidelines": the first GCC release defining each.
  switch (patch) {
    case 23:
      return "GCC 7.1";
    case 24:
      return "GCC 7.2";
    case 25:
      return "GCC 8";
    case 26:
      return "GCC 9.1";
    case 27:
      return "GCC 9.2";
    case 28:
      return "GCC 9.3 or 10";
    case 29:
      return "GCC 11";
    case 30:
      return "GCC 12";
    case 31:
      return "GCC 13.1";
    case 32:
      return "GCC 13.2";
    case 33:
      return "GCC 14";
    default:
      return "";
  }
}

}  // namespace thaw::package
