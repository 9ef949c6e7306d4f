// wasi:filesystem/types descriptor methods that map to 0.3 `async func`s:
// async-lower the call, wait for the subtask, convert the result.
//
// 0.2 result layouts (caller return area):
//   result<_, error-code>, result<flags|type, error-code>: tag@0, payload u8@1 (size 2)
//   result<descriptor, error-code>: tag@0, handle|code @4 (size 8)
//   result<string, error-code>: tag@0, ptr@4 len@8 | code@4 (size 12)
//   result<descriptor-stat, error-code>: tag@0, stat|code @8 (size 104)
//   result<metadata-hash-value, error-code>: tag@0, lower@8 upper@16 | code@8 (size 24)
#include "alloc.h"
#include "bridge.h"
#include "handles.h"
#include "p3_fs.h"
#include "wait.h"

#define M(f) "wasi:filesystem/types#[method]descriptor." f

// A 0.3 result area: large enough for result<descriptor-stat, error-code>.
typedef struct {
  _Alignas(8) uint8_t b[112];
} result3;

// result<_, error-code>, or any result whose ok payload is one byte at @1,
// from a 0.3 result whose payload is at r+4.
static void put_u8_result(uint32_t retptr, const uint8_t *r, uint32_t ok_byte) {
  uint8_t area[2] = {0, (uint8_t)ok_byte};
  if (r[0]) {
    area[0] = 1;
    area[1] = (uint8_t)wb_fs_err(r + 4);
  }
  wb_copy_out(retptr, area, 2);
}

static void put_unit_result(uint32_t retptr, const uint8_t *r) { put_u8_result(retptr, r, 0); }

static void put_err_code(uint32_t retptr, uint32_t code) {
  uint8_t area[2] = {1, (uint8_t)code};
  wb_copy_out(retptr, area, 2);
}

// advise: func(offset, length, advice) -> result<_, error-code>
WB_EXPORT(M("advise"))
void descriptor_advise(uint32_t self, uint64_t offset, uint64_t length, uint32_t advice,
                       uint32_t retptr) {
  result3 r;
  wb_finish_call(p3_advise(wb_fd(self), offset, length, advice, r.b));
  put_unit_result(retptr, r.b);
}

// sync-data: func() -> result<_, error-code>
WB_EXPORT(M("sync-data"))
void descriptor_sync_data(uint32_t self, uint32_t retptr) {
  result3 r;
  wb_finish_call(p3_sync_data(wb_fd(self), r.b));
  put_unit_result(retptr, r.b);
}

// sync: func() -> result<_, error-code>
WB_EXPORT(M("sync"))
void descriptor_sync(uint32_t self, uint32_t retptr) {
  result3 r;
  wb_finish_call(p3_sync(wb_fd(self), r.b));
  put_unit_result(retptr, r.b);
}

// get-flags: func() -> result<descriptor-flags, error-code>   (same bits in 0.2 and 0.3)
WB_EXPORT(M("get-flags"))
void descriptor_get_flags(uint32_t self, uint32_t retptr) {
  result3 r;
  wb_finish_call(p3_get_flags(wb_fd(self), r.b));
  put_u8_result(retptr, r.b, r.b[0] ? 0 : r.b[4]);
}

// get-type: func() -> result<descriptor-type, error-code>
WB_EXPORT(M("get-type"))
void descriptor_get_type(uint32_t self, uint32_t retptr) {
  result3 r;
  wb_finish_call(p3_get_type(wb_fd(self), r.b));
  put_u8_result(retptr, r.b, r.b[0] ? 0 : wb_fs_type(r.b + 4));
}

// set-size: func(size) -> result<_, error-code>
WB_EXPORT(M("set-size"))
void descriptor_set_size(uint32_t self, uint64_t size, uint32_t retptr) {
  result3 r;
  wb_finish_call(p3_set_size(wb_fd(self), size, r.b));
  put_unit_result(retptr, r.b);
}

// 0.2 new-timestamp (flat: tag, datetime.seconds u64, datetime.nanoseconds)
// -> 0.3 new-timestamp in memory. False if the seconds do not fit in s64.
static bool put_timestamp(uint8_t *dst, uint32_t tag, uint64_t s, uint32_t ns) {
  __builtin_memset(dst, 0, 24);
  wb_put8(dst, tag);
  if (tag == 2) {
    if (s > (uint64_t)INT64_MAX) return false;
    wb_put64(dst + 8, s);
    wb_put32(dst + 16, ns);
  }
  return true;
}

