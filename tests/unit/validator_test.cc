#include "adapter/binary/validator.h"

#include "adapter/binary/reader.h"
#include "gtest/gtest.h"
#include "tests/unit/component_bytes.h"

namespace wasi_bridge::binary {
namespace {

using testing::AddSection;
using testing::AsBytes;
using testing::ByteVec;
using testing::Cat;
using testing::Name;

// (module (func (export "f") (param i32) (result i32) local.get 0))
ByteVec IdentityModule() {
  return testing::CoreModule({0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,
                              0x03, 0x02, 0x01, 0x00,
                              0x07, 0x05, 0x01, 0x01, 'f', 0x00, 0x00,
                              0x0a, 0x06, 0x01, 0x04, 0x00, 0x20, 0x00, 0x0b});
}

// A component lifting the identity module with `func_type` and `options`.
ByteVec LiftComponent(const ByteVec& func_type, const ByteVec& options) {
  ByteVec c = testing::Preamble();
  AddSection(c, 1, IdentityModule());
  AddSection(c, 2, {0x01, 0x00, 0x00, 0x00});
  AddSection(c, 6, Cat({{0x01, 0x00, 0x00, 0x01, 0x00}, Name("f")}));
  AddSection(c, 7, Cat({{0x01}, func_type}));
  AddSection(c, 8, Cat({{0x01, 0x00, 0x00, 0x00}, options, {0x00}}));
  AddSection(c, 11, Cat({{0x01, 0x00}, Name("f"), {0x01, 0x00, 0x00}}));
  return c;
}

const ByteVec kU32ToU32 = Cat({{0x40, 0x01}, Name("x"), {0x79, 0x00, 0x79}});

std::vector<ValidationError> Validate(const ByteVec& bytes) {
  auto component = ReadComponent(AsBytes(bytes));
  EXPECT_TRUE(component.ok()) << component.status();
  if (!component.ok()) return {{0, "unreadable"}};
  return ValidateComponent(*component);
}

void ExpectError(const ByteVec& bytes, const std::string& fragment) {
  const auto errors = Validate(bytes);
  ASSERT_FALSE(errors.empty()) << "expected an error naming: " << fragment;
  bool found = false;
  std::string all;
  for (const auto& e : errors) {
    found |= e.message.find(fragment) != std::string::npos;
    all += e.message + "\n";
  }
  EXPECT_TRUE(found) << "no error names `" << fragment << "`:\n" << all;
}

TEST(ValidatorTest, AcceptsAWellTypedLift) {
  EXPECT_TRUE(Validate(LiftComponent(kU32ToU32, {0x00})).empty());
}

TEST(ValidatorTest, RejectsLiftWithWrongCoreSignature) {
  const ByteVec u64 = Cat({{0x40, 0x01}, Name("x"), {0x77, 0x00, 0x79}});
  ExpectError(LiftComponent(u64, {0x00}), "type mismatch");
}

TEST(ValidatorTest, RejectsAsyncOptionOnSyncType) {
  ExpectError(LiftComponent(kU32ToU32, {0x01, 0x06}),
              "requires an async function type");
}

TEST(ValidatorTest, RejectsCallbackWithoutAsync) {
  ExpectError(LiftComponent(kU32ToU32, {0x01, 0x07, 0x00}),
              "`callback` canonical option requires `async`");
}

TEST(ValidatorTest, RejectsDuplicateOptions) {
  ExpectError(LiftComponent(kU32ToU32, {0x02, 0x00, 0x01}),
              "conflicts with a previous option");
}

TEST(ValidatorTest, ReportsErrorAtTheCanonOffset) {
  const ByteVec bytes = LiftComponent(kU32ToU32, {0x01, 0x06});
  const auto errors = Validate(bytes);
  ASSERT_FALSE(errors.empty());
  // The canon entry follows its section id, size and count bytes.
  size_t canon_section = 0;
  for (size_t i = 8; i < bytes.size();) {
    if (bytes[i] == 0x08) {
      canon_section = i;
      break;
    }
    i += 2 + bytes[i + 1];
  }
  EXPECT_EQ(errors[0].offset, canon_section + 3);
}

ByteVec CanonOnly(const ByteVec& types, const ByteVec& canons) {
  ByteVec c = testing::Preamble();
  if (!types.empty()) AddSection(c, 7, types);
  AddSection(c, 8, canons);
  return c;
}

TEST(ValidatorTest, StreamBuiltinsNeedStreamTypes) {
  ExpectError(CanonOnly({0x01, 0x65, 0x00}, {0x01, 0x0e, 0x00}),
              "requires a stream type");
  EXPECT_TRUE(Validate(CanonOnly({0x01, 0x66, 0x00}, {0x01, 0x0e, 0x00}))
                  .empty());
}

TEST(ValidatorTest, StreamReadWithPayloadNeedsMemory) {
  ExpectError(CanonOnly({0x01, 0x66, 0x01, 0x7d}, {0x01, 0x0f, 0x00, 0x01,
                                                   0x06}),
              "`memory` is required");
}

TEST(ValidatorTest, ReportsPre030AndThreadingOpcodes) {
  ExpectError(CanonOnly({}, {0x01, 0x08}), "pre-0.3.0");
  ExpectError(CanonOnly({}, {0x01, 0x26}), "cooperative threads");
}

TEST(ValidatorTest, RejectsStreamOfCharAndBorrowInResults) {
  ExpectError(CanonOnly({0x01, 0x66, 0x01, 0x74}, {0x00}), "stream<char>");
  const ByteVec types = {0x03, 0x3f, 0x7f, 0x00, 0x68, 0x00,
                         0x40, 0x00, 0x00, 0x01};
  ExpectError(CanonOnly(types, {0x00}), "result may not contain a borrow");
}

TEST(ValidatorTest, ImportNames) {
  ByteVec dup = testing::Preamble();
  AddSection(dup, 7, {0x01, 0x42, 0x00});
  AddSection(dup, 10, Cat({{0x02, 0x00}, Name("wasi:a/b"), {0x05, 0x00, 0x00},
                           Name("wasi:a/b"), {0x05, 0x00}}));
  ExpectError(dup, "conflicts with a previous import");

  ByteVec async_prefix = testing::Preamble();
  AddSection(async_prefix, 7, {0x01, 0x40, 0x00, 0x01, 0x00});
  AddSection(async_prefix, 10,
             Cat({{0x01, 0x00}, Name("[async]f"), {0x01, 0x00}}));
  ExpectError(async_prefix, "pre-0.3.0");
}

TEST(ValidatorTest, IndexOutOfBounds) {
  ByteVec c = testing::Preamble();
  AddSection(c, 6, Cat({{0x01, 0x00, 0x00, 0x01, 0x05}, Name("f")}));
  ExpectError(c, "core instance index 5 out of bounds");
}

TEST(ValidatorTest, CoreModuleBodiesAreValidatedWithWabt) {
  // (func (result i32)) with an empty body does not type-check.
  ByteVec c = testing::Preamble();
  AddSection(c, 1, testing::CoreModule({0x01, 0x05, 0x01, 0x60, 0x00, 0x01,
                                        0x7f, 0x03, 0x02, 0x01, 0x00, 0x0a,
                                        0x04, 0x01, 0x02, 0x00, 0x0b}));
  ExpectError(c, "core module");
  auto component = ReadComponent(AsBytes(c));
  ASSERT_TRUE(component.ok());
  ValidateOptions no_core;
  no_core.core_modules = false;
  EXPECT_TRUE(ValidateComponent(*component, no_core).empty());
}

TEST(ValidatorTest, MissingCoreInstantiationArgument) {
  // (module (import "env" "g" (func)))
  ByteVec c = testing::Preamble();
  AddSection(c, 1, testing::CoreModule(Cat({{0x01, 0x04, 0x01, 0x60, 0x00,
                                             0x00, 0x02, 0x09, 0x01},
                                            Name("env"), Name("g"),
                                            {0x00, 0x00}})));
  AddSection(c, 2, {0x01, 0x00, 0x00, 0x00});
  ExpectError(c, "missing module instantiation argument named `env`");
}

}  // namespace
}  // namespace wasi_bridge::binary
