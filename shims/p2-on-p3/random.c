// wasi:random: random, insecure, insecure-seed.
#include "alloc.h"
#include "bridge.h"

// get-random-bytes: func(max-len: u64) -> list<u8>   (may return fewer)
WB_IMPORT("wasi:random/random@0.3.0", "get-random-bytes")
void p3_get_random_bytes(uint64_t max_len, void *ret);
WB_IMPORT("wasi:random/random@0.3.0", "get-random-u64") uint64_t p3_get_random_u64(void);
WB_IMPORT("wasi:random/insecure@0.3.0", "get-insecure-random-bytes")
void p3_get_insecure_random_bytes(uint64_t max_len, void *ret);
WB_IMPORT("wasi:random/insecure@0.3.0", "get-insecure-random-u64")
uint64_t p3_get_insecure_random_u64(void);
// get-insecure-seed: func() -> tuple<u64, u64>
WB_IMPORT("wasi:random/insecure-seed@0.3.0", "get-insecure-seed")
void p3_get_insecure_seed(void *ret);

// 0.2 returns exactly `len` bytes; 0.3 may return fewer, so loop.
static void exact_bytes(void (*get)(uint64_t, void *), uint64_t len, uint32_t retptr,
                        uint32_t slot) {
  wb_check(len < (1ull << 31));
  uint32_t n = (uint32_t)len;
  uint32_t dst = wb_caller_alloc(slot, 1, n);
  for (uint32_t got = 0; got < n;) {
    _Alignas(4) uint8_t ret[8];  // list ptr@0, len@4
    get(n - got, ret);
    uint8_t *p = wb_ptr(wb_get32(ret));
    uint32_t m = wb_min32(wb_get32(ret + 4), n - got);
    wb_check(m != 0);  // 0.3 returns at least one byte when max-len > 0
    wb_copy_out(dst + got, p, m);
    wb_free(p);
    got += m;
  }
  uint8_t area[8];
  wb_put32(area, dst);
  wb_put32(area + 4, n);
  wb_copy_out(retptr, area, 8);
}

// get-random-bytes: func(len: u64) -> list<u8>
WB_EXPORT("wasi:random/random#get-random-bytes")
void get_random_bytes(uint64_t len, uint32_t retptr, uint32_t slot) {
  exact_bytes(p3_get_random_bytes, len, retptr, slot);
}

// get-random-u64: func() -> u64
WB_EXPORT("wasi:random/random#get-random-u64")
uint64_t get_random_u64(void) { return p3_get_random_u64(); }

// get-insecure-random-bytes: func(len: u64) -> list<u8>
WB_EXPORT("wasi:random/insecure#get-insecure-random-bytes")
void get_insecure_random_bytes(uint64_t len, uint32_t retptr, uint32_t slot) {
  exact_bytes(p3_get_insecure_random_bytes, len, retptr, slot);
}

// get-insecure-random-u64: func() -> u64
WB_EXPORT("wasi:random/insecure#get-insecure-random-u64")
uint64_t get_insecure_random_u64(void) { return p3_get_insecure_random_u64(); }

// insecure-seed: func() -> tuple<u64, u64>   (@0, @8)
WB_EXPORT("wasi:random/insecure-seed#insecure-seed")
void insecure_seed(uint32_t retptr) {
  _Alignas(8) uint8_t ret[16];
  p3_get_insecure_seed(ret);
  wb_copy_out(retptr, ret, 16);
}