// set-times: func(data-access-timestamp, data-modification-timestamp) -> result<_, error-code>
WB_EXPORT(M("set-times"))
void descriptor_set_times(uint32_t self, uint32_t a_tag, uint64_t a_s, uint32_t a_ns,
                          uint32_t m_tag, uint64_t m_s, uint32_t m_ns, uint32_t retptr) {
  _Alignas(8) uint8_t params[56] = {0};
  wb_put32(params, wb_fd(self));
  if (!put_timestamp(params + 8, a_tag, a_s, a_ns) ||
      !put_timestamp(params + 32, m_tag, m_s, m_ns)) {
    put_err_code(retptr, WB_FS_ERR_OVERFLOW);
    return;
  }
  result3 r;
  wb_finish_call(p3_set_times(params, r.b));
  put_unit_result(retptr, r.b);
}

// set-times-at: func(path-flags, path, data-access-timestamp,
//                    data-modification-timestamp) -> result<_, error-code>
WB_EXPORT(M("set-times-at"))
void descriptor_set_times_at(uint32_t self, uint32_t path_flags, uint32_t path, uint32_t len,
                             uint32_t a_tag, uint64_t a_s, uint32_t a_ns, uint32_t m_tag,
                             uint64_t m_s, uint32_t m_ns, uint32_t retptr) {
  _Alignas(8) uint8_t params[64] = {0};
  wb_put32(params, wb_fd(self));
  wb_put8(params + 4, path_flags & 1u);
  if (!put_timestamp(params + 16, a_tag, a_s, a_ns) ||
      !put_timestamp(params + 40, m_tag, m_s, m_ns)) {
    put_err_code(retptr, WB_FS_ERR_OVERFLOW);
    return;
  }
  void *p = wb_fs_path(path, len);
  wb_put32(params + 8, wb_addr(p));
  wb_put32(params + 12, len);
  result3 r;
  wb_finish_call(p3_set_times_at(params, r.b));
  wb_free(p);
  put_unit_result(retptr, r.b);
}

// Methods shaped func(path: string) -> result<_, error-code>.
static void path_op(uint32_t (*op)(uint32_t, void *, uint32_t, void *), uint32_t self,
                    uint32_t path, uint32_t len, uint32_t retptr) {
  uint32_t fd = wb_fd(self);
  void *p = wb_fs_path(path, len);
  result3 r;
  wb_finish_call(op(fd, p, len, r.b));
  wb_free(p);
  put_unit_result(retptr, r.b);
}

// create-directory-at: func(path) -> result<_, error-code>
WB_EXPORT(M("create-directory-at"))
void descriptor_create_directory_at(uint32_t self, uint32_t path, uint32_t len,
                                    uint32_t retptr) {
  path_op(p3_create_directory_at, self, path, len, retptr);
}

// remove-directory-at: func(path) -> result<_, error-code>
WB_EXPORT(M("remove-directory-at"))
void descriptor_remove_directory_at(uint32_t self, uint32_t path, uint32_t len,
                                    uint32_t retptr) {
  path_op(p3_remove_directory_at, self, path, len, retptr);
}

// unlink-file-at: func(path) -> result<_, error-code>
WB_EXPORT(M("unlink-file-at"))
void descriptor_unlink_file_at(uint32_t self, uint32_t path, uint32_t len, uint32_t retptr) {
  path_op(p3_unlink_file_at, self, path, len, retptr);
}

// option<instant> (0.3, at src) -> option<datetime> (0.2, at dst); both
// tag@0 seconds@8 nanoseconds@16. Pre-1970 instants become `none`.
static void put_time(uint8_t *dst, const uint8_t *src) {
  int64_t s = (int64_t)wb_get64(src + 8);
  if (src[0] && s >= 0) {
    wb_put8(dst, 1);
    wb_put64(dst + 8, (uint64_t)s);
    wb_put32(dst + 16, wb_get32(src + 16));
  }
}

