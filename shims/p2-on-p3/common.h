// Shared definitions for the p2-on-p3 shim (freestanding C, wasm32).
#ifndef WB_COMMON_H
#define WB_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WB_EXPORT(name) __attribute__((export_name(name)))
#define WB_IMPORT(module, name) \
  __attribute__((import_module(module), import_name(name)))

// Anything the 0.2 spec calls a trap, and every broken internal invariant.
#define WB_TRAP() __builtin_trap()
static inline void wb_check(bool ok) {
  if (!ok) WB_TRAP();
}

// Little-endian field access into canonical ABI memory layouts (any alignment).
static inline void wb_put8(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; }
static inline void wb_put32(uint8_t *p, uint32_t v) { __builtin_memcpy(p, &v, 4); }
static inline void wb_put64(uint8_t *p, uint64_t v) { __builtin_memcpy(p, &v, 8); }
static inline uint32_t wb_get32(const uint8_t *p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}
static inline uint64_t wb_get64(const uint8_t *p) {
  uint64_t v;
  __builtin_memcpy(&v, p, 8);
  return v;
}

static inline uint32_t wb_min32(uint32_t a, uint32_t b) { return a < b ? a : b; }
// min(len, cap) for a u64 length coming from the guest.
static inline uint32_t wb_clamp64(uint64_t len, uint32_t cap) {
  return len < cap ? (uint32_t)len : cap;
}

// Pointer <-> i32 (wasm32).
static inline void *wb_ptr(uint32_t p) { return (void *)(uintptr_t)p; }
static inline uint32_t wb_addr(const void *p) { return (uint32_t)(uintptr_t)p; }

#endif
