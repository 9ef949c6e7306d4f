// Heap allocator and cabi_realloc (given to the 0.3 lowerings as `realloc`).
//
// Blocks are 2^k bytes (k >= 5) carved from a bump pointer that starts at
// __heap_base; a 16-byte header keeps k, freed blocks go to free list k.
// Simple and good enough: the shim allocates stream buffers and short-lived
// copies of 0.3 results.
#include "alloc.h"

extern unsigned char __heap_base;

#define HDR 16u
#define MIN_CLASS 5u
#define MAX_CLASS 31u

struct block {
  uint32_t cls;
  struct block *next;  // valid while on a free list
};

static struct block *free_lists[MAX_CLASS + 1];
static uintptr_t heap_top;

static uint32_t class_for(uint32_t size) {
  wb_check(size <= (1u << MAX_CLASS) - HDR);
  uint32_t need = size + HDR;
  uint32_t k = MIN_CLASS;
  while ((1u << k) < need) k++;
  return k;
}

static struct block *carve(uint32_t k) {
  if (heap_top == 0) heap_top = ((uintptr_t)&__heap_base + 15u) & ~(uintptr_t)15u;
  uintptr_t start = heap_top;
  uintptr_t end = start + ((uintptr_t)1 << k);
  wb_check(end > start);
  uintptr_t mem_end = (uintptr_t)__builtin_wasm_memory_size(0) * 65536u;
  if (end > mem_end) {
    uintptr_t pages = (end - mem_end + 65535u) / 65536u;
    wb_check(__builtin_wasm_memory_grow(0, pages) != (size_t)-1);
  }
  heap_top = end;
  return (struct block *)start;
}

void *wb_alloc(uint32_t size) {
  uint32_t k = class_for(size);
  struct block *b = free_lists[k];
  if (b) {
    free_lists[k] = b->next;
  } else {
    b = carve(k);
  }
  b->cls = k;
  b->next = 0;
  return (uint8_t *)b + HDR;
}

void *wb_alloc_zeroed(uint32_t size) {
  void *p = wb_alloc(size);
  __builtin_memset(p, 0, size);
  return p;
}

void wb_free(void *p) {
  if (!p) return;
  struct block *b = (struct block *)((uint8_t *)p - HDR);
  wb_check(b->cls >= MIN_CLASS && b->cls <= MAX_CLASS);
  b->next = free_lists[b->cls];
  free_lists[b->cls] = b;
}

WB_EXPORT("cabi_realloc")
void *cabi_realloc(void *old, uint32_t old_size, uint32_t align, uint32_t new_size) {
  wb_check(align <= HDR);  // payloads are 16-byte aligned
  if (!old) return wb_alloc(new_size);
  struct block *b = (struct block *)((uint8_t *)old - HDR);
  if (new_size <= (1u << b->cls) - HDR) return old;
  void *p = wb_alloc(new_size);
  __builtin_memcpy(p, old, old_size < new_size ? old_size : new_size);
  wb_free(old);
  return p;
}

// clang may emit calls to these; -mbulk-memory turns the builtins into
// memory.copy / memory.fill.
void *memcpy(void *dst, const void *src, size_t n) {
  __builtin_memcpy(dst, src, n);
  return dst;
}
void *memmove(void *dst, const void *src, size_t n) {
  __builtin_memmove(dst, src, n);
  return dst;
}
void *memset(void *dst, int c, size_t n) {
  __builtin_memset(dst, c, n);
  return dst;
}
int memcmp(const void *a, const void *b, size_t n) {
  const uint8_t *x = a, *y = b;
  for (size_t i = 0; i < n; i++) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}
