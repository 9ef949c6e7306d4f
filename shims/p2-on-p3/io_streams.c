// wasi:io/streams: input-stream and output-stream methods.
//
// Result layouts (canonical ABI, written to the caller's return area):
//   result<list<u8>, stream-error>  size 12: tag@0, list ptr@4 len@8 | error tag@4 handle@8
//   result<u64, stream-error>       size 16: tag@0, u64@8 | error tag@8 handle@12
//   result<_, stream-error>         size 12: tag@0, error tag@4 handle@8
// stream-error: 0 = last-operation-failed(own<error>), 1 = closed.
#include "alloc.h"
#include "bridge.h"
#include "handles.h"
#include "io_poll.h"
#include "stream.h"
#include "wait.h"

// Writes `result::err(stream-error)` for a FAILED/CLOSED status at `area`,
// with the stream-error at `area + payload`.
static void put_err(uint8_t *area, uint32_t payload, uint32_t st, uint32_t err) {
  wb_put8(area, 1);
  if (st == WB_ST_FAILED) {
    wb_put8(area + payload, 0);
    wb_put32(area + payload + 4, err);
  } else {
    wb_put8(area + payload, 1);
  }
}

static struct wb_reader *in(uint32_t h) { return wb_handle_get(h, WB_KIND_INPUT_STREAM); }
static struct wb_writer *out(uint32_t h) { return wb_handle_get(h, WB_KIND_OUTPUT_STREAM); }

// ---------------------------------------------------------------- input

// Returns up to `len` buffered bytes as ok(list), or the end-of-stream error.
// With `block`, waits until at least one byte or the end (unless len == 0).
static void do_read(struct wb_reader *rd, uint64_t len, bool block, uint32_t retptr,
                    uint32_t slot) {
  uint8_t area[12] = {0};
  for (;;) {
    wb_poll_ready();
    if (!wb_reader_avail(rd)) wb_reader_kick(rd);
    uint32_t avail = wb_reader_avail(rd);
    uint32_t err = 0;
    uint32_t st = avail ? WB_ST_OK : wb_reader_status(rd, false, &err);
    if (st == WB_ST_FAILED || st == WB_ST_CLOSED) {
      put_err(area, 4, st, err);
      break;
    }
    if (avail || len == 0 || !block) {  // data, or ok(empty) with a read left pending
      uint32_t n = wb_clamp64(len, avail);
      wb_put32(area + 4, wb_out_bytes(slot, 1, rd->buf + rd->head, n));
      wb_put32(area + 8, n);
      rd->head += n;
      break;
    }
    wb_reader_prepare(rd);
    wb_wait_one();
  }
  wb_copy_out(retptr, area, 12);
}

static void do_skip(struct wb_reader *rd, uint64_t len, bool block, uint32_t retptr) {
  uint8_t area[16] = {0};
  for (;;) {
    wb_poll_ready();
    if (!wb_reader_avail(rd)) wb_reader_kick(rd);
    uint32_t avail = wb_reader_avail(rd);
    uint32_t err = 0;
    uint32_t st = avail ? WB_ST_OK : wb_reader_status(rd, false, &err);
    if (st == WB_ST_FAILED || st == WB_ST_CLOSED) {
      put_err(area, 8, st, err);
      break;
    }
    if (avail || len == 0 || !block) {
      uint32_t n = wb_clamp64(len, avail);
      rd->head += n;
      wb_put64(area + 8, n);
      break;
    }
    wb_reader_prepare(rd);
    wb_wait_one();
  }
  wb_copy_out(retptr, area, 16);
}

// read: func(len: u64) -> result<list<u8>, stream-error>
WB_EXPORT("wasi:io/streams#[method]input-stream.read")
void input_stream_read(uint32_t self, uint64_t len, uint32_t retptr, uint32_t slot) {
  do_read(in(self), len, false, retptr, slot);
}

// blocking-read: func(len: u64) -> result<list<u8>, stream-error>
WB_EXPORT("wasi:io/streams#[method]input-stream.blocking-read")
void input_stream_blocking_read(uint32_t self, uint64_t len, uint32_t retptr, uint32_t slot) {
  do_read(in(self), len, true, retptr, slot);
}

// skip: func(len: u64) -> result<u64, stream-error>
WB_EXPORT("wasi:io/streams#[method]input-stream.skip")
void input_stream_skip(uint32_t self, uint64_t len, uint32_t retptr) {
  do_skip(in(self), len, false, retptr);
}

// blocking-skip: func(len: u64) -> result<u64, stream-error>
WB_EXPORT("wasi:io/streams#[method]input-stream.blocking-skip")
void input_stream_blocking_skip(uint32_t self, uint64_t len, uint32_t retptr) {
  do_skip(in(self), len, true, retptr);
}

// subscribe: func() -> pollable
WB_EXPORT("wasi:io/streams#[method]input-stream.subscribe")
uint32_t input_stream_subscribe(uint32_t self) { return wb_pollable_new_reader(in(self)); }

