#include "engine/wasi/fs_resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <vector>

namespace wasi_bridge::engine::wasi {

namespace {

// Atomic: paths are resolved on the worker pool's threads.
std::atomic<ResolveMode> g_mode{ResolveMode::kAuto};
std::atomic<bool> g_no_openat2{false};  // the kernel said ENOSYS once

constexpr int kMaxSymlinks = 40;  // as Linux's MAXSYMLINKS

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// The walk: components opened one at a time with O_PATH | O_NOFOLLOW.
int Walk(int dirfd, std::string_view path, int flags, mode_t mode, bool follow) {
  if (path.empty()) return -ENOENT;
  if (path[0] == '/') return -EPERM;
  const bool trailing_slash = path.back() == '/';
  const std::vector<std::string> parts = Split(path);
  std::vector<std::string> rest(parts.rbegin(), parts.rend());  // back() is next
  std::vector<int> stack;  // fds of the directories below dirfd we are in
  auto cur = [&] { return stack.empty() ? dirfd : stack.back(); };
  auto cleanup = [&](int r) {
    for (int fd : stack) ::close(fd);
    return r;
  };
  int links = 0;
  while (!rest.empty()) {
    std::string comp = std::move(rest.back());
    rest.pop_back();
    const bool last = rest.empty();
    if (comp == ".") {
      if (!last) continue;
      const int fd = ::openat(cur(), ".", flags | O_CLOEXEC, mode);
      return cleanup(fd < 0 ? -errno : fd);
    }
    if (comp == "..") {
      if (stack.empty()) return cleanup(-EPERM);
      ::close(stack.back());
      stack.pop_back();
      if (!last) continue;
      const int fd = ::openat(cur(), ".", flags | O_CLOEXEC, mode);
      return cleanup(fd < 0 ? -errno : fd);
    }
    struct stat st{};
    const bool exists = ::fstatat(cur(), comp.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (!exists && (errno != ENOENT || !last)) return cleanup(-errno);
    if (exists && S_ISLNK(st.st_mode) && (!last || follow || trailing_slash)) {
      if (++links > kMaxSymlinks) return cleanup(-ELOOP);
      std::string target(4096, '\0');
      const ssize_t n = ::readlinkat(cur(), comp.c_str(), target.data(), target.size());
      if (n < 0) return cleanup(-errno);
      target.resize(static_cast<size_t>(n));
      if (target.empty()) return cleanup(-ENOENT);
      if (target[0] == '/') return cleanup(-EPERM);
      std::vector<std::string> parts = Split(target);
      if (last && trailing_slash) parts.emplace_back(".");
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) rest.push_back(*it);
      if (rest.empty()) rest.emplace_back(".");
      continue;
    }
    if (last) {
      int f = flags | O_CLOEXEC | O_NOFOLLOW;
      if (trailing_slash) f |= O_DIRECTORY;
      const int fd = ::openat(cur(), comp.c_str(), f, mode);
      return cleanup(fd < 0 ? -errno : fd);
    }
    if (!S_ISDIR(st.st_mode)) return cleanup(-ENOTDIR);
    const int fd = ::openat(cur(), comp.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return cleanup(-errno);
    stack.push_back(fd);
  }
  return cleanup(-ENOENT);
}

}  // namespace

void SetResolveModeForTesting(ResolveMode mode) { g_mode = mode; }

int OpenBeneath(int dirfd, std::string_view path, int flags, mode_t mode, bool follow) {
  if (path.empty()) return -ENOENT;
  if (path[0] == '/') return -EPERM;
  if (path.find('\0') != std::string_view::npos) return -EINVAL;
  if (g_mode == ResolveMode::kAuto && !g_no_openat2) {
    struct open_how how{};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
    if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) how.mode = mode;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    const std::string p(path);
    long fd;
    do {
      fd = ::syscall(SYS_openat2, dirfd, p.c_str(), &how, sizeof how);
    } while (fd < 0 && (errno == EAGAIN || errno == EINTR));
    if (fd >= 0) return static_cast<int>(fd);
    if (errno == EXDEV) return -EPERM;  // RESOLVE_BENEATH: the path leads out
    if (errno != ENOSYS) return -errno;
    g_no_openat2 = true;
  }
  return Walk(dirfd, path, flags, mode, follow);
}

int OpenParentBeneath(int dirfd, std::string_view path, std::string* name, bool* trailing_slash) {
  if (path.empty()) return -ENOENT;
  if (path[0] == '/') return -EPERM;
  if (path.find('\0') != std::string_view::npos) return -EINVAL;
  std::string_view p = path;
  bool slash = false;
  while (p.size() > 1 && p.back() == '/') {
    p.remove_suffix(1);
    slash = true;
  }
  if (trailing_slash) *trailing_slash = slash;
  const size_t cut = p.rfind('/');
  const std::string_view last = cut == std::string_view::npos ? p : p.substr(cut + 1);
  const std::string_view parent = cut == std::string_view::npos ? "." : p.substr(0, cut + 1);
  if (last == "." || last == "..") {
    const int fd = OpenBeneath(dirfd, p, O_PATH | O_DIRECTORY, 0, true);
    if (fd < 0) return fd;
    ::close(fd);
    return -EINVAL;
  }
  const int fd = OpenBeneath(dirfd, parent, O_PATH | O_DIRECTORY, 0, true);
  if (fd < 0) return fd;
  *name = std::string(last);
  return fd;
}

FsError FsErrorFromErrno(int err) {
  switch (err) {
    case EACCES: return FsError::kAccess;
    case EALREADY: return FsError::kAlready;
    case EBADF: return FsError::kBadDescriptor;
    case EBUSY: return FsError::kBusy;
    case EDEADLK: return FsError::kDeadlock;
    case EDQUOT: return FsError::kQuota;
    case EEXIST: return FsError::kExist;
    case EFBIG: return FsError::kFileTooLarge;
    case EILSEQ: return FsError::kIllegalByteSequence;
    case EINPROGRESS: return FsError::kInProgress;
    case EINTR: return FsError::kInterrupted;
    case EINVAL: return FsError::kInvalid;
    case EIO: return FsError::kIo;
    case EISDIR: return FsError::kIsDirectory;
    case ELOOP: return FsError::kLoop;
    case EMLINK: return FsError::kTooManyLinks;
    case EMSGSIZE: return FsError::kMessageSize;
    case ENAMETOOLONG: return FsError::kNameTooLong;
    case ENODEV: return FsError::kNoDevice;
    case ENOENT: return FsError::kNoEntry;
    case ENOLCK: return FsError::kNoLock;
    case ENOMEM: return FsError::kInsufficientMemory;
    case ENOSPC: return FsError::kInsufficientSpace;
    case ENOTDIR: return FsError::kNotDirectory;
    case ENOTEMPTY: return FsError::kNotEmpty;
    case ENOTRECOVERABLE: return FsError::kNotRecoverable;
    case ENOTSUP: return FsError::kUnsupported;
    case ENOTTY: return FsError::kNoTty;
    case ENXIO: return FsError::kNoSuchDevice;
    case EOVERFLOW: return FsError::kOverflow;
    case EPERM: return FsError::kNotPermitted;
    case EPIPE: return FsError::kPipe;
    case EROFS: return FsError::kReadOnly;
    case ESPIPE: return FsError::kInvalidSeek;
    case ETXTBSY: return FsError::kTextFileBusy;
    case EXDEV: return FsError::kCrossDevice;
    default: return FsError::kOther;
  }
}

const char* FsErrorName(FsError e) {
  static const char* const kNames[] = {
      "access", "already", "bad-descriptor", "busy", "deadlock", "quota", "exist",
      "file-too-large", "illegal-byte-sequence", "in-progress", "interrupted", "invalid", "io",
      "is-directory", "loop", "too-many-links", "message-size", "name-too-long", "no-device",
      "no-entry", "no-lock", "insufficient-memory", "insufficient-space", "not-directory",
      "not-empty", "not-recoverable", "unsupported", "no-tty", "no-such-device", "overflow",
      "not-permitted", "pipe", "read-only", "invalid-seek", "text-file-busy", "cross-device",
      "other"};
  return kNames[static_cast<uint32_t>(e)];
}

}  // namespace wasi_bridge::engine::wasi
