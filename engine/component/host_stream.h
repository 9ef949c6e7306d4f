// Host-held ends of streams and futures (the embedding API's side of
// `stream<T>` and `future<T>`): a host producer or consumer for an end
// handed to a guest (Runtime::NewStream/NewFuture) or received from one
// (Runtime::TakeStream/TakeFuture).
//
// The host copies through buffers it owns and sizes: a write offers one
// buffer of whole elements, a read supplies one buffer to fill, and at most
// one op per end is in flight. Copies follow the guest rendezvous (the
// second arriver copies), so a guest writer that outpaces the host just
// waits with its write pending: the host never buffers more than the
// buffers it passed in. Completions arrive from the store's event loop
// (never inside a guest's call), with the buffer handed back for reuse.
//
// Elements are bytes in the Canonical ABI memory layout of the payload
// (EncodeElements/DecodeElements convert from and to Values). Payloads
// that hold lists, handles, streams or futures cannot be copied by the
// host (the host has no allocator or handle table in the buffer); strings
// can be written by the host (EncodeElements puts them after the elements)
// but not read.
#ifndef WASI_BRIDGE_ENGINE_COMPONENT_HOST_STREAM_H_
#define WASI_BRIDGE_ENGINE_COMPONENT_HOST_STREAM_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/cabi/types.h"
#include "engine/cabi/value.h"

namespace wasi_bridge::engine {

// How a host op ended (the spec's COMPLETED / DROPPED / CANCELLED).
enum class HostCopyResult : uint32_t { kCompleted = 0, kDropped = 1, kCancelled = 2 };

class HostStreamEnd {
 public:
  virtual ~HostStreamEnd() = default;
  virtual bool readable() const = 0;
  // The element type (null: a stream without payload, counted only).
  virtual const cabi::TypeRef& payload() const = 0;
  virtual uint32_t element_size() const = 0;  // bytes (1 without payload)
  // An op is in flight.
  virtual bool busy() const = 0;
  // The other end is gone (an op ended DROPPED): no op can follow.
  virtual bool closed() const = 0;

  // `count` elements moved, then the buffer comes back.
  using Done = std::function<void(HostCopyResult, uint32_t count, std::vector<uint8_t> buffer)>;
  // Writable end: offers `data` (whole elements). `done` runs when the
  // reader took `count` of them (COMPLETED, possibly fewer than offered:
  // write the rest again), or dropped (DROPPED), or on Cancel.
  virtual absl::Status Write(std::vector<uint8_t> data, Done done) = 0;
  // Readable end: fills at most `buffer.size() / element_size()` elements
  // of `buffer`; `done` gets how many (the first count * element_size()
  // bytes of the buffer), DROPPED once the writer is gone.
  virtual absl::Status Read(std::vector<uint8_t> buffer, Done done) = 0;
  // Writable end: offers `values` (encoded with EncodeElements, so they
  // may hold strings, which follow the elements in the host's buffer).
  // `done`'s count says how many were taken; offer the rest again.
  virtual absl::Status WriteValues(const std::vector<cabi::Value>& values, Done done) = 0;
  // Ends the op in flight: its `done` runs with what it reached
  // (CANCELLED, or COMPLETED/DROPPED if that raced ahead).
  virtual void Cancel() = 0;
  // Drops the end (the destructor does it too); an op in flight is
  // cancelled first and its `done` does not run.
  virtual void Close() = 0;
};

class HostFutureEnd {
 public:
  virtual ~HostFutureEnd() = default;
  virtual bool readable() const = 0;
  virtual const cabi::TypeRef& payload() const = 0;
  virtual bool busy() const = 0;
  virtual bool closed() const = 0;
  // Writable end: the value (nullopt for a future without payload); `done`
  // gets COMPLETED once the reader took it, DROPPED if it dropped.
  virtual absl::Status Write(std::optional<cabi::Value> value,
                             std::function<void(HostCopyResult)> done) = 0;
  // Readable end: the value once written, or DROPPED.
  virtual absl::Status Read(
      std::function<void(HostCopyResult, std::optional<cabi::Value>)> done) = 0;
  virtual void Cancel() = 0;
  virtual void Close() = 0;
};

// A new stream or future: the host keeps `writer`; `readable` is the value
// to pass to a guest (an argument or a result), whose lowering moves the
// readable end into the guest's handle table.
struct HostStreamPair {
  std::shared_ptr<HostStreamEnd> writer;
  cabi::Value readable;
};
struct HostFuturePair {
  std::shared_ptr<HostFutureEnd> writer;
  cabi::Value readable;
};

// Whether the host can copy elements of `payload` (null is fine).
bool HostCopyable(const cabi::TypeRef& payload);
// Payloads the host can write (not read): HostCopyable ones and strings
// anywhere in them (NewStream/NewFuture, EncodeElements, WriteValues).
bool HostWritable(const cabi::TypeRef& payload);
// Values <-> elements in the payload's memory layout.
absl::StatusOr<std::vector<uint8_t>> EncodeElements(const cabi::TypeRef& payload,
                                                    const std::vector<cabi::Value>& values);
absl::StatusOr<std::vector<cabi::Value>> DecodeElements(const cabi::TypeRef& payload,
                                                        const std::vector<uint8_t>& bytes,
                                                        uint32_t count);

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_COMPONENT_HOST_STREAM_H_
