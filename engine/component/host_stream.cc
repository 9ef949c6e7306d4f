#include "engine/component/host_stream.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "adapter/support/status_macros.h"
#include "engine/cabi/layout.h"
#include "engine/cabi/load_store.h"
#include "engine/component/copy_end.h"
#include "engine/component/host_ends.h"

namespace wasi_bridge::engine {

namespace {

constexpr uint32_t kMaxElements = (uint32_t{1} << 28) - 1;

// A host buffer seen as a guest memory (the copy code reads and writes
// through cabi::GuestMemory).
class VectorMemory : public cabi::GuestMemory {
 public:
  absl::Span<uint8_t> Bytes() override { return absl::MakeSpan(bytes); }
  std::vector<uint8_t> bytes;
};

// One host-held end: its CopyEnd (outside any handle table), the buffer
// of the op in flight and the op's completion callback.
class HostCopy : public std::enable_shared_from_this<HostCopy> {
 public:
  using Done = HostStreamEnd::Done;

  HostCopy(std::shared_ptr<CopyEnd> end, EventLoop* loop)
      : end_(std::move(end)), loop_(loop) {}
  ~HostCopy() { Close(); }

  // Completions become events of the end; deliver them from the loop.
  void Init() {
    std::weak_ptr<HostCopy> weak = weak_from_this();
    EventLoop* loop = loop_;
    end_->set_on_event([weak, loop] {
      auto self = weak.lock();
      if (self == nullptr || self->posted_) return;
      self->posted_ = true;
      loop->Post([weak] {
        if (auto s = weak.lock()) s->Deliver();
      });
    });
  }

  const cabi::TypeRef& payload() const { return end_->shared_->t(); }
  uint32_t element_size() const { return payload() ? cabi::ElemSize(payload()) : 1; }
  bool readable() const { return end_->readable(); }
  bool future() const { return end_->future(); }
  bool busy() const { return end_->busy(); }
  bool closed() const { return closed_ || end_->state_ == CopyState::kDone; }

  // `elements`: how many elements `buffer` starts with (the rest holds the
  // strings they point to); by default all of it is elements.
  absl::Status Begin(bool read, std::vector<uint8_t> buffer, Done done,
                     std::optional<uint32_t> elements = std::nullopt) {
    const char* noun = future() ? "future" : "stream";
    if (read != readable()) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot ", read ? "read from" : "write to", " the ",
                       readable() ? "readable" : "writable", " end of a ", noun));
    }
    if (closed_) return absl::FailedPreconditionError(absl::StrCat("the ", noun, " end is closed"));
    if (end_->state_ == CopyState::kDone) {
      return absl::FailedPreconditionError(
          absl::StrCat("the other end of the ", noun, " was dropped"));
    }
    if (end_->state_ != CopyState::kIdle) {
      return absl::FailedPreconditionError(absl::StrCat("an op on the ", noun, " is in flight"));
    }
    const uint32_t size = element_size();
    if (elements && uint64_t{*elements} * size <= buffer.size() && *elements <= kMaxElements) {
      // checked: whole elements, then their strings
    } else if (buffer.size() % size != 0 || buffer.size() / size > kMaxElements) {
      return absl::InvalidArgumentError(
          absl::StrCat("a ", noun, " buffer must hold whole elements of ", size,
                       " bytes, at most ", kMaxElements));
    }
    const auto n = elements ? *elements : static_cast<uint32_t>(buffer.size() / size);
    mem_.bytes = std::move(buffer);
    done_ = std::move(done);
    const EventCode code = future() ? (read ? EventCode::kFutureRead : EventCode::kFutureWrite)
                                    : (read ? EventCode::kStreamRead : EventCode::kStreamWrite);
    VectorMemory* mem = &mem_;
    auto context = [mem] {
      cabi::CallContext c;
      c.memory = mem;
      return c;
    };
    return end_->BeginCopy(read, code, GuestBuffer{payload(), context, 0, n, 0}, nullptr);
  }

  void Cancel() {
    if (end_->state_ != CopyState::kCopying) return;
    end_->state_ = CopyState::kCancelling;
    end_->shared_->Cancel(&end_->buffer_);
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    done_ = nullptr;
    end_->set_on_event(nullptr);
    // Unregister the buffer before it goes, then tell the other end.
    if (end_->busy()) end_->shared_->Cancel(&end_->buffer_);
    end_->shared_->Drop();
  }

 private:
  void Deliver() {
    posted_ = false;
    if (closed_ || !end_->has_pending_event()) return;
    auto self = shared_from_this();  // `done_` may drop the last reference
    const Event e = end_->TakeEvent();
    const auto result = static_cast<HostCopyResult>(e.p2 & 0xf);
    const uint32_t count =
        future() ? (result == HostCopyResult::kCompleted ? 1 : 0) : e.p2 >> 4;
    Done done = std::exchange(done_, nullptr);
    if (done) done(result, count, std::move(mem_.bytes));
  }

  std::shared_ptr<CopyEnd> end_;
  EventLoop* loop_;
  VectorMemory mem_;
  Done done_;
  bool posted_ = false;
  bool closed_ = false;
};

