// Byte streams: the shim-side state behind 0.2 input-stream / output-stream.
//
// A 0.3 byte source or sink is a stream<u8> end plus a
// future<result<_, error-code>>. The canon built-ins for them are typed per
// 0.3 function, so each source (stdin, stdout, a file, ...) supplies an ops
// table naming its own imports.
#ifndef WB_STREAM_H
#define WB_STREAM_H

#include "common.h"
#include "io_error.h"

// Internal stream status, mapped to 0.2 stream-error by the callers.
enum {
  WB_ST_OK = 0,       // open
  WB_ST_PENDING,      // the other end is gone, the result future has not resolved
  WB_ST_FAILED,       // last-operation-failed(error): reported once
  WB_ST_CLOSED,       // closed
};

struct wb_future_ops {
  uint32_t (*read)(uint32_t fut, void *buf);  // async future.read
  uint32_t (*cancel_read)(uint32_t fut);      // sync future.cancel-read
  void (*drop)(uint32_t fut);                 // future.drop-readable
  // Decodes a delivered result<_, error-code> (frees any string in it).
  struct wb_errval (*decode)(uint8_t *value);
};

struct wb_writer;

struct wb_stream_ops {
  uint32_t (*copy)(uint32_t end, void *buf, uint32_t len);  // async stream.read or .write
  uint32_t (*cancel)(uint32_t end);                         // sync cancel of that copy
  void (*drop)(uint32_t end);                               // drop this end
  const struct wb_future_ops *fut;
  // Writers of files only: open a new 0.3 stream (and result future) into
  // wr->w / wr->res, continuing at wr->offset (see wb_writer.parked).
  void (*reopen)(struct wb_writer *wr);
};

// The result future that tells "closed" from "failed" once a stream ends.
struct wb_result_future {
  const struct wb_future_ops *ops;
  uint32_t fut;      // readable end; 0 once dropped
  bool pending;      // async future.read in flight
  bool done;         // value received (or abandoned)
  struct wb_errval err;
  _Alignas(8) uint8_t value[24];  // future.read target: largest result<_, E> is 20 bytes
};

void wb_future_init(struct wb_result_future *f, const struct wb_future_ops *ops, uint32_t fut);
void wb_future_start(struct wb_result_future *f);    // start reading; never blocks
void wb_future_wait(struct wb_result_future *f);     // block until done
void wb_future_discard(struct wb_result_future *f);  // cancel + drop without waiting
// OK is never returned: PENDING (not resolved, only when !block), FAILED, CLOSED.
uint32_t wb_future_status(struct wb_result_future *f, bool *reported, bool block,
                          uint32_t *err);

// ---- input (0.2 input-stream over a readable stream<u8>) ----
struct wb_reader {
  const struct wb_stream_ops *ops;
  uint32_t refs;     // handles + pollables
  uint32_t r;        // readable end; 0 once dropped
  uint8_t *buf;
  uint32_t cap, head, tail;  // buffered bytes: buf[head..tail)
  bool reading;      // async stream.read into buf in flight
  bool ended;        // writer dropped its end: the result future decides
  bool err_reported;
  bool shared;       // stdin: never closed by a handle drop
  struct wb_result_future res;
  struct wb_reader *next, *prev;  // all live readers (for wb:shim#finish)
};

struct wb_reader *wb_reader_new(const struct wb_stream_ops *ops, uint32_t r, uint32_t fut,
                                bool shared);
void wb_reader_kick(struct wb_reader *rd);  // start a read if nothing is buffered
uint32_t wb_reader_avail(const struct wb_reader *rd);
// Status once nothing is buffered; *err gets a new error handle for FAILED.
uint32_t wb_reader_status(struct wb_reader *rd, bool block, uint32_t *err);
bool wb_reader_ready(struct wb_reader *rd);    // for pollables
void wb_reader_prepare(struct wb_reader *rd);  // make sure an event will come
void wb_reader_close(struct wb_reader *rd);    // cancel + drop both ends
void wb_reader_unref(struct wb_reader *rd);
void wb_reader_close_all(void);

