// The typed in-memory model of a WebAssembly component binary.
//
// The model mirrors the binary grammar of the component-model spec (Binary.md)
// closely enough that `WriteComponent` reproduces the input byte for byte.
// Names and core modules are views into the input buffer: the buffer must
// outlive the model. Strings created later (by a rewriter) live in
// `Component::owned_strings`.
#ifndef WASI_BRIDGE_ADAPTER_BINARY_MODEL_H_
#define WASI_BRIDGE_ADAPTER_BINARY_MODEL_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/types/span.h"

namespace wasi_bridge::binary {

using Bytes = absl::Span<const uint8_t>;

// ---------------------------------------------------------------- sorts ---

enum class CoreSort : uint8_t {
  kFunc = 0x00,
  kTable = 0x01,
  kMemory = 0x02,
  kGlobal = 0x03,
  kTag = 0x04,
  kType = 0x10,
  kModule = 0x11,
  kInstance = 0x12,
};

enum class SortKind : uint8_t {
  kCore = 0x00,
  kFunc = 0x01,
  kValue = 0x02,
  kType = 0x03,
  kComponent = 0x04,
  kInstance = 0x05,
};

struct Sort {
  SortKind kind = SortKind::kFunc;
  CoreSort core = CoreSort::kFunc;  // meaningful when kind == kCore
  bool operator==(const Sort&) const = default;
};

struct SortIndex {
  Sort sort;
  uint32_t index = 0;
};

// ----------------------------------------------------------- core types ---

// A core value type. `code` is the type's leading byte; for the reference
// forms 0x63 (ref null ht) and 0x64 (ref ht), `heap_type` holds the s33 heap
// type (negative: an abstract heap type's opcode; non-negative: a type index).
struct CoreValType {
  uint8_t code = 0x7f;
  int64_t heap_type = 0;
  bool operator==(const CoreValType&) const = default;
};

struct CoreFieldType {
  CoreValType storage;  // code 0x78 (i8) or 0x77 (i16) for packed storage
  bool mutable_ = false;
};

struct CoreFuncType {
  std::vector<CoreValType> params;
  std::vector<CoreValType> results;
};
struct CoreStructType {
  std::vector<CoreFieldType> fields;
};
struct CoreArrayType {
  CoreFieldType element;
};
using CoreCompositeType =
    std::variant<CoreFuncType, CoreStructType, CoreArrayType>;

// One core sub type. `prefix` records the encoding form used:
// 0 = bare composite type, 0x50 = `sub` (written `00 50` in a component),
// 0x4f = `sub final`.
struct CoreSubType {
  uint8_t prefix = 0;
  std::vector<uint32_t> supertypes;
  CoreCompositeType composite;
};

// A recursion group; `explicit_rec` is true when written with the 0x4e form.
struct CoreRecType {
  bool explicit_rec = false;
  std::vector<CoreSubType> types;
};

struct Limits {
  uint8_t flags = 0;  // bit0 max, bit1 shared, bit2 64-bit, bit3 page size
  uint64_t min = 0;
  uint64_t max = 0;
  uint32_t page_size_log2 = 0;
};

// A core import/export descriptor (core:importdesc).
struct CoreExternDesc {
  uint8_t kind = 0;       // 0 func, 1 table, 2 memory, 3 global, 4 tag
  uint32_t type_index = 0;  // func and tag
  CoreValType value_type;   // table element type, global type
  Limits limits;            // table, memory
  bool mutable_ = false;    // global
  uint8_t tag_attribute = 0;
};

struct CoreImport {
  std::string_view module;
  std::string_view field;
  CoreExternDesc desc;
};

struct CoreModuleDecl {
  enum class Kind : uint8_t { kImport = 0, kType = 1, kAlias = 2, kExport = 3 };
  Kind kind = Kind::kImport;
  CoreImport import;                    // kImport
  std::shared_ptr<struct CoreType> type;  // kType
  CoreSort alias_sort = CoreSort::kType;  // kAlias: always an outer alias
  uint32_t alias_outer_count = 0;
  uint32_t alias_index = 0;
  std::string_view export_name;  // kExport
  CoreExternDesc export_desc;
};

struct CoreModuleType {
  std::vector<CoreModuleDecl> decls;
};

struct CoreType {
  uint32_t offset = 0;  // byte offset of the item in the input
  std::variant<CoreRecType, CoreModuleType> value;
};

// -------------------------------------------------- component value types ---

enum class PrimValType : uint8_t {
  kBool = 0x7f,
  kS8 = 0x7e,
  kU8 = 0x7d,
  kS16 = 0x7c,
  kU16 = 0x7b,
  kS32 = 0x7a,
  kU32 = 0x79,
  kS64 = 0x78,
  kU64 = 0x77,
  kF32 = 0x76,
  kF64 = 0x75,
  kChar = 0x74,
  kString = 0x73,
  kErrorContext = 0x64,
};

// `valtype ::= typeidx | primvaltype`.
struct ValType {
  bool is_index = false;
  PrimValType prim = PrimValType::kBool;
  uint32_t index = 0;

