// wasi:clocks monotonic-clock and wall-clock (0.3 system-clock).
#include "bridge.h"
#include "io_poll.h"
#include "p3_clocks.h"

// now: func() -> instant
WB_EXPORT("wasi:clocks/monotonic-clock#now")
uint64_t monotonic_now(void) { return p3_mono_now(); }

// resolution: func() -> duration
WB_EXPORT("wasi:clocks/monotonic-clock#resolution")
uint64_t monotonic_resolution(void) { return p3_mono_get_resolution(); }

// subscribe-instant: func(when: instant) -> pollable
WB_EXPORT("wasi:clocks/monotonic-clock#subscribe-instant")
uint32_t monotonic_subscribe_instant(uint64_t when) { return wb_pollable_new_timer(when); }

// subscribe-duration: func(when: duration) -> pollable
// 0.2 measures from the subscribe call, so the deadline is fixed now.
WB_EXPORT("wasi:clocks/monotonic-clock#subscribe-duration")
uint32_t monotonic_subscribe_duration(uint64_t when) {
  uint64_t now = p3_mono_now();
  uint64_t deadline = now + when;
  if (deadline < now) deadline = UINT64_MAX;
  return wb_pollable_new_timer(deadline);
}

// datetime {seconds: u64 @0, nanoseconds: u32 @8}, size 16.
static void put_datetime(uint32_t retptr, uint64_t s, uint32_t ns) {
  uint8_t area[16] = {0};
  wb_put64(area, s);
  wb_put32(area + 8, ns);
  wb_copy_out(retptr, area, 16);
}

// now: func() -> datetime
WB_EXPORT("wasi:clocks/wall-clock#now")
void wall_clock_now(uint32_t retptr) {
  _Alignas(8) uint8_t ret[16];  // instant {seconds: s64 @0, nanoseconds: u32 @8}
  p3_system_now(ret);
  int64_t s = (int64_t)wb_get64(ret);
  // 0.2 datetime is unsigned: clamp pre-1970 instants to the epoch.
  if (s < 0) {
    put_datetime(retptr, 0, 0);
  } else {
    put_datetime(retptr, (uint64_t)s, wb_get32(ret + 8));
  }
}

// resolution: func() -> datetime   (0.3: a duration in nanoseconds)
WB_EXPORT("wasi:clocks/wall-clock#resolution")
void wall_clock_resolution(uint32_t retptr) {
  uint64_t d = p3_system_get_resolution();
  put_datetime(retptr, d / 1000000000u, (uint32_t)(d % 1000000000u));
}