// result<descriptor-stat, error-code>, 0.3 (112 bytes) -> 0.2 (104 bytes).
// 0.2 descriptor-stat at @8: type@0 link-count@8 size@16 times@24,@48,@72.
static void put_stat_result(uint32_t retptr, const uint8_t *r) {
  uint8_t area[104] = {0};
  if (r[0]) {
    area[0] = 1;
    area[8] = (uint8_t)wb_fs_err(r + 8);
  } else {
    const uint8_t *s = r + 8;
    uint8_t *d = area + 8;
    d[0] = (uint8_t)wb_fs_type(s);
    wb_put64(d + 8, wb_get64(s + 16));
    wb_put64(d + 16, wb_get64(s + 24));
    put_time(d + 24, s + 32);
    put_time(d + 48, s + 56);
    put_time(d + 72, s + 80);
  }
  wb_copy_out(retptr, area, 104);
}

// stat: func() -> result<descriptor-stat, error-code>
WB_EXPORT(M("stat"))
void descriptor_stat(uint32_t self, uint32_t retptr) {
  result3 r;
  wb_finish_call(p3_stat(wb_fd(self), r.b));
  put_stat_result(retptr, r.b);
}

// stat-at: func(path-flags, path) -> result<descriptor-stat, error-code>
WB_EXPORT(M("stat-at"))
void descriptor_stat_at(uint32_t self, uint32_t path_flags, uint32_t path, uint32_t len,
                        uint32_t retptr) {
  uint32_t fd = wb_fd(self);
  void *p = wb_fs_path(path, len);
  result3 r;
  wb_finish_call(p3_stat_at(fd, path_flags & 1u, p, len, r.b));
  wb_free(p);
  put_stat_result(retptr, r.b);
}

// link-at: func(old-path-flags, old-path, new-descriptor: borrow<descriptor>, new-path)
//   -> result<_, error-code>
WB_EXPORT(M("link-at"))
void descriptor_link_at(uint32_t self, uint32_t old_flags, uint32_t old_path, uint32_t old_len,
                        uint32_t new_desc, uint32_t new_path, uint32_t new_len,
                        uint32_t retptr) {
  _Alignas(4) uint8_t params[28] = {0};
  wb_put32(params, wb_fd(self));
  wb_put8(params + 4, old_flags & 1u);
  wb_put32(params + 16, wb_fd(new_desc));
  void *op = wb_fs_path(old_path, old_len);
  void *np = wb_fs_path(new_path, new_len);
  wb_put32(params + 8, wb_addr(op));
  wb_put32(params + 12, old_len);
  wb_put32(params + 20, wb_addr(np));
  wb_put32(params + 24, new_len);
  result3 r;
  wb_finish_call(p3_link_at(params, r.b));
  wb_free(op);
  wb_free(np);
  put_unit_result(retptr, r.b);
}

// rename-at: func(old-path, new-descriptor: borrow<descriptor>, new-path) -> result<_, error-code>
WB_EXPORT(M("rename-at"))
void descriptor_rename_at(uint32_t self, uint32_t old_path, uint32_t old_len, uint32_t new_desc,
                          uint32_t new_path, uint32_t new_len, uint32_t retptr) {
  _Alignas(4) uint8_t params[24] = {0};
  wb_put32(params, wb_fd(self));
  wb_put32(params + 12, wb_fd(new_desc));
  void *op = wb_fs_path(old_path, old_len);
  void *np = wb_fs_path(new_path, new_len);
  wb_put32(params + 4, wb_addr(op));
  wb_put32(params + 8, old_len);
  wb_put32(params + 16, wb_addr(np));
  wb_put32(params + 20, new_len);
  result3 r;
  wb_finish_call(p3_rename_at(params, r.b));
  wb_free(op);
  wb_free(np);
  put_unit_result(retptr, r.b);
}

// symlink-at: func(old-path, new-path) -> result<_, error-code>
WB_EXPORT(M("symlink-at"))
void descriptor_symlink_at(uint32_t self, uint32_t old_path, uint32_t old_len,
                           uint32_t new_path, uint32_t new_len, uint32_t retptr) {
  _Alignas(4) uint8_t params[20] = {0};
  wb_put32(params, wb_fd(self));
  void *op = wb_fs_path(old_path, old_len);
  void *np = wb_fs_path(new_path, new_len);
  wb_put32(params + 4, wb_addr(op));
  wb_put32(params + 8, old_len);
  wb_put32(params + 12, wb_addr(np));
  wb_put32(params + 16, new_len);
  result3 r;
  wb_finish_call(p3_symlink_at(params, r.b));
  wb_free(op);
  wb_free(np);
  put_unit_result(retptr, r.b);
}

