#ifndef THAW_EMULATOR_VTIME_CLOCK_OFFSET_ABI_H_
#define THAW_EMULATOR_VTIME_CLOCK_OFFSET_ABI_H_

// What thaw and its clock preload (clock_preload.cc, loaded into every runtime process) agree
// on. Plain C++ with no dependency, so the preload can include it without pulling in thaw.
//
// The offset file: one per run, written only by thaw (ClockOffsetFile), mapped read-only by
// every instance. Its first 8 bytes are a signed 64-bit count of nanoseconds in host byte order,
// naturally aligned, stored and loaded atomically: the total the scheduler clock has been
// advanced by. The file never shrinks, so a mapping stays valid as long as the process lives.

#include <cstdint>

namespace thaw::vtime {

// The variable naming the offset file in an instance's environment. Underscored like Lambda's own
// internal variables (_HANDLER, _X_AMZN_TRACE_ID), and not THAW_*: those are thaw's service
// endpoints, which a sandboxed instance never sees (instance_environment.h).
inline constexpr char kOffsetFileEnv[] = "_THAW_CLOCK_OFFSET_FILE";
// Size of the offset file (one page: the smallest thing mmap maps).
inline constexpr int64_t kOffsetFileSize = 4096;

}  // namespace thaw::vtime

#endif  // THAW_EMULATOR_VTIME_CLOCK_OFFSET_ABI_H_
