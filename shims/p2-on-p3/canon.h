// wb:canon imports (component-model built-ins) and Canonical ABI constants.
#ifndef WB_CANON_H
#define WB_CANON_H

#include "common.h"

WB_IMPORT("wb:canon", "waitable-set.new") uint32_t wb_ws_new(void);
WB_IMPORT("wb:canon", "waitable-set.wait") uint32_t wb_ws_wait(uint32_t set, void *event);
WB_IMPORT("wb:canon", "waitable-set.poll") uint32_t wb_ws_poll(uint32_t set, void *event);
WB_IMPORT("wb:canon", "waitable-set.drop") void wb_ws_drop(uint32_t set);
WB_IMPORT("wb:canon", "waitable.join") void wb_join(uint32_t waitable, uint32_t set);
WB_IMPORT("wb:canon", "subtask.drop") void wb_subtask_drop(uint32_t subtask);
WB_IMPORT("wb:canon", "subtask.cancel") uint32_t wb_subtask_cancel(uint32_t subtask);

// Async stream/future op result: BLOCKED, or copy result | count << 4.
#define WB_BLOCKED 0xffffffffu
#define WB_COPY_RESULT(st) ((st) & 0xfu)
#define WB_COPY_COUNT(st) ((st) >> 4)
enum { WB_COPY_COMPLETED = 0, WB_COPY_DROPPED = 1, WB_COPY_CANCELLED = 2 };

// Async lower result: state | subtask << 4.
#define WB_SUBTASK_STATE(st) ((st) & 0xfu)
#define WB_SUBTASK_HANDLE(st) ((st) >> 4)
enum {
  WB_SUBTASK_STARTING = 0,
  WB_SUBTASK_STARTED = 1,
  WB_SUBTASK_RETURNED = 2,
  WB_SUBTASK_CANCELLED_BEFORE_STARTED = 3,
  WB_SUBTASK_CANCELLED_BEFORE_RETURNED = 4,
};

// waitable-set.wait/poll event codes.
enum {
  WB_EVENT_NONE = 0,
  WB_EVENT_SUBTASK = 1,
  WB_EVENT_STREAM_READ = 2,
  WB_EVENT_STREAM_WRITE = 3,
  WB_EVENT_FUTURE_READ = 4,
  WB_EVENT_FUTURE_WRITE = 5,
  WB_EVENT_TASK_CANCELLED = 6,
};

#endif
