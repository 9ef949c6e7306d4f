// 0.3 -> 0.2 filesystem value conversions.
#include "alloc.h"
#include "bridge.h"
#include "handles.h"
#include "p3_fs.h"

static void free_other_string(const uint8_t *v) {
  if (v[4]) wb_free(wb_ptr(wb_get32(v + 8)));
}

// 0.3 dropped `would-block` (0.2 case 1) and appended `other`: every case
// after `access` moves up by one.
uint32_t wb_fs_err(const uint8_t *v) {
  uint32_t d = v[0];
  if (d == 0) return 0;
  if (d <= 35) return d + 1;
  free_other_string(v);
  return WB_FS_ERR_IO;
}

// 0.2 has `unknown` first; 0.3 has `other(option<string>)` last.
uint32_t wb_fs_type(const uint8_t *v) {
  uint32_t d = v[0];
  if (d < 7) return d + 1;
  free_other_string(v);
  return 0;
}

struct wb_errval wb_fs_decode_result(uint8_t *v) {
  struct wb_errval e = {WB_ERR_NONE, 0};
  if (v[0]) {
    e.domain = WB_ERR_FS;
    e.code = (uint8_t)wb_fs_err(v + 4);
  }
  return e;
}

uint32_t wb_fd(uint32_t handle) { return wb_addr(wb_handle_get(handle, WB_KIND_DESCRIPTOR)); }

void *wb_fs_path(uint32_t ptr, uint32_t len) {
  void *p = wb_alloc(len);
  wb_copy_in(p, ptr, len);
  return p;
}
