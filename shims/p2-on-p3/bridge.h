// wb:bridge imports: the only way to reach the caller's (guest's) memory.
#ifndef WB_BRIDGE_H
#define WB_BRIDGE_H

#include "common.h"

// caller memory -> shim memory
WB_IMPORT("wb:bridge", "copy-in")
void wb_copy_in(void *dst_shim, uint32_t src_caller, uint32_t len);
// shim memory -> caller memory
WB_IMPORT("wb:bridge", "copy-out")
void wb_copy_out(uint32_t dst_caller, const void *src_shim, uint32_t len);
// The caller's realloc(0, 0, align, size) for the lowering that made this call;
// `slot` is the trailing realloc-slot parameter of the export.
WB_IMPORT("wb:bridge", "caller-alloc")
uint32_t wb_caller_alloc(uint32_t slot, uint32_t align, uint32_t size);

// Allocate `len` bytes in caller memory and copy `src` there (one caller-alloc
// call, like the canonical ABI's store of a list/string, even for len 0).
static inline uint32_t wb_out_bytes(uint32_t slot, uint32_t align, const void *src,
                                    uint32_t len) {
  uint32_t p = wb_caller_alloc(slot, align, len);
  if (len) wb_copy_out(p, src, len);
  return p;
}

#endif
