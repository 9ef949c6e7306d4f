// wasi:clocks@0.3.0 imports used by clocks.c and io_poll.c.
#ifndef WB_P3_CLOCKS_H
#define WB_P3_CLOCKS_H

#include "common.h"

// now: func() -> mark
WB_IMPORT("wasi:clocks/monotonic-clock@0.3.0", "now") uint64_t p3_mono_now(void);
// get-resolution: func() -> duration
WB_IMPORT("wasi:clocks/monotonic-clock@0.3.0", "get-resolution")
uint64_t p3_mono_get_resolution(void);
// wait-until: async func(when: mark)  (async lower: status)
WB_IMPORT("wasi:clocks/monotonic-clock@0.3.0", "[async-lower]wait-until")
uint32_t p3_mono_wait_until(uint64_t when);

// system-clock now: func() -> instant {seconds: s64, nanoseconds: u32} (retptr)
WB_IMPORT("wasi:clocks/system-clock@0.3.0", "now") void p3_system_now(void *ret);
// system-clock get-resolution: func() -> duration
WB_IMPORT("wasi:clocks/system-clock@0.3.0", "get-resolution")
uint64_t p3_system_get_resolution(void);

#endif
