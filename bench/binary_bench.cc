// Benchmark of the component binary layer.
//
//   wb_binary_bench [--runs N] [--corpus-dir DIR] [--no-cli] [FILE.wasm...]
//
// For each component it measures, side by side:
//   (a) ReadComponent, WriteComponent and read+write: median time over N runs,
//       throughput, and the number of heap allocations made by one read+write
//       (counted by the global operator new below), per MB of input;
//   (b) ValidateComponent with core modules against wabt's own in-process
//       validation (ReadBinaryIr + ValidateModule, the library's feature set) of the same
//       core modules, and optionally the `wasm-validate` CLI on the extracted
//       modules (process start-up included).
// Without FILE arguments it takes the largest .wasm in --corpus-dir (default:
// <repo>/../shared/corpus/wasi-testsuite/rust-wasip3).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <unistd.h>

#include "adapter/binary/model.h"
#include "adapter/binary/reader.h"
#include "adapter/binary/validator.h"
#include "adapter/binary/writer.h"
#include "wabt/binary-reader-ir.h"
#include "wabt/binary-reader.h"
#include "wabt/error.h"
#include "wabt/feature.h"
#include "wabt/ir.h"
#include "wabt/validator.h"

#ifndef WB_BENCH_DEFAULT_CORPUS_DIR
#define WB_BENCH_DEFAULT_CORPUS_DIR "../shared/corpus/wasi-testsuite/rust-wasip3"
#endif
#ifndef WB_BENCH_BUILD_TYPE
#define WB_BENCH_BUILD_TYPE "unknown"
#endif

// ------------------------------------------------- allocation counting ---

