// wasi:filesystem/types: byte streams, positional read/write, directory
// listing, filesystem-error-code.
#include "alloc.h"
#include "bridge.h"
#include "canon.h"
#include "handles.h"
#include "p3_fs.h"
#include "stream.h"
#include "wait.h"

#define M(f) "wasi:filesystem/types#[method]descriptor." f

static const struct wb_future_ops rvs_fut = {p3_rvs_future_read, p3_rvs_future_cancel_read,
                                             p3_rvs_future_drop_readable, wb_fs_decode_result};
static const struct wb_stream_ops rvs_ops = {p3_rvs_read, p3_rvs_cancel_read,
                                             p3_rvs_drop_readable, &rvs_fut, 0};
// Writer futures are only ever awaited, never cancelled.
static const struct wb_future_ops wvs_fut = {p3_wvs_future_read, 0, p3_wvs_future_drop_readable,
                                             wb_fs_decode_result};
static void wvs_reopen(struct wb_writer *wr);
static const struct wb_stream_ops wvs_ops = {p3_wvs_write, 0, p3_wvs_drop_writable, &wvs_fut,
                                             wvs_reopen};

// result<own<T>, error-code> with a handle: tag@0, handle@4 (size 8). The 0.3
// calls cannot fail here (open errors arrive through the result future and
// surface as last-operation-failed on the first stream operation).
static void put_handle_ok(uint32_t retptr, uint32_t handle) {
  uint8_t area[8] = {0};
  wb_put32(area + 4, handle);
  wb_copy_out(retptr, area, 8);
}

#define FLAG_READ 1u
#define ERR_BAD_DESCRIPTOR 3u
#define TYPE_DIRECTORY 3u  // 0.2 descriptor-type

// 0.2 error code if `fd` cannot be read from, else 0. Checked before
// read-via-stream because preview3-shim (0.7) does not report such a read
// failure through the result future: it errors the stream, and jco traps the
// component (README, "Known preview3-shim defects").
static uint32_t read_error(uint32_t fd) {
  _Alignas(8) uint8_t r[24];  // result<descriptor-flags | descriptor-type, error-code>
  wb_finish_call(p3_get_flags(fd, r));
  if (r[0]) return wb_fs_err(r + 4);
  if (!(r[4] & FLAG_READ)) return ERR_BAD_DESCRIPTOR;
  wb_finish_call(p3_get_type(fd, r));
  if (r[0]) return wb_fs_err(r + 4);
  return wb_fs_type(r + 4) == TYPE_DIRECTORY ? ERR_BAD_DESCRIPTOR : 0;
}

// read-via-stream: func(offset) -> result<input-stream, error-code>
WB_EXPORT(M("read-via-stream"))
void descriptor_read_via_stream(uint32_t self, uint64_t offset, uint32_t retptr) {
  uint32_t code = read_error(wb_fd(self));
  if (code) {
    uint8_t area[8] = {1, 0, 0, 0, (uint8_t)code};
    wb_copy_out(retptr, area, 8);
    return;
  }
  _Alignas(4) uint8_t ret[8];  // stream@0, future@4
  p3_read_via_stream(wb_fd(self), offset, ret);
  struct wb_reader *rd = wb_reader_new(&rvs_ops, wb_get32(ret), wb_get32(ret + 4), false);
  put_handle_ok(retptr, wb_handle_new(WB_KIND_INPUT_STREAM, rd));
}

// Starts a write-via-stream/append-via-stream; returns the future, *w the
// writable end.
static uint32_t start_write(uint32_t fd, bool append, uint64_t offset, uint32_t *w) {
  uint64_t ends = p3_wvs_stream_new();  // readable | writable << 32
  *w = (uint32_t)(ends >> 32);
  return append ? p3_append_via_stream(fd, (uint32_t)ends)
                : p3_write_via_stream(fd, (uint32_t)ends, offset);
}

// A flush ended the previous stream (see wb_writer.parked): continue at the
// offset reached (or at the end of the file).
static void wvs_reopen(struct wb_writer *wr) {
  uint32_t fut = start_write(wr->fd, wr->append, wr->offset, &wr->w);
  wb_future_init(&wr->res, &wvs_fut, fut);
}

static void open_writer(uint32_t self, bool append, uint64_t offset, uint32_t retptr) {
  uint32_t fd = wb_fd(self), w;
  uint32_t fut = start_write(fd, append, offset, &w);
  struct wb_writer *wr = wb_writer_new(&wvs_ops, w, fut, 0);
  wr->fd = fd;
  wr->append = append;
  wr->offset = offset;
  put_handle_ok(retptr, wb_handle_new(WB_KIND_OUTPUT_STREAM, wr));
}