// open-at: func(path-flags, path, open-flags, flags: descriptor-flags)
//   -> result<descriptor, error-code>
WB_EXPORT(M("open-at"))
void descriptor_open_at(uint32_t self, uint32_t path_flags, uint32_t path, uint32_t len,
                        uint32_t open_flags, uint32_t flags, uint32_t retptr) {
  _Alignas(4) uint8_t params[20] = {0};
  wb_put32(params, wb_fd(self));
  wb_put8(params + 4, path_flags & 1u);
  void *p = wb_fs_path(path, len);
  wb_put32(params + 8, wb_addr(p));
  wb_put32(params + 12, len);
  wb_put8(params + 16, open_flags & 0xfu);
  wb_put8(params + 17, flags & 0x3fu);
  result3 r;
  wb_finish_call(p3_open_at(params, r.b));
  wb_free(p);
  uint8_t area[8] = {0};
  if (r.b[0]) {
    area[0] = 1;
    area[4] = (uint8_t)wb_fs_err(r.b + 4);
  } else {
    wb_put32(area + 4, wb_handle_new(WB_KIND_DESCRIPTOR, wb_ptr(wb_get32(r.b + 4))));
  }
  wb_copy_out(retptr, area, 8);
}

// readlink-at: func(path) -> result<string, error-code>
WB_EXPORT(M("readlink-at"))
void descriptor_readlink_at(uint32_t self, uint32_t path, uint32_t len, uint32_t retptr,
                            uint32_t slot) {
  uint32_t fd = wb_fd(self);
  void *p = wb_fs_path(path, len);
  result3 r;
  wb_finish_call(p3_readlink_at(fd, p, len, r.b));
  wb_free(p);
  uint8_t area[12] = {0};
  if (r.b[0]) {
    area[0] = 1;
    area[4] = (uint8_t)wb_fs_err(r.b + 4);
  } else {
    uint8_t *s = wb_ptr(wb_get32(r.b + 4));
    uint32_t n = wb_get32(r.b + 8);
    wb_put32(area + 4, wb_out_bytes(slot, 1, s, n));
    wb_put32(area + 8, n);
    wb_free(s);
  }
  wb_copy_out(retptr, area, 12);
}

// is-same-object: func(other: borrow<descriptor>) -> bool
WB_EXPORT(M("is-same-object"))
uint32_t descriptor_is_same_object(uint32_t self, uint32_t other) {
  _Alignas(4) uint8_t r[4] = {0};
  wb_finish_call(p3_is_same_object(wb_fd(self), wb_fd(other), r));
  return r[0] != 0;
}

// result<metadata-hash-value, error-code>: 0.3 and 0.2 share the layout
// (tag@0, lower@8, upper@16); only the error code needs mapping.
static void put_hash_result(uint32_t retptr, const uint8_t *r) {
  uint8_t area[24] = {0};
  if (r[0]) {
    area[0] = 1;
    area[8] = (uint8_t)wb_fs_err(r + 8);
  } else {
    __builtin_memcpy(area + 8, r + 8, 16);
  }
  wb_copy_out(retptr, area, 24);
}

// metadata-hash: func() -> result<metadata-hash-value, error-code>
WB_EXPORT(M("metadata-hash"))
void descriptor_metadata_hash(uint32_t self, uint32_t retptr) {
  result3 r;
  wb_finish_call(p3_metadata_hash(wb_fd(self), r.b));
  put_hash_result(retptr, r.b);
}

// metadata-hash-at: func(path-flags, path) -> result<metadata-hash-value, error-code>
WB_EXPORT(M("metadata-hash-at"))
void descriptor_metadata_hash_at(uint32_t self, uint32_t path_flags, uint32_t path,
                                 uint32_t len, uint32_t retptr) {
  uint32_t fd = wb_fd(self);
  void *p = wb_fs_path(path, len);
  result3 r;
  wb_finish_call(p3_metadata_hash_at(fd, path_flags & 1u, p, len, r.b));
  wb_free(p);
  put_hash_result(retptr, r.b);
}

WB_EXPORT("wasi:filesystem/types#[resource-drop]descriptor")
void descriptor_drop(uint32_t self) {
  p3_drop_descriptor(wb_addr(wb_handle_take(self, WB_KIND_DESCRIPTOR)));
}
