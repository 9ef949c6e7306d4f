// wasi:filesystem@0.3.0 imports and the 0.3 -> 0.2 value conversions.
//
// 0.3 layouts used here (canonical ABI):
//   error-code / descriptor-type: variant, size 16 align 4: tag@0,
//     other(option<string>): some-tag@4 ptr@8 len@12
//   result<_, error-code> and result<T, error-code> with T of align <= 4:
//     tag@0, payload@4 (size 20); with T of align 8 (stat, metadata-hash): payload@8
//   new-timestamp: size 24 align 8: tag@0, instant {s64@8, u32@16}
//   descriptor-stat: size 104: type@0 link-count@16 size@24, option<instant>
//     (tag@+0, s64@+8, u32@+16) at 32, 56, 80
//   directory-entry: size 24 align 4: type@0, name ptr@16 len@20
#ifndef WB_P3_FS_H
#define WB_P3_FS_H

#include "common.h"
#include "stream.h"

#define WB_FS "wasi:filesystem/types@0.3.0"
#define WB_ASYNC(f) "[async-lower][method]descriptor." f

// Async-lowered `async func` methods: (flat params | params ptr, retptr) -> status.
WB_IMPORT(WB_FS, WB_ASYNC("advise"))
uint32_t p3_advise(uint32_t self, uint64_t offset, uint64_t len, uint32_t advice, void *ret);
WB_IMPORT(WB_FS, WB_ASYNC("sync-data")) uint32_t p3_sync_data(uint32_t self, void *ret);
WB_IMPORT(WB_FS, WB_ASYNC("get-flags")) uint32_t p3_get_flags(uint32_t self, void *ret);
WB_IMPORT(WB_FS, WB_ASYNC("get-type")) uint32_t p3_get_type(uint32_t self, void *ret);
WB_IMPORT(WB_FS, WB_ASYNC("set-size")) uint32_t p3_set_size(uint32_t self, uint64_t size, void *ret);
// params (56 bytes): self@0, data-access new-timestamp@8, data-modification@32
WB_IMPORT(WB_FS, WB_ASYNC("set-times")) uint32_t p3_set_times(void *params, void *ret);
WB_IMPORT(WB_FS, WB_ASYNC("sync")) uint32_t p3_sync(uint32_t self, void *ret);
WB_IMPORT(WB_FS, WB_ASYNC("create-directory-at"))
uint32_t p3_create_directory_at(uint32_t self, void *path, uint32_t len, void *ret);
WB_IMPORT(WB_FS, WB_ASYNC("stat")) uint32_t p3_stat(uint32_t self, void *ret);
WB_IMPORT(WB_FS, WB_ASYNC("stat-at"))
uint32_t p3_stat_at(uint32_t self, uint32_t path_flags, void *path, uint32_t len, void *ret);
// params (64 bytes): self@0, path-flags@4, path@8/@12, new-timestamps@16, @40
WB_IMPORT(WB_FS, WB_ASYNC("set-times-at")) uint32_t p3_set_times_at(void *params, void *ret);
// params (28 bytes): self@0, old-path-flags@4, old-path@8/@12, new-descriptor@16, new-path@20/@24
WB_IMPORT(WB_FS, WB_ASYNC("link-at")) uint32_t p3_link_at(void *params, void *ret);
// params (20 bytes): self@0, path-flags@4, path@8/@12, open-flags@16, descriptor-flags@17
WB_IMPORT(WB_FS, WB_ASYNC("open-at")) uint32_t p3_open_at(void *params, void *ret);
WB_IMPORT(WB_FS, WB_ASYNC("readlink-at"))
uint32_t p3_readlink_at(uint32_t self, void *path, uint32_t len, void *ret);
WB_IMPORT(WB_FS, WB_ASYNC("remove-directory-at"))
uint32_t p3_remove_directory_at(uint32_t self, void *path, uint32_t len, void *ret);
// params (24 bytes): self@0, old-path@4/@8, new-descriptor@12, new-path@16/@20
WB_IMPORT(WB_FS, WB_ASYNC("rename-at")) uint32_t p3_rename_at(void *params, void *ret);
// params (20 bytes): self@0, old-path@4/@8, new-path@12/@16
WB_IMPORT(WB_FS, WB_ASYNC("symlink-at")) uint32_t p3_symlink_at(void *params, void *ret);
WB_IMPORT(WB_FS, WB_ASYNC("unlink-file-at"))
uint32_t p3_unlink_file_at(uint32_t self, void *path, uint32_t len, void *ret);
WB_IMPORT(WB_FS, WB_ASYNC("is-same-object"))
uint32_t p3_is_same_object(uint32_t self, uint32_t other, void *ret);
WB_IMPORT(WB_FS, WB_ASYNC("metadata-hash")) uint32_t p3_metadata_hash(uint32_t self, void *ret);
WB_IMPORT(WB_FS, WB_ASYNC("metadata-hash-at"))
uint32_t p3_metadata_hash_at(uint32_t self, uint32_t path_flags, void *path, uint32_t len,
                             void *ret);