std::shared_ptr<HostCopy> NewHostCopy(std::shared_ptr<CopyEnd> end, EventLoop* loop) {
  auto c = std::make_shared<HostCopy>(std::move(end), loop);
  c->Init();
  return c;
}

class StreamEndImpl : public HostStreamEnd {
 public:
  explicit StreamEndImpl(std::shared_ptr<HostCopy> c) : c_(std::move(c)) {}
  ~StreamEndImpl() override { c_->Close(); }
  bool readable() const override { return c_->readable(); }
  const cabi::TypeRef& payload() const override { return c_->payload(); }
  uint32_t element_size() const override { return c_->element_size(); }
  bool busy() const override { return c_->busy(); }
  bool closed() const override { return c_->closed(); }
  absl::Status Write(std::vector<uint8_t> data, Done done) override {
    if (!HostCopyable(payload())) {
      return absl::InvalidArgumentError("a stream of strings is written with WriteValues");
    }
    return c_->Begin(false, std::move(data), std::move(done));
  }
  absl::Status Read(std::vector<uint8_t> buffer, Done done) override {
    return c_->Begin(true, std::move(buffer), std::move(done));
  }
  absl::Status WriteValues(const std::vector<cabi::Value>& values, Done done) override {
    WB_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, EncodeElements(payload(), values));
    return c_->Begin(false, std::move(bytes), std::move(done),
                     static_cast<uint32_t>(values.size()));
  }
  void Cancel() override { c_->Cancel(); }
  void Close() override { c_->Close(); }

 private:
  std::shared_ptr<HostCopy> c_;
};

class FutureEndImpl : public HostFutureEnd {
 public:
  explicit FutureEndImpl(std::shared_ptr<HostCopy> c) : c_(std::move(c)) {}
  ~FutureEndImpl() override { c_->Close(); }
  bool readable() const override { return c_->readable(); }
  const cabi::TypeRef& payload() const override { return c_->payload(); }
  bool busy() const override { return c_->busy(); }
  bool closed() const override { return c_->closed(); }
  absl::Status Write(std::optional<cabi::Value> value,
                     std::function<void(HostCopyResult)> done) override {
    std::vector<uint8_t> bytes(1);
    if (payload()) {
      if (!value) return absl::InvalidArgumentError("the future needs a value");
      WB_ASSIGN_OR_RETURN(bytes, EncodeElements(payload(), {*value}));
    }
    const uint32_t n = value ? 1 : static_cast<uint32_t>(bytes.size() / c_->element_size());
    return c_->Begin(false, std::move(bytes),
                     [done = std::move(done)](HostCopyResult r, uint32_t, std::vector<uint8_t>) {
                       done(r);
                     },
                     n);
  }
  absl::Status Read(
      std::function<void(HostCopyResult, std::optional<cabi::Value>)> done) override {
    cabi::TypeRef t = payload();
    return c_->Begin(true, std::vector<uint8_t>(c_->element_size()),
                     [t, done = std::move(done)](HostCopyResult r, uint32_t count,
                                                 std::vector<uint8_t> bytes) {
                       std::optional<cabi::Value> v;
                       if (t && count == 1) {
                         auto values = DecodeElements(t, bytes, 1);
                         if (values.ok()) v = std::move(values->front());
                       }
                       done(r, std::move(v));
                     });
  }
  void Cancel() override { c_->Cancel(); }
  void Close() override { c_->Close(); }

