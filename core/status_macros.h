#ifndef THAW_CORE_STATUS_MACROS_H_
#define THAW_CORE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Early returns on error, for functions that return absl::Status or absl::StatusOr<T> (not for
// coroutines, which must co_return).
//
//   RETURN_IF_ERROR(store.Seed(name, value));
//   ASSIGN_OR_RETURN(ThawConfig config, LoadConfigFile(path));

// Returns the status `expr` evaluates to when it is not OK.
#define RETURN_IF_ERROR(expr)                                       \
  do {                                                              \
    if (::absl::Status thaw_status_ = (expr); !thaw_status_.ok()) { \
      return thaw_status_;                                          \
    }                                                               \
  } while (0)

// Evaluates `expr` (an absl::StatusOr<T>); returns its status when it is not OK, else
// initialises `lhs` (a declaration or an lvalue) with its value, moved. It expands to several
// statements: put braces around it under an `if`.
#define ASSIGN_OR_RETURN(lhs, expr) \
  THAW_ASSIGN_OR_RETURN_IMPL_(THAW_STATUS_CONCAT_(thaw_statusor_, __LINE__), lhs, expr)

#define THAW_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                \
  if (!statusor.ok()) return statusor.status();          \
  lhs = *std::move(statusor)

#define THAW_STATUS_CONCAT_INNER_(a, b) a##b
#define THAW_STATUS_CONCAT_(a, b) THAW_STATUS_CONCAT_INNER_(a, b)

#endif  // THAW_CORE_STATUS_MACROS_H_