// ---- output (0.2 output-stream over a writable stream<u8>) ----
struct wb_writer {
  const struct wb_stream_ops *ops;
  uint32_t refs;     // handles + pollables
  uint32_t w;        // writable end; 0 once dropped
  uint8_t *buf;
  uint32_t cap, head, tail;  // buffered bytes: buf[head..tail)
  uint32_t inflight; // length of the async stream.write from buf+head, 0 = none
  uint32_t permit;   // what the guest may still `write` after its check-write
  bool flushing;     // flush requested: no more writes accepted until drained
  bool broken;       // reader dropped its end: the result future decides
  bool err_reported;
  bool shared;       // stdout/stderr: stays open when a handle is dropped
  // stdout/stderr: buffered bytes are drained before the shim blocks on
  // anything else, and before bytes go to the other one of the two
  // (wb_writer_drain_stdio), so the host sees them in program order.
  bool stdio;
  // stdout: write-behind. A flush (blocking or not) does not wait: bytes in
  // buf count as flushed; they go out by async stream.write in the
  // background. A write waits only while buf is full.
  bool behind;
  // File writers (ops->reopen): a 0.3 host may still be writing bytes it took
  // from the stream, so a flush ends the stream and waits for its result
  // future; the next write opens a new stream ("segment").
  bool parked;       // segment ended by a flush, none open; res: its future
  bool dirty;        // bytes were written in the current segment
  bool append;       // reopen with append-via-stream
  uint32_t fd;       // 0.3 descriptor (borrowed)
  uint64_t offset;   // file offset of the next byte (write-via-stream)
  struct wb_result_future res;
  struct wb_writer *next, *prev;  // all live writers (for wb:shim#finish)
};

enum {
  WB_WRITER_SHARED = 1,  // wb_writer.shared
  WB_WRITER_STDIO = 2,   // wb_writer.stdio
  WB_WRITER_BEHIND = 4,  // wb_writer.behind (bigger buffer: WB_BEHIND_BUF)
};
struct wb_writer *wb_writer_new(const struct wb_stream_ops *ops, uint32_t w, uint32_t fut,
                                uint32_t flags);
void wb_writer_kick(struct wb_writer *wr);     // start writing buffered bytes
uint32_t wb_writer_space(struct wb_writer *wr); // free buffer space (0 while flushing)
bool wb_writer_open(const struct wb_writer *wr);  // not ended (a parked writer is open)
bool wb_writer_flush_pending(const struct wb_writer *wr);  // `flush` has work left
uint32_t wb_writer_status(struct wb_writer *wr, bool block, uint32_t *err);
void wb_writer_drain(struct wb_writer *wr);  // block until the buffer is written
// Blocking flush; returns the final status (OK, FAILED, CLOSED). A
// write-behind writer does not wait: its buffer counts as flushed.
uint32_t wb_writer_flush_blocking(struct wb_writer *wr, uint32_t *err);
// Block until every stdio writer except `except` (may be NULL) has no
// buffered bytes left (or ended). True if that had to wait. Called by
// wb_wait_one before any blocking wait, and before a write to stdout or
// stderr (so the two keep the order the program wrote them in).
bool wb_writer_drain_stdio(struct wb_writer *except);
bool wb_writer_ready(struct wb_writer *wr);
void wb_writer_prepare(struct wb_writer *wr);
void wb_writer_close(struct wb_writer *wr);    // flush, drop the end, await the future
void wb_writer_unref(struct wb_writer *wr);
void wb_writer_close_all(void);

#define WB_STREAM_BUF (65536u - 16u)  // one 64 KiB heap block with its header
#define WB_BEHIND_BUF ((1u << 20) - 16u)  // write-behind (stdout): one 1 MiB block

#endif
