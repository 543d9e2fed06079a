#include "core/ledger_jsonl_writer.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "core/json_text.h"

namespace thaw {

LedgerJsonlWriter::LedgerJsonlWriter(Ledger& ledger, std::FILE* out) : ledger_(ledger), out_(out) {
  // A copy now, the serialization later in Flush(): the observer runs under the ledger's lock,
  // which every appending thread waits for.
  observer_ = ledger_.AddObserver([this](const Event& event) {
    std::lock_guard<std::mutex> lock(pending_mu_);
    pending_.push_back(event);
  });
}

absl::StatusOr<std::unique_ptr<LedgerJsonlWriter>> LedgerJsonlWriter::Open(
    Ledger& ledger, const std::string& path) {
  std::FILE* out = path == "-" ? stdout : std::fopen(path.c_str(), "a");
  if (out == nullptr) return absl::NotFoundError("cannot open --events " + path);
  // Unbuffered, so that Flush's one fwrite is one write(2) of whole lines: a stdio buffer would
  // cut a batch longer than the buffer mid-line, and a reader following the file would see it.
  if (out != stdout) std::setvbuf(out, nullptr, _IONBF, 0);
  auto writer = std::make_unique<LedgerJsonlWriter>(ledger, out);
  writer->owns_out_ = out != stdout;
  LedgerJsonlWriter* raw = writer.get();
  writer->listener_ = ledger.AddListener([raw](uint64_t) { raw->Flush(); });
  return writer;
}

LedgerJsonlWriter::~LedgerJsonlWriter() {
  if (listener_ != 0) ledger_.RemoveListener(listener_);
  ledger_.RemoveObserver(observer_);
  Flush();
  if (owns_out_) std::fclose(out_);
}

void LedgerJsonlWriter::Flush() {
  std::lock_guard<std::mutex> write_lock(write_mu_);
  std::vector<Event> events;
  {
    std::lock_guard<std::mutex> lock(pending_mu_);
    events.swap(pending_);
  }
  std::string lines;
  for (const Event& event : events) {
    lines += JsonText(event.ToJson());
    lines += '\n';
  }
  std::fwrite(lines.data(), 1, lines.size(), out_);
  std::fflush(out_);
}

}  // namespace thaw
