#include "wait.h"

#include "alloc.h"
#include "canon.h"
#include "stream.h"

struct pending {
  uint32_t waitable;
  wb_event_fn fn;
  void *ctx;
};

static struct pending *pend;
static uint32_t npend, cap;
static uint32_t the_set;  // 0 until first use

static uint32_t set(void) {
  if (!the_set) the_set = wb_ws_new();
  return the_set;
}

void wb_pending_add(uint32_t waitable, wb_event_fn fn, void *ctx) {
  wb_check(waitable != 0);
  for (uint32_t i = 0; i < npend; i++) wb_check(pend[i].waitable != waitable);
  if (npend == cap) {
    uint32_t ncap = cap ? cap * 2 : 16;
    struct pending *n = wb_alloc(ncap * sizeof(struct pending));
    if (npend) __builtin_memcpy(n, pend, npend * sizeof(struct pending));
    wb_free(pend);
    pend = n;
    cap = ncap;
  }
  pend[npend].waitable = waitable;
  pend[npend].fn = fn;
  pend[npend].ctx = ctx;
  npend++;
  wb_join(waitable, set());
}

// Removes the entry for `waitable` (and leaves the set); fn == NULL if none.
static struct pending take(uint32_t waitable) {
  struct pending p = {0, 0, 0};
  for (uint32_t i = 0; i < npend; i++) {
    if (pend[i].waitable == waitable) {
      p = pend[i];
      pend[i] = pend[--npend];
      wb_join(waitable, 0);
      break;
    }
  }
  return p;
}

void wb_pending_remove(uint32_t waitable) { take(waitable); }

static void dispatch(uint32_t code, const uint32_t ev[2]) {
  // Only the events of registered waitables can arrive (the set holds nothing
  // else and the wait is not cancellable).
  wb_check(code != WB_EVENT_NONE && code != WB_EVENT_TASK_CANCELLED);
  struct pending p = take(ev[0]);
  wb_check(p.fn != 0);
  p.fn(p.ctx, code, ev[1]);
}

void wb_wait_event(void) {
  wb_check(npend != 0);  // nothing could ever wake us: a guaranteed deadlock
  uint32_t ev[2];
  uint32_t code = wb_ws_wait(set(), ev);
  dispatch(code, ev);
}

void wb_wait_one(void) {
  // Output the program wrote must reach the host before the shim blocks on
  // anything else (a timer, stdin, a file operation, exit).
  if (wb_writer_drain_stdio(0)) return;
  wb_wait_event();
}

void wb_poll_ready(void) {
  while (npend) {
    uint32_t ev[2];
    uint32_t code = wb_ws_poll(set(), ev);
    if (code == WB_EVENT_NONE) return;
    dispatch(code, ev);
  }
}

struct copy_wait {
  bool done;
  uint32_t payload;
};

static void on_copy(void *ctx, uint32_t code, uint32_t payload) {
  (void)code;
  struct copy_wait *w = ctx;
  w->done = true;
  w->payload = payload;
}

uint32_t wb_finish_copy(uint32_t end, uint32_t st) {
  if (st != WB_BLOCKED) return st;
  struct copy_wait w = {false, 0};
  wb_pending_add(end, on_copy, &w);
  while (!w.done) wb_wait_one();
  return w.payload;
}

struct call_wait {
  uint32_t subtask;
  bool returned;
};

static void on_subtask(void *ctx, uint32_t code, uint32_t state) {
  struct call_wait *w = ctx;
  wb_check(code == WB_EVENT_SUBTASK);
  if (state == WB_SUBTASK_RETURNED) {
    w->returned = true;
  } else {
    wb_check(state == WB_SUBTASK_STARTING || state == WB_SUBTASK_STARTED);
    wb_pending_add(w->subtask, on_subtask, w);  // STARTED: keep waiting
  }
}

void wb_finish_call(uint32_t status) {
  if (WB_SUBTASK_STATE(status) == WB_SUBTASK_RETURNED) return;
  struct call_wait w = {WB_SUBTASK_HANDLE(status), false};
  wb_check(w.subtask != 0);
  wb_pending_add(w.subtask, on_subtask, &w);
  while (!w.returned) wb_wait_one();
  wb_subtask_drop(w.subtask);
}
