#include "handles.h"

#include "alloc.h"

struct slot {
  uint32_t kind;  // 0 = free
  union {
    void *obj;
    uint32_t next_free;
  } u;
};

static struct slot *slots;  // slots[0] is unused
static uint32_t nslots, cap;
static uint32_t free_head;  // 0 = none

uint32_t wb_handle_new(enum wb_kind kind, void *obj) {
  uint32_t h = free_head;
  if (h) {
    free_head = slots[h].u.next_free;
  } else {
    if (nslots == 0) nslots = 1;
    if (nslots == cap) {
      uint32_t ncap = cap ? cap * 2 : 64;
      struct slot *n = wb_alloc(ncap * sizeof(struct slot));
      if (cap) __builtin_memcpy(n, slots, cap * sizeof(struct slot));
      wb_free(slots);
      slots = n;
      cap = ncap;
    }
    h = nslots++;
  }
  slots[h].kind = kind;
  slots[h].u.obj = obj;
  return h;
}

void *wb_handle_get(uint32_t h, enum wb_kind kind) {
  wb_check(h != 0 && h < nslots && slots[h].kind == (uint32_t)kind);
  return slots[h].u.obj;
}

void *wb_handle_take(uint32_t h, enum wb_kind kind) {
  void *obj = wb_handle_get(h, kind);
  slots[h].kind = 0;
  slots[h].u.next_free = free_head;  // LIFO reuse
  free_head = h;
  return obj;
}
