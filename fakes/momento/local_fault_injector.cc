#include "fakes/momento/local_fault_injector.h"

#include <cctype>
#include <cstdlib>

namespace thaw::momento {

namespace {

std::string Lookup(const std::map<std::string, std::string>& metadata, const std::string& key) {
  auto it = metadata.find(key);
  return it == metadata.end() ? std::string() : it->second;
}

bool Listed(const std::string& list, std::string_view rpc) {
  size_t start = 0;
  while (start < list.size()) {
    size_t end = list.find(' ', start);
    if (end == std::string::npos) end = list.size();
    if (std::string_view(list).substr(start, end - start) == rpc) return true;
    start = end + 1;
  }
  return false;
}

// The count in `text`, or -1 (unlimited) when absent or not a number.
int Limit(const std::string& text) {
  if (text.empty()) return -1;
  char* end = nullptr;
  const long n = std::strtol(text.c_str(), &end, 10);
  return (*end != '\0' || n < 0) ? -1 : static_cast<int>(n);
}

}  // namespace

LocalFaultInjector::Plan LocalFaultInjector::Decide(
    const std::map<std::string, std::string>& metadata, std::string_view rpc) {
  Plan plan;
  const std::string return_error = Lookup(metadata, "return-error");
  const bool error_applies = !return_error.empty() && Listed(Lookup(metadata, "error-rpcs"), rpc);
  const std::string delay_ms = Lookup(metadata, "delay-ms");
  const bool delay_applies = !delay_ms.empty() && Listed(Lookup(metadata, "delay-rpcs"), rpc);
  if (!error_applies && !delay_applies) return plan;

  std::lock_guard<std::mutex> lock(mu_);
  Counts& counts = by_request_id_[Lookup(metadata, "request-id")];
  if (error_applies) {
    const int limit = Limit(Lookup(metadata, "error-count"));
    if (limit < 0 || counts.errors < limit) {
      ++counts.errors;
      std::optional<absl::StatusCode> code = ErrorCode(return_error);
      plan.error = absl::Status(code.value_or(absl::StatusCode::kUnknown),
                                "momento-local fault: return-error " + return_error);
    }
  }
  if (delay_applies) {
    const int limit = Limit(Lookup(metadata, "delay-count"));
    if (limit < 0 || counts.delays < limit) {
      ++counts.delays;
      plan.delay =
          std::chrono::milliseconds(std::max(0L, std::strtol(delay_ms.c_str(), nullptr, 10)));
    }
  }
  return plan;
}

std::string LocalFaultInjector::RpcName(std::string_view method) {
  if (method == "SetIfNotExists") return "set-if";
  if (method == "Publish") return "topic-publish";
  if (method == "Subscribe") return "topic-subscribe";
  std::string name;
  for (char c : method) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (!name.empty()) name += '-';
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      name += c;
    }
  }
  return name;
}

std::optional<absl::StatusCode> LocalFaultInjector::ErrorCode(std::string_view name) {
  static const std::map<std::string_view, absl::StatusCode> kCodes = {
      {"invalid-argument", absl::StatusCode::kInvalidArgument},
      {"unknown", absl::StatusCode::kUnknown},
      {"already-exists", absl::StatusCode::kAlreadyExists},
      {"not-found", absl::StatusCode::kNotFound},
      {"internal", absl::StatusCode::kInternal},
      {"permission-denied", absl::StatusCode::kPermissionDenied},
      {"unauthenticated", absl::StatusCode::kUnauthenticated},
      {"cancelled", absl::StatusCode::kCancelled},
      {"unavailable", absl::StatusCode::kUnavailable},
      {"resource-exhausted", absl::StatusCode::kResourceExhausted},
      {"deadline-exceeded", absl::StatusCode::kDeadlineExceeded},
      {"failed-precondition", absl::StatusCode::kFailedPrecondition},
  };
  auto it = kCodes.find(name);
  if (it == kCodes.end()) return std::nullopt;
  return it->second;
}

}  // namespace thaw::momento