// Plain funcs (sync lower).
// read-via-stream: func(offset) -> tuple<stream<u8>, future<result<_, error-code>>>
WB_IMPORT(WB_FS, "[method]descriptor.read-via-stream")
void p3_read_via_stream(uint32_t self, uint64_t offset, void *ret);
// write-via-stream: func(data: stream<u8>, offset) -> future<result<_, error-code>>
WB_IMPORT(WB_FS, "[method]descriptor.write-via-stream")
uint32_t p3_write_via_stream(uint32_t self, uint32_t data, uint64_t offset);
// append-via-stream: func(data: stream<u8>) -> future<result<_, error-code>>
WB_IMPORT(WB_FS, "[method]descriptor.append-via-stream")
uint32_t p3_append_via_stream(uint32_t self, uint32_t data);
// read-directory: func() -> tuple<stream<directory-entry>, future<result<_, error-code>>>
WB_IMPORT(WB_FS, "[method]descriptor.read-directory") void p3_read_directory(uint32_t self, void *ret);
WB_IMPORT(WB_FS, "[resource-drop]descriptor") void p3_drop_descriptor(uint32_t self);

// stream<u8> / future of read-via-stream
#define WB_RVS "[method]descriptor.read-via-stream"
WB_IMPORT(WB_FS, "[stream-read]" WB_RVS) uint32_t p3_rvs_read(uint32_t, void *, uint32_t);
WB_IMPORT(WB_FS, "[stream-cancel-read]" WB_RVS) uint32_t p3_rvs_cancel_read(uint32_t);
WB_IMPORT(WB_FS, "[stream-drop-readable]" WB_RVS) void p3_rvs_drop_readable(uint32_t);
WB_IMPORT(WB_FS, "[future-read]" WB_RVS) uint32_t p3_rvs_future_read(uint32_t, void *);
WB_IMPORT(WB_FS, "[future-cancel-read]" WB_RVS) uint32_t p3_rvs_future_cancel_read(uint32_t);
WB_IMPORT(WB_FS, "[future-drop-readable]" WB_RVS) void p3_rvs_future_drop_readable(uint32_t);

// stream<u8> / future of write-via-stream (append-via-stream has the same types)
#define WB_WVS "[method]descriptor.write-via-stream"
WB_IMPORT(WB_FS, "[stream-new]" WB_WVS) uint64_t p3_wvs_stream_new(void);
WB_IMPORT(WB_FS, "[stream-write]" WB_WVS) uint32_t p3_wvs_write(uint32_t, void *, uint32_t);
WB_IMPORT(WB_FS, "[stream-drop-writable]" WB_WVS) void p3_wvs_drop_writable(uint32_t);
WB_IMPORT(WB_FS, "[future-read]" WB_WVS) uint32_t p3_wvs_future_read(uint32_t, void *);
WB_IMPORT(WB_FS, "[future-drop-readable]" WB_WVS) void p3_wvs_future_drop_readable(uint32_t);

// stream<directory-entry> / future of read-directory
#define WB_RD "[method]descriptor.read-directory"
WB_IMPORT(WB_FS, "[stream-read]" WB_RD) uint32_t p3_rd_read(uint32_t, void *, uint32_t);
WB_IMPORT(WB_FS, "[stream-drop-readable]" WB_RD) void p3_rd_drop_readable(uint32_t);
WB_IMPORT(WB_FS, "[future-read]" WB_RD) uint32_t p3_rd_future_read(uint32_t, void *);
WB_IMPORT(WB_FS, "[future-drop-readable]" WB_RD) void p3_rd_future_drop_readable(uint32_t);

// ---- conversions (fs_convert.c)
// 0.3 error-code variant at v -> 0.2 error-code (other -> io); frees the string.
uint32_t wb_fs_err(const uint8_t *v);
// 0.3 descriptor-type variant at v -> 0.2 enum (other -> unknown); frees the string.
uint32_t wb_fs_type(const uint8_t *v);
// future<result<_, error-code>> value -> error (domain FS) or none.
struct wb_errval wb_fs_decode_result(uint8_t *v);

// 0.3 descriptor handle behind a 0.2 descriptor handle (traps if invalid).
uint32_t wb_fd(uint32_t handle);
// Copy of a caller string into shim memory (free with wb_free).
void *wb_fs_path(uint32_t ptr, uint32_t len);
// Drop every open directory listing (for wb:shim#finish).
void wb_fs_close_all(void);

#define WB_FS_ERR_IO 13u
#define WB_FS_ERR_OVERFLOW 30u

#endif
