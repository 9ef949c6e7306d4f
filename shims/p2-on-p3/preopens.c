// wasi:filesystem/preopens: wraps each 0.3 descriptor in a shim descriptor.
#include "alloc.h"
#include "bridge.h"
#include "handles.h"

// get-directories: func() -> list<tuple<descriptor, string>>
// element (12 bytes): handle@0, name ptr@4, len@8
WB_IMPORT("wasi:filesystem/preopens@0.3.0", "get-directories")
void p3_get_directories(void *ret);

WB_EXPORT("wasi:filesystem/preopens#get-directories")
void get_directories(uint32_t retptr, uint32_t slot) {
  _Alignas(4) uint8_t ret[8];  // list ptr@0, len@4
  p3_get_directories(ret);
  uint8_t *elems = wb_ptr(wb_get32(ret));
  uint32_t n = wb_get32(ret + 4);
  // Canonical order of caller allocations: the list, then each string.
  uint32_t list = wb_caller_alloc(slot, 4, n * 12);
  for (uint32_t i = 0; i < n; i++) {
    uint8_t *e = elems + i * 12;
    wb_put32(e, wb_handle_new(WB_KIND_DESCRIPTOR, wb_ptr(wb_get32(e))));
    uint8_t *s = wb_ptr(wb_get32(e + 4));
    wb_put32(e + 4, wb_out_bytes(slot, 1, s, wb_get32(e + 8)));
    wb_free(s);
  }
  if (n) wb_copy_out(list, elems, n * 12);
  wb_free(elems);
  wb_put32(ret, list);
  wb_copy_out(retptr, ret, 8);
}
