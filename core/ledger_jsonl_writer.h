#ifndef THAW_CORE_LEDGER_JSONL_WRITER_H_
#define THAW_CORE_LEDGER_JSONL_WRITER_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "core/ledger.h"

namespace thaw {

// Writes a ledger's events to a stdio stream as JSON lines (Event::ToJson), in sequence order,
// each exactly once. Call Flush() from a ledger listener to write events as they are appended.
// Thread-safe. `ledger` and `out` must outlive it; the stream is not closed.
class LedgerJsonlWriter {
 public:
  LedgerJsonlWriter(const Ledger& ledger, std::FILE* out) : ledger_(ledger), out_(out) {}
  // An `--events FILE` option: opens `path` for appending ("-" is stdout) and writes every
  // event as it is appended to `ledger` until destroyed, when it writes what is left and
  // closes the file. NotFound when the file cannot be opened. `ledger` must outlive it.
  static absl::StatusOr<std::unique_ptr<LedgerJsonlWriter>> Open(Ledger& ledger,
                                                                 const std::string& path);
  ~LedgerJsonlWriter();
  LedgerJsonlWriter(const LedgerJsonlWriter&) = delete;
  LedgerJsonlWriter& operator=(const LedgerJsonlWriter&) = delete;

  // Writes every event not written yet, then flushes the stream.
  void Flush();

 private:
  const Ledger& ledger_;
  std::FILE* const out_;
  // Set by Open(): the listener to remove and whether the stream is ours to close.
  Ledger* listened_ = nullptr;
  int listener_ = 0;
  bool owns_out_ = false;
  std::mutex mu_;
  uint64_t written_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace thaw

#endif  // THAW_CORE_LEDGER_JSONL_WRITER_H_
