#ifndef THAW_EMULATOR_VTIME_VIRTUAL_CLOCK_H_
#define THAW_EMULATOR_VTIME_VIRTUAL_CLOCK_H_

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "core/ledger.h"
#include "core/scheduler_clock.h"
#include "emulator/config/thaw_config.h"
#include "emulator/vtime/clock_offset_file.h"

namespace thaw {

// The clocks the instances see: real time plus the scheduler clock's total advance
// (settings.virtual_time, per function too). It keeps a ClockOffsetFile equal to the scheduler
// clock's offset (a listener: every Advance rewrites it before the next event can reach an
// instance) and says what an instance of a function needs to see it: LD_PRELOAD naming thaw's
// clock preload (clock_preload.cc) and the variable naming the file.
// Durations thaw reports are measured in thaw, which the preload is never loaded into: they stay
// real. Thread-safe. Must not outlive `clock`.
class VirtualClock {
 public:
  // Null when no function has virtual time. When the preload or the file cannot be had, says why
  // on stderr and returns null: the instances then read real time, as with virtual_time: false.
  static std::unique_ptr<VirtualClock> Create(SchedulerClock& clock, const ThawConfig& config,
                                              Ledger& ledger);
  ~VirtualClock();
  VirtualClock(const VirtualClock&) = delete;
  VirtualClock& operator=(const VirtualClock&) = delete;

  // The variables an instance of `function` gets for its clocks (none when its virtual time is
  // off): LD_PRELOAD (thaw's preload first, then the function's own LD_PRELOAD, if any) and
  // _THAW_CLOCK_OFFSET_FILE. The first call for a function whose program the preload cannot reach
  // (statically linked, or Go, which reads the clock itself) notes it on stderr and as a
  // `clock.not_virtual` event of `instance`: its clocks stay real.
  std::map<std::string, std::string> EnvironmentFor(const FunctionConfig& function,
                                                    int64_t instance);
  // How far `function`'s clocks are ahead of real time: the scheduler clock's offset, or zero
  // when its virtual time is off.
  std::chrono::nanoseconds OffsetFor(const FunctionConfig& function) const;

  const std::filesystem::path& offset_file() const { return file_->path(); }
  const std::filesystem::path& preload() const { return preload_; }

 private:
  VirtualClock(SchedulerClock& clock, const Settings& settings, Ledger& ledger,
               std::unique_ptr<ClockOffsetFile> file, std::filesystem::path preload);

  SchedulerClock& clock_;
  const Settings& settings_;
  Ledger& ledger_;
  const std::unique_ptr<ClockOffsetFile> file_;
  const std::filesystem::path preload_;
  int listener_ = 0;
  std::mutex mu_;
  // Functions whose program was inspected, so it is noted once.
  std::set<std::string> inspected_ ABSL_GUARDED_BY(mu_);
  // The functions whose program links AddressSanitizer's runtime (see NeedsAsanFirst).
  std::set<std::string> asan_ ABSL_GUARDED_BY(mu_);
};

// Why the preload cannot reach the program `executable` (after a `#!` line, its interpreter):
// "statically linked" or "a Go program (Go reads the clock without libc)"; empty when it can, or
// when the file cannot be read (nothing is claimed then). Reads the file; thread-safe.
std::optional<std::string> ClockPreloadBypass(const std::filesystem::path& executable);

}  // namespace thaw

#endif  // THAW_EMULATOR_VTIME_VIRTUAL_CLOCK_H_
