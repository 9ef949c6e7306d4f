// Printing a Resolve back as WIT text.
#ifndef WASI_BRIDGE_ADAPTER_WIT_PRINTER_H_
#define WASI_BRIDGE_ADAPTER_WIT_PRINTER_H_

#include <string>
#include <vector>

#include "adapter/wit/resolve.h"

namespace wasi_bridge::wit {

// Prints `world` followed by every package interface it refers to, grouped
// in `package ns:name@v { ... }` blocks (the layout `wasm-tools component
// wit` uses for a component's world).
std::string PrintWorld(const Resolve& r, WorldId world);

// A canonical, order-independent description of a world for comparing two
// sources structurally: one sorted line per import/export, per interface
// type (`import K | type n = record{a: u32}`) and per function
// (`import K | f: func(x: u32) -> string`).
std::vector<std::string> WorldSummary(const Resolve& r, WorldId world);

// Prints one type reference as WIT (`list<u8>`, `result<_, error-code>`).
std::string PrintTypeRef(const Resolve& r, TypeId t);

// Prints a function's signature: `func(a: u32) -> string`.
std::string PrintFuncSignature(const Resolve& r, const Function& f);

}  // namespace wasi_bridge::wit

#endif  // WASI_BRIDGE_ADAPTER_WIT_PRINTER_H_
