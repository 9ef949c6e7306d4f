// One table for every shim-side 0.2 resource. Indices start at 1 (0 is never
// handed out, like the component model's own tables) and carry a kind tag, so
// a handle of the wrong resource type traps instead of being misused.
#ifndef WB_HANDLES_H
#define WB_HANDLES_H

#include "common.h"

enum wb_kind {
  WB_KIND_ERROR = 1,
  WB_KIND_POLLABLE,
  WB_KIND_INPUT_STREAM,
  WB_KIND_OUTPUT_STREAM,
  WB_KIND_TERMINAL_INPUT,
  WB_KIND_TERMINAL_OUTPUT,
  WB_KIND_DESCRIPTOR,
  WB_KIND_DIRECTORY_ENTRY_STREAM,
};

uint32_t wb_handle_new(enum wb_kind kind, void *obj);
void *wb_handle_get(uint32_t h, enum wb_kind kind);   // traps on a bad handle
void *wb_handle_take(uint32_t h, enum wb_kind kind);  // get + free the index

#endif
