// Shim heap (power-of-two size classes with free lists) over the imported memory.
#ifndef WB_ALLOC_H
#define WB_ALLOC_H

#include "common.h"

void *wb_alloc(uint32_t size);  // 16-byte aligned; traps when memory is exhausted
void wb_free(void *p);          // p may be NULL
void *wb_alloc_zeroed(uint32_t size);

#endif
