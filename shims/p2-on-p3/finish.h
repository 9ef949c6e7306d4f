// End of the guest's run: leave no stream open and no byte unwritten.
#ifndef WB_FINISH_H
#define WB_FINISH_H

// Flush and close every output stream (drop the writable end, await the
// host's result future), cancel and drop pending reads and every other open
// stream end, cancel running timer subtasks. Idempotent.
void wb_shutdown(void);

#endif