WB_EXPORT("wasi:io/streams#[resource-drop]input-stream")
void input_stream_drop(uint32_t self) {
  wb_reader_unref(wb_handle_take(self, WB_KIND_INPUT_STREAM));
}

// ---------------------------------------------------------------- output

// Status before an operation that needs an open stream. If the reader went
// away just now, wait for the result future (it resolves together with the
// drop) so the error is not lost.
static bool out_ok(struct wb_writer *wr, uint8_t *area, uint32_t payload) {
  uint32_t err = 0;
  uint32_t st = wb_writer_status(wr, true, &err);
  if (st == WB_ST_OK) return true;
  put_err(area, payload, st, err);
  return false;
}

// Before bytes go into a writer: harvest finished writes, and for stdout or
// stderr first drain the other one's buffer, so the host gets the two
// streams' bytes in the order the program wrote them.
static void before_write(struct wb_writer *wr) {
  wb_poll_ready();
  if (wr->stdio) (void)wb_writer_drain_stdio(wr);
}

// Blocks until `need` bytes of buffer space are free (or the stream ended).
// A full write-behind buffer waits only for its own writes to progress
// (wb_wait_one would drain it completely).
static bool wait_space(struct wb_writer *wr, uint32_t need) {
  for (;;) {
    wb_poll_ready();
    if (!wb_writer_open(wr)) return false;
    if (wb_writer_space(wr) >= need) return true;
    wb_writer_kick(wr);
    if (wr->behind) {
      wb_wait_event();
    } else {
      wb_wait_one();
    }
  }
}

// Appends `len` bytes (from caller memory at `src`, or zeroes) and starts
// writing them. Blocks only while the buffer is full.
static bool append(struct wb_writer *wr, uint32_t src, bool zeroes, uint64_t len) {
  while (len) {
    if (!wait_space(wr, 1)) return false;
    uint32_t n = wb_clamp64(len, wb_writer_space(wr));
    if (zeroes) {
      __builtin_memset(wr->buf + wr->tail, 0, n);
    } else {
      wb_copy_in(wr->buf + wr->tail, src, n);
      src += n;
    }
    wr->tail += n;
    len -= n;
    wb_writer_kick(wr);
  }
  return true;
}

// check-write: func() -> result<u64, stream-error>
WB_EXPORT("wasi:io/streams#[method]output-stream.check-write")
void output_stream_check_write(uint32_t self, uint32_t retptr) {
  struct wb_writer *wr = out(self);
  uint8_t area[16] = {0};
  wb_poll_ready();  // harvest completed writes without blocking
  uint32_t err = 0;
  uint32_t st = wb_writer_status(wr, false, &err);
  if (st == WB_ST_OK || st == WB_ST_PENDING) {
    wr->permit = st == WB_ST_OK ? wb_writer_space(wr) : 0;
    wb_put64(area + 8, wr->permit);
  } else {
    put_err(area, 8, st, err);
  }
  wb_copy_out(retptr, area, 16);
}

// Shared by write and write-zeroes: the 0.2 contract traps past the permit.
static void write_common(uint32_t self, uint32_t src, bool zeroes, uint64_t len,
                         uint32_t retptr) {
  struct wb_writer *wr = out(self);
  uint8_t area[12] = {0};
  before_write(wr);
  if (out_ok(wr, area, 4)) {
    wb_check(len <= wr->permit);
    wr->permit -= (uint32_t)len;
    // The permit came from free space, so this does not block unless the
    // guest mixed in blocking calls since its check-write.
    if (!append(wr, src, zeroes, len)) (void)out_ok(wr, area, 4);
  }
  wb_copy_out(retptr, area, 12);
}

// write: func(contents: list<u8>) -> result<_, stream-error>
WB_EXPORT("wasi:io/streams#[method]output-stream.write")
void output_stream_write(uint32_t self, uint32_t ptr, uint32_t len, uint32_t retptr) {
  write_common(self, ptr, false, len, retptr);
}

// write-zeroes: func(len: u64) -> result<_, stream-error>
WB_EXPORT("wasi:io/streams#[method]output-stream.write-zeroes")
void output_stream_write_zeroes(uint32_t self, uint64_t len, uint32_t retptr) {
  write_common(self, 0, true, len, retptr);
}

// Appends then flushes, blocking. Any length is accepted (0.2 promises
// 4096; taking more is harmless). stdout (write-behind) returns once the
// bytes are buffered.
static void write_and_flush(uint32_t self, uint32_t src, bool zeroes, uint64_t len,
                            uint32_t retptr) {
  struct wb_writer *wr = out(self);
  uint8_t area[12] = {0};
  before_write(wr);
  if (out_ok(wr, area, 4)) {
    (void)append(wr, src, zeroes, len);
    uint32_t err = 0;
    uint32_t st = wb_writer_flush_blocking(wr, &err);
    if (st != WB_ST_OK) put_err(area, 4, st, err);
  }
  wb_copy_out(retptr, area, 12);
}

