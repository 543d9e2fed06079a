#include "core/ledger_accounts.h"

namespace thaw {

LedgerAccounts::LedgerAccounts(Ledger& ledger) : ledger_(ledger) {
  observer_ = ledger_.AddObserver([this](const Event& event) { Add(event); });
}

LedgerAccounts::~LedgerAccounts() { ledger_.RemoveObserver(observer_); }

// Runs under the ledger's lock, then takes mu_: readers take mu_ alone, never the ledger's lock
// while holding it, so the two locks are always taken in that order.
void LedgerAccounts::Add(const Event& event) {
  std::lock_guard<std::mutex> lock(mu_);
  invocations_.Add(event);
  momento_.Add(event);
  aws_.Add(event);
}

std::vector<InvocationStats> LedgerAccounts::Invocations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return invocations_.Stats();
}

std::vector<MomentoConnections> LedgerAccounts::Momento() const {
  std::lock_guard<std::mutex> lock(mu_);
  return momento_.PerInstance();
}

std::vector<AwsRequests> LedgerAccounts::Aws() const {
  std::lock_guard<std::mutex> lock(mu_);
  return aws_.PerInstance();
}

}  // namespace thaw
