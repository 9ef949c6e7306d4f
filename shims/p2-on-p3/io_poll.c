// wasi:io/poll: pollable.ready, pollable.block, poll.
#include "io_poll.h"

#include "alloc.h"
#include "bridge.h"
#include "canon.h"
#include "handles.h"
#include "p3_clocks.h"
#include "wait.h"

enum { P_TIMER = 1, P_READER, P_WRITER };

struct pollable {
  uint32_t kind;
  // P_TIMER: the wait-until subtask is started lazily (only when someone
  // blocks), so ready() on a fresh timer costs one now() call.
  uint64_t deadline;
  uint32_t subtask;  // live wait-until subtask, 0 = none
  bool fired;
  struct wb_reader *rd;
  struct wb_writer *wr;
  struct pollable *next, *prev;  // all live pollables (for wb:shim#finish)
};

static struct pollable *live;

static uint32_t new_pollable(uint32_t kind, struct wb_reader *rd, struct wb_writer *wr,
                             uint64_t deadline) {
  struct pollable *p = wb_alloc_zeroed(sizeof *p);
  p->kind = kind;
  p->rd = rd;
  p->wr = wr;
  p->deadline = deadline;
  p->next = live;
  if (live) live->prev = p;
  live = p;
  return wb_handle_new(WB_KIND_POLLABLE, p);
}

uint32_t wb_pollable_new_timer(uint64_t deadline) { return new_pollable(P_TIMER, 0, 0, deadline); }

uint32_t wb_pollable_new_reader(struct wb_reader *rd) {
  rd->refs++;
  return new_pollable(P_READER, rd, 0, 0);
}

uint32_t wb_pollable_new_writer(struct wb_writer *wr) {
  wr->refs++;
  return new_pollable(P_WRITER, 0, wr, 0);
}

static void on_timer(void *ctx, uint32_t code, uint32_t state) {
  struct pollable *p = ctx;
  wb_check(code == WB_EVENT_SUBTASK);
  if (state == WB_SUBTASK_RETURNED) {
    wb_subtask_drop(p->subtask);
    p->subtask = 0;
    p->fired = true;
  } else {
    wb_pending_add(p->subtask, on_timer, p);  // STARTED: not yet
  }
}

static bool is_ready(struct pollable *p) {
  switch (p->kind) {
    case P_TIMER:
      if (!p->fired && p3_mono_now() >= p->deadline) p->fired = true;
      return p->fired;
    case P_READER:
      return wb_reader_ready(p->rd);
    case P_WRITER:
      return wb_writer_ready(p->wr);
  }
  WB_TRAP();
}

// Make sure an event will arrive when the pollable becomes ready.
static void prepare(struct pollable *p) {
  switch (p->kind) {
    case P_TIMER:
      if (!p->fired && !p->subtask) {
        uint32_t st = p3_mono_wait_until(p->deadline);
        if (WB_SUBTASK_STATE(st) == WB_SUBTASK_RETURNED) {
          p->fired = true;
        } else {
          p->subtask = WB_SUBTASK_HANDLE(st);
          wb_pending_add(p->subtask, on_timer, p);
        }
      }
      return;
    case P_READER:
      wb_reader_prepare(p->rd);
      return;
    case P_WRITER:
      wb_writer_prepare(p->wr);
      return;
  }
  WB_TRAP();
}

static struct pollable *get(uint32_t h) { return wb_handle_get(h, WB_KIND_POLLABLE); }

// ready: func() -> bool
WB_EXPORT("wasi:io/poll#[method]pollable.ready")
uint32_t pollable_ready(uint32_t self) {
  struct pollable *p = get(self);
  wb_poll_ready();
  return is_ready(p);
}

// block: func()
WB_EXPORT("wasi:io/poll#[method]pollable.block")
void pollable_block(uint32_t self) {
  struct pollable *p = get(self);
  for (;;) {
    wb_poll_ready();
    if (is_ready(p)) return;
    prepare(p);
    if (is_ready(p)) return;
    wb_wait_one();
  }
}

// poll: func(in: list<borrow<pollable>>) -> list<u32>
WB_EXPORT("wasi:io/poll#poll")
void poll(uint32_t list_ptr, uint32_t list_len, uint32_t retptr, uint32_t slot) {
  wb_check(list_len != 0);  // 0.2: an empty list traps
  wb_check(list_len <= (1u << 26));
  uint32_t *handles = wb_alloc(list_len * 4);
  wb_copy_in(handles, list_ptr, list_len * 4);
  struct pollable **ps = wb_alloc(list_len * sizeof *ps);
  for (uint32_t i = 0; i < list_len; i++) ps[i] = get(handles[i]);

  uint32_t *ready = handles;  // reused for the result indices
  uint32_t n = 0;
  for (bool prepared = false;;) {
    wb_poll_ready();
    for (uint32_t i = 0; i < list_len; i++) {
      if (is_ready(ps[i])) ready[n++] = i;
    }
    if (n) break;
    if (prepared) {
      wb_wait_one();
      prepared = false;
    } else {
      for (uint32_t i = 0; i < list_len; i++) prepare(ps[i]);
      prepared = true;  // re-check once before blocking
    }
  }
  uint8_t area[8];
  wb_put32(area, wb_out_bytes(slot, 4, ready, n * 4));
  wb_put32(area + 4, n);
  wb_copy_out(retptr, area, 8);
  wb_free(ps);
  wb_free(handles);
}

// A timer nobody waits for any more: cancel the wait-until call.
static void cancel_timer(struct pollable *p) {
  if (!p->subtask) return;
  wb_pending_remove(p->subtask);  // a joined waitable must not be cancelled synchronously
  (void)wb_subtask_cancel(p->subtask);
  wb_subtask_drop(p->subtask);
  p->subtask = 0;
}

void wb_pollables_cancel_all(void) {
  for (struct pollable *p = live; p; p = p->next) cancel_timer(p);
}

WB_EXPORT("wasi:io/poll#[resource-drop]pollable")
void pollable_drop(uint32_t self) {
  struct pollable *p = wb_handle_take(self, WB_KIND_POLLABLE);
  cancel_timer(p);
  if (p->prev) {
    p->prev->next = p->next;
  } else {
    live = p->next;
  }
  if (p->next) p->next->prev = p->prev;
  if (p->rd) wb_reader_unref(p->rd);
  if (p->wr) wb_writer_unref(p->wr);
  wb_free(p);
}
