#ifndef THAW_CORE_LEDGER_ACCOUNTS_H_
#define THAW_CORE_LEDGER_ACCOUNTS_H_

#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "core/accounting.h"
#include "core/ledger.h"

namespace thaw {

// The exact accounts of a ledger (core/accounting.h: invocations per function, Momento
// connections and fake AWS requests per instance), kept as tallies that a Ledger observer feeds
// every event once, in sequence order, before the ledger's window can evict it. So they stay
// exact however long the run, and a read costs the size of the accounts, never a pass over the
// events: /_thaw/metrics, /_thaw/momento and /_thaw/aws read these. Each read answers what the
// matching accounting function answers over every event appended so far.
//
// Thread-safe. `ledger` must outlive it. It counts the events the ledger holds when it is
// created and every later one, so create it before the ledger's window first evicts (the
// control plane creates it with itself).
class LedgerAccounts {
 public:
  explicit LedgerAccounts(Ledger& ledger);
  ~LedgerAccounts();
  LedgerAccounts(const LedgerAccounts&) = delete;
  LedgerAccounts& operator=(const LedgerAccounts&) = delete;

  // InvocationStatsPerFunction: per function, ordered by name.
  std::vector<InvocationStats> Invocations() const;
  // MomentoConnectionsPerInstance: per instance, ordered by instance.
  std::vector<MomentoConnections> Momento() const;
  // AwsRequestsPerInstance: per instance, ordered by instance.
  std::vector<AwsRequests> Aws() const;

 private:
  void Add(const Event& event);

  Ledger& ledger_;
  mutable std::mutex mu_;
  InvocationTally invocations_ ABSL_GUARDED_BY(mu_);
  MomentoTally momento_ ABSL_GUARDED_BY(mu_);
  AwsTally aws_ ABSL_GUARDED_BY(mu_);
  // Set last in the constructor: the observer must not run before the tallies exist.
  int observer_ = 0;
};

}  // namespace thaw

#endif  // THAW_CORE_LEDGER_ACCOUNTS_H_