namespace {
std::atomic<uint64_t> g_alloc_count{0};
std::atomic<uint64_t> g_alloc_bytes{0};

void* CountedAlloc(std::size_t size) {
  g_alloc_count.fetch_add(1, std::memory_order_relaxed);
  g_alloc_bytes.fetch_add(size, std::memory_order_relaxed);
  if (size == 0) size = 1;
  if (void* p = std::malloc(size)) return p;
  throw std::bad_alloc();
}

void* CountedAlignedAlloc(std::size_t size, std::align_val_t align) {
  g_alloc_count.fetch_add(1, std::memory_order_relaxed);
  g_alloc_bytes.fetch_add(size, std::memory_order_relaxed);
  std::size_t a = static_cast<std::size_t>(align);
  if (a < sizeof(void*)) a = sizeof(void*);
  void* p = nullptr;
  if (posix_memalign(&p, a, size == 0 ? 1 : size) == 0) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t size) { return CountedAlloc(size); }
void* operator new[](std::size_t size) { return CountedAlloc(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return CountedAlloc(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return CountedAlloc(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t size, std::align_val_t align) {
  return CountedAlignedAlloc(size, align);
}
void* operator new[](std::size_t size, std::align_val_t align) {
  return CountedAlignedAlloc(size, align);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}

namespace {

namespace wb = wasi_bridge::binary;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct AllocSnapshot {
  uint64_t count;
  uint64_t bytes;
  static AllocSnapshot Now() {
    return {g_alloc_count.load(std::memory_order_relaxed),
            g_alloc_bytes.load(std::memory_order_relaxed)};
  }
};

// -------------------------------------------------------------- timing ---

// Runs `fn` `runs` times (after one warm-up) and returns the median in ms.
double MedianMs(int runs, const std::function<void()>& fn) {
  fn();
  std::vector<double> samples;
  samples.reserve(runs);
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    fn();
    const auto end = Clock::now();
    samples.push_back(
        std::chrono::duration<double, std::milli>(end - start).count());
  }
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  return n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

// Keeps the optimiser from discarding benchmarked work.
template <typename T>
void DoNotOptimize(const T& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

// ------------------------------------------------------------- helpers ---

std::optional<std::vector<uint8_t>> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::optional<fs::path> LargestWasm(const fs::path& dir) {
  std::error_code ec;
  std::optional<fs::path> best;
  uintmax_t best_size = 0;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".wasm") {
      continue;
    }
    const uintmax_t size = entry.file_size(ec);
    if (!ec && (!best || size > best_size)) {
      best = entry.path();
      best_size = size;
    }
  }
  return best;
}

// Every embedded core module, nested components included, in binary order.
void CollectCoreModules(const wb::Component& component,
                        std::vector<wb::Bytes>& out) {
  for (const wb::Section& section : component.sections) {
    if (const auto* module =
            std::get_if<wb::CoreModuleSection>(&section.body)) {
      out.push_back(module->bytes);
    } else if (const auto* nested =
                   std::get_if<std::shared_ptr<wb::Component>>(
                       &section.body)) {
      if (*nested) CollectCoreModules(**nested, out);
    }
  }
}

// The feature set the library validates with (adapter/binary/core_validate.cc):
// everything wabt 1.0.32 implements completely, i.e. all features but
// function-references and GC.
wabt::Features CoreFeatures() {
  wabt::Features features;
  features.EnableAll();
  features.disable_function_references();
  features.disable_gc();
  return features;
}

// wabt's own validation of one module, in process, with the read options the
// library uses (no debug names, custom-section errors ignored).
bool WabtValidate(wb::Bytes module, const wabt::Features& features,
                  std::string* first_error) {
  wabt::Errors errors;
  wabt::Module ir;
  const wabt::ReadBinaryOptions read_options(
      features, /*log_stream=*/nullptr, /*read_debug_names=*/false,
      /*stop_on_first_error=*/true, /*fail_on_custom_section_error=*/false);
  wabt::Result result = wabt::ReadBinaryIr("<module>", module.data(),
                                           module.size(), read_options,
                                           &errors, &ir);
  if (wabt::Succeeded(result)) {
    result = wabt::ValidateModule(&ir, &errors,
                                  wabt::ValidateOptions(features));
  }
  if (wabt::Failed(result) && first_error != nullptr) {
    *first_error = errors.empty() ? "failed" : errors.front().message;
  }
  return wabt::Succeeded(result);
}

std::string FindInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  std::string_view rest(path);
  while (!rest.empty()) {
    const size_t colon = rest.find(':');
    const std::string dir(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? "" : rest.substr(colon + 1);
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

struct Options {
  int runs = 20;
  bool cli = true;
  fs::path corpus_dir = WB_BENCH_DEFAULT_CORPUS_DIR;
  std::vector<fs::path> files;
};

void Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--runs N] [--corpus-dir DIR] [--no-cli] "
               "[FILE.wasm...]\n"
               "  default FILE: the largest .wasm in --corpus-dir (%s)\n",
               argv0, WB_BENCH_DEFAULT_CORPUS_DIR);
}

bool ParseArgs(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg == "--runs" && i + 1 < argc) {
      options.runs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--corpus-dir" && i + 1 < argc) {
      options.corpus_dir = argv[++i];
    } else if (arg == "--no-cli") {
      options.cli = false;
    } else if (arg == "-h" || arg == "--help") {
      return false;
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return false;
    } else {
      options.files.emplace_back(arg);
    }
  }
  return true;
}

double MbPerS(size_t bytes, double ms) {
  return ms > 0 ? (static_cast<double>(bytes) / 1e6) / (ms / 1e3) : 0;
}

// Returns false when the file could not be benchmarked.
bool BenchFile(const fs::path& path, const Options& options,
               const std::string& wasm_validate) {
  const std::optional<std::vector<uint8_t>> data = ReadFile(path);
  if (!data) {
    std::fprintf(stderr, "%s: cannot read\n", path.c_str());
    return false;
  }
  const wb::Bytes bytes(data->data(), data->size());
  const double mb = static_cast<double>(bytes.size()) / (1024.0 * 1024.0);

  absl::StatusOr<wb::Component> component = wb::ReadComponent(bytes);
  if (!component.ok()) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(),
                 component.status().ToString().c_str());
    return false;
  }
  const bool identical = wb::WriteComponent(*component) == *data;
  std::vector<wb::Bytes> modules;
  CollectCoreModules(*component, modules);
  size_t module_bytes = 0;
  for (wb::Bytes m : modules) module_bytes += m.size();

  std::printf("\n%s\n", path.c_str());
  std::printf("  %zu bytes (%.2f MiB), %zu top-level sections, %zu core "
              "modules (%zu bytes), round trip %s\n",
              bytes.size(), mb, component->sections.size(), modules.size(),
              module_bytes, identical ? "identical" : "DIFFERS");

  // ---- (a) read / write
  const double read_ms = MedianMs(options.runs, [&] {
    auto c = wb::ReadComponent(bytes);
    DoNotOptimize(c);
  });
  const double write_ms = MedianMs(options.runs, [&] {
    auto out = wb::WriteComponent(*component);
    DoNotOptimize(out);
  });
  const double rw_ms = MedianMs(options.runs, [&] {
    auto c = wb::ReadComponent(bytes);
    auto out = wb::WriteComponent(*c);
    DoNotOptimize(out);
  });
  AllocSnapshot before = AllocSnapshot::Now();
  auto c = wb::ReadComponent(bytes);
  const AllocSnapshot after_read = AllocSnapshot::Now();
  auto out = wb::WriteComponent(*c);
  const AllocSnapshot after_write = AllocSnapshot::Now();
  DoNotOptimize(out);
  const uint64_t read_allocs = after_read.count - before.count;
  const uint64_t write_allocs = after_write.count - after_read.count;
  const uint64_t rw_allocs = after_write.count - before.count;

  std::printf("\n  %-30s %10s %11s %12s %12s\n", "read/write (median)", "ms",
              "MB/s", "allocs", "allocs/MiB");
  auto row = [&](const char* name, double ms, uint64_t allocs) {
    std::printf("  %-30s %10.3f %11.1f %12llu %12.1f\n", name, ms,
                MbPerS(bytes.size(), ms),
                static_cast<unsigned long long>(allocs), allocs / mb);
  };
  row("ReadComponent", read_ms, read_allocs);
  row("WriteComponent", write_ms, write_allocs);
  row("read + write", rw_ms, rw_allocs);
  std::printf("  %-30s %10s %11s %12s %12.3f\n", "", "", "", "allocs/byte",
              static_cast<double>(rw_allocs) / bytes.size());

  // ---- (b) validation
  const wabt::Features features = CoreFeatures();
  size_t wabt_invalid = 0;
  std::string wabt_first_error;
  for (wb::Bytes m : modules) {
    if (!WabtValidate(m, features, &wabt_first_error)) ++wabt_invalid;
  }
  const std::vector<wb::ValidationError> errors =
      wb::ValidateComponent(*component, wb::ValidateOptions{true});

  const int vruns = std::max(1, options.runs / 2);
  const double full_ms = MedianMs(vruns, [&] {
    auto e = wb::ValidateComponent(*component, wb::ValidateOptions{true});
    DoNotOptimize(e);
  });
  const double component_only_ms = MedianMs(vruns, [&] {
    auto e = wb::ValidateComponent(*component, wb::ValidateOptions{false});
    DoNotOptimize(e);
  });
  const double wabt_ms = MedianMs(vruns, [&] {
    for (wb::Bytes m : modules) {
      bool ok = WabtValidate(m, features, nullptr);
      DoNotOptimize(ok);
    }
  });

  std::optional<double> cli_ms;
  if (!wasm_validate.empty() && !modules.empty()) {
    std::error_code ec;
    const fs::path dir =
        fs::temp_directory_path(ec) /
        ("wb_binary_bench." + std::to_string(getpid()));
    fs::create_directories(dir, ec);
    std::string command;
    for (size_t i = 0; i < modules.size(); ++i) {
      const fs::path file = dir / ("module" + std::to_string(i) + ".wasm");
      std::ofstream(file, std::ios::binary)
          .write(reinterpret_cast<const char*>(modules[i].data()),
                 static_cast<std::streamsize>(modules[i].size()));
      command += "'" + wasm_validate +
                 "' --enable-exceptions --enable-threads --enable-tail-call "
                 "--enable-annotations --enable-code-metadata "
                 "--enable-memory64 --enable-multi-memory "
                 "--enable-extended-const --enable-relaxed-simd '" +
                 file.string() + "' >/dev/null 2>&1; ";
    }
    const int cli_runs = std::max(1, std::min(options.runs, 5));
    cli_ms = MedianMs(cli_runs, [&] {
      int rc = std::system(command.c_str());
      DoNotOptimize(rc);
    });
    fs::remove_all(dir, ec);
  }

  std::printf("\n  %-44s %10s %11s %8s\n", "validation (median)", "ms",
              "MB/s", "vs wabt");
  auto vrow = [&](const char* name, double ms, size_t size) {
    std::printf("  %-44s %10.3f %11.1f %7.2fx\n", name, ms, MbPerS(size, ms),
                wabt_ms > 0 ? ms / wabt_ms : 0.0);
  };
  vrow("ValidateComponent (core modules)", full_ms, bytes.size());
  vrow("ValidateComponent (component level only)", component_only_ms,
       bytes.size());
  vrow("wabt ReadBinaryIr+ValidateModule (in-proc)", wabt_ms, module_bytes);
  if (cli_ms) vrow("wasm-validate CLI (per module, incl. exec)", *cli_ms,
                   module_bytes);
  // Per module: the library's core-module validation (wb::ValidateCoreModule)
  // against plain in-process wabt, to separate fixed per-module costs from
  // per-byte ones.
  if (!modules.empty()) {
    std::printf("\n  %-44s %10s %10s %8s\n", "per core module (median)",
                "lib ms", "wabt ms", "lib/wabt");
    for (size_t i = 0; i < modules.size(); ++i) {
      const double lib = MedianMs(vruns, [&] {
        auto e = wb::ValidateCoreModule(modules[i]);
        DoNotOptimize(e);
      });
      const double wab = MedianMs(vruns, [&] {
        bool ok = WabtValidate(modules[i], features, nullptr);
        DoNotOptimize(ok);
      });
      char label[64];
      std::snprintf(label, sizeof label, "module %zu (%zu bytes)", i,
                    modules[i].size());
      std::printf("  %-44s %10.3f %10.3f %7.2fx\n", label, lib, wab,
                  wab > 0 ? lib / wab : 0.0);
    }
  }
  std::printf("  ValidateComponent: %zu error(s)", errors.size());
  if (!errors.empty()) {
    std::printf(", first at byte %u: %s", errors.front().offset,
                errors.front().message.c_str());
  }
  std::printf("\n  wabt: %zu of %zu core module(s) invalid", wabt_invalid,
              modules.size());
  if (wabt_invalid) std::printf(", first: %s", wabt_first_error.c_str());
  std::printf("\n");

  std::printf("\n  ratios: read+write %.3f ms/MiB; allocs %.1f/MiB; "
              "full validation / wabt = %.2fx",
              mb > 0 ? rw_ms / mb : 0.0, rw_allocs / mb,
              wabt_ms > 0 ? full_ms / wabt_ms : 0.0);
  if (cli_ms) std::printf("; wasm-validate CLI / in-proc wabt = %.2fx",
                          wabt_ms > 0 ? *cli_ms / wabt_ms : 0.0);
  std::printf("\n");
  return identical;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseArgs(argc, argv, options)) {
    Usage(argv[0]);
    return 2;
  }
  if (options.files.empty()) {
    std::optional<fs::path> largest = LargestWasm(options.corpus_dir);
    if (!largest) {
      std::fprintf(stderr, "no .wasm files in %s (pass --corpus-dir or "
                   "files)\n", options.corpus_dir.c_str());
      return 2;
    }
    options.files.push_back(*largest);
  }
  const std::string wasm_validate =
      options.cli ? FindInPath("wasm-validate") : "";

  std::printf("wb_binary_bench: build type %s, %d runs per median%s%s\n",
              WB_BENCH_BUILD_TYPE, options.runs,
#if defined(__SANITIZE_ADDRESS__)
              ", ASAN BUILD: figures are not representative",
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
              ", ASAN BUILD: figures are not representative",
#else
              "",
#endif
#else
              "",
#endif
              wasm_validate.empty() ? "" : ", wasm-validate found");
  bool ok = true;
  for (const fs::path& file : options.files) {
    ok = BenchFile(file, options, wasm_validate) && ok;
  }
  return ok ? 0 : 1;
}
