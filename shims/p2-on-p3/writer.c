// 0.2 output-stream semantics over a writable stream<u8>.
//
// Bytes are appended to a shim buffer and written with async stream.write as
// soon as possible (eagerly, so readiness never depends on a flush). At most
// one write is in flight, always from buf+head; new bytes go after tail.
//
// stdout and stderr (wb_writer.stdio) are drained before the shim blocks on
// anything else (wb_wait_one) and before the other one of the two is
// written. stdout is also write-behind (wb_writer.behind): a flush does not
// wait for the host.
#include "alloc.h"
#include "canon.h"
#include "stream.h"
#include "wait.h"

static struct wb_writer *live;

struct wb_writer *wb_writer_new(const struct wb_stream_ops *ops, uint32_t w, uint32_t fut,
                                uint32_t flags) {
  struct wb_writer *wr = wb_alloc_zeroed(sizeof *wr);
  wr->ops = ops;
  wr->refs = 1;
  wr->w = w;
  wr->shared = (flags & WB_WRITER_SHARED) != 0;
  wr->stdio = (flags & WB_WRITER_STDIO) != 0;
  wr->behind = (flags & WB_WRITER_BEHIND) != 0;
  wr->cap = wr->behind ? WB_BEHIND_BUF : WB_STREAM_BUF;
  wr->buf = wb_alloc(wr->cap);
  wb_future_init(&wr->res, ops->fut, fut);
  wr->next = live;
  if (live) live->prev = wr;
  live = wr;
  return wr;
}

// Move the buffered bytes to the front. Only while no write is in flight
// (the in-flight region must not move).
static void compact(struct wb_writer *wr) {
  if (wr->inflight || !wr->head) return;
  __builtin_memmove(wr->buf, wr->buf + wr->head, wr->tail - wr->head);
  wr->tail -= wr->head;
  wr->head = 0;
}

// Account for a finished stream.write of the in-flight region.
static void advance(struct wb_writer *wr, uint32_t st) {
  wr->inflight = 0;
  wr->head += WB_COPY_COUNT(st);
  wr->offset += WB_COPY_COUNT(st);
  if (WB_COPY_COUNT(st)) wr->dirty = true;
  wb_check(wr->head <= wr->tail);
  if (wr->head == wr->tail) wr->head = wr->tail = 0;
  if (WB_COPY_RESULT(st) == WB_COPY_DROPPED) {
    // The reader is gone: nothing more can be written. The future tells
    // whether that was an error.
    wr->broken = true;
    wr->head = wr->tail = 0;
    wr->permit = 0;
    wr->ops->drop(wr->w);
    wr->w = 0;
    wb_future_start(&wr->res);
  }
}

// End the current segment of a file writer (everything buffered was taken):
// the host finishes writing and then resolves the future, now being read.
static void park(struct wb_writer *wr) {
  wr->ops->drop(wr->w);
  wr->w = 0;
  wr->parked = true;
  wr->dirty = false;
  wb_future_start(&wr->res);
}

// A parked writer whose segment future resolved with an error is broken
// (the error is reported by wb_writer_status). True while still unresolved.
static bool park_pending(struct wb_writer *wr) {
  if (!wr->parked) return false;
  wb_future_start(&wr->res);
  if (!wr->res.done) return true;
  if (wr->res.err.domain != WB_ERR_NONE) {
    wr->parked = false;
    wr->broken = true;
    wr->head = wr->tail = 0;
    wr->permit = 0;
  }
  return false;
}

bool wb_writer_open(const struct wb_writer *wr) { return !wr->broken && (wr->w || wr->parked); }

bool wb_writer_flush_pending(const struct wb_writer *wr) {
  if (wr->behind) return false;  // buffered bytes count as flushed
  return wr->head < wr->tail || (wr->ops->reopen && wr->w && wr->dirty);
}

static void on_write(void *ctx, uint32_t code, uint32_t payload) {
  wb_check(code == WB_EVENT_STREAM_WRITE);
  struct wb_writer *wr = ctx;
  advance(wr, payload);
  // A write-behind writer nearly always has a write in flight, so
  // wb_writer_space rarely gets to compact: free the consumed front here,
  // once it is at least half the buffer (each byte moves at most once).
  if (wr->behind && wr->head >= wr->cap / 2) compact(wr);
  wb_writer_kick(wr);  // keep the pump going with what is left
}

