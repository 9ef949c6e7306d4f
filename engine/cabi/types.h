// The Canonical ABI's value types (component-model `valtype`s after type
// resolution): a small immutable tree.
//
// Ownership: nodes are immutable and shared, `TypeRef = shared_ptr<const
// CabiType>`; build them only with the static factories below. A factory
// never fails: it validates its arguments and records the outcome in
// `status()` (which also carries the first error of any child), so a type
// built from hostile component bytes can be checked once with `status()`
// before use. Every entry point of layout.h / load_store.h that takes a
// type refuses a type whose status is not OK.
//
// Well-formedness (what the component validator would guarantee):
//   * children are non-null (except result ok/err, stream/future payloads
//     and variant case payloads, which are optional);
//   * record, tuple, variant, enum have at least one field/case/label;
//   * flags have 1..32 flags; fixed lists have length >= 1;
//   * elem_size(t, i64) <= 2^28-1 (the spec's "max value size" rule,
//     test/validation/max-value-size.wast), for every node;
//   * nesting depth <= kMaxTypeDepth (100, as Wasmtime), so recursive
//     lifting and lowering cannot exhaust a (fiber) stack;
//   * stream/future payloads contain no borrow.
//
// Each node caches its memory32 layout (alignment, size) and its flat value
// count, so layout queries are O(1).
#ifndef WASI_BRIDGE_ENGINE_CABI_TYPES_H_
#define WASI_BRIDGE_ENGINE_CABI_TYPES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace wasi_bridge::engine::cabi {

enum class TypeKind : uint8_t {
  kBool,
  kS8,
  kU8,
  kS16,
  kU16,
  kS32,
  kU32,
  kS64,
  kU64,
  kF32,
  kF64,
  kChar,
  kString,
  kErrorContext,
  kList,       // list<T>
  kFixedList,  // list<T, N>
  kRecord,
  kTuple,
  kVariant,
  kEnum,
  kOption,
  kResult,
  kFlags,
  kOwn,
  kBorrow,
  kStream,
  kFuture,
  kMap,  // map<K, V>: laid out as list<tuple<K, V>>
};

const char* TypeKindName(TypeKind k);

class CabiType;
using TypeRef = std::shared_ptr<const CabiType>;
// Identifies a resource type; the HandleTable (memory.h) interprets it.
using ResourceId = uint32_t;

struct Field {
  std::string name;
  TypeRef type;
};

struct Case {
  std::string name;
  TypeRef type;  // null: the case has no payload
};

inline constexpr uint32_t kMaxTypeDepth = 100;
inline constexpr uint64_t kMaxValueByteSize = (uint64_t{1} << 28) - 1;

// Size and alignment for one pointer width. Sizes saturate (at 2^40) for
// ill-formed types instead of overflowing.
struct SizeAlign {
  uint64_t size = 0;
  uint32_t align = 1;
};

class CabiType {
 public:
  // --- factories ---------------------------------------------------------
  static TypeRef Bool();
  static TypeRef S8();
  static TypeRef U8();
  static TypeRef S16();
  static TypeRef U16();
  static TypeRef S32();
  static TypeRef U32();
  static TypeRef S64();
  static TypeRef U64();
  static TypeRef F32();
  static TypeRef F64();
  static TypeRef Char();
  static TypeRef String();
  static TypeRef ErrorContext();
  static TypeRef List(TypeRef elem);
  static TypeRef FixedList(TypeRef elem, uint32_t length);
  static TypeRef Record(std::vector<Field> fields);
  static TypeRef Tuple(std::vector<TypeRef> elems);
  static TypeRef Variant(std::vector<Case> cases);
  static TypeRef Enum(std::vector<std::string> labels);
  static TypeRef Option(TypeRef t);
  static TypeRef Result(TypeRef ok, TypeRef err);  // either may be null
  static TypeRef Flags(uint32_t count);
  static TypeRef Own(ResourceId resource);
  static TypeRef Borrow(ResourceId resource);
  static TypeRef Stream(TypeRef payload = nullptr);
  static TypeRef Future(TypeRef payload = nullptr);
  static TypeRef Map(TypeRef key, TypeRef value);
  // The primitive for a kind in kBool..kErrorContext (else an invalid type).
  static TypeRef Primitive(TypeKind kind);

  // --- structure ---------------------------------------------------------
  TypeKind kind() const { return kind_; }
  // OK iff the type is well-formed (see the file comment).
  const absl::Status& status() const { return status_; }

  // list, fixed list, option: element; stream/future: payload (may be null).
  const TypeRef& elem() const { return elem_; }
  uint32_t length() const { return count_; }      // fixed list
  uint32_t flag_count() const { return count_; }  // flags
  ResourceId resource() const { return count_; }  // own, borrow
  const std::vector<Field>& fields() const { return fields_; }         // record
  const std::vector<TypeRef>& elems() const { return elems_; }         // tuple
  const std::vector<Case>& cases() const { return cases_; }            // variant
  const std::vector<std::string>& labels() const { return labels_; }  // enum
  const TypeRef& ok() const { return elem_; }    // result
  const TypeRef& err() const { return elem2_; }  // result
  const TypeRef& key() const { return elem_; }   // map
  const TypeRef& value() const { return elem2_; }  // map

  // --- despecialised views (the spec's `despecialize`) -------------------
  // record and tuple are records: fields in order.
  bool IsRecordLike() const;
  size_t field_count() const;
  const CabiType& field_type(size_t i) const;
  // variant, enum, option, result are variants: cases in order, payload
  // null when the case carries none (option: none, some; result: ok, error).
  bool IsVariantLike() const;
  size_t case_count() const;
  const CabiType* case_type(size_t i) const;
  // list, fixed list and map are lists; map's element is tuple<K, V>.
  bool IsListLike() const;
  const CabiType& list_elem() const;

  // --- cached layout ------------------------------------------------------
  uint32_t alignment() const { return layout32_.align; }
  // elem_size for memory32; 0 only for an ill-formed type.
  uint32_t size() const;
  // elem_size for memory64 (what the validator bounds).
  uint64_t size64() const { return layout64_.size; }
  const SizeAlign& layout(int ptr_size) const {
    return ptr_size == 8 ? layout64_ : layout32_;
  }
  // Number of flat core values (saturating at 2^40).
  uint64_t flat_count() const { return flat_count_; }
  uint32_t depth() const { return depth_; }
  bool ContainsBorrow() const { return contains_borrow_; }

  // Not for direct use: construct through the factories.
  struct Passkey {
   private:
    Passkey() = default;
    friend class CabiType;
  };
  explicit CabiType(Passkey, TypeKind kind) : kind_(kind) {}

 private:
  static TypeRef Finish(std::shared_ptr<CabiType> t);
  absl::Status Check() const;

  TypeKind kind_;
  absl::Status status_;
  TypeRef elem_;
  TypeRef elem2_;
  TypeRef map_entry_;  // map: tuple<key, value>
  uint32_t count_ = 0;
  std::vector<Field> fields_;
  std::vector<TypeRef> elems_;
  std::vector<Case> cases_;
  std::vector<std::string> labels_;
  SizeAlign layout32_;
  SizeAlign layout64_;
  uint64_t flat_count_ = 0;
  uint32_t depth_ = 1;
  bool contains_borrow_ = false;
};

// WIT-like rendering, e.g. "record { a: u8, b: list<string> }".
std::string ToString(const CabiType& t);
inline std::string ToString(const TypeRef& t) {
  return t ? ToString(*t) : std::string("<null>");
}

}  // namespace wasi_bridge::engine::cabi

#endif  // WASI_BRIDGE_ENGINE_CABI_TYPES_H_
