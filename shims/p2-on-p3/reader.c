// 0.2 input-stream semantics over a readable stream<u8>: one async read into
// a shim buffer at a time; `read` hands out what is buffered and never blocks.
#include "alloc.h"
#include "canon.h"
#include "stream.h"
#include "wait.h"

static struct wb_reader *live;

struct wb_reader *wb_reader_new(const struct wb_stream_ops *ops, uint32_t r, uint32_t fut,
                                bool shared) {
  struct wb_reader *rd = wb_alloc_zeroed(sizeof *rd);
  rd->ops = ops;
  rd->refs = 1;
  rd->r = r;
  rd->buf = wb_alloc(WB_STREAM_BUF);
  rd->cap = WB_STREAM_BUF;
  rd->shared = shared;
  wb_future_init(&rd->res, ops->fut, fut);
  rd->next = live;
  if (live) live->prev = rd;
  live = rd;
  return rd;
}

static void read_done(struct wb_reader *rd, uint32_t st) {
  rd->reading = false;
  rd->tail += WB_COPY_COUNT(st);
  if (WB_COPY_RESULT(st) == WB_COPY_DROPPED) {
    // End of stream (or error): the future says which.
    rd->ended = true;
    rd->ops->drop(rd->r);
    rd->r = 0;
    wb_future_start(&rd->res);
  }
}

static void on_read(void *ctx, uint32_t code, uint32_t payload) {
  wb_check(code == WB_EVENT_STREAM_READ);
  read_done(ctx, payload);
}

void wb_reader_kick(struct wb_reader *rd) {
  if (rd->reading || rd->ended || !rd->r || rd->head != rd->tail) return;
  rd->head = rd->tail = 0;
  uint32_t st = rd->ops->copy(rd->r, rd->buf, rd->cap);
  if (st == WB_BLOCKED) {
    rd->reading = true;
    wb_pending_add(rd->r, on_read, rd);
  } else {
    read_done(rd, st);
  }
}

uint32_t wb_reader_avail(const struct wb_reader *rd) { return rd->tail - rd->head; }

uint32_t wb_reader_status(struct wb_reader *rd, bool block, uint32_t *err) {
  if (!rd->ended) return rd->r ? WB_ST_OK : WB_ST_CLOSED;
  return wb_future_status(&rd->res, &rd->err_reported, block, err);
}

bool wb_reader_ready(struct wb_reader *rd) {
  if (wb_reader_avail(rd)) return true;
  if (rd->ended) return rd->res.done;
  return rd->r == 0;
}

void wb_reader_prepare(struct wb_reader *rd) {
  wb_reader_kick(rd);
  if (rd->ended) wb_future_start(&rd->res);
}

void wb_reader_close(struct wb_reader *rd) {
  if (rd->reading) {
    wb_pending_remove(rd->r);
    (void)rd->ops->cancel(rd->r);  // bytes that still arrived are discarded
    rd->reading = false;
  }
  if (rd->r) rd->ops->drop(rd->r);
  rd->r = 0;
  rd->ended = true;
  wb_future_discard(&rd->res);
  rd->head = rd->tail = 0;
}

void wb_reader_unref(struct wb_reader *rd) {
  wb_check(rd->refs > 0);
  if (--rd->refs) return;
  wb_reader_close(rd);
  if (rd->prev) {
    rd->prev->next = rd->next;
  } else {
    live = rd->next;
  }
  if (rd->next) rd->next->prev = rd->prev;
  wb_free(rd->buf);
  wb_free(rd);
}

void wb_reader_close_all(void) {
  for (struct wb_reader *rd = live; rd; rd = rd->next) wb_reader_close(rd);
}
