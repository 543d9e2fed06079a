#ifndef THAW_EMULATOR_VTIME_CLOCK_OFFSET_FILE_H_
#define THAW_EMULATOR_VTIME_CLOCK_OFFSET_FILE_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>

#include "absl/status/statusor.h"

namespace thaw {

// The file through which thaw tells every instance how far its clocks are advanced: the total
// of every `advance` so far, read by the clock preload (clock_preload.cc) in each runtime
// process (format: clock_offset_abi.h). One per run, shared by all instances: an advance moves
// every instance's clocks at once, frozen or not, and an instance started later starts there.
//
// The file is a fresh, private temporary (mode 0600, thaw's user; a sandboxed instance runs as
// that user mapped to root and sees the host's file system, so it can read it). Set() stores the
// offset through thaw's own shared mapping, an aligned 64-bit atomic store, so a reader sees the
// old value or the new one, never a torn one, and no process has to reopen anything.
// The destructor removes the file (mappings in live instances stay valid until they exit).
// Thread-safe.
class ClockOffsetFile {
 public:
  // Creates the file, offset zero, in `dir` (the system's temporary directory when empty).
  // Internal with the failing step when it cannot be made or mapped.
  static absl::StatusOr<std::unique_ptr<ClockOffsetFile>> Create(
      const std::filesystem::path& dir = {});
  ~ClockOffsetFile();
  ClockOffsetFile(const ClockOffsetFile&) = delete;
  ClockOffsetFile& operator=(const ClockOffsetFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Stores the offset every instance's clocks read (negative values are stored as zero: time
  // never goes back).
  void Set(std::chrono::nanoseconds offset);
  std::chrono::nanoseconds offset() const;

 private:
  ClockOffsetFile(std::filesystem::path path, int64_t* word);

  const std::filesystem::path path_;
  int64_t* const word_;  // thaw's read-write mapping of the file's first 8 bytes
};

}  // namespace thaw

#endif  // THAW_EMULATOR_VTIME_CLOCK_OFFSET_FILE_H_