// write-via-stream: func(offset) -> result<output-stream, error-code>
WB_EXPORT(M("write-via-stream"))
void descriptor_write_via_stream(uint32_t self, uint64_t offset, uint32_t retptr) {
  open_writer(self, false, offset, retptr);
}

// append-via-stream: func() -> result<output-stream, error-code>
WB_EXPORT(M("append-via-stream"))
void descriptor_append_via_stream(uint32_t self, uint32_t retptr) {
  open_writer(self, true, 0, retptr);
}

#define RW_MAX ((1u << 20) - 16u)  // per-call buffer cap: one 1 MiB heap block

// read: func(length, offset) -> result<tuple<list<u8>, bool>, error-code>
// (removed in 0.3): a one-shot read-via-stream at `offset`. Waits for the
// first bytes, then takes whatever else is ready without blocking again.
// Layout: tag@0, list ptr@4 len@8, eof bool@12 | code@4 (size 16).
WB_EXPORT(M("read"))
void descriptor_read(uint32_t self, uint64_t length, uint64_t offset, uint32_t retptr,
                     uint32_t slot) {
  uint32_t code = read_error(wb_fd(self));
  if (code) {
    uint8_t area[16] = {1, 0, 0, 0, (uint8_t)code};
    wb_copy_out(retptr, area, 16);
    return;
  }
  _Alignas(4) uint8_t ret[8];
  p3_read_via_stream(wb_fd(self), offset, ret);
  uint32_t r = wb_get32(ret);
  struct wb_result_future res;
  wb_future_init(&res, &rvs_fut, wb_get32(ret + 4));

  uint32_t cap = wb_clamp64(length, RW_MAX);
  uint8_t *buf = wb_alloc(cap);
  uint32_t got = 0;
  bool eof = false;
  while (got < cap) {
    uint32_t st = p3_rvs_read(r, buf + got, cap - got);
    if (st == WB_BLOCKED) st = got ? p3_rvs_cancel_read(r) : wb_finish_copy(r, st);
    got += WB_COPY_COUNT(st);
    if (WB_COPY_RESULT(st) == WB_COPY_DROPPED) {
      eof = true;
      break;
    }
    if (WB_COPY_RESULT(st) == WB_COPY_CANCELLED) break;
  }
  p3_rvs_drop_readable(r);
  if (eof) {
    wb_future_wait(&res);
  } else {
    wb_future_discard(&res);  // a reader may drop its future early
  }

  uint8_t area[16] = {0};
  if (eof && res.err.domain != WB_ERR_NONE && got == 0) {
    area[0] = 1;
    area[4] = res.err.code;
  } else {
    // Bytes read before an error are returned; the next read reports it.
    bool at_end = eof && res.err.domain == WB_ERR_NONE;
    wb_put32(area + 4, wb_out_bytes(slot, 1, buf, got));
    wb_put32(area + 8, got);
    area[12] = at_end;
  }
  wb_free(buf);
  wb_copy_out(retptr, area, 16);
}

// write: func(buffer: list<u8>, offset) -> result<filesize, error-code>
// (removed in 0.3): a one-shot write-via-stream at `offset`.
// Layout: tag@0, filesize@8 | code@8 (size 16).
WB_EXPORT(M("write"))
void descriptor_write(uint32_t self, uint32_t ptr, uint32_t len, uint64_t offset,
                      uint32_t retptr) {
  uint32_t fd = wb_fd(self);
  uint64_t ends = p3_wvs_stream_new();
  uint32_t w = (uint32_t)(ends >> 32);
  struct wb_result_future res;
  wb_future_init(&res, &wvs_fut, p3_write_via_stream(fd, (uint32_t)ends, offset));

  uint32_t chunk = wb_min32(len, RW_MAX);
  uint8_t *buf = wb_alloc(chunk);
  uint32_t done = 0;
  bool dropped = false;
  while (done < len && !dropped) {
    uint32_t n = wb_min32(chunk, len - done);
    wb_copy_in(buf, ptr + done, n);
    for (uint32_t off = 0; off < n;) {
      uint32_t st = wb_finish_copy(w, p3_wvs_write(w, buf + off, n - off));
      off += WB_COPY_COUNT(st);
      if (WB_COPY_RESULT(st) == WB_COPY_DROPPED) {
        dropped = true;
        n = off;
        break;
      }
    }
    done += n;
  }
  wb_free(buf);
  p3_wvs_drop_writable(w);
  wb_future_wait(&res);  // resolves once the host has written everything

  uint8_t area[16] = {0};
  if (res.err.domain != WB_ERR_NONE && done == 0) {
    area[0] = 1;
    area[8] = res.err.code;
  } else {
    wb_put64(area + 8, done);
  }
  wb_copy_out(retptr, area, 16);
}