void wb_writer_kick(struct wb_writer *wr) {
  if (wr->parked && wr->head < wr->tail && !park_pending(wr) && wr->parked) {
    wr->ops->reopen(wr);  // new segment at wr->offset
    wr->parked = false;
  }
  while (!wr->inflight && !wr->broken && wr->w && wr->head < wr->tail) {
    uint32_t len = wr->tail - wr->head;
    uint32_t st = wr->ops->copy(wr->w, wr->buf + wr->head, len);
    if (st == WB_BLOCKED) {
      wr->inflight = len;
      wb_pending_add(wr->w, on_write, wr);
      return;
    }
    advance(wr, st);
    // Defensive: a non-empty write never completes empty, but never spin.
    if (WB_COPY_COUNT(st) == 0) return;
  }
}

uint32_t wb_writer_space(struct wb_writer *wr) {
  if (park_pending(wr) || !wb_writer_open(wr)) return 0;
  if (wr->flushing) {
    if (wr->head < wr->tail) return 0;
    if (wr->ops->reopen && wr->w && wr->dirty) park(wr);
    if (park_pending(wr) || wr->broken) return 0;
    wr->flushing = false;
  }
  compact(wr);
  return wr->cap - wr->tail;
}

uint32_t wb_writer_status(struct wb_writer *wr, bool block, uint32_t *err) {
  if (wr->parked) {
    if (block) wb_future_wait(&wr->res);
    (void)park_pending(wr);  // may break it
  }
  if (!wr->broken) return wb_writer_open(wr) ? WB_ST_OK : WB_ST_CLOSED;
  return wb_future_status(&wr->res, &wr->err_reported, block, err);
}

// Block until every buffered byte was taken by the reader (or it went away).
void wb_writer_drain(struct wb_writer *wr) {
  for (;;) {
    wb_writer_kick(wr);  // also reopens a parked writer once its future resolved
    if (!wb_writer_open(wr) || wr->head == wr->tail) return;
    wb_wait_one();
  }
}

uint32_t wb_writer_flush_blocking(struct wb_writer *wr, uint32_t *err) {
  if (wr->behind) {
    wb_writer_kick(wr);
    return wb_writer_status(wr, true, err);  // waits only for a broken stream's future
  }
  wb_writer_drain(wr);
  if (wr->ops->reopen && wr->w && wr->dirty && !wr->broken) park(wr);
  return wb_writer_status(wr, true, err);  // waits for a parked segment's future
}

bool wb_writer_ready(struct wb_writer *wr) {
  if (park_pending(wr)) return false;
  if (wr->broken) return wr->res.done;
  return !wb_writer_open(wr) || wb_writer_space(wr) > 0;
}

void wb_writer_prepare(struct wb_writer *wr) {
  (void)wb_writer_space(wr);  // a drained `flush` of a file writer parks it
  wb_writer_kick(wr);
  if (wr->broken || wr->parked) wb_future_start(&wr->res);
}

bool wb_writer_drain_stdio(struct wb_writer *except) {
  bool waited = false;
  for (struct wb_writer *wr = live; wr; wr = wr->next) {
    if (!wr->stdio || wr == except) continue;
    for (;;) {
      wb_writer_kick(wr);
      if (!wb_writer_open(wr) || wr->head == wr->tail) break;
      wb_wait_event();  // not wb_wait_one: that would come back here
      waited = true;
    }
  }
  return waited;
}

void wb_writer_close(struct wb_writer *wr) {
  wb_writer_drain(wr);
  if (wr->w) {
    wr->ops->drop(wr->w);  // end of stream for the host
    wr->w = 0;
  }
  wr->parked = false;
  wb_future_wait(&wr->res);  // the host has consumed everything; error ignored
  wr->head = wr->tail = 0;
}

void wb_writer_unref(struct wb_writer *wr) {
  wb_check(wr->refs > 0);
  if (--wr->refs) return;
  wb_writer_close(wr);
  if (wr->prev) {
    wr->prev->next = wr->next;
  } else {
    live = wr->next;
  }
  if (wr->next) wr->next->prev = wr->prev;
  wb_free(wr->buf);
  wb_free(wr);
}

void wb_writer_close_all(void) {
  for (struct wb_writer *wr = live; wr; wr = wr->next) wb_writer_close(wr);
}
