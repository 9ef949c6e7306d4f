// wasi:io/error: the error resource and to-debug-string.
#include "io_error.h"

#include "alloc.h"
#include "bridge.h"
#include "handles.h"

static const char *const fs_names[37] = {
    "access", "would-block", "already", "bad-descriptor", "busy", "deadlock", "quota",
    "exist", "file-too-large", "illegal-byte-sequence", "in-progress", "interrupted",
    "invalid", "io", "is-directory", "loop", "too-many-links", "message-size",
    "name-too-long", "no-device", "no-entry", "no-lock", "insufficient-memory",
    "insufficient-space", "not-directory", "not-empty", "not-recoverable", "unsupported",
    "no-tty", "no-such-device", "overflow", "not-permitted", "pipe", "read-only",
    "invalid-seek", "text-file-busy", "cross-device",
};

static const char *const cli_names[3] = {"io", "illegal-byte-sequence", "pipe"};

const char *wb_fs_error_name(uint32_t code) { return code < 37 ? fs_names[code] : "unknown"; }

uint32_t wb_error_new(struct wb_errval e) {
  struct wb_errval *p = wb_alloc(sizeof *p);
  *p = e;
  return wb_handle_new(WB_KIND_ERROR, p);
}

struct wb_errval wb_error_get(uint32_t handle) {
  return *(struct wb_errval *)wb_handle_get(handle, WB_KIND_ERROR);
}

static uint32_t append(char *dst, uint32_t at, const char *s) {
  while (*s) dst[at++] = *s++;
  return at;
}

// to-debug-string: func() -> string
WB_EXPORT("wasi:io/error#[method]error.to-debug-string")
void error_to_debug_string(uint32_t self, uint32_t retptr, uint32_t slot) {
  struct wb_errval e = wb_error_get(self);
  char text[64];
  uint32_t n;
  if (e.domain == WB_ERR_CLI) {
    n = append(text, 0, "stdio error: ");
    n = append(text, n, e.code < 3 ? cli_names[e.code] : "unknown");
  } else {
    n = append(text, 0, "filesystem error: ");
    n = append(text, n, wb_fs_error_name(e.code));
  }
  uint8_t area[8];
  wb_put32(area, wb_out_bytes(slot, 1, text, n));
  wb_put32(area + 4, n);
  wb_copy_out(retptr, area, 8);
}

WB_EXPORT("wasi:io/error#[resource-drop]error")
void error_drop(uint32_t self) { wb_free(wb_handle_take(self, WB_KIND_ERROR)); }
