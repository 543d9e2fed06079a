#ifndef THAW_EMULATOR_CONTROL_LOG_SINK_H_
#define THAW_EMULATOR_CONTROL_LOG_SINK_H_

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace thaw {

// Where function log lines go (runtime output and the platform's START/END/REPORT lines).
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Line(const std::string& function, int64_t instance, std::string_view line) = 0;
};

// Writes "[function:instance] line" to a stdio stream, one write per line. Thread-safe.
class StreamLogSink : public LogSink {
 public:
  explicit StreamLogSink(std::FILE* out) : out_(out) {}
  void Line(const std::string& function, int64_t instance, std::string_view line) override;

 private:
  std::mutex mu_;
  std::FILE* out_;
};

// Discards everything (`--quiet`).
class NullLogSink : public LogSink {
 public:
  void Line(const std::string&, int64_t, std::string_view) override {}
};

}  // namespace thaw

#endif  // THAW_EMULATOR_CONTROL_LOG_SINK_H_
