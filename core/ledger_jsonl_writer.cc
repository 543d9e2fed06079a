#include "core/ledger_jsonl_writer.h"

#include <string>

namespace thaw {

void LedgerJsonlWriter::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Event& event : ledger_.Since(written_)) {
    const std::string line = event.ToJson().dump() + "\n";
    std::fwrite(line.data(), 1, line.size(), out_);
    written_ = event.seq;
  }
  std::fflush(out_);
}

}  // namespace thaw