// ---- directory-entry-stream over stream<directory-entry>

static const struct wb_future_ops rd_fut = {p3_rd_future_read, 0, p3_rd_future_drop_readable,
                                            wb_fs_decode_result};

struct dir_stream {
  uint32_t r;  // readable end; 0 once the listing ended
  bool err_reported;
  struct wb_result_future res;
  _Alignas(4) uint8_t entry[24];  // one 0.3 directory-entry
  struct dir_stream *next, *prev;  // all live listings (for wb:shim#finish)
};

static struct dir_stream *live;

// Ends the listing: no read is ever left in flight and the future is never
// pending here, so dropping both ends is enough.
static void dir_close(struct dir_stream *ds) {
  if (ds->r) p3_rd_drop_readable(ds->r);
  ds->r = 0;
  wb_future_discard(&ds->res);
}

void wb_fs_close_all(void) {
  for (struct dir_stream *ds = live; ds; ds = ds->next) dir_close(ds);
}

// read-directory: func() -> result<directory-entry-stream, error-code>
WB_EXPORT(M("read-directory"))
void descriptor_read_directory(uint32_t self, uint32_t retptr) {
  _Alignas(4) uint8_t ret[8];  // stream@0, future@4
  p3_read_directory(wb_fd(self), ret);
  struct dir_stream *ds = wb_alloc_zeroed(sizeof *ds);
  ds->r = wb_get32(ret);
  wb_future_init(&ds->res, &rd_fut, wb_get32(ret + 4));
  ds->next = live;
  if (live) live->prev = ds;
  live = ds;
  put_handle_ok(retptr, wb_handle_new(WB_KIND_DIRECTORY_ENTRY_STREAM, ds));
}

// read-directory-entry: func() -> result<option<directory-entry>, error-code>
// Blocking (as in 0.2). Layout: tag@0; ok: option tag@4, type@8, name ptr@12
// len@16; err: code@4 (size 20).
WB_EXPORT("wasi:filesystem/types#[method]directory-entry-stream.read-directory-entry")
void directory_entry_stream_read(uint32_t self, uint32_t retptr, uint32_t slot) {
  struct dir_stream *ds = wb_handle_get(self, WB_KIND_DIRECTORY_ENTRY_STREAM);
  uint8_t area[20] = {0};
  while (ds->r) {
    uint32_t st = wb_finish_copy(ds->r, p3_rd_read(ds->r, ds->entry, 1));
    if (WB_COPY_COUNT(st) == 1) {
      uint8_t *name = wb_ptr(wb_get32(ds->entry + 16));
      uint32_t n = wb_get32(ds->entry + 20);
      area[4] = 1;
      area[8] = (uint8_t)wb_fs_type(ds->entry);
      wb_put32(area + 12, wb_out_bytes(slot, 1, name, n));
      wb_put32(area + 16, n);
      wb_free(name);
      wb_copy_out(retptr, area, 20);
      return;
    }
    if (WB_COPY_RESULT(st) == WB_COPY_DROPPED) {
      p3_rd_drop_readable(ds->r);
      ds->r = 0;
    }
  }
  wb_future_wait(&ds->res);
  if (ds->res.err.domain != WB_ERR_NONE && !ds->err_reported) {
    ds->err_reported = true;
    area[0] = 1;
    area[4] = ds->res.err.code;
  }  // else ok(none): end of the listing
  wb_copy_out(retptr, area, 20);
}

WB_EXPORT("wasi:filesystem/types#[resource-drop]directory-entry-stream")
void directory_entry_stream_drop(uint32_t self) {
  struct dir_stream *ds = wb_handle_take(self, WB_KIND_DIRECTORY_ENTRY_STREAM);
  dir_close(ds);
  if (ds->prev) {
    ds->prev->next = ds->next;
  } else {
    live = ds->next;
  }
  if (ds->next) ds->next->prev = ds->prev;
  wb_free(ds);
}

// filesystem-error-code: func(err: borrow<error>) -> option<error-code>
// Layout: tag@0, code@1 (size 2).
WB_EXPORT("wasi:filesystem/types#filesystem-error-code")
void filesystem_error_code(uint32_t err, uint32_t retptr) {
  struct wb_errval e = wb_error_get(err);
  uint8_t area[2] = {0, 0};
  if (e.domain == WB_ERR_FS) {
    area[0] = 1;
    area[1] = e.code;
  }
  wb_copy_out(retptr, area, 2);
}
