// Blocking and event dispatch.
//
// Every async operation the shim leaves in flight (a BLOCKED stream/future
// copy, an unresolved subtask) is registered here with a callback. Registered
// waitables are joined to one shim-wide waitable set; when an event for one
// arrives (waitable-set.wait or .poll) it is unregistered, removed from the set
// and its callback runs. Callbacks never block; they may start new operations
// and register again. All shim code runs in the component's one async-typed
// `run` task, so only one wait is ever active.
#ifndef WB_WAIT_H
#define WB_WAIT_H

#include "common.h"

typedef void (*wb_event_fn)(void *ctx, uint32_t code, uint32_t payload);

void wb_pending_add(uint32_t waitable, wb_event_fn fn, void *ctx);
// Forget a registration (and leave the set) without an event, e.g. before a
// synchronous cancel; no-op when not registered.
void wb_pending_remove(uint32_t waitable);

// Block until one event arrives and dispatch it. Before blocking, the
// buffers of stdout/stderr are drained (wb_writer_drain_stdio); if that had
// to wait, wb_wait_one returns without waiting again, so callers must
// re-check their condition in a loop (they all do).
void wb_wait_one(void);
// The bare wait: block until one event arrives, dispatch it. Only for waits
// that are part of a write-behind writer's own progress.
void wb_wait_event(void);
void wb_poll_ready(void);  // dispatch every event already available; never blocks

// Wait for a BLOCKED async stream/future copy on `end` to finish; returns the
// final `result | count << 4`. A non-BLOCKED `st` is returned as is.
uint32_t wb_finish_copy(uint32_t end, uint32_t st);
// Wait for an async-lowered call (status from the lowered import) to return,
// then drop the subtask. Results are then in the call's return area.
void wb_finish_call(uint32_t status);

#endif
