#include "core/fault_registry.h"

#include <utility>

#include "absl/status/status.h"

namespace thaw {

void FaultRegistry::Add(FaultTarget* target) { targets_.push_back(target); }

FaultTarget* FaultRegistry::Find(std::string_view service) const {
  for (FaultTarget* target : targets_) {
    if (target->service() == service) return target;
  }
  return nullptr;
}

std::string FaultRegistry::Services() const {
  std::string services;
  for (FaultTarget* target : targets_) {
    services += (services.empty() ? "" : ", ") + std::string(target->service());
  }
  return services.empty() ? "none" : services;
}

absl::StatusOr<std::string> FaultRegistry::AddFault(const nlohmann::json& spec) {
  if (!spec.is_object()) return absl::InvalidArgumentError("expected a JSON object");
  if (!spec.contains("service") && targets_.size() == 1) return targets_[0]->AddFault(spec);
  if (!spec.contains("service") || !spec["service"].is_string()) {
    return absl::InvalidArgumentError("service: required, one of " + Services());
  }
  const std::string service = spec["service"];
  FaultTarget* target = Find(service);
  if (!target) {
    return absl::InvalidArgumentError("service: no fake named '" + service + "' (" + Services() +
                                      ")");
  }
  return target->AddFault(spec);
}

bool FaultRegistry::RemoveFault(std::string_view id) {
  for (FaultTarget* target : targets_) {
    if (target->RemoveFault(id)) return true;
  }
  return false;
}

size_t FaultRegistry::ClearFaults() {
  size_t cleared = 0;
  for (FaultTarget* target : targets_) {
    cleared += target->ListFaults().size();
    target->ClearFaults();
  }
  return cleared;
}

nlohmann::json FaultRegistry::ListFaults() const {
  nlohmann::json faults = nlohmann::json::array();
  for (FaultTarget* target : targets_) {
    for (auto& fault : target->ListFaults()) {
      fault["service"] = std::string(target->service());
      faults.push_back(std::move(fault));
    }
  }
  return faults;
}

}  // namespace thaw
