// jco_unpack_wit.mjs PKG.wasm - decode a WIT package binary with jco's
// wit-component build (an independent decoder) and print its WIT files,
// each preceded by "=== <path>". Run where node_modules -> $ORACLES/node_modules.
import { readFile } from "node:fs/promises";
import { unpackWit } from "./node_modules/@bytecodealliance/jco-transpile/dist/typegen.js";

const files = await unpackWit(undefined, await readFile(process.argv[2]));
for (const [name, content] of files) {
  console.log(`=== ${name}`);
  console.log(typeof content === "string" ? content : new TextDecoder().decode(content));
}
