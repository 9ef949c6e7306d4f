// wasi:io/poll pollables. A pollable is (kind, target): a deadline, or the
// readiness of a shim stream.
#ifndef WB_IO_POLL_H
#define WB_IO_POLL_H

#include "common.h"
#include "stream.h"

uint32_t wb_pollable_new_timer(uint64_t deadline);         // monotonic mark (ns)
uint32_t wb_pollable_new_reader(struct wb_reader *rd);     // takes a reference
uint32_t wb_pollable_new_writer(struct wb_writer *wr);     // takes a reference
void wb_pollables_cancel_all(void);  // cancel every running wait-until subtask

#endif
