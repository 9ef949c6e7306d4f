// jco_names.mjs FILE... - independent reader for tests/integration/test_inspect.py.
// Decodes each component with the wasm-tools build vendored in jco
// (componentWit from @bytecodealliance/jco-transpile/wasm-tools), and parses
// the printed WIT world: `import X;` / `export X;` (interfaces by name) and
// `import name: func...` / `import name: interface {` (plain names).
// Prints one JSON object: {"FILE": {"imports": [...], "exports": [...]}
//                                 | {"error": "..."}, ...}
// Run with node from a directory whose node_modules -> $ORACLES/node_modules
// (the script is copied there; node resolves packages next to the script).
import { readFile } from "node:fs/promises";
import { componentWit } from "@bytecodealliance/jco-transpile/wasm-tools";

export function worldNames(wit) {
  const lines = wit.split("\n");
  const imports = [], exports = [], other = [];
  let inWorld = false, depth = 0;
  for (const raw of lines) {
    const line = raw.replace(/\/\/.*$/, "").trim();
    if (!inWorld) {
      // the component's own world (jco prints `package root:component; world root {`)
      if (/^world\s+\S+\s*\{$/.test(line) && depth === 0) { inWorld = true; depth = 1; continue; }
      depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
      continue;
    }
    if (depth === 1 && line !== "" && line !== "}") {
      const m = /^(import|export)\s+(.*)$/.exec(line);
      if (m) {
        const rest = m[2];
        const named = /^(%?[a-z0-9-]+)\s*:\s/.exec(rest);   // name: func... | name: interface {
        const iface = /^([^\s;]+)\s*;$/.exec(rest);          // ns:pkg/iface@ver;
        const name = named ? named[1].replace(/^%/, "") : iface ? iface[1] : null;
        if (name === null) other.push(line);
        else (m[1] === "import" ? imports : exports).push(name);
      } else {
        other.push(line);
      }
    }
    depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
    if (depth === 0) inWorld = false;
  }
  return { imports, exports, other };
}

const out = {};
for (const f of process.argv.slice(2)) {
  try {
    const wit = await componentWit(await readFile(f));
    out[f] = worldNames(wit);
  } catch (e) {
    out[f] = { error: String(e?.payload ?? e?.message ?? e).split("\n").slice(0, 3).join(" | ") };
  }
}
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
