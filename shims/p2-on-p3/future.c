// The future<result<_, error-code>> that accompanies every 0.3 byte stream.
#include "alloc.h"
#include "canon.h"
#include "stream.h"
#include "wait.h"

void wb_future_init(struct wb_result_future *f, const struct wb_future_ops *ops, uint32_t fut) {
  __builtin_memset(f, 0, sizeof *f);
  f->ops = ops;
  f->fut = fut;
}

static void complete(struct wb_result_future *f, uint32_t st) {
  f->pending = false;
  // A host future is always written before its writer goes away, so DROPPED
  // should not happen; if it does, report plain `closed`.
  if (WB_COPY_RESULT(st) == WB_COPY_COMPLETED) f->err = f->ops->decode(f->value);
  f->ops->drop(f->fut);
  f->fut = 0;
  f->done = true;
}

static void on_read(void *ctx, uint32_t code, uint32_t payload) {
  wb_check(code == WB_EVENT_FUTURE_READ);
  complete(ctx, payload);
}

void wb_future_start(struct wb_result_future *f) {
  if (f->done || f->pending) return;
  if (!f->fut) {
    f->done = true;
    return;
  }
  uint32_t st = f->ops->read(f->fut, f->value);
  if (st == WB_BLOCKED) {
    f->pending = true;
    wb_pending_add(f->fut, on_read, f);
  } else {
    complete(f, st);
  }
}

void wb_future_wait(struct wb_result_future *f) {
  wb_future_start(f);
  while (!f->done) wb_wait_one();
}

void wb_future_discard(struct wb_result_future *f) {
  if (f->done) return;
  if (f->pending) {
    // Leave the set first: a synchronous cancel on a joined waitable traps.
    wb_pending_remove(f->fut);
    uint32_t st = f->ops->cancel_read(f->fut);
    f->pending = false;
    if (WB_COPY_RESULT(st) == WB_COPY_COMPLETED) (void)f->ops->decode(f->value);
  }
  if (f->fut) f->ops->drop(f->fut);  // a reader may drop a future early
  f->fut = 0;
  f->done = true;
}

// Status of a stream whose other end is gone: the error is reported once
// (last-operation-failed), `closed` ever after.
uint32_t wb_future_status(struct wb_result_future *f, bool *reported, bool block,
                          uint32_t *err) {
  if (block) {
    wb_future_wait(f);
  } else {
    wb_future_start(f);
  }
  if (!f->done) return WB_ST_PENDING;
  if (f->err.domain != WB_ERR_NONE && !*reported) {
    *reported = true;
    *err = wb_error_new(f->err);
    return WB_ST_FAILED;
  }
  return WB_ST_CLOSED;
}
