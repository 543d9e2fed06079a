#include "core/ledger_jsonl_writer.h"

#include <string>

#include "absl/status/status.h"
#include "core/json_text.h"

namespace thaw {

absl::StatusOr<std::unique_ptr<LedgerJsonlWriter>> LedgerJsonlWriter::Open(
    Ledger& ledger, const std::string& path) {
  std::FILE* out = path == "-" ? stdout : std::fopen(path.c_str(), "a");
  if (out == nullptr) return absl::NotFoundError("cannot open --events " + path);
  auto writer = std::make_unique<LedgerJsonlWriter>(ledger, out);
  writer->owns_out_ = out != stdout;
  writer->listened_ = &ledger;
  LedgerJsonlWriter* raw = writer.get();
  writer->listener_ = ledger.AddListener([raw](uint64_t) { raw->Flush(); });
  return writer;
}

LedgerJsonlWriter::~LedgerJsonlWriter() {
  if (listened_ == nullptr) return;
  listened_->RemoveListener(listener_);
  Flush();
  if (owns_out_) std::fclose(out_);
}

void LedgerJsonlWriter::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Event& event : ledger_.Since(written_)) {
    const std::string line = JsonText(event.ToJson()) + "\n";
    std::fwrite(line.data(), 1, line.size(), out_);
    written_ = event.seq;
  }
  std::fflush(out_);
}

}  // namespace thaw
