// wasi:cli stdin/stdout/stderr and exit.
//
// Each 0.3 stdio stream is opened once, lazily; every get-stdin/get-stdout/
// get-stderr handle shares it (a 0.2 program may call get-stdout per write).
#include "alloc.h"
#include "canon.h"
#include "finish.h"
#include "handles.h"
#include "stream.h"

// ---- wasi:cli/types@0.3.0 error-code in result<_, error-code>: tag@0, enum@1
static struct wb_errval decode_cli(uint8_t *v) {
  struct wb_errval e = {WB_ERR_NONE, 0};
  if (v[0]) {
    e.domain = WB_ERR_CLI;
    e.code = v[1];
  }
  return e;
}

// ---- stdin
#define M "wasi:cli/stdin@0.3.0"
// read-via-stream: func() -> tuple<stream<u8>, future<result<_, error-code>>>
WB_IMPORT(M, "read-via-stream") void p3_stdin_read_via_stream(void *ret);
WB_IMPORT(M, "[stream-read]read-via-stream") uint32_t p3_stdin_stream_read(uint32_t, void *, uint32_t);
WB_IMPORT(M, "[stream-cancel-read]read-via-stream") uint32_t p3_stdin_stream_cancel_read(uint32_t);
WB_IMPORT(M, "[stream-drop-readable]read-via-stream") void p3_stdin_stream_drop_readable(uint32_t);
WB_IMPORT(M, "[future-read]read-via-stream") uint32_t p3_stdin_future_read(uint32_t, void *);
WB_IMPORT(M, "[future-cancel-read]read-via-stream") uint32_t p3_stdin_future_cancel_read(uint32_t);
WB_IMPORT(M, "[future-drop-readable]read-via-stream") void p3_stdin_future_drop_readable(uint32_t);
#undef M

static const struct wb_future_ops stdin_fut = {
    p3_stdin_future_read, p3_stdin_future_cancel_read, p3_stdin_future_drop_readable, decode_cli};
static const struct wb_stream_ops stdin_ops = {
    p3_stdin_stream_read, p3_stdin_stream_cancel_read, p3_stdin_stream_drop_readable, &stdin_fut, 0};

// ---- stdout / stderr
// write-via-stream: func(data: stream<u8>) -> future<result<_, error-code>>
#define OUT_IMPORTS(M, P)                                                                   \
  WB_IMPORT(M, "write-via-stream") uint32_t P##_write_via_stream(uint32_t);                  \
  WB_IMPORT(M, "[stream-new]write-via-stream") uint64_t P##_stream_new(void);                \
  WB_IMPORT(M, "[stream-write]write-via-stream")                                            \
  uint32_t P##_stream_write(uint32_t, void *, uint32_t);                                    \
  WB_IMPORT(M, "[stream-drop-writable]write-via-stream") void P##_stream_drop_writable(uint32_t); \
  WB_IMPORT(M, "[future-read]write-via-stream") uint32_t P##_future_read(uint32_t, void *);  \
  WB_IMPORT(M, "[future-drop-readable]write-via-stream") void P##_future_drop_readable(uint32_t); \
  static const struct wb_future_ops P##_fut = {P##_future_read, 0, P##_future_drop_readable,  \
                                               decode_cli};                                  \
  static const struct wb_stream_ops P##_ops = {P##_stream_write, 0, P##_stream_drop_writable, \
                                               &P##_fut, 0};

OUT_IMPORTS("wasi:cli/stdout@0.3.0", p3_stdout)
OUT_IMPORTS("wasi:cli/stderr@0.3.0", p3_stderr)

static struct wb_reader *stdin_rd;
static struct wb_writer *stdout_wr, *stderr_wr;

// stdout is write-behind; stderr is not (like C's stderr): a message written
// just before a trap must not stay in the shim's buffer. Both are drained
// before the shim blocks and before the other one is written (stream.h).
static struct wb_writer *open_out(const struct wb_stream_ops *ops, uint64_t (*stream_new)(void),
                                  uint32_t (*write_via_stream)(uint32_t), uint32_t flags) {
  uint64_t ends = stream_new();  // readable | writable << 32
  uint32_t fut = write_via_stream((uint32_t)ends);
  // The global keeps this ref.
  return wb_writer_new(ops, (uint32_t)(ends >> 32), fut,
                       WB_WRITER_SHARED | WB_WRITER_STDIO | flags);
}

// get-stdin: func() -> input-stream
WB_EXPORT("wasi:cli/stdin#get-stdin")
uint32_t get_stdin(void) {
  if (!stdin_rd) {
    _Alignas(4) uint8_t ret[8];  // stream@0, future@4
    p3_stdin_read_via_stream(ret);
    stdin_rd = wb_reader_new(&stdin_ops, wb_get32(ret), wb_get32(ret + 4), true);
  }
  stdin_rd->refs++;
  return wb_handle_new(WB_KIND_INPUT_STREAM, stdin_rd);
}

// get-stdout: func() -> output-stream
WB_EXPORT("wasi:cli/stdout#get-stdout")
uint32_t get_stdout(void) {
  if (!stdout_wr) {
    stdout_wr = open_out(&p3_stdout_ops, p3_stdout_stream_new, p3_stdout_write_via_stream,
                         WB_WRITER_BEHIND);
  }
  stdout_wr->refs++;
  return wb_handle_new(WB_KIND_OUTPUT_STREAM, stdout_wr);
}

// get-stderr: func() -> output-stream
WB_EXPORT("wasi:cli/stderr#get-stderr")
uint32_t get_stderr(void) {
  if (!stderr_wr) {
    stderr_wr = open_out(&p3_stderr_ops, p3_stderr_stream_new, p3_stderr_write_via_stream, 0);
  }
  stderr_wr->refs++;
  return wb_handle_new(WB_KIND_OUTPUT_STREAM, stderr_wr);
}

// ---- wasi:cli/exit
WB_IMPORT("wasi:cli/exit@0.3.0", "exit") void p3_exit(uint32_t status);
WB_IMPORT("wasi:cli/exit@0.3.0", "exit-with-code") void p3_exit_with_code(uint32_t code);

// exit: func(status: result)
WB_EXPORT("wasi:cli/exit#exit")
void cli_exit(uint32_t status) {
  wb_shutdown();  // output still buffered in the shim would be lost
  p3_exit(status);
  WB_TRAP();
}

// exit-with-code: func(status-code: u8)
WB_EXPORT("wasi:cli/exit#exit-with-code")
void cli_exit_with_code(uint32_t code) {
  wb_shutdown();
  p3_exit_with_code(code & 0xffu);
  WB_TRAP();
}
