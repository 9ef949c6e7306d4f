// Shared stdio state (stdout/stderr writers must be flushed before exit).
#ifndef WB_CLI_STDIO_H
#define WB_CLI_STDIO_H

// Flush and close stdout and stderr: drop the writable ends and wait for the
// host's result futures, so no output is lost.
void wb_stdio_finish(void);

#endif
