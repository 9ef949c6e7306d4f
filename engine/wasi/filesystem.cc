// wasi:filesystem/{types,preopens}@0.3.0: descriptors over host fds,
// granted by `WasiConfig::preopens` (`--dir HOST::GUEST`).
//
// A descriptor is a host resource (`own<descriptor>`, rep = an index in
// the table below); a guest's drop closes its fd (Runtime's host resource
// drop hook). Every path is resolved beneath its descriptor
// (fs_resolve.h): absolute paths, `..` above it and symlinks leading out
// fail with `not-permitted`, symlink loops with `loop`.
//
// No system call that may block runs on the loop's thread: each method
// checks its arguments on the loop, runs its syscalls as a job on the
// store's worker pool (engine/task/worker_pool.h) and resolves its promise
// from the job's completion, back on the loop. Jobs see only what they
// captured (fds, paths, owned buffers) and hand back plain data; Values
// are built on the loop. The jobs run one at a time in the order they
// were asked for (a Lane), the order they ran in when every call ran on
// the loop, except that a job blocked for long (an open-at of a FIFO
// waiting for a writer) stops holding up the others.
// read-via-stream / write-via-stream / append-via-stream move a file
// through 64 KiB chunks, one pread/pwrite in flight per stream, the next
// only after the guest took (or gave) the last. read-directory lists 64
// entries per job into a host stream whose strings the host writes with
// HostStreamEnd::WriteValues.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapter/support/status_macros.h"
#include "engine/task/event_loop.h"
#include "engine/task/worker_pool.h"
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

// An fd owned by whoever holds the last reference: a descriptor, a
// stream, or a job still using it on a worker (which then closes it).
struct OwnedFd {
  int fd = -1;
  explicit OwnedFd(int f) : fd(f) {}
  ~OwnedFd() {
    if (fd >= 0) ::close(fd);
  }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
};
using FdRef = std::shared_ptr<const OwnedFd>;

// The jobs of one WASI host's filesystem, run one at a time in the order
// they were asked for, which is the order they ran in on the loop before
// the pool: a method runs its job when called, a stream its chunks from
// posted callbacks, so a read or stat after a stream's write sees it. A
// job still running after kLaneStall stops holding the others up (it may
// never return: an open(2) of a FIFO waiting for a writer); the jobs after
// it then run beside it. Loop thread only.
struct Lane : std::enable_shared_from_this<Lane> {
  static constexpr std::chrono::milliseconds kLaneStall{100};
  EventLoop* loop = nullptr;
  std::deque<std::pair<std::function<void()>, std::function<void()>>> queue;
  uint64_t current = 0;  // the job holding the lane, 0 if none
  uint64_t next_id = 0;
  EventLoop::TimerId stall_timer = 0;
  void Run(std::function<void()> job, std::function<void()> done) {
    queue.emplace_back(std::move(job), std::move(done));
    if (current == 0) Next();
  }
  void Next() {
    if (queue.empty()) return;
    auto item = std::move(queue.front());
    queue.pop_front();
    const uint64_t id = current = ++next_id;
    auto self = shared_from_this();
    stall_timer = loop->AddTimer(kLaneStall, [self, id] {
      if (self->current != id) return;
      self->current = 0;
      self->Next();
    });
    loop->workers().Submit(std::move(item.first), [self, id, done = std::move(item.second)] {
      if (self->current == id) {
        self->loop->CancelTimer(self->stall_timer);
        self->current = 0;
      }
      done();
      if (self->current == 0) self->Next();
    });
  }
};

// Runs `job` on the loop's worker pool (after the jobs of `lane` asked
// for before it, if given) and then `done` with its result on the loop's
// thread. Without a loop (a bare Runtime) both run at once.
template <typename T>
void Offload(EventLoop* loop, Lane* lane, std::function<T()> job, std::function<void(T)> done) {
  auto slot = std::make_shared<std::optional<T>>();
  std::function<void()> run = [slot, job = std::move(job)] { slot->emplace(job()); };
  std::function<void()> then = [slot, done = std::move(done)] { done(std::move(**slot)); };
  if (!loop) {
    run();
    then();
  } else if (lane) {
    lane->Run(std::move(run), std::move(then));
  } else {
    loop->workers().Submit(std::move(run), std::move(then));
  }
}

