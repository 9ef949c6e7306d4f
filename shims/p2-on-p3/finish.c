// wb:shim#finish (ABI.md): the rewriter's `run` wrapper calls it after the
// guest returns; `exit` runs the same shutdown before calling the host.
#include "finish.h"

#include "io_poll.h"
#include "p3_fs.h"
#include "stream.h"

void wb_shutdown(void) {
  wb_writer_close_all();  // first: may block until the host took every byte
  wb_reader_close_all();
  wb_fs_close_all();
  wb_pollables_cancel_all();
}

WB_EXPORT("wb:shim#finish")
void wb_shim_finish(void) { wb_shutdown(); }
