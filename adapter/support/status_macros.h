// Early-return helpers for absl::Status / absl::StatusOr.
#ifndef WASI_BRIDGE_ADAPTER_SUPPORT_STATUS_MACROS_H_
#define WASI_BRIDGE_ADAPTER_SUPPORT_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define WB_CONCAT_INNER_(a, b) a##b
#define WB_CONCAT_(a, b) WB_CONCAT_INNER_(a, b)

// Returns the status of `expr` from the current function if it is not OK.
#define WB_RETURN_IF_ERROR(expr)                  \
  do {                                            \
    ::absl::Status wb_status_ = (expr);           \
    if (!wb_status_.ok()) return wb_status_;      \
  } while (false)

// Evaluates `expr` (a StatusOr); on error returns its status, else moves the
// value into `lhs` (which may be a declaration such as `auto x`).
#define WB_ASSIGN_OR_RETURN(lhs, expr) \
  WB_ASSIGN_OR_RETURN_IMPL_(WB_CONCAT_(wb_statusor_, __LINE__), lhs, expr)
#define WB_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(*tmp)

#endif  // WASI_BRIDGE_ADAPTER_SUPPORT_STATUS_MACROS_H_
