// The shim's wasi:io/error resource: an error code remembered from the 0.3
// result future of a stream.
#ifndef WB_IO_ERROR_H
#define WB_IO_ERROR_H

#include "common.h"

enum wb_err_domain {
  WB_ERR_NONE = 0,
  WB_ERR_CLI,  // code: wasi:cli/types@0.3.0 error-code (io, illegal-byte-sequence, pipe)
  WB_ERR_FS,   // code: wasi:filesystem/types@0.2.12 error-code (already mapped)
};

struct wb_errval {
  uint8_t domain;
  uint8_t code;
};

uint32_t wb_error_new(struct wb_errval e);  // new own<error> handle
struct wb_errval wb_error_get(uint32_t handle);

// Name of a 0.2.12 filesystem error-code case (also used by to-debug-string).
const char *wb_fs_error_name(uint32_t code);

#endif