  static ValType Prim(PrimValType p) { return {false, p, 0}; }
  static ValType Index(uint32_t i) { return {true, PrimValType::kBool, i}; }
  bool operator==(const ValType&) const = default;
};

struct NamedValType {
  std::string_view name;
  ValType type;
};
struct RecordType {
  std::vector<NamedValType> fields;
};
struct VariantCase {
  std::string_view name;
  std::optional<ValType> type;
};
struct VariantType {
  std::vector<VariantCase> cases;
};
struct ListType {
  ValType element;
  std::optional<uint32_t> fixed_length;  // 0x67 form
};
struct TupleType {
  std::vector<ValType> elements;
};
struct FlagsType {
  std::vector<std::string_view> names;
};
struct EnumType {
  std::vector<std::string_view> names;
};
struct OptionType {
  ValType element;
};
struct ResultType {
  std::optional<ValType> ok;
  std::optional<ValType> err;
};
struct OwnType {
  uint32_t resource = 0;
};
struct BorrowType {
  uint32_t resource = 0;
};
struct StreamType {
  std::optional<ValType> element;
};
struct FutureType {
  std::optional<ValType> element;
};
struct MapType {
  ValType key;
  ValType value;
};
struct PrimType {
  PrimValType prim;
};

struct FuncType {
  bool is_async = false;  // 0x43 form
  std::vector<NamedValType> params;
  std::optional<ValType> result;
};

struct ResourceType {
  CoreValType rep;  // i32, or i64 under memory64
  std::optional<uint32_t> destructor;
};

// ------------------------------------------------- names and descriptors ---

struct NameAttribute {
  uint8_t kind = 0;  // 0 implements, 1 versionsuffix, 2 external-id
  std::string_view value;
};

// `nameattributes`: the 0x00/0x01 plain forms and the 0x02 attributed form.
struct ExternName {
  uint8_t form = 0;
  std::string_view name;
  std::vector<NameAttribute> attributes;
};

enum class ExternKind : uint8_t {
  kCoreModule = 0x00,
  kFunc = 0x01,
  kValue = 0x02,
  kType = 0x03,
  kComponent = 0x04,
  kInstance = 0x05,
};

struct ExternDesc {
  ExternKind kind = ExternKind::kFunc;
  // kCoreModule, kFunc, kComponent, kInstance: a type index.
  // kType with bound 0 (eq): the type index. kValue with bound 0: value index.
  uint32_t index = 0;
  uint8_t bound = 0;  // kType: 0 eq, 1 sub resource. kValue: 0 eq, 1 valtype
  ValType value_type;  // kValue with bound 1
};

struct Import {
  uint32_t offset = 0;  // byte offset of the item in the input
  ExternName name;
  ExternDesc desc;
};

struct Export {
  uint32_t offset = 0;  // byte offset of the item in the input
  ExternName name;
  SortIndex item;
  std::optional<ExternDesc> ascribed;
};

// --------------------------------------------------------------- aliases ---

struct Alias {
  uint32_t offset = 0;  // byte offset of the item in the input
  enum class Target : uint8_t { kExport = 0, kCoreExport = 1, kOuter = 2 };
  Sort sort;
  Target target = Target::kExport;
  uint32_t instance = 0;  // kExport, kCoreExport
  std::string_view name;  // kExport, kCoreExport
  uint32_t outer_count = 0;  // kOuter
  uint32_t outer_index = 0;  // kOuter
};

// ------------------------------------------------- component-level types ---

struct TypeDef;

struct TypeDecl {
  uint32_t offset = 0;  // byte offset of the item in the input
  enum class Kind : uint8_t {
    kCoreType = 0,
    kType = 1,
    kAlias = 2,
    kImport = 3,  // component types only
    kExport = 4,
  };
  Kind kind = Kind::kType;
  std::shared_ptr<CoreType> core_type;
  std::shared_ptr<TypeDef> type;
  Alias alias;
  ExternName name;  // kImport, kExport
  ExternDesc desc;
};

struct ComponentType {
  std::vector<TypeDecl> decls;
};
struct InstanceType {
  std::vector<TypeDecl> decls;
};

struct TypeDef {
  uint32_t offset = 0;  // byte offset of the item in the input
  std::variant<PrimType, RecordType, VariantType, ListType, TupleType,
               FlagsType, EnumType, OptionType, ResultType, OwnType,
               BorrowType, StreamType, FutureType, MapType, FuncType,
               ComponentType, InstanceType, ResourceType>
      value;
};

// ------------------------------------------------------------- instances ---

struct CoreInstantiateArg {
  std::string_view name;
  uint32_t instance = 0;
};
struct CoreInlineExport {
  std::string_view name;
  CoreSort sort = CoreSort::kFunc;
  uint32_t index = 0;
};
struct CoreInstance {
  uint32_t offset = 0;  // byte offset of the item in the input
  bool is_instantiate = true;
  uint32_t module = 0;
  std::vector<CoreInstantiateArg> args;
  std::vector<CoreInlineExport> exports;
};

struct InstantiateArg {
  std::string_view name;
  SortIndex item;
};
struct InlineExport {
  ExternName name;
  SortIndex item;
};
struct Instance {
  uint32_t offset = 0;  // byte offset of the item in the input
  bool is_instantiate = true;
  uint32_t component = 0;
  std::vector<InstantiateArg> args;
  std::vector<InlineExport> exports;
};

// ----------------------------------------------------------------- canon ---

enum class CanonOpcode : uint8_t {
  kLift = 0x00,
  kLower = 0x01,
  kResourceNew = 0x02,
  kResourceDrop = 0x03,
  kResourceRep = 0x04,
  kTaskCancel = 0x05,
  kSubtaskCancel = 0x06,
  kResourceDropAsync = 0x07,  // removed before 0.3.0
  kBackpressureSet = 0x08,    // removed before 0.3.0
  kTaskReturn = 0x09,
  kContextGet = 0x0a,
  kContextSet = 0x0b,
  kThreadYield = 0x0c,
  kSubtaskDrop = 0x0d,
  kStreamNew = 0x0e,
  kStreamRead = 0x0f,
  kStreamWrite = 0x10,
  kStreamCancelRead = 0x11,
  kStreamCancelWrite = 0x12,
  kStreamDropReadable = 0x13,
  kStreamDropWritable = 0x14,
  kFutureNew = 0x15,
  kFutureRead = 0x16,
  kFutureWrite = 0x17,
  kFutureCancelRead = 0x18,
  kFutureCancelWrite = 0x19,
  kFutureDropReadable = 0x1a,
  kFutureDropWritable = 0x1b,
  kErrorContextNew = 0x1c,
  kErrorContextDebugMessage = 0x1d,
  kErrorContextDrop = 0x1e,
  kWaitableSetNew = 0x1f,
  kWaitableSetWait = 0x20,
  kWaitableSetPoll = 0x21,
  kWaitableSetDrop = 0x22,
  kWaitableJoin = 0x23,
  kBackpressureInc = 0x24,
  kBackpressureDec = 0x25,
  kThreadIndex = 0x26,
  kThreadNewIndirect = 0x27,
  kThreadResumeLater = 0x28,
  kThreadSuspend = 0x29,
  kThreadSuspendThenResume = 0x2a,
  kThreadYieldThenResume = 0x2b,
  kThreadSuspendThenPromote = 0x2c,
  kThreadYieldThenPromote = 0x2d,
};

enum class CanonOptionCode : uint8_t {
  kUtf8 = 0x00,
  kUtf16 = 0x01,
  kLatin1Utf16 = 0x02,
  kMemory = 0x03,
  kRealloc = 0x04,
  kPostReturn = 0x05,
  kAsync = 0x06,
  kCallback = 0x07,
};

struct CanonOption {
  CanonOptionCode code = CanonOptionCode::kUtf8;
  uint32_t index = 0;  // memory, realloc, post-return, callback
};

// One canon definition. Which fields are meaningful depends on `opcode`;
// see CanonOperands() in canon_info.h.
struct Canon {
  uint32_t offset = 0;  // byte offset of the item in the input
  CanonOpcode opcode = CanonOpcode::kLift;
  uint32_t func_index = 0;  // lift: core func; lower: component func
  uint32_t type_index = 0;  // lift, resource.*, stream.*, future.*, thread.new
  std::vector<CanonOption> options;
  bool flag = false;  // async? / cancel?
  std::optional<ValType> result;  // task.return: the result list
  CoreValType context_type;       // context.get/set
  uint32_t slot = 0;              // context.get/set
  uint32_t memory = 0;            // waitable-set.wait/poll
  uint32_t table = 0;             // thread.new-indirect
};

// ------------------------------------------------------- 🪙 start/values ---

struct Start {
  uint32_t func = 0;
  std::vector<uint32_t> args;
  uint32_t results = 0;
};

struct Value {
  ValType type;
  Bytes bytes;  // the encoded val(t), length-prefixed in the binary
};

// -------------------------------------------------------------- sections ---

enum class SectionId : uint8_t {
  kCustom = 0,
  kCoreModule = 1,
  kCoreInstance = 2,
  kCoreType = 3,
  kComponent = 4,
  kInstance = 5,
  kAlias = 6,
  kType = 7,
  kCanon = 8,
  kStart = 9,
  kImport = 10,
  kExport = 11,
  kValue = 12,
};

struct Component;

struct CustomSection {
  std::string_view name;
  Bytes data;
};

// A core module is kept as the byte range of the whole embedded module.
struct CoreModuleSection {
  Bytes bytes;
};

using SectionBody =
    std::variant<CustomSection, CoreModuleSection, std::vector<CoreInstance>,
                 std::vector<CoreType>, std::shared_ptr<Component>,
                 std::vector<Instance>, std::vector<Alias>,
                 std::vector<TypeDef>, std::vector<Canon>, Start,
                 std::vector<Import>, std::vector<Export>,
                 std::vector<Value>>;

struct Section {
  SectionId id = SectionId::kCustom;
  uint32_t offset = 0;       // offset of the section id byte in the input
  uint8_t size_width = 0;    // bytes used by the size LEB in the input
  SectionBody body;
  // Set when the input encoded an integer inside this section in a
  // non-minimal way; the writer then copies these bytes instead of
  // re-encoding, so the output still matches the input.
  std::optional<Bytes> verbatim;
};

struct Component {
  uint32_t offset = 0;  // offset of the preamble in the outermost input
  uint32_t size = 0;    // size in bytes, preamble included
  std::vector<Section> sections;
  // Backing store for strings not taken from the input (rewriter output).
  std::shared_ptr<std::deque<std::string>> owned_strings;
};

}  // namespace wasi_bridge::binary

#endif  // WASI_BRIDGE_ADAPTER_BINARY_MODEL_H_