 private:
  std::shared_ptr<HostCopy> c_;
};

absl::Status CheckPayload(const cabi::TypeRef& payload, bool host_writes = false) {
  if (host_writes ? HostWritable(payload) : HostCopyable(payload)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("the host cannot copy elements of ", cabi::ToString(payload),
                   " (strings, lists, handles, streams and futures need a guest)"));
}

absl::StatusOr<std::shared_ptr<CopyEnd>> TakeEnd(AsyncStore& async, uint32_t ticket,
                                                 AsyncKind kind) {
  const AsyncObject* parked = async.transit->Peek(ticket);
  if (parked == nullptr || parked->kind() != kind) {
    return absl::NotFoundError(absl::StrCat(
        "no ", kind == AsyncKind::kFutureEnd ? "future" : "stream", " end in transit under ",
        ticket));
  }
  WB_RETURN_IF_ERROR(CheckPayload(static_cast<const CopyEnd*>(parked)->shared_->t()));
  auto end = std::static_pointer_cast<CopyEnd>(async.transit->Take(ticket));
  return end;
}

}  // namespace

static bool HostCopyable(const cabi::TypeRef& t, bool strings) {
  if (!t) return true;
  using K = cabi::TypeKind;
  switch (t->kind()) {
    case K::kString:
      return strings;
    case K::kList: case K::kMap: case K::kOwn: case K::kBorrow:
    case K::kStream: case K::kFuture: case K::kErrorContext:
      return false;
    case K::kFixedList: case K::kOption:
      return HostCopyable(t->elem(), strings);
    case K::kResult:
      return HostCopyable(t->ok(), strings) && HostCopyable(t->err(), strings);
    case K::kRecord:
      for (const auto& f : t->fields()) {
        if (!HostCopyable(f.type, strings)) return false;
      }
      return true;
    case K::kTuple:
      for (const auto& e : t->elems()) {
        if (!HostCopyable(e, strings)) return false;
      }
      return true;
    case K::kVariant:
      for (const auto& c : t->cases()) {
        if (!HostCopyable(c.type, strings)) return false;
      }
      return true;
    default:
      return true;
  }
}

bool HostCopyable(const cabi::TypeRef& t) { return HostCopyable(t, false); }
bool HostWritable(const cabi::TypeRef& t) { return HostCopyable(t, true); }

absl::StatusOr<std::vector<uint8_t>> EncodeElements(const cabi::TypeRef& payload,
                                                    const std::vector<cabi::Value>& values) {
  WB_RETURN_IF_ERROR(CheckPayload(payload, /*host_writes=*/true));
  if (!payload) return std::vector<uint8_t>(values.size());
  const uint32_t size = cabi::ElemSize(payload);
  VectorMemory mem;
  mem.bytes.resize(uint64_t{size} * values.size());
  cabi::CallContext ctx;
  ctx.memory = &mem;
  // Strings go after the elements, their pointers relative to the buffer.
  ctx.realloc = [&mem](uint32_t, uint32_t, uint32_t align,
                       uint32_t new_size) -> absl::StatusOr<uint32_t> {
    size_t at = mem.bytes.size();
    if (align > 1) at = (at + align - 1) / align * align;
    if (at + new_size > (uint64_t{1} << 31)) {
      return absl::ResourceExhaustedError("host stream buffer too large");
    }
    mem.bytes.resize(at + new_size);
    return static_cast<uint32_t>(at);
  };
  for (size_t i = 0; i < values.size(); ++i) {
    WB_RETURN_IF_ERROR(cabi::Store(ctx, payload, values[i], static_cast<uint32_t>(i * size)));
  }
  return std::move(mem.bytes);
}

