// wasi:filesystem/{types,preopens}@0.3.0: descriptors over host fds,
// granted by `WasiConfig::preopens` (`--dir HOST::GUEST`).
//
// A descriptor is a host resource (`own<descriptor>`, rep = an index in
// the table below); a guest's drop closes its fd (Runtime's host resource
// drop hook). Every path is resolved beneath its descriptor
// (fs_resolve.h): absolute paths, `..` above it and symlinks leading out
// fail with `not-permitted`, symlink loops with `loop`.
//
// The methods run synchronously on the loop (one syscall each, bounded).
// read-via-stream / write-via-stream / append-via-stream move a regular
// file through 64 KiB chunks, one pread/pwrite per loop turn.
// read-directory lists 64 entries per loop turn into a host stream whose
// strings the host writes with HostStreamEnd::WriteValues.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "adapter/support/status_macros.h"
#include "engine/task/event_loop.h"
#include "engine/wasi/fs_resolve.h"
#include "engine/wasi/host.h"
#include "engine/wasi/instance.h"
#include "engine/wasi/types.h"

namespace wasi_bridge::engine::wasi {

using cabi::CabiType;
using cabi::TypeRef;
using cabi::Value;

namespace {

constexpr cabi::ResourceId kDescriptor = 0x7fff0010;

TypeRef DescriptorType() {
  return CabiType::Variant({{"block-device", nullptr},
                            {"character-device", nullptr},
                            {"directory", nullptr},
                            {"fifo", nullptr},
                            {"symbolic-link", nullptr},
                            {"regular-file", nullptr},
                            {"socket", nullptr},
                            {"other", CabiType::Option(CabiType::String())}});
}

TypeRef FsErrorCodeType() {
  std::vector<cabi::Case> cases;
  for (uint32_t i = 0; i < static_cast<uint32_t>(FsError::kOther); ++i) {
    cases.push_back({FsErrorName(static_cast<FsError>(i)), nullptr});
  }
  cases.push_back({"other", CabiType::Option(CabiType::String())});
  return CabiType::Variant(std::move(cases));
}

constexpr size_t kChunk = 64 * 1024;

// descriptor-flags bits.
constexpr uint32_t kRead = 1, kWrite = 2, kFileSync = 4, kDataSync = 8, kReadSync = 16,
                   kMutateDir = 32;
// open-flags bits.
constexpr uint32_t kCreate = 1, kDirectory = 2, kExclusive = 4, kTruncate = 8;

struct Desc {
  int fd = -1;
  uint32_t flags = 0;        // as opened (get-flags)
  bool may_mutate = false;   // may create/remove/rename beneath (a directory)
  ~Desc() {
    if (fd >= 0) ::close(fd);
  }
};

struct FsState {
  std::map<uint32_t, std::shared_ptr<Desc>> table;
  uint32_t next = 1;
  std::vector<std::pair<int, std::string>> preopens;  // fd, guest path
  ~FsState() {
    for (auto& [fd, name] : preopens) ::close(fd);
  }
  uint32_t Add(int fd, uint32_t flags) {
    auto d = std::make_shared<Desc>();
    d->fd = fd;
    d->flags = flags;
    const uint32_t rep = next++;
    table[rep] = std::move(d);
    return rep;
  }
  std::shared_ptr<Desc> Get(const Value& v) const {
    uint32_t rep = 0;
    if (auto b = v.Get<cabi::BorrowValue>()) rep = b->rep;
    if (auto o = v.Get<cabi::OwnValue>()) rep = o->rep;
    auto it = table.find(rep);
    return it == table.end() ? nullptr : it->second;
  }
};

Value ErrCode(FsError e) {
  if (e == FsError::kOther) return Value::Variant(static_cast<uint32_t>(e), Value::None());
  return Value::Variant(static_cast<uint32_t>(e));
}
Value Errno(int err) { return Value::Err(ErrCode(FsErrorFromErrno(err))); }
Value ErrOf(FsError e) { return Value::Err(ErrCode(e)); }

Value TypeOf(mode_t m) {
  if (S_ISBLK(m)) return Value::Variant(0);
  if (S_ISCHR(m)) return Value::Variant(1);
  if (S_ISDIR(m)) return Value::Variant(2);
  if (S_ISFIFO(m)) return Value::Variant(3);
  if (S_ISLNK(m)) return Value::Variant(4);
  if (S_ISREG(m)) return Value::Variant(5);
  if (S_ISSOCK(m)) return Value::Variant(6);
  return Value::Variant(7, Value::None());
}

Value InstantOf(const struct timespec& ts) {
  return Value::Some(Value::Record({Value::S64(ts.tv_sec), Value::U32(static_cast<uint32_t>(ts.tv_nsec))}));
}

Value StatOf(const struct stat& st) {
  return Value::Record({TypeOf(st.st_mode), Value::U64(st.st_nlink),
                        Value::U64(static_cast<uint64_t>(st.st_size)), InstantOf(st.st_atim),
                        InstantOf(st.st_mtim), InstantOf(st.st_ctim)});
}

Value HashOf(const struct stat& st) {
  // Stable for one object while it lives: its device and inode, mixed.
  uint64_t a = st.st_ino * 0x9E3779B97F4A7C15ull ^ st.st_dev;
  uint64_t b = st.st_dev * 0xC2B2AE3D27D4EB4Full ^ st.st_ino;
  return Value::Record({Value::U64(a), Value::U64(b)});
}

uint32_t U32Of(const Value& v) {
  if (auto f = v.Get<cabi::FlagsValue>()) return f->bits;
  if (auto u = v.Get<uint32_t>()) return *u;
  if (auto var = v.Get<cabi::VariantValue>()) return var->index;
  return 0;
}
uint64_t U64Of(const Value& v) {
  if (auto u = v.Get<uint64_t>()) return *u;
  return 0;
}
const std::string& StrOf(const Value& v) {
  static const std::string kEmpty;
  auto s = v.Get<std::string>();
  return s ? *s : kEmpty;
}

// new-timestamp -> timespec (UTIME_OMIT, UTIME_NOW or a time).
struct timespec TimeOf(const Value& v) {
  struct timespec ts{};
  auto var = v.Get<cabi::VariantValue>();
  if (!var || var->index == 0) {
    ts.tv_nsec = UTIME_OMIT;
  } else if (var->index == 1) {
    ts.tv_nsec = UTIME_NOW;
  } else if (var->payload) {
    auto rec = var->payload->Get<cabi::RecordValue>();
    if (rec && rec->fields.size() == 2) {
      auto sec = rec->fields[0].Get<int64_t>();
      auto ns = rec->fields[1].Get<uint32_t>();
      ts.tv_sec = sec ? *sec : 0;
      ts.tv_nsec = ns ? *ns : 0;
    }
  }
  return ts;
}

struct Parent {
  int fd = -1;
  std::string name;
  bool slash = false;
  int err = 0;
  Parent(int dirfd, const std::string& path) {
    fd = OpenParentBeneath(dirfd, path, &name, &slash);
    if (fd < 0) {
      err = -fd;
      fd = -1;
    }
  }
  ~Parent() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads a file into a host stream<u8>, one pread of at most 64 KiB per
// loop turn, the next only after the guest took the last chunk.
struct FileSource : std::enable_shared_from_this<FileSource> {
  int fd = -1;
  uint64_t offset = 0;
  EventLoop* loop = nullptr;
  std::shared_ptr<HostStreamEnd> out;
  std::shared_ptr<HostFutureEnd> result;
  bool finished = false;
  ~FileSource() {
    if (fd >= 0) ::close(fd);
  }
  void Finish(Value v) {
    if (finished) return;
    finished = true;
    out->Close();
    auto keep = result;
    (void)result->Write(std::move(v), [keep](HostCopyResult) {});
  }
  void Next() {
    auto self = shared_from_this();
    loop->Post([self] { self->ReadOnce(); });
  }
  void ReadOnce() {
    if (finished) return;
    std::vector<uint8_t> buf(kChunk);
    ssize_t n;
    do {
      n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(offset));
    } while (n < 0 && errno == EINTR);
    if (n < 0) return Finish(Errno(errno));
    if (n == 0) return Finish(Value::Ok());
    buf.resize(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
    Offer(std::move(buf), 0);
  }
  void Offer(std::vector<uint8_t> buf, size_t from) {
    std::vector<uint8_t> data(buf.begin() + static_cast<std::ptrdiff_t>(from), buf.end());
    auto self = shared_from_this();
    absl::Status s = out->Write(std::move(data), [self](HostCopyResult r, uint32_t count,
                                                         std::vector<uint8_t> rest) {
      if (r == HostCopyResult::kDropped) return self->Finish(Value::Ok());
      if (count < rest.size()) return self->Offer(std::move(rest), count);
      self->Next();
    });
    if (!s.ok()) Finish(ErrOf(FsError::kIo));
  }
};

// Writes a guest stream<u8> to a file: one 64 KiB chunk read, then written
// (pwrite at the offset, or write with O_APPEND), then the next read.
struct FileSink : std::enable_shared_from_this<FileSink> {
  int fd = -1;
  uint64_t offset = 0;
  bool append = false;
  EventLoop* loop = nullptr;
  std::shared_ptr<HostStreamEnd> in;
  std::shared_ptr<HostFutureEnd> result;
  bool finished = false;
  ~FileSink() {
    if (fd >= 0) ::close(fd);
  }
  void Finish(Value v) {
    if (finished) return;
    finished = true;
    in->Close();
    auto keep = result;
    (void)result->Write(std::move(v), [keep](HostCopyResult) {});
  }
  void ReadNext(std::vector<uint8_t> buffer) {
    buffer.resize(kChunk);
    auto self = shared_from_this();
    absl::Status s = in->Read(std::move(buffer), [self](HostCopyResult r, uint32_t count,
                                                         std::vector<uint8_t> buf) {
      const bool dropped = r == HostCopyResult::kDropped;
      size_t off = 0;
      while (off < count) {
        ssize_t w = self->append
                        ? ::write(self->fd, buf.data() + off, count - off)
                        : ::pwrite(self->fd, buf.data() + off, count - off,
                                   static_cast<off_t>(self->offset));
        if (w < 0) {
          if (errno == EINTR) continue;
          return self->Finish(Errno(errno));
        }
        off += static_cast<size_t>(w);
        self->offset += static_cast<uint64_t>(w);
      }
      if (dropped) return self->Finish(Value::Ok());
      // The next read on a later loop turn: a guest writing a large file
      // does not keep the loop to itself.
      self->loop->Post([self, b = std::move(buf)]() mutable { self->ReadNext(std::move(b)); });
    });
    if (!s.ok()) Finish(ErrOf(FsError::kIo));
  }
};

// Lists a directory into a host stream<directory-entry>: at most 64
// entries per loop turn, the next batch once the guest took the last.
struct DirSource : std::enable_shared_from_this<DirSource> {
  DIR* dir = nullptr;
  EventLoop* loop = nullptr;
  std::shared_ptr<HostStreamEnd> out;
  std::shared_ptr<HostFutureEnd> result;
  bool finished = false;
  ~DirSource() {
    if (dir) ::closedir(dir);
  }
  void Finish(Value v) {
    if (finished) return;
    finished = true;
    out->Close();
    auto keep = result;
    (void)result->Write(std::move(v), [keep](HostCopyResult) {});
  }
  void Next() {
    auto self = shared_from_this();
    loop->Post([self] { self->ReadBatch(); });
  }
  void ReadBatch() {
    if (finished) return;
    std::vector<Value> batch;
    while (batch.size() < 64) {
      errno = 0;
      struct dirent* e = ::readdir(dir);
      if (!e) {
        if (errno != 0) return Finish(Errno(errno));
        break;
      }
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      Value type;
      switch (e->d_type) {
        case DT_BLK: type = Value::Variant(0); break;
        case DT_CHR: type = Value::Variant(1); break;
        case DT_DIR: type = Value::Variant(2); break;
        case DT_FIFO: type = Value::Variant(3); break;
        case DT_LNK: type = Value::Variant(4); break;
        case DT_REG: type = Value::Variant(5); break;
        case DT_SOCK: type = Value::Variant(6); break;
        default: {
          struct stat st{};
          type = ::fstatat(::dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0
                     ? TypeOf(st.st_mode)
                     : Value::Variant(7, Value::None());
        }
      }
      batch.push_back(Value::Record({std::move(type), Value::String(name)}));
    }
    if (batch.empty()) return Finish(Value::Ok());
    Offer(std::move(batch));
  }
  void Offer(std::vector<Value> batch) {
    auto self = shared_from_this();
    auto shared = std::make_shared<std::vector<Value>>(std::move(batch));
    absl::Status s = out->WriteValues(*shared, [self, shared](HostCopyResult r, uint32_t count,
                                                               std::vector<uint8_t>) {
      if (r == HostCopyResult::kDropped) return self->Finish(Value::Ok());
      if (count < shared->size()) {
        return self->Offer(std::vector<Value>(shared->begin() + count, shared->end()));
      }
      self->Next();
    });
    if (!s.ok()) Finish(ErrOf(FsError::kIo));
  }
};

}  // namespace

void AddFilesystem(const std::shared_ptr<WasiContext>& ctx, Imports& out) {
  Runtime& rt = *ctx->runtime;
  const TypeRef u64 = CabiType::U64();
  const TypeRef str = CabiType::String();
  const TypeRef desc_type = DescriptorType();
  const TypeRef desc_flags = CabiType::Flags(6);
  const TypeRef path_flags = CabiType::Flags(1);
  const TypeRef open_flags = CabiType::Flags(4);
  const TypeRef opt_instant = CabiType::Option(Instant());
  const TypeRef stat = CabiType::Record({{"type", desc_type},
                                         {"link-count", u64},
                                         {"size", u64},
                                         {"data-access-timestamp", opt_instant},
                                         {"data-modification-timestamp", opt_instant},
                                         {"status-change-timestamp", opt_instant}});
  const TypeRef new_ts =
      CabiType::Variant({{"no-change", nullptr}, {"now", nullptr}, {"timestamp", Instant()}});
  const TypeRef entry = CabiType::Record({{"type", desc_type}, {"name", str}});
  const TypeRef error = FsErrorCodeType();
  const TypeRef advice =
      CabiType::Enum({"normal", "sequential", "random", "will-need", "dont-need", "no-reuse"});
  const TypeRef hash = CabiType::Record({{"lower", u64}, {"upper", u64}});
  const TypeRef own = CabiType::Own(kDescriptor);
  const TypeRef self = CabiType::Borrow(kDescriptor);
  auto res = [&](TypeRef ok) { return CabiType::Result(std::move(ok), error); };
  const TypeRef done = CabiType::Future(res(nullptr));
  const TypeRef bytes = CabiType::Stream(CabiType::U8());

  auto types = NewHostInstance();
  types->AddType("instant", Instant());
  types->AddType("filesize", u64);
  types->AddType("descriptor-type", desc_type);
  types->AddType("descriptor-flags", desc_flags);
  types->AddType("descriptor-stat", stat);
  types->AddType("path-flags", path_flags);
  types->AddType("open-flags", open_flags);
  types->AddType("link-count", u64);
  types->AddType("new-timestamp", new_ts);
  types->AddType("directory-entry", entry);
  types->AddType("error-code", error);
  types->AddType("advice", advice);
  types->AddType("metadata-hash-value", hash);
  types->AddType("descriptor", own);

  struct Method {
    const char* name;
    std::vector<std::pair<std::string, TypeRef>> params;  // after self
    TypeRef result;
    bool is_async;
  };
  const std::vector<Method> methods = {
      {"read-via-stream", {{"offset", u64}}, CabiType::Tuple({bytes, done}), false},
      {"write-via-stream", {{"data", bytes}, {"offset", u64}}, done, false},
      {"append-via-stream", {{"data", bytes}}, done, false},
      {"advise", {{"offset", u64}, {"length", u64}, {"advice", advice}}, res(nullptr), true},
      {"sync-data", {}, res(nullptr), true},
      {"get-flags", {}, res(desc_flags), true},
      {"get-type", {}, res(desc_type), true},
      {"set-size", {{"size", u64}}, res(nullptr), true},
      {"set-times",
       {{"data-access-timestamp", new_ts}, {"data-modification-timestamp", new_ts}},
       res(nullptr),
       true},
      {"read-directory", {}, CabiType::Tuple({CabiType::Stream(entry), done}), false},
      {"sync", {}, res(nullptr), true},
      {"create-directory-at", {{"path", str}}, res(nullptr), true},
      {"stat", {}, res(stat), true},
      {"stat-at", {{"path-flags", path_flags}, {"path", str}}, res(stat), true},
      {"set-times-at",
       {{"path-flags", path_flags},
        {"path", str},
        {"data-access-timestamp", new_ts},
        {"data-modification-timestamp", new_ts}},
       res(nullptr),
       true},
      {"link-at",
       {{"old-path-flags", path_flags},
        {"old-path", str},
        {"new-descriptor", self},
        {"new-path", str}},
       res(nullptr),
       true},
      {"open-at",
       {{"path-flags", path_flags}, {"path", str}, {"open-flags", open_flags}, {"flags", desc_flags}},
       res(own),
       true},
      {"readlink-at", {{"path", str}}, res(str), true},
      {"remove-directory-at", {{"path", str}}, res(nullptr), true},
      {"rename-at",
       {{"old-path", str}, {"new-descriptor", self}, {"new-path", str}},
       res(nullptr),
       true},
      {"symlink-at", {{"old-path", str}, {"new-path", str}}, res(nullptr), true},
      {"unlink-file-at", {{"path", str}}, res(nullptr), true},
      {"is-same-object", {{"other", self}}, CabiType::Bool(), true},
      {"metadata-hash", {}, res(hash), true},
      {"metadata-hash-at", {{"path-flags", path_flags}, {"path", str}}, res(hash), true},
  };
  auto state = std::make_shared<FsState>();
  ctx->fs = state;
  for (const auto& [host, guest] : ctx->config.preopens) {
    const int fd = ::open(host.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) state->preopens.emplace_back(fd, guest);
  }
  std::weak_ptr<FsState> weak_state = state;
  rt.SetHostResourceDrop(kDescriptor, [weak_state](uint32_t rep) {
    if (auto st = weak_state.lock()) st->table.erase(rep);
  });

  using Handler = std::function<CallResult(FsState&, Desc&, const std::vector<Value>&)>;
  std::map<std::string, Handler> handlers;
  auto fstat_or = [](int fd, struct stat* st) { return ::fstat(fd, st) == 0 ? 0 : errno; };

  handlers["get-type"] = [fstat_or](FsState&, Desc& d, const std::vector<Value>&) -> CallResult {
    struct stat st{};
    if (int e = fstat_or(d.fd, &st)) return Errno(e);
    return Value::Ok(TypeOf(st.st_mode));
  };
  handlers["get-flags"] = [](FsState&, Desc& d, const std::vector<Value>&) -> CallResult {
    return Value::Ok(Value::Flags(d.flags));
  };
  handlers["stat"] = [fstat_or](FsState&, Desc& d, const std::vector<Value>&) -> CallResult {
    struct stat st{};
    if (int e = fstat_or(d.fd, &st)) return Errno(e);
    return Value::Ok(StatOf(st));
  };
  auto stat_at = [](Desc& d, const std::vector<Value>& a, struct stat* st) -> int {
    const bool follow = U32Of(a[1]) & 1;
    const int fd = OpenBeneath(d.fd, StrOf(a[2]), O_PATH, 0, follow);
    if (fd < 0) return -fd;
    const int r = ::fstat(fd, st) == 0 ? 0 : errno;
    ::close(fd);
    return r;
  };
  handlers["stat-at"] = [stat_at](FsState&, Desc& d, const std::vector<Value>& a) -> CallResult {
    struct stat st{};
    if (int e = stat_at(d, a, &st)) return Errno(e);
    return Value::Ok(StatOf(st));
  };
  handlers["metadata-hash"] = [fstat_or](FsState&, Desc& d, const std::vector<Value>&)
      -> CallResult {
    struct stat st{};
    if (int e = fstat_or(d.fd, &st)) return Errno(e);
    return Value::Ok(HashOf(st));
  };
  handlers["metadata-hash-at"] = [stat_at](FsState&, Desc& d, const std::vector<Value>& a)
      -> CallResult {
    struct stat st{};
    if (int e = stat_at(d, a, &st)) return Errno(e);
    return Value::Ok(HashOf(st));
  };
  handlers["is-same-object"] = [](FsState& fs, Desc& d, const std::vector<Value>& a)
      -> CallResult {
    auto other = fs.Get(a[1]);
    struct stat x{}, y{};
    if (!other || ::fstat(d.fd, &x) != 0 || ::fstat(other->fd, &y) != 0) {
      return Value::Bool(false);
    }
    return Value::Bool(x.st_dev == y.st_dev && x.st_ino == y.st_ino);
  };
  handlers["advise"] = [](FsState&, Desc& d, const std::vector<Value>& a) -> CallResult {
    static const int kAdvice[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL,
                                  POSIX_FADV_RANDOM,   POSIX_FADV_WILLNEED,
                                  POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    struct stat st{};
    if (::fstat(d.fd, &st) == 0 && S_ISDIR(st.st_mode)) return ErrOf(FsError::kBadDescriptor);
    const uint32_t adv = U32Of(a[3]);
    if (adv >= 6) return ErrOf(FsError::kInvalid);
    const int r = ::posix_fadvise(d.fd, static_cast<off_t>(U64Of(a[1])),
                                  static_cast<off_t>(U64Of(a[2])), kAdvice[adv]);
    return r == 0 ? Value::Ok() : Errno(r);
  };
  handlers["sync"] = [](FsState&, Desc& d, const std::vector<Value>&) -> CallResult {
    return ::fsync(d.fd) == 0 ? Value::Ok() : Errno(errno);
  };
  handlers["sync-data"] = [](FsState&, Desc& d, const std::vector<Value>&) -> CallResult {
    return ::fdatasync(d.fd) == 0 ? Value::Ok() : Errno(errno);
  };
  handlers["set-size"] = [](FsState&, Desc& d, const std::vector<Value>& a) -> CallResult {
    if (!(d.flags & kWrite)) return ErrOf(FsError::kBadDescriptor);
    return ::ftruncate(d.fd, static_cast<off_t>(U64Of(a[1]))) == 0 ? Value::Ok() : Errno(errno);
  };
  handlers["set-times"] = [](FsState&, Desc& d, const std::vector<Value>& a) -> CallResult {
    const struct timespec ts[2] = {TimeOf(a[1]), TimeOf(a[2])};
    return ::futimens(d.fd, ts) == 0 ? Value::Ok() : Errno(errno);
  };
  handlers["set-times-at"] = [](FsState&, Desc& d, const std::vector<Value>& a) -> CallResult {
    const struct timespec ts[2] = {TimeOf(a[3]), TimeOf(a[4])};
    if (U32Of(a[1]) & 1) {
      // Followed beneath, then set through the fd's /proc link (an O_PATH
      // fd cannot futimens).
      const int fd = OpenBeneath(d.fd, StrOf(a[2]), O_PATH, 0, true);
      if (fd < 0) return Errno(-fd);
      const std::string proc = "/proc/self/fd/" + std::to_string(fd);
      const int r = ::utimensat(AT_FDCWD, proc.c_str(), ts, 0) == 0 ? 0 : errno;
      ::close(fd);
      return r == 0 ? Value::Ok() : Errno(r);
    }
    Parent p(d.fd, StrOf(a[2]));
    if (p.err) return Errno(p.err);
    return ::utimensat(p.fd, p.name.c_str(), ts, AT_SYMLINK_NOFOLLOW) == 0 ? Value::Ok()
                                                                          : Errno(errno);
  };
  handlers["create-directory-at"] = [](FsState&, Desc& d, const std::vector<Value>& a)
      -> CallResult {
    Parent p(d.fd, StrOf(a[1]));
    if (p.err) return Errno(p.err == EINVAL ? EEXIST : p.err);
    return ::mkdirat(p.fd, p.name.c_str(), 0777) == 0 ? Value::Ok() : Errno(errno);
  };
  handlers["remove-directory-at"] = [](FsState&, Desc& d, const std::vector<Value>& a)
      -> CallResult {
    Parent p(d.fd, StrOf(a[1]));
    if (p.err) return Errno(p.err);
    return ::unlinkat(p.fd, p.name.c_str(), AT_REMOVEDIR) == 0 ? Value::Ok() : Errno(errno);
  };
  handlers["unlink-file-at"] = [](FsState&, Desc& d, const std::vector<Value>& a)
      -> CallResult {
    Parent p(d.fd, StrOf(a[1]));
    if (p.err) return Errno(p.err == EINVAL ? EISDIR : p.err);  // "." names a directory
    if (p.slash) {
      struct stat st{};
      if (::fstatat(p.fd, p.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return Errno(errno);
      return Errno(S_ISDIR(st.st_mode) ? EISDIR : ENOTDIR);
    }
    return ::unlinkat(p.fd, p.name.c_str(), 0) == 0 ? Value::Ok() : Errno(errno);
  };
  handlers["rename-at"] = [](FsState& fs, Desc& d, const std::vector<Value>& a) -> CallResult {
    auto nd = fs.Get(a[2]);
    if (!nd) return ErrOf(FsError::kBadDescriptor);
    Parent from(d.fd, StrOf(a[1]));
    if (from.err) return Errno(from.err);
    Parent to(nd->fd, StrOf(a[3]));
    if (to.err) return Errno(to.err);
    return ::renameat(from.fd, from.name.c_str(), to.fd, to.name.c_str()) == 0 ? Value::Ok()
                                                                              : Errno(errno);
  };
  handlers["readlink-at"] = [](FsState&, Desc& d, const std::vector<Value>& a) -> CallResult {
    Parent p(d.fd, StrOf(a[1]));
    if (p.err) return Errno(p.err);
    std::string buf(4096, '\0');
    const ssize_t n = ::readlinkat(p.fd, p.name.c_str(), buf.data(), buf.size());
    if (n < 0) return Errno(errno);
    buf.resize(static_cast<size_t>(n));
    return Value::Ok(Value::String(std::move(buf)));
  };
  handlers["symlink-at"] = [](FsState&, Desc& d, const std::vector<Value>& a) -> CallResult {
    const std::string& target = StrOf(a[1]);
    // An absolute target could never be followed beneath a descriptor.
    if (!target.empty() && target[0] == '/') return ErrOf(FsError::kNotPermitted);
    Parent p(d.fd, StrOf(a[2]));
    if (p.err) return Errno(p.err == EINVAL ? EEXIST : p.err);
    return ::symlinkat(target.c_str(), p.fd, p.name.c_str()) == 0 ? Value::Ok() : Errno(errno);
  };
  handlers["link-at"] = [](FsState& fs, Desc& d, const std::vector<Value>& a) -> CallResult {
    auto nd = fs.Get(a[3]);
    if (!nd) return ErrOf(FsError::kBadDescriptor);
    Parent to(nd->fd, StrOf(a[4]));
    if (to.err) return Errno(to.err == EINVAL ? EEXIST : to.err);
    if (U32Of(a[1]) & 1) {
      const int fd = OpenBeneath(d.fd, StrOf(a[2]), O_PATH, 0, true);
      if (fd < 0) return Errno(-fd);
      const std::string proc = "/proc/self/fd/" + std::to_string(fd);
      const int r =
          ::linkat(AT_FDCWD, proc.c_str(), to.fd, to.name.c_str(), AT_SYMLINK_FOLLOW) == 0 ? 0
                                                                                       : errno;
      ::close(fd);
      return r == 0 ? Value::Ok() : Errno(r);
    }
    Parent from(d.fd, StrOf(a[2]));
    if (from.err) return Errno(from.err);
    return ::linkat(from.fd, from.name.c_str(), to.fd, to.name.c_str(), 0) == 0 ? Value::Ok()
                                                                              : Errno(errno);
  };
  handlers["open-at"] = [](FsState& fs, Desc& d, const std::vector<Value>& a) -> CallResult {
    const bool follow = U32Of(a[1]) & 1;
    const uint32_t oflags = U32Of(a[3]);
    uint32_t dflags = U32Of(a[4]);
    // As Wasmtime: neither read nor write means read; create implies write.
    if (!(dflags & (kRead | kWrite))) dflags |= kRead;
    if (oflags & kCreate) dflags |= kWrite;
    // A descriptor gives no more than its parent has.
    if ((dflags & (kWrite | kMutateDir)) && !d.may_mutate) {
      return ErrOf(FsError::kNotPermitted);
    }
    if ((oflags & (kCreate | kTruncate)) && !d.may_mutate) {
      return ErrOf(FsError::kNotPermitted);
    }
    int flags = 0;
    if ((dflags & kRead) && (dflags & kWrite)) {
      flags = O_RDWR;
    } else if (dflags & kWrite) {
      flags = O_WRONLY;
    } else {
      flags = O_RDONLY;
    }
    if (oflags & kCreate) flags |= O_CREAT;
    if (oflags & kDirectory) flags |= O_DIRECTORY;
    if (oflags & kExclusive) flags |= O_EXCL;
    if (oflags & kTruncate) flags |= O_TRUNC;
    if (dflags & kFileSync) flags |= O_SYNC;
    if (dflags & kDataSync) flags |= O_DSYNC;
    if (dflags & kReadSync) flags |= O_RSYNC;
    if ((oflags & kDirectory) && (dflags & kWrite)) return ErrOf(FsError::kIsDirectory);
    const int fd = OpenBeneath(d.fd, StrOf(a[2]), flags, 0666, follow);
    if (fd < 0) return Errno(-fd);
    // get-flags reports the flags asked for; a directory also keeps its
    // parent's permission to be changed (the preview1 adapter opens
    // directories without asking for mutate-directory).
    struct stat st{};
    const uint32_t rep = fs.Add(fd, dflags);
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      fs.table[rep]->may_mutate = (dflags & kMutateDir) || d.may_mutate;
    } else {
      fs.table[rep]->may_mutate = false;
    }
    return Value::Ok(Value::Own(rep));
  };
  handlers["read-via-stream"] = [ctx](FsState&, Desc& d, const std::vector<Value>& a)
      -> CallResult {
    Runtime& rt = *ctx->runtime;
    auto src = std::make_shared<FileSource>();
    src->loop = rt.loop();
    if (!src->loop) return absl::UnimplementedError("file streams need an event loop");
    WB_ASSIGN_OR_RETURN(HostStreamPair stream, rt.NewStream(CabiType::U8()));
    WB_ASSIGN_OR_RETURN(HostFuturePair future,
                        rt.NewFuture(CabiType::Result(nullptr, FsErrorCodeType())));
    src->out = stream.writer;
    src->result = future.writer;
    ctx->close_ends.push_back([o = std::weak_ptr(src->out), r = std::weak_ptr(src->result)] {
      if (auto e = o.lock()) e->Close();
      if (auto e = r.lock()) e->Close();
    });
    struct stat st{};
    if (!(d.flags & kRead)) {
      src->Finish(ErrOf(FsError::kBadDescriptor));
    } else if (::fstat(d.fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      src->Finish(ErrOf(FsError::kIsDirectory));
    } else {
      src->fd = ::fcntl(d.fd, F_DUPFD_CLOEXEC, 0);
      src->offset = U64Of(a[1]);
      if (src->fd < 0) {
        src->Finish(Errno(errno));
      } else {
        src->Next();
      }
    }
    return Value::Tuple({stream.readable, future.readable});
  };
  auto write_stream = [ctx](Desc& d, const Value& data, uint64_t offset, bool append)
      -> CallResult {
    Runtime& rt = *ctx->runtime;
    auto sink = std::make_shared<FileSink>();
    sink->loop = rt.loop();
    if (!sink->loop) return absl::UnimplementedError("file streams need an event loop");
    WB_ASSIGN_OR_RETURN(sink->in, rt.TakeStream(data));
    WB_ASSIGN_OR_RETURN(HostFuturePair future,
                        rt.NewFuture(CabiType::Result(nullptr, FsErrorCodeType())));
    sink->result = future.writer;
    ctx->close_ends.push_back([i = std::weak_ptr(sink->in), r = std::weak_ptr(sink->result)] {
      if (auto e = i.lock()) e->Close();
      if (auto e = r.lock()) e->Close();
    });
    sink->offset = offset;
    sink->append = append;
    if (!(d.flags & kWrite)) {
      sink->Finish(ErrOf(FsError::kBadDescriptor));
    } else if (append) {
      // An O_APPEND description of the same file: appends stay appends.
      const std::string proc = "/proc/self/fd/" + std::to_string(d.fd);
      sink->fd = ::open(proc.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
      if (sink->fd < 0) {
        sink->Finish(Errno(errno));
      } else {
        sink->ReadNext({});
      }
    } else {
      sink->fd = ::fcntl(d.fd, F_DUPFD_CLOEXEC, 0);
      if (sink->fd < 0) {
        sink->Finish(Errno(errno));
      } else {
        sink->ReadNext({});
      }
    }
    return future.readable;
  };
  handlers["read-directory"] = [ctx, entry](FsState&, Desc& d, const std::vector<Value>&)
      -> CallResult {
    Runtime& rt = *ctx->runtime;
    auto src = std::make_shared<DirSource>();
    src->loop = rt.loop();
    if (!src->loop) return absl::UnimplementedError("directory streams need an event loop");
    WB_ASSIGN_OR_RETURN(HostStreamPair stream, rt.NewStream(entry));
    WB_ASSIGN_OR_RETURN(HostFuturePair future,
                        rt.NewFuture(CabiType::Result(nullptr, FsErrorCodeType())));
    src->out = stream.writer;
    src->result = future.writer;
    ctx->close_ends.push_back([o = std::weak_ptr(src->out), r = std::weak_ptr(src->result)] {
      if (auto e = o.lock()) e->Close();
      if (auto e = r.lock()) e->Close();
    });
    // Its own open file description: its own position in the listing.
    const int fd = OpenBeneath(d.fd, ".", O_RDONLY | O_DIRECTORY, 0, true);
    if (fd < 0) {
      src->Finish(Errno(-fd));
    } else if ((src->dir = ::fdopendir(fd)) == nullptr) {
      const int e = errno;
      ::close(fd);
      src->Finish(Errno(e));
    } else {
      src->Next();
    }
    return Value::Tuple({stream.readable, future.readable});
  };
  handlers["write-via-stream"] = [write_stream](FsState&, Desc& d, const std::vector<Value>& a)
      -> CallResult { return write_stream(d, a[1], U64Of(a[2]), false); };
  handlers["append-via-stream"] = [write_stream](FsState&, Desc& d, const std::vector<Value>& a)
      -> CallResult { return write_stream(d, a[1], 0, true); };

  for (const Method& m : methods) {
    FuncSignature sig;
    sig.params.push_back({"self", self});
    for (const auto& p : m.params) sig.params.push_back(p);
    sig.result = m.result;
    sig.is_async = m.is_async;
    const std::string name = std::string("[method]descriptor.") + m.name;
    Handler h;
    if (auto it = handlers.find(m.name); it != handlers.end()) h = it->second;
    auto call = [state, h, name](std::vector<Value> args) -> CallResult {
      if (!h) {
        return absl::UnimplementedError(name + " is not implemented by the host");
      }
      auto d = state->Get(args.at(0));
      if (!d) return absl::FailedPreconditionError(name + ": unknown descriptor");
      return h(*state, *d, args);
    };
    if (m.is_async) {
      types->Add(name, rt.AsyncHostFunc(sig, [call](std::vector<Value> args) {
        return HostPromise::Ready(call(std::move(args)));
      }));
    } else {
      types->Add(name, rt.HostFunc(sig, std::move(call)));
    }
  }
  Provide(out, "wasi:filesystem/types@0.3.0", types);

  auto preopens = NewHostInstance();
  preopens->AddType("descriptor", own);
  FuncSignature sig;
  sig.result = CabiType::List(CabiType::Tuple({own, str}));
  preopens->Add("get-directories", rt.HostFunc(sig, [state](std::vector<Value>) -> CallResult {
    std::vector<Value> dirs;
    for (const auto& [fd, guest] : state->preopens) {
      const int dup = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
      if (dup < 0) return absl::InternalError("dup of a preopened directory failed");
      const uint32_t rep = state->Add(dup, kRead | kMutateDir);
      state->table[rep]->may_mutate = true;
      dirs.push_back(Value::Tuple({Value::Own(rep), Value::String(guest)}));
    }
    return Value::List(std::move(dirs));
  }));
  Provide(out, "wasi:filesystem/preopens@0.3.0", preopens);
}

}  // namespace wasi_bridge::engine::wasi
