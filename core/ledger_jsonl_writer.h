#ifndef THAW_CORE_LEDGER_JSONL_WRITER_H_
#define THAW_CORE_LEDGER_JSONL_WRITER_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "core/ledger.h"

namespace thaw {

// Writes a ledger's events to a stdio stream as JSON lines (Event::ToJson), in sequence order,
// each exactly once: the events the ledger holds when the writer is created, then every one
// appended until it is destroyed. A ledger observer hands it each event before the ledger's
// window can evict it, so it never misses one however small the window; it keeps only the
// events not yet written (Flush() writes them), never the whole stream.
// Thread-safe. `ledger` and `out` must outlive it; the stream is not closed.
class LedgerJsonlWriter {
 public:
  LedgerJsonlWriter(Ledger& ledger, std::FILE* out);
  // An `--events FILE` option: opens `path` for appending ("-" is stdout) and writes every
  // event as it is appended to `ledger` (from a ledger listener, on the appending thread) until
  // destroyed, when it writes what is left and closes the file. NotFound when the file cannot be
  // opened. `ledger` must outlive it.
  static absl::StatusOr<std::unique_ptr<LedgerJsonlWriter>> Open(Ledger& ledger,
                                                                 const std::string& path);
  ~LedgerJsonlWriter();
  LedgerJsonlWriter(const LedgerJsonlWriter&) = delete;
  LedgerJsonlWriter& operator=(const LedgerJsonlWriter&) = delete;

  // Writes every event not written yet, then flushes the stream. A file opened by Open() gets
  // them in one write(2) of whole lines; a reader following the file while it grows may still
  // meet a last line without its newline (writes and reads of a file are not atomic): it should
  // parse up to the last newline only.
  void Flush();

 private:
  Ledger& ledger_;
  std::FILE* const out_;
  // Set by Open(): the listener to remove (0: none) and whether the stream is ours to close.
  int listener_ = 0;
  bool owns_out_ = false;
  int observer_ = 0;
  // Serializes writers, so that lines leave in the order the observer queued them.
  std::mutex write_mu_;
  // Taken under the ledger's lock by the observer: held only to queue or take events.
  std::mutex pending_mu_;
  std::vector<Event> pending_ ABSL_GUARDED_BY(pending_mu_);
};

}  // namespace thaw

#endif  // THAW_CORE_LEDGER_JSONL_WRITER_H_
