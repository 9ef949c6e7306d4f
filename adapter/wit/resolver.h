// Binding the names of parsed WIT documents into a Resolve.
#ifndef WASI_BRIDGE_ADAPTER_WIT_RESOLVER_H_
#define WASI_BRIDGE_ADAPTER_WIT_RESOLVER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "adapter/wit/ast.h"
#include "adapter/wit/resolve.h"

namespace wasi_bridge::wit {

// Which `@unstable(feature = ...)` items to keep; the rest are left out, as
// wit-parser does. `@since` gates never remove items.
struct ResolveOptions {
  std::vector<std::string> features;
  bool all_features = false;
};

// Resolves parsed files together. Files whose main body has no `package`
// declaration take the package of `default_package_file`'s declaration
// (the other files of the same directory); a file with neither is an
// error. Worlds are elaborated: the interfaces an imported or exported
// interface depends on are imported too, as wit-component does.
absl::StatusOr<Resolve> ResolveFiles(const std::vector<ast::File>& files,
                                     const ResolveOptions& options = {});

// Loads and resolves WIT from the filesystem. Each path is a `.wit` file or
// a directory whose `.wit` files form one package; a directory's `deps/`
// entries (directories or `.wit` files) are loaded as further packages.
absl::StatusOr<Resolve> LoadWit(const std::vector<std::string>& paths,
                                const ResolveOptions& options = {});

}  // namespace wasi_bridge::wit

#endif  // WASI_BRIDGE_ADAPTER_WIT_RESOLVER_H_
