#ifndef THAW_EMULATOR_CONTROL_LOG_SINK_H_
#define THAW_EMULATOR_CONTROL_LOG_SINK_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"

namespace thaw {

// Where function log lines go (runtime output and the platform's START/END/REPORT lines).
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Line(const std::string& function, int64_t instance, std::string_view line) = 0;
};

// Writes "[function:instance] line" to a stdio stream's descriptor, from a writer thread of its
// own: Line() never blocks on the reader, so a harness that stops reading thaw's output (a full
// pipe) cannot stop the I/O thread that calls it, which serves invokes.
//
// Lines wait in a buffer of at most `buffer_limit` bytes. A line that does not fit is dropped and
// counted, and the writer then says so in the output, after the lines written before the drop:
// "[thaw] N log lines dropped: ...". The ledger keeps the record of every invoke either way.
// A write error (EPIPE: the reader closed the pipe) ends the writing; later lines are dropped.
//
// Thread-safe. The destructor writes what is still buffered, waiting at most `flush_limit` for
// a reader that does not read (so it never holds up thaw's exit), then joins the writer.
class StreamLogSink : public LogSink {
 public:
  static constexpr size_t kDefaultBufferLimit = 4 * 1024 * 1024;
  static constexpr std::chrono::milliseconds kDefaultFlushLimit{1000};

  // `out` (borrowed) must outlive the sink; only its descriptor is used.
  explicit StreamLogSink(std::FILE* out, size_t buffer_limit = kDefaultBufferLimit,
                         std::chrono::milliseconds flush_limit = kDefaultFlushLimit);
  ~StreamLogSink() override;
  StreamLogSink(const StreamLogSink&) = delete;
  StreamLogSink& operator=(const StreamLogSink&) = delete;

  void Line(const std::string& function, int64_t instance, std::string_view line) override;
  // Text of thaw's own ("thaw: shutting down", the table of instances; a newline is added),
  // untagged, queued like the lines: a reader that stopped reading does not block the caller.
  // It fits whole in the buffer or is dropped whole (counted as one line).
  void Text(std::string_view line);

  // Lines dropped so far (buffer full or output closed).
  uint64_t dropped() const;

 private:
  void Enqueue(std::string out);
  void Run();
  // Writes `data` whole unless the output fails or, once stopping, the flush deadline passes.
  bool WriteAll(std::string_view data);

  const int fd_;
  const size_t buffer_limit_;
  const std::chrono::milliseconds flush_limit_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::string pending_ ABSL_GUARDED_BY(mu_);
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  // Dropped since the last note.
  uint64_t unreported_ ABSL_GUARDED_BY(mu_) = 0;
  bool failed_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> stopping_ = false;
  std::chrono::steady_clock::time_point flush_deadline_;  // set before stopping_
  std::thread writer_;
};

// Discards everything (`--quiet`).
class NullLogSink : public LogSink {
 public:
  void Line(const std::string&, int64_t, std::string_view) override {}
};

}  // namespace thaw

#endif  // THAW_EMULATOR_CONTROL_LOG_SINK_H_