absl::StatusOr<std::vector<cabi::Value>> DecodeElements(const cabi::TypeRef& payload,
                                                        const std::vector<uint8_t>& bytes,
                                                        uint32_t count) {
  WB_RETURN_IF_ERROR(CheckPayload(payload));
  if (!payload) return absl::InvalidArgumentError("a stream without payload has no values");
  const uint32_t size = cabi::ElemSize(payload);
  if (uint64_t{size} * count > bytes.size()) {
    return absl::InvalidArgumentError("fewer bytes than elements");
  }
  VectorMemory mem;
  mem.bytes = bytes;
  cabi::CallContext ctx;
  ctx.memory = &mem;
  std::vector<cabi::Value> out;
  out.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    WB_ASSIGN_OR_RETURN(out.emplace_back(), cabi::Load(ctx, payload, i * size));
  }
  return out;
}

absl::StatusOr<HostStreamPair> NewHostStream(AsyncStore& async, cabi::TypeRef payload) {
  WB_RETURN_IF_ERROR(CheckPayload(payload, /*host_writes=*/true));
  auto shared = std::make_shared<SharedCopy>(payload, false);
  auto rd = std::make_shared<CopyEnd>(shared, true);
  auto wr = std::make_shared<CopyEnd>(shared, false);
  const uint32_t ticket = async.transit->Put(std::move(rd));
  return HostStreamPair{std::make_shared<StreamEndImpl>(NewHostCopy(std::move(wr), &async.loop)),
                        cabi::Value::Stream(ticket)};
}

absl::StatusOr<HostFuturePair> NewHostFuture(AsyncStore& async, cabi::TypeRef payload) {
  WB_RETURN_IF_ERROR(CheckPayload(payload, /*host_writes=*/true));
  auto shared = std::make_shared<SharedCopy>(payload, true);
  auto rd = std::make_shared<CopyEnd>(shared, true);
  auto wr = std::make_shared<CopyEnd>(shared, false);
  const uint32_t ticket = async.transit->Put(std::move(rd));
  return HostFuturePair{std::make_shared<FutureEndImpl>(NewHostCopy(std::move(wr), &async.loop)),
                        cabi::Value::Future(ticket)};
}

absl::StatusOr<std::shared_ptr<HostStreamEnd>> TakeHostStream(AsyncStore& async,
                                                              const cabi::Value& value) {
  const auto* s = value.Get<cabi::StreamValue>();
  if (s == nullptr) return absl::InvalidArgumentError("not a stream value");
  WB_ASSIGN_OR_RETURN(auto end, TakeEnd(async, s->index, AsyncKind::kStreamEnd));
  return std::make_shared<StreamEndImpl>(NewHostCopy(std::move(end), &async.loop));
}

absl::StatusOr<std::shared_ptr<HostFutureEnd>> TakeHostFuture(AsyncStore& async,
                                                              const cabi::Value& value) {
  const auto* f = value.Get<cabi::FutureValue>();
  if (f == nullptr) return absl::InvalidArgumentError("not a future value");
  WB_ASSIGN_OR_RETURN(auto end, TakeEnd(async, f->index, AsyncKind::kFutureEnd));
  return std::make_shared<FutureEndImpl>(NewHostCopy(std::move(end), &async.loop));
}

}  // namespace wasi_bridge::engine
