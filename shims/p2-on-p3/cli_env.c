// wasi:cli/environment: copies the 0.3 results (in shim memory) to the caller.
// Caller allocations happen in canonical ABI order (the list array first,
// then each string in element order), which realloc-sensitive callers such
// as the preview1 adapter rely on.
#include "alloc.h"
#include "bridge.h"

#define M "wasi:cli/environment@0.3.0"
// get-environment: func() -> list<tuple<string, string>>
WB_IMPORT(M, "get-environment") void p3_get_environment(void *ret);
// get-arguments: func() -> list<string>
WB_IMPORT(M, "get-arguments") void p3_get_arguments(void *ret);
// get-initial-cwd: func() -> option<string>
WB_IMPORT(M, "get-initial-cwd") void p3_get_initial_cwd(void *ret);
#undef M

// Copies a list of `n` elements of `elem` bytes whose every 8-byte (ptr, len)
// pair is a string; frees the shim copies. Returns the caller list pointer.
static uint32_t copy_string_list(uint32_t slot, uint8_t *elems, uint32_t n, uint32_t elem) {
  uint32_t size = n * elem;
  uint32_t list = wb_caller_alloc(slot, 4, size);
  for (uint32_t off = 0; off < size; off += 8) {
    uint8_t *s = wb_ptr(wb_get32(elems + off));
    uint32_t len = wb_get32(elems + off + 4);
    wb_put32(elems + off, wb_out_bytes(slot, 1, s, len));
    wb_free(s);
  }
  if (size) wb_copy_out(list, elems, size);
  wb_free(elems);
  return list;
}

static void list_result(void (*get)(void *), uint32_t elem, uint32_t retptr, uint32_t slot) {
  _Alignas(4) uint8_t ret[8];  // list ptr@0, len@4
  get(ret);
  uint32_t n = wb_get32(ret + 4);
  wb_put32(ret, copy_string_list(slot, wb_ptr(wb_get32(ret)), n, elem));
  wb_copy_out(retptr, ret, 8);
}

// get-environment: func() -> list<tuple<string, string>>   (element: 16 bytes)
WB_EXPORT("wasi:cli/environment#get-environment")
void get_environment(uint32_t retptr, uint32_t slot) {
  list_result(p3_get_environment, 16, retptr, slot);
}

// get-arguments: func() -> list<string>   (element: 8 bytes)
WB_EXPORT("wasi:cli/environment#get-arguments")
void get_arguments(uint32_t retptr, uint32_t slot) {
  list_result(p3_get_arguments, 8, retptr, slot);
}

// initial-cwd: func() -> option<string>   (tag@0, ptr@4, len@8)
WB_EXPORT("wasi:cli/environment#initial-cwd")
void initial_cwd(uint32_t retptr, uint32_t slot) {
  _Alignas(4) uint8_t ret[12];
  p3_get_initial_cwd(ret);
  if (ret[0]) {
    uint8_t *s = wb_ptr(wb_get32(ret + 4));
    uint32_t len = wb_get32(ret + 8);
    wb_put32(ret + 4, wb_out_bytes(slot, 1, s, len));
    wb_free(s);
  } else {
    __builtin_memset(ret, 0, sizeof ret);
  }
  wb_copy_out(retptr, ret, 12);
}