struct Desc {
  FdRef file;
  uint32_t flags = 0;        // as opened (get-flags)
  bool may_mutate = false;   // may create/remove/rename beneath (a directory)
  int fd() const { return file->fd; }
};

struct FsState {
  std::shared_ptr<Lane> lane = std::make_shared<Lane>();
  std::map<uint32_t, std::shared_ptr<Desc>> table;
  uint32_t next = 1;
  std::vector<std::pair<int, std::string>> preopens;  // fd, guest path
  ~FsState() {
    for (auto& [fd, name] : preopens) ::close(fd);
  }
  uint32_t Add(FdRef file, uint32_t flags, bool may_mutate) {
    auto d = std::make_shared<Desc>();
    d->file = std::move(file);
    d->flags = flags;
    d->may_mutate = may_mutate;
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


// 0, or errno after a failed call returning -1 (or non-zero).
int Sys(int r) { return r == 0 ? 0 : errno; }

// A method's answer, built on a worker from plain data and run on the
// loop's thread, where it makes the Values.
using Reply = std::function<CallResult()>;
// The blocking part of a method, run on a worker.
using Job = std::function<Reply()>;

Reply ErrnoReply(int err) {
  return [err]() -> CallResult { return err == 0 ? Value::Ok() : Errno(err); };
}

// How a method answers: at once (no blocking call needed), or with a job.
struct Work {
  std::optional<CallResult> now;
  Job job;
};
Work Now(CallResult r) { return {std::move(r), nullptr}; }
Work Later(Job job) { return {std::nullopt, std::move(job)}; }

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

// The *-at methods on a name: resolves the parent of `path` beneath
// `dirfd` and runs `op` on it (0 or an errno). A path whose last
// component names no entry ("." or "..", EINVAL from the resolver) fails
// with `no_name` if given (EEXIST where a name is to be created, EISDIR
// for unlink-file-at).
int AtParent(int dirfd, const std::string& path, int no_name,
             const std::function<int(const Parent&)>& op) {
  Parent p(dirfd, path);
  if (p.err) return p.err == EINVAL && no_name != 0 ? no_name : p.err;
  return op(p);
}

// Reads a file into a host stream<u8>: one pread of at most 64 KiB in
// flight, the next only after the guest took the last chunk.
struct FileSource : std::enable_shared_from_this<FileSource> {
  struct Chunk {
    int err = 0;
    std::vector<uint8_t> data;
  };
  FdRef file;  // its own dup of the descriptor's fd
  uint64_t offset = 0;
  bool checked = false;  // the first job refuses a directory
  EventLoop* loop = nullptr;
  std::weak_ptr<Lane> lane;
  std::shared_ptr<HostStreamEnd> out;
  std::shared_ptr<HostFutureEnd> result;
  bool finished = false;
  void Finish(Value v) {
    if (finished) return;
    finished = true;
    out->Close();
    auto keep = result;
    (void)result->Write(std::move(v), [keep](HostCopyResult) {});
  }
  // From a posted callback, as the chunks were read before: in order
  // after what was posted before it (a sink's last chunk).
  void Next() {
    auto self = shared_from_this();
    loop->Post([self] { self->Submit(); });
  }
  void Submit() {
    if (finished) return;
    auto self = shared_from_this();
    Offload<Chunk>(
        loop, lane.lock().get(),
        [file = file, offset = offset, check = !checked] {
          Chunk c;
          struct stat st{};
          if (check && ::fstat(file->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            c.err = EISDIR;
            return c;
          }
          c.data.resize(kChunk);
          ssize_t n;
          do {
            n = ::pread(file->fd, c.data.data(), c.data.size(), static_cast<off_t>(offset));
          } while (n < 0 && errno == EINTR);
          c.err = n < 0 ? errno : 0;
          c.data.resize(n < 0 ? 0 : static_cast<size_t>(n));
          return c;
        },
        [self](Chunk c) { self->Got(std::move(c)); });
  }
  void Got(Chunk c) {
    if (finished) return;
    checked = true;
    if (c.err) return Finish(Errno(c.err));
    if (c.data.empty()) return Finish(Value::Ok());
    offset += c.data.size();
    Offer(std::move(c.data), 0);
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
// on a worker (pwrite at the offset, or write with O_APPEND), then the
// next read.
struct FileSink : std::enable_shared_from_this<FileSink> {
  struct Written {
    int err = 0;
    uint64_t count = 0;
    std::vector<uint8_t> buffer;  // handed back for the next read
  };
  FdRef file;
  uint64_t offset = 0;
  bool append = false;
  EventLoop* loop = nullptr;
  std::weak_ptr<Lane> lane;
  std::weak_ptr<WasiContext> ctx;  // counts chunks being written (Flush)
  std::shared_ptr<HostStreamEnd> in;
  std::shared_ptr<HostFutureEnd> result;
  bool finished = false;
  void Finish(Value v) {
    if (finished) return;
    finished = true;
    in->Close();
    auto keep = result;
    (void)result->Write(std::move(v), [keep](HostCopyResult) {});
  }
  // Appends go through an O_APPEND description of the same file (appends
  // stay appends), opened on a worker: /proc's link to a FIFO would block.
  void OpenForAppend(FdRef from) {
    auto self = shared_from_this();
    Offload<std::pair<int, FdRef>>(
        loop, lane.lock().get(),
        [from] {
          const std::string proc = "/proc/self/fd/" + std::to_string(from->fd);
          const int fd = ::open(proc.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
          return fd < 0 ? std::pair<int, FdRef>(errno, nullptr)
                        : std::pair<int, FdRef>(0, std::make_shared<OwnedFd>(fd));
        },
        [self](std::pair<int, FdRef> opened) {
          if (opened.first != 0) return self->Finish(Errno(opened.first));
          self->file = std::move(opened.second);
          self->ReadNext({});
        });
  }
  void ReadNext(std::vector<uint8_t> buffer) {
    if (finished) return;
    buffer.resize(kChunk);
    auto self = shared_from_this();
    absl::Status s = in->Read(std::move(buffer), [self](HostCopyResult r, uint32_t count,
                                                         std::vector<uint8_t> buf) {
      buf.resize(count);
      self->WriteChunk(std::move(buf), r == HostCopyResult::kDropped);
    });
    if (!s.ok()) Finish(ErrOf(FsError::kIo));
  }
  void WriteChunk(std::vector<uint8_t> data, bool dropped) {
    if (data.empty()) {
      if (dropped) return Finish(Value::Ok());
      // The next read on a later loop turn: an empty write must not spin.
      auto self = shared_from_this();
      loop->Post([self, b = std::move(data)]() mutable { self->ReadNext(std::move(b)); });
      return;
    }
    auto self = shared_from_this();
    if (auto c = ctx.lock()) ++c->files_writing;
    Offload<Written>(
        loop, lane.lock().get(),
        [file = file, offset = offset, append = append, data = std::move(data)]() mutable {
          Written w;
          while (w.count < data.size()) {
            const uint8_t* p = data.data() + w.count;
            const size_t left = data.size() - w.count;
            const ssize_t n = append ? ::write(file->fd, p, left)
                                     : ::pwrite(file->fd, p, left,
                                                static_cast<off_t>(offset + w.count));
            if (n < 0) {
              if (errno == EINTR) continue;
              w.err = errno;
              break;
            }
            w.count += static_cast<uint64_t>(n);
          }
          w.buffer = std::move(data);
          return w;
        },
        [self, dropped](Written w) {
          if (auto c = self->ctx.lock()) --c->files_writing;
          self->offset += w.count;
          if (w.err) return self->Finish(Errno(w.err));
          if (dropped) return self->Finish(Value::Ok());
          self->ReadNext(std::move(w.buffer));
        });
  }
};

// Lists a directory into a host stream<directory-entry>: at most 64
// entries per job, the next batch once the guest took the last.
struct DirSource : std::enable_shared_from_this<DirSource> {
  // The listing's own open file description (its own position), opened
  // by the first job; used by one job at a time.
  struct Listing {
    FdRef from;
    DIR* dir = nullptr;
    ~Listing() {
      if (dir) ::closedir(dir);
    }
  };
  struct Batch {
    int err = 0;
    std::vector<std::pair<mode_t, std::string>> entries;  // type (S_IF*, or 0), name
  };
  std::shared_ptr<Listing> listing;
  EventLoop* loop = nullptr;
  std::weak_ptr<Lane> lane;
  std::shared_ptr<HostStreamEnd> out;
  std::shared_ptr<HostFutureEnd> result;
  bool finished = false;
  void Finish(Value v) {
    if (finished) return;
    finished = true;
    out->Close();
    auto keep = result;
    (void)result->Write(std::move(v), [keep](HostCopyResult) {});
  }
  static Batch ReadBatch(Listing& l) {
    Batch b;
    if (!l.dir) {
      const int fd = OpenBeneath(l.from->fd, ".", O_RDONLY | O_DIRECTORY, 0, true);
      if (fd < 0) {
        b.err = -fd;
        return b;
      }
      if ((l.dir = ::fdopendir(fd)) == nullptr) {
        b.err = errno;
        ::close(fd);
        return b;
      }
      l.from = nullptr;
    }
    while (b.entries.size() < 64) {
      errno = 0;
      struct dirent* e = ::readdir(l.dir);
      if (!e) {
        b.err = errno;
        break;
      }
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      b.entries.emplace_back(TypeOfDirent(l.dir, e), name);
    }
    return b;
  }
  static mode_t TypeOfDirent(DIR* dir, const struct dirent* e) {
    switch (e->d_type) {
      case DT_BLK: return S_IFBLK;
      case DT_CHR: return S_IFCHR;
      case DT_DIR: return S_IFDIR;
      case DT_FIFO: return S_IFIFO;
      case DT_LNK: return S_IFLNK;
      case DT_REG: return S_IFREG;
      case DT_SOCK: return S_IFSOCK;
      default: {
        struct stat st{};
        return ::fstatat(::dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st.st_mode
                                                                                : 0;
      }
    }
  }
  void Next() {
    auto self = shared_from_this();
    loop->Post([self] { self->Submit(); });
  }
  void Submit() {
    if (finished) return;
    auto self = shared_from_this();
    Offload<Batch>(
        loop, lane.lock().get(), [l = listing] { return ReadBatch(*l); },
        [self](Batch b) { self->Got(std::move(b)); });
  }
  void Got(Batch b) {
    if (finished) return;
    // As before: an error reading ends the listing even after entries.
    if (b.err) return Finish(Errno(b.err));
    if (b.entries.empty()) return Finish(Value::Ok());
    std::vector<Value> batch;
    for (auto& [mode, name] : b.entries) {
      batch.push_back(Value::Record({TypeOf(mode), Value::String(std::move(name))}));
    }
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
  state->lane->loop = rt.loop();
  ctx->fs = state;
  for (const auto& [host, guest] : ctx->config.preopens) {
    const int fd = ::open(host.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) state->preopens.emplace_back(fd, guest);
  }
  std::weak_ptr<FsState> weak_state = state;
  rt.SetHostResourceDrop(kDescriptor, [weak_state](uint32_t rep) {
    if (auto st = weak_state.lock()) st->table.erase(rep);
  });

  // The async methods: checks on the loop, then a job (fs jobs capture the
  // descriptor's FdRef, never the Desc).
  using Handler = std::function<Work(FsState&, Desc&, const std::vector<Value>&)>;
  std::map<std::string, Handler> handlers;
  // A job answering from fstat of the descriptor's own fd.
  auto on_fstat = [](Desc& d, std::function<Value(const struct stat&)> make) {
    return Later([f = d.file, make = std::move(make)]() -> Reply {
      struct stat st{};
      if (::fstat(f->fd, &st) != 0) return ErrnoReply(errno);
      return [st, make]() -> CallResult { return Value::Ok(make(st)); };
    });
  };
  // A job answering from the stat of a path beneath the descriptor.
  auto on_stat_at = [](Desc& d, const std::vector<Value>& a,
                       std::function<Value(const struct stat&)> make) {
    const bool follow = U32Of(a[1]) & 1;
    return Later([f = d.file, path = StrOf(a[2]), follow, make = std::move(make)]() -> Reply {
      const int fd = OpenBeneath(f->fd, path, O_PATH, 0, follow);
      if (fd < 0) return ErrnoReply(-fd);
      struct stat st{};
      const int r = Sys(::fstat(fd, &st));
      ::close(fd);
      if (r) return ErrnoReply(r);
      return [st, make]() -> CallResult { return Value::Ok(make(st)); };
    });
  };
  // A job whose answer is ok or an error-code from errno.
  auto later_errno = [](std::function<int()> op) {
    return Later([op = std::move(op)] { return ErrnoReply(op()); });
  };

  handlers["get-type"] = [on_fstat](FsState&, Desc& d, const std::vector<Value>&) {
    return on_fstat(d, [](const struct stat& st) { return TypeOf(st.st_mode); });
  };
  handlers["get-flags"] = [](FsState&, Desc& d, const std::vector<Value>&) {
    return Now(Value::Ok(Value::Flags(d.flags)));
  };
  handlers["stat"] = [on_fstat](FsState&, Desc& d, const std::vector<Value>&) {
    return on_fstat(d, StatOf);
  };
  handlers["stat-at"] = [on_stat_at](FsState&, Desc& d, const std::vector<Value>& a) {
    return on_stat_at(d, a, StatOf);
  };
  handlers["metadata-hash"] = [on_fstat](FsState&, Desc& d, const std::vector<Value>&) {
    return on_fstat(d, HashOf);
  };
  handlers["metadata-hash-at"] = [on_stat_at](FsState&, Desc& d, const std::vector<Value>& a) {
    return on_stat_at(d, a, HashOf);
  };
  handlers["is-same-object"] = [](FsState& fs, Desc& d, const std::vector<Value>& a) {
    auto other = fs.Get(a[1]);
    if (!other) return Now(Value::Bool(false));
    return Later([f = d.file, g = other->file]() -> Reply {
      struct stat x{}, y{};
      const bool same = ::fstat(f->fd, &x) == 0 && ::fstat(g->fd, &y) == 0 &&
                        x.st_dev == y.st_dev && x.st_ino == y.st_ino;
      return [same]() -> CallResult { return Value::Bool(same); };
    });
  };
  handlers["advise"] = [](FsState&, Desc& d, const std::vector<Value>& a) {
    const uint32_t adv = U32Of(a[3]);
    const off_t offset = static_cast<off_t>(U64Of(a[1]));
    const off_t length = static_cast<off_t>(U64Of(a[2]));
    return Later([f = d.file, adv, offset, length]() -> Reply {
      static const int kAdvice[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL,
                                    POSIX_FADV_RANDOM,   POSIX_FADV_WILLNEED,
                                    POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
      struct stat st{};
      if (::fstat(f->fd, &st) == 0 && S_ISDIR(st.st_mode)) return ErrnoReply(EBADF);
      if (adv >= 6) return ErrnoReply(EINVAL);
      return ErrnoReply(::posix_fadvise(f->fd, offset, length, kAdvice[adv]));
    });
  };
  handlers["sync"] = [later_errno](FsState&, Desc& d, const std::vector<Value>&) {
    return later_errno([f = d.file] { return Sys(::fsync(f->fd)); });
  };
  handlers["sync-data"] = [later_errno](FsState&, Desc& d, const std::vector<Value>&) {
    return later_errno([f = d.file] { return Sys(::fdatasync(f->fd)); });
  };
  handlers["set-size"] = [later_errno](FsState&, Desc& d, const std::vector<Value>& a) {
    if (!(d.flags & kWrite)) return Now(ErrOf(FsError::kBadDescriptor));
    const off_t size = static_cast<off_t>(U64Of(a[1]));
    return later_errno([f = d.file, size] { return Sys(::ftruncate(f->fd, size)); });
  };
  handlers["set-times"] = [later_errno](FsState&, Desc& d, const std::vector<Value>& a) {
    const struct timespec atime = TimeOf(a[1]), mtime = TimeOf(a[2]);
    return later_errno([f = d.file, atime, mtime] {
      const struct timespec ts[2] = {atime, mtime};
      return Sys(::futimens(f->fd, ts));
    });
  };
  handlers["set-times-at"] = [later_errno](FsState&, Desc& d, const std::vector<Value>& a) {
    const struct timespec atime = TimeOf(a[3]), mtime = TimeOf(a[4]);
    const bool follow = U32Of(a[1]) & 1;
    return later_errno([f = d.file, path = StrOf(a[2]), follow, atime, mtime] {
      const struct timespec ts[2] = {atime, mtime};
      if (follow) {
        // Followed beneath, then set through the fd's /proc link (an
        // O_PATH fd cannot futimens).
        const int fd = OpenBeneath(f->fd, path, O_PATH, 0, true);
        if (fd < 0) return -fd;
        const std::string proc = "/proc/self/fd/" + std::to_string(fd);
        const int r = Sys(::utimensat(AT_FDCWD, proc.c_str(), ts, 0));
        ::close(fd);
        return r;
      }
      return AtParent(f->fd, path, 0, [&](const Parent& p) {
        return Sys(::utimensat(p.fd, p.name.c_str(), ts, AT_SYMLINK_NOFOLLOW));
      });
    });
  };
  handlers["create-directory-at"] = [later_errno](FsState&, Desc& d, const std::vector<Value>& a) {
    return later_errno([f = d.file, path = StrOf(a[1])] {
      return AtParent(f->fd, path, EEXIST,
                      [](const Parent& p) { return Sys(::mkdirat(p.fd, p.name.c_str(), 0777)); });
    });
  };
  handlers["remove-directory-at"] = [later_errno](FsState&, Desc& d, const std::vector<Value>& a) {
    return later_errno([f = d.file, path = StrOf(a[1])] {
      return AtParent(f->fd, path, 0, [](const Parent& p) {
        return Sys(::unlinkat(p.fd, p.name.c_str(), AT_REMOVEDIR));
      });
    });
  };
  handlers["unlink-file-at"] = [later_errno](FsState&, Desc& d, const std::vector<Value>& a) {
    return later_errno([f = d.file, path = StrOf(a[1])] {
      // "." names a directory.
      return AtParent(f->fd, path, EISDIR, [](const Parent& p) {
        if (p.slash) {
          struct stat st{};
          if (::fstatat(p.fd, p.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return errno;
          return S_ISDIR(st.st_mode) ? EISDIR : ENOTDIR;
        }
        return Sys(::unlinkat(p.fd, p.name.c_str(), 0));
      });
    });
  };
  handlers["rename-at"] = [later_errno](FsState& fs, Desc& d, const std::vector<Value>& a) {
    auto nd = fs.Get(a[2]);
    if (!nd) return Now(ErrOf(FsError::kBadDescriptor));
    return later_errno([f = d.file, from = StrOf(a[1]), t = nd->file, to = StrOf(a[3])] {
      return AtParent(f->fd, from, 0, [&](const Parent& src) {
        return AtParent(t->fd, to, 0, [&](const Parent& dst) {
          return Sys(::renameat(src.fd, src.name.c_str(), dst.fd, dst.name.c_str()));
        });
      });
    });
  };
  handlers["readlink-at"] = [](FsState&, Desc& d, const std::vector<Value>& a) {
    return Later([f = d.file, path = StrOf(a[1])]() -> Reply {
      std::string buf(4096, '\0');
      const int err = AtParent(f->fd, path, 0, [&](const Parent& p) {
        const ssize_t n = ::readlinkat(p.fd, p.name.c_str(), buf.data(), buf.size());
        if (n < 0) return errno;
        buf.resize(static_cast<size_t>(n));
        return 0;
      });
      if (err) return ErrnoReply(err);
      return [buf]() -> CallResult { return Value::Ok(Value::String(buf)); };
    });
  };
  handlers["symlink-at"] = [later_errno](FsState&, Desc& d, const std::vector<Value>& a) {
    const std::string& target = StrOf(a[1]);
    // An absolute target could never be followed beneath a descriptor.
    if (!target.empty() && target[0] == '/') return Now(ErrOf(FsError::kNotPermitted));
    return later_errno([f = d.file, target, path = StrOf(a[2])] {
      return AtParent(f->fd, path, EEXIST, [&](const Parent& p) {
        return Sys(::symlinkat(target.c_str(), p.fd, p.name.c_str()));
      });
    });
  };
  handlers["link-at"] = [later_errno](FsState& fs, Desc& d, const std::vector<Value>& a) {
    auto nd = fs.Get(a[3]);
    if (!nd) return Now(ErrOf(FsError::kBadDescriptor));
    const bool follow = U32Of(a[1]) & 1;
    return later_errno([f = d.file, from = StrOf(a[2]), t = nd->file, to = StrOf(a[4]), follow] {
      return AtParent(t->fd, to, EEXIST, [&](const Parent& dst) {
        if (follow) {
          const int fd = OpenBeneath(f->fd, from, O_PATH, 0, true);
          if (fd < 0) return -fd;
          const std::string proc = "/proc/self/fd/" + std::to_string(fd);
          const int r = Sys(::linkat(AT_FDCWD, proc.c_str(), dst.fd, dst.name.c_str(),
                                     AT_SYMLINK_FOLLOW));
          ::close(fd);
          return r;
        }
        return AtParent(f->fd, from, 0, [&](const Parent& src) {
          return Sys(::linkat(src.fd, src.name.c_str(), dst.fd, dst.name.c_str(), 0));
        });
      });
    });
  };
  handlers["open-at"] = [weak_state](FsState&, Desc& d, const std::vector<Value>& a) {
    const bool follow = U32Of(a[1]) & 1;
    const uint32_t oflags = U32Of(a[3]);
    uint32_t dflags = U32Of(a[4]);
    // As Wasmtime: neither read nor write means read; create implies write.
    if (!(dflags & (kRead | kWrite))) dflags |= kRead;
    if (oflags & kCreate) dflags |= kWrite;
    // A descriptor gives no more than its parent has.
    if ((dflags & (kWrite | kMutateDir)) && !d.may_mutate) {
      return Now(ErrOf(FsError::kNotPermitted));
    }
    if ((oflags & (kCreate | kTruncate)) && !d.may_mutate) {
      return Now(ErrOf(FsError::kNotPermitted));
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
    if ((oflags & kDirectory) && (dflags & kWrite)) return Now(ErrOf(FsError::kIsDirectory));
    // get-flags reports the flags asked for; a directory also keeps its
    // parent's permission to be changed (the preview1 adapter opens
    // directories without asking for mutate-directory).
    const bool mutate_dir = (dflags & kMutateDir) || d.may_mutate;
    // The open runs on a worker: it may block (a FIFO waits for its other
    // end). The reply owns the new fd until it enters the table.
    return Later([f = d.file, path = StrOf(a[2]), flags, follow, dflags, mutate_dir,
                   weak_state]() -> Reply {
      const int fd = OpenBeneath(f->fd, path, flags, 0666, follow);
      if (fd < 0) return ErrnoReply(-fd);
      struct stat st{};
      const bool is_dir = ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
      FdRef file = std::make_shared<OwnedFd>(fd);
      return [file, dflags, is_dir, mutate_dir, weak_state]() -> CallResult {
        auto fs = weak_state.lock();
        if (!fs) return ErrOf(FsError::kBadDescriptor);  // the host is going away
        return Value::Ok(Value::Own(fs->Add(file, dflags, is_dir && mutate_dir)));
      };
    });
  };

  // The non-async methods: they return streams at once and fill them
  // from jobs.
  using SyncHandler = std::function<CallResult(FsState&, Desc&, const std::vector<Value>&)>;
  std::map<std::string, SyncHandler> sync_handlers;
  sync_handlers["read-via-stream"] = [ctx](FsState& fs, Desc& d, const std::vector<Value>& a)
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
    src->lane = fs.lane;
    ctx->close_ends.push_back([o = std::weak_ptr(src->out), r = std::weak_ptr(src->result)] {
      if (auto e = o.lock()) e->Close();
      if (auto e = r.lock()) e->Close();
    });
    if (!(d.flags & kRead)) {
      src->Finish(ErrOf(FsError::kBadDescriptor));
    } else if (const int fd = ::fcntl(d.fd(), F_DUPFD_CLOEXEC, 0); fd < 0) {
      src->Finish(Errno(errno));
    } else {
      src->file = std::make_shared<OwnedFd>(fd);
      src->offset = U64Of(a[1]);
      src->Next();
    }
    return Value::Tuple({stream.readable, future.readable});
  };
  auto write_stream = [ctx, lane = std::weak_ptr(state->lane)](
                          Desc& d, const Value& data, uint64_t offset, bool append) -> CallResult {
    Runtime& rt = *ctx->runtime;
    auto sink = std::make_shared<FileSink>();
    sink->loop = rt.loop();
    if (!sink->loop) return absl::UnimplementedError("file streams need an event loop");
    WB_ASSIGN_OR_RETURN(sink->in, rt.TakeStream(data));
    WB_ASSIGN_OR_RETURN(HostFuturePair future,
                        rt.NewFuture(CabiType::Result(nullptr, FsErrorCodeType())));
    sink->result = future.writer;
    sink->lane = lane;
    sink->ctx = ctx;
    ctx->close_ends.push_back([i = std::weak_ptr(sink->in), r = std::weak_ptr(sink->result)] {
      if (auto e = i.lock()) e->Close();
      if (auto e = r.lock()) e->Close();
    });
    sink->offset = offset;
    sink->append = append;
    if (!(d.flags & kWrite)) {
      sink->Finish(ErrOf(FsError::kBadDescriptor));
    } else if (append) {
      sink->OpenForAppend(d.file);
    } else if (const int fd = ::fcntl(d.fd(), F_DUPFD_CLOEXEC, 0); fd < 0) {
      sink->Finish(Errno(errno));
    } else {
      sink->file = std::make_shared<OwnedFd>(fd);
      sink->ReadNext({});
    }
    return future.readable;
  };
  sync_handlers["read-directory"] = [ctx, entry](FsState& fs, Desc& d,
                                                 const std::vector<Value>&)
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
    src->lane = fs.lane;
    src->listing = std::make_shared<DirSource::Listing>();
    src->listing->from = d.file;
    src->Next();
    return Value::Tuple({stream.readable, future.readable});
  };
  sync_handlers["write-via-stream"] = [write_stream](FsState&, Desc& d,
                                                     const std::vector<Value>& a) -> CallResult {
    return write_stream(d, a[1], U64Of(a[2]), false);
  };
  sync_handlers["append-via-stream"] = [write_stream](FsState&, Desc& d,
                                                      const std::vector<Value>& a) -> CallResult {
    return write_stream(d, a[1], 0, true);
  };

  EventLoop* loop = rt.loop();
  for (const Method& m : methods) {
    FuncSignature sig;
    sig.params.push_back({"self", self});
    for (const auto& p : m.params) sig.params.push_back(p);
    sig.result = m.result;
    sig.is_async = m.is_async;
    const std::string name = std::string("[method]descriptor.") + m.name;
    if (m.is_async) {
      Handler h;
      if (auto it = handlers.find(m.name); it != handlers.end()) h = it->second;
      types->Add(name, rt.AsyncHostFunc(sig, [state, h, name, loop](std::vector<Value> args) {
        if (!h) {
          return HostPromise::Ready(
              absl::UnimplementedError(name + " is not implemented by the host"));
        }
        auto d = state->Get(args.at(0));
        if (!d) {
          return HostPromise::Ready(absl::FailedPreconditionError(name + ": unknown descriptor"));
        }
        Work w = h(*state, *d, args);
        if (w.now) return HostPromise::Ready(std::move(*w.now));
        // The guest's subtask waits for the job; a cancellation request
        // is answered by the result (a syscall is not interrupted).
        auto promise = HostPromise::New();
        Offload<Reply>(loop, state->lane.get(), std::move(w.job),
                       [promise](Reply reply) { promise->Resolve(reply()); });
        return promise;
      }));
    } else {
      SyncHandler h;
      if (auto it = sync_handlers.find(m.name); it != sync_handlers.end()) h = it->second;
      types->Add(name, rt.HostFunc(sig, [state, h, name](std::vector<Value> args) -> CallResult {
        if (!h) return absl::UnimplementedError(name + " is not implemented by the host");
        auto d = state->Get(args.at(0));
        if (!d) return absl::FailedPreconditionError(name + ": unknown descriptor");
        return h(*state, *d, args);
      }));
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
      const uint32_t rep = state->Add(std::make_shared<OwnedFd>(dup), kRead | kMutateDir, true);
      dirs.push_back(Value::Tuple({Value::Own(rep), Value::String(guest)}));
    }
    return Value::List(std::move(dirs));
  }));
  Provide(out, "wasi:filesystem/preopens@0.3.0", preopens);
}

}  // namespace wasi_bridge::engine::wasi
