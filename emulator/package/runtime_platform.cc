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

}  // namespace thaw::package