// blocking-write-and-flush: func(contents: list<u8>) -> result<_, stream-error>
WB_EXPORT("wasi:io/streams#[method]output-stream.blocking-write-and-flush")
void output_stream_blocking_write_and_flush(uint32_t self, uint32_t ptr, uint32_t len,
                                            uint32_t retptr) {
  write_and_flush(self, ptr, false, len, retptr);
}

// blocking-write-zeroes-and-flush: func(len: u64) -> result<_, stream-error>
WB_EXPORT("wasi:io/streams#[method]output-stream.blocking-write-zeroes-and-flush")
void output_stream_blocking_write_zeroes_and_flush(uint32_t self, uint64_t len,
                                                   uint32_t retptr) {
  write_and_flush(self, 0, true, len, retptr);
}

// flush: func() -> result<_, stream-error>
WB_EXPORT("wasi:io/streams#[method]output-stream.flush")
void output_stream_flush(uint32_t self, uint32_t retptr) {
  struct wb_writer *wr = out(self);
  uint8_t area[12] = {0};
  if (out_ok(wr, area, 4)) {
    wr->flushing = wb_writer_flush_pending(wr);  // check-write is 0 until done
    wr->permit = 0;
    wb_writer_kick(wr);
  }
  wb_copy_out(retptr, area, 12);
}

// blocking-flush: func() -> result<_, stream-error>
WB_EXPORT("wasi:io/streams#[method]output-stream.blocking-flush")
void output_stream_blocking_flush(uint32_t self, uint32_t retptr) {
  struct wb_writer *wr = out(self);
  uint8_t area[12] = {0};
  if (out_ok(wr, area, 4)) {
    uint32_t err = 0;
    uint32_t st = wb_writer_flush_blocking(wr, &err);
    if (st != WB_ST_OK) put_err(area, 4, st, err);
  }
  wb_copy_out(retptr, area, 12);
}

// subscribe: func() -> pollable
WB_EXPORT("wasi:io/streams#[method]output-stream.subscribe")
uint32_t output_stream_subscribe(uint32_t self) { return wb_pollable_new_writer(out(self)); }

// splice: check-write, read from src up to that, write (0.2 definition).
static void do_splice(uint32_t self, uint32_t src, uint64_t len, bool block, uint32_t retptr) {
  struct wb_writer *wr = out(self);
  struct wb_reader *rd = in(src);
  uint8_t area[16] = {0};
  uint32_t err = 0, st;
  before_write(wr);
  for (;;) {
    wb_poll_ready();
    if (!out_ok(wr, area, 8)) goto done;
    uint32_t space = wb_writer_space(wr);
    if (!wb_reader_avail(rd)) wb_reader_kick(rd);
    uint32_t avail = wb_reader_avail(rd);
    if (!avail && len) {
      st = wb_reader_status(rd, false, &err);
      if (st == WB_ST_FAILED || st == WB_ST_CLOSED) {
        put_err(area, 8, st, err);
        goto done;
      }
    }
    if (!block || len == 0 || (space && avail)) {
      uint32_t n = wb_min32(wb_clamp64(len, space), avail);
      __builtin_memcpy(wr->buf + wr->tail, rd->buf + rd->head, n);
      wr->tail += n;
      rd->head += n;
      wr->permit = 0;  // any earlier permit no longer matches the buffer
      wb_writer_kick(wr);
      wb_put64(area + 8, n);
      goto done;
    }
    if (!space) wb_writer_prepare(wr);
    if (!avail) wb_reader_prepare(rd);
    wb_wait_one();
  }
done:
  wb_copy_out(retptr, area, 16);
}

// splice: func(src: borrow<input-stream>, len: u64) -> result<u64, stream-error>
WB_EXPORT("wasi:io/streams#[method]output-stream.splice")
void output_stream_splice(uint32_t self, uint32_t src, uint64_t len, uint32_t retptr) {
  do_splice(self, src, len, false, retptr);
}

// blocking-splice: func(src: borrow<input-stream>, len: u64) -> result<u64, stream-error>
WB_EXPORT("wasi:io/streams#[method]output-stream.blocking-splice")
void output_stream_blocking_splice(uint32_t self, uint32_t src, uint64_t len,
                                   uint32_t retptr) {
  do_splice(self, src, len, true, retptr);
}

// Dropping a handle flushes what it wrote. File streams are also closed
// (end of stream, result future awaited); stdout/stderr stay open because
// every get-stdout() shares one 0.3 stream.
WB_EXPORT("wasi:io/streams#[resource-drop]output-stream")
void output_stream_drop(uint32_t self) {
  struct wb_writer *wr = wb_handle_take(self, WB_KIND_OUTPUT_STREAM);
  if (wr->shared) {
    wb_writer_drain(wr);
  } else {
    wb_writer_close(wr);
  }
  wb_writer_unref(wr);
}
