// Capability-safe path resolution for wasi:filesystem: every path a guest
// names is resolved beneath the directory descriptor it is relative to.
//
// Linux `openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)` does it in the
// kernel; where openat2 is missing (ENOSYS, before 5.6) a component-wise walk
// (O_PATH | O_NOFOLLOW per component, symlinks expanded by hand, `..`
// tracked against the starting directory) gives the same answers. Escapes
// (an absolute path, `..` above the start, a symlink pointing out) fail
// with EPERM (error-code `not-permitted`); symlink loops with ELOOP.
#ifndef WASI_BRIDGE_ENGINE_WASI_FS_RESOLVE_H_
#define WASI_BRIDGE_ENGINE_WASI_FS_RESOLVE_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace wasi_bridge::engine::wasi {

// wasi:filesystem/types.error-code, by case index.
enum class FsError : uint32_t {
  kAccess = 0, kAlready, kBadDescriptor, kBusy, kDeadlock, kQuota, kExist, kFileTooLarge,
  kIllegalByteSequence, kInProgress, kInterrupted, kInvalid, kIo, kIsDirectory, kLoop,
  kTooManyLinks, kMessageSize, kNameTooLong, kNoDevice, kNoEntry, kNoLock, kInsufficientMemory,
  kInsufficientSpace, kNotDirectory, kNotEmpty, kNotRecoverable, kUnsupported, kNoTty,
  kNoSuchDevice, kOverflow, kNotPermitted, kPipe, kReadOnly, kInvalidSeek, kTextFileBusy,
  kCrossDevice, kOther,
};
// The case an errno maps to (`other` for errnos without a case).
FsError FsErrorFromErrno(int err);
// Its WIT name ("no-entry").
const char* FsErrorName(FsError e);

// Which resolver OpenBeneath uses: openat2 when the kernel has it, else
// the walk. Tests force the walk to check both give the same answers.
enum class ResolveMode { kAuto, kWalk };
void SetResolveModeForTesting(ResolveMode mode);

// Opens `path` relative to directory `dirfd`, never leaving it. `flags`
// are open(2)'s (O_CLOEXEC is added); `follow` says whether a symlink as
// the last component is followed (if not, O_NOFOLLOW applies: a symlink
// there fails with ELOOP unless O_PATH is given). Returns the new fd, or
// -errno.
int OpenBeneath(int dirfd, std::string_view path, int flags, mode_t mode, bool follow);

// For the operations on a name (mkdirat, unlinkat, renameat, symlinkat,
// linkat, readlinkat, fstatat without following): opens the parent
// directory of `path` beneath `dirfd` and gives the last component in
// `name`. Returns the parent's fd (the caller closes it) or -errno. A last
// component `.` or `..` (or an empty path) has no name: -EINVAL, or the
// escape's error if the path leads out; `trailing_slash` is set if the path
// ended in `/`.
int OpenParentBeneath(int dirfd, std::string_view path, std::string* name,
                      bool* trailing_slash = nullptr);

}  // namespace wasi_bridge::engine::wasi

#endif  // WASI_BRIDGE_ENGINE_WASI_FS_RESOLVE_H_
