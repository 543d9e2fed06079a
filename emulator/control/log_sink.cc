#include "emulator/control/log_sink.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace thaw {

namespace {

// A pipe reports room for at least this much when writable, so a write of it does not block.
constexpr size_t kWriteChunk = 4096;
// How often a writer waiting for room looks at whether it should give up.
constexpr int kPollMs = 100;

}  // namespace

StreamLogSink::StreamLogSink(std::FILE* out, size_t buffer_limit,
                             std::chrono::milliseconds flush_limit)
    : fd_(::fileno(out)), buffer_limit_(buffer_limit), flush_limit_(flush_limit) {
  // Whatever stdio holds goes out first, so the order of the stream is kept.
  std::fflush(out);
  writer_ = std::thread([this] { Run(); });
}

StreamLogSink::~StreamLogSink() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    flush_deadline_ = std::chrono::steady_clock::now() + flush_limit_;
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
}

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
  Enqueue(std::move(out));
}

void StreamLogSink::Text(std::string_view line) {
  std::string out(line);
  out += '\n';
  Enqueue(std::move(out));
}

void StreamLogSink::Enqueue(std::string out) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (failed_ || pending_.size() + out.size() > buffer_limit_) {
      ++dropped_;
      ++unreported_;
      return;
    }
    pending_ += out;
  }
  wake_.notify_one();
}

uint64_t StreamLogSink::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

void StreamLogSink::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    // After a write error nothing is written (Enqueue drops everything), notes included.
    const bool note = unreported_ > 0 && !failed_;
    if (pending_.empty() && !note) {
      if (stopping_) return;
      continue;
    }
    std::string chunk;
    chunk.swap(pending_);
    if (note) {
      // After the lines that were buffered before the drops, in the output itself.
      chunk += "[thaw] " + std::to_string(unreported_) +
               " log lines dropped: thaw's output is not read fast enough (the event ledger, "
               "/_thaw/events, keeps every invoke)\n";
      unreported_ = 0;
    }
    lock.unlock();
    const bool written = WriteAll(chunk);
    lock.lock();
    if (!written) {
      // The output is gone: what waits is dropped too, and counted (one line each).
      failed_ = true;
      dropped_ += static_cast<uint64_t>(std::count(pending_.begin(), pending_.end(), '\n'));
      pending_.clear();
    }
  }
}

bool StreamLogSink::WriteAll(std::string_view data) {
  while (!data.empty()) {
    if (stopping_ && std::chrono::steady_clock::now() >= flush_deadline_) return false;
    pollfd out{fd_, POLLOUT, 0};
    const int ready = ::poll(&out, 1, kPollMs);
    if (ready < 0 && errno != EINTR) return false;
    if (ready <= 0) continue;
    if ((out.revents & (POLLERR | POLLNVAL)) != 0) return false;
    const ssize_t n = ::write(fd_, data.data(), std::min(data.size(), kWriteChunk));
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace thaw
