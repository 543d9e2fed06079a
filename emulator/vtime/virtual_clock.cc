#include "emulator/vtime/virtual_clock.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include "core/event_kinds.h"
#include "emulator/package/binary_inspector.h"
#include "emulator/package/mapped_file.h"
#include "emulator/vtime/clock_offset_abi.h"
#include "emulator/vtime/clock_preload_path.h"

namespace thaw {

namespace {

// Go's build-info magic, at the start of its .go.buildinfo section in every Go binary since 1.13.
constexpr std::string_view kGoBuildInfoMagic = "\xff Go buildinf:";

}  // namespace

std::optional<std::string> ClockPreloadBypass(const std::filesystem::path& executable) {
  // Mapped, not read: the program may be node itself (about 100 MB).
  std::optional<package::MappedFile> file = package::MappedFile::Open(executable);
  if (!file) return std::nullopt;
  if (file->bytes().starts_with("#!")) {
    // A script: what runs it is what reads the clock. `#!/usr/bin/env node` names a dynamically
    // linked env, which execs its argument from PATH: not judged here.
    const std::string_view text = file->bytes();
    std::istringstream line(std::string(text.substr(2, text.find('\n') - 2)));
    std::string interpreter;
    line >> interpreter;
    if (interpreter.empty() || interpreter.ends_with("/env")) return std::nullopt;
    file = package::MappedFile::Open(interpreter);
    if (!file) return std::nullopt;
  }
  const std::string_view bytes = file->bytes();
  if (!package::IsElfMagic(bytes)) return std::nullopt;
  if (bytes.find(kGoBuildInfoMagic) != std::string_view::npos) {
    return "a Go program (Go reads the clock through the vDSO, not libc)";
  }
  absl::StatusOr<package::BinaryInfo> info = package::InspectBinary(bytes);
  if (!info.ok()) return std::nullopt;
  if (info->elf_type == 2 /* ET_EXEC */ && info->interpreter.empty()) {
    return "statically linked (no dynamic loader reads LD_PRELOAD)";
  }
  if (info->elf_type == 3 /* ET_DYN */ && info->interpreter.empty() && info->needed.empty()) {
    return "statically linked (static-pie: no dynamic loader reads LD_PRELOAD)";
  }
  return std::nullopt;
}

namespace {

// Whether `executable` links AddressSanitizer's runtime, which refuses to start unless it comes
// first in the library list: with the clock preload ahead of it, it must be told not to check.
bool NeedsAsanFirst(const std::filesystem::path& executable) {
  std::optional<package::MappedFile> file = package::MappedFile::Open(executable);
  if (!file || !package::IsElfMagic(file->bytes())) return false;
  absl::StatusOr<package::BinaryInfo> info = package::InspectBinary(file->bytes());
  if (!info.ok()) return false;
  for (const std::string& needed : info->needed) {
    if (needed.starts_with("libasan.so")) return true;
  }
  return false;
}

}  // namespace

std::unique_ptr<VirtualClock> VirtualClock::Create(SchedulerClock& clock, const ThawConfig& config,
                                                   Ledger& ledger) {
  bool wanted = false;
  for (const auto& [name, fn] : config.functions) wanted |= VirtualTimeOf(fn, config.settings);
  if (!wanted) return nullptr;
  absl::StatusOr<std::filesystem::path> preload = FindClockPreload();
  if (!preload.ok()) {
    std::fprintf(stderr, "thaw: virtual time is off: %s\n",
                 std::string(preload.status().message()).c_str());
    return nullptr;
  }
  absl::StatusOr<std::unique_ptr<ClockOffsetFile>> file = ClockOffsetFile::Create();
  if (!file.ok()) {
    std::fprintf(stderr, "thaw: virtual time is off: %s\n",
                 std::string(file.status().message()).c_str());
    return nullptr;
  }
  return std::unique_ptr<VirtualClock>(
      new VirtualClock(clock, config.settings, ledger, *std::move(file), *std::move(preload)));
}

VirtualClock::VirtualClock(SchedulerClock& clock, const Settings& settings, Ledger& ledger,
                           std::unique_ptr<ClockOffsetFile> file, std::filesystem::path preload)
    : clock_(clock),
      settings_(settings),
      ledger_(ledger),
      file_(std::move(file)),
      preload_(std::move(preload)) {
  file_->Set(clock_.offset());
  // Every advance, whoever makes it, before the advancing call returns.
  listener_ = clock_.AddListener([this](SchedulerClock::Duration) { file_->Set(clock_.offset()); });
}

VirtualClock::~VirtualClock() { clock_.RemoveListener(listener_); }

std::map<std::string, std::string> VirtualClock::EnvironmentFor(const FunctionConfig& function,
                                                                int64_t instance) {
  if (!VirtualTimeOf(function, settings_)) return {};
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    first = inspected_.insert(function.name).second;
  }
  if (first && NeedsAsanFirst(function.executable)) {
    std::lock_guard<std::mutex> lock(mu_);
    asan_.insert(function.name);
  }
  if (first) {
    if (std::optional<std::string> bypass = ClockPreloadBypass(function.executable)) {
      std::fprintf(stderr,
                   "thaw: %s: its program %s is %s; its clocks stay real time after `advance` "
                   "(virtual time cannot reach it)\n",
                   function.name.c_str(), function.executable.string().c_str(), bypass->c_str());
      ledger_.Append(instance, function.name, kinds::kClockNotVirtual,
                     {{"reason", *bypass}, {"executable", function.executable.string()}});
    }
  }
  std::string preload = preload_.string();
  if (const auto it = function.environment.find("LD_PRELOAD"); it != function.environment.end()) {
    if (!it->second.empty()) preload += ":" + it->second;
  }
  std::map<std::string, std::string> env = {{"LD_PRELOAD", preload},
                                            {vtime::kOffsetFileEnv, file_->path().string()}};
  bool asan = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    asan = asan_.count(function.name) > 0;
  }
  if (asan) {
    std::string options = "verify_asan_link_order=0";
    if (const auto it = function.environment.find("ASAN_OPTIONS");
        it != function.environment.end() && !it->second.empty()) {
      options = it->second + ":" + options;
    }
    env["ASAN_OPTIONS"] = options;
  }
  return env;
}

std::chrono::nanoseconds VirtualClock::OffsetFor(const FunctionConfig& function) const {
  if (!VirtualTimeOf(function, settings_)) return std::chrono::nanoseconds::zero();
  return file_->offset();
}

}  // namespace thaw
