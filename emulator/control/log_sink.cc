#include "emulator/control/log_sink.h"

namespace thaw {

void StreamLogSink::Line(const std::string& function, int64_t instance, std::string_view line) {
  std::string out;
  out.reserve(line.size() + function.size() + 16);
  out += '[';
  out += function;
  out += ':';
  out += std::to_string(instance);
  out += "] ";
  out += line;
  out += '\n';
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(out.data(), 1, out.size(), out_);
  std::fflush(out_);
}

}  // namespace thaw
