// check-against-jco.mjs: structural check of our hand-written WASI 0.2.12 WIT against the
// WASI 0.2.12 WIT that jco ships (lib/wit/builtin/0.2.12), using jco's wasm-tools.
//
// For every world (io/clocks/random/filesystem/sockets imports, cli imports+command,
// http imports+proxy), with unstable features off and with all features on, it builds a
// dummy component from each side (componentEmbed{dummy} -> componentNew) and compares
//   1. componentWit(component): the world as WIT (imports/exports, normalised, no comments);
//   2. print(component): the full component text, i.e. every imported/exported instance type
//      with all type definitions, field/case/flag names, function names, parameter names,
//      result types, resource methods/constructors/statics. (componentWit alone only prints
//      the root world, not the interfaces' bodies.)
// Both must be byte-identical between the two sides.
//
// jco's files are read in place at run time (never copied): its single-file packages are
// joined in memory into one WIT source using nested `package x { ... }` blocks. Our packages
// are laid out as a real root + deps/ tree in a temp dir (the layout consumers use).
// What this cannot check: @since/@deprecated gates (jco's copy strips them, and they do not
// reach the component). @unstable gates are checked, via the default vs all-features runs.
//
// Usage: node check-against-jco.mjs     (ORACLES defaults to ~/.cache/wasi-bridge-oracles;
//        KEEP_TMP=1 keeps the temp dir with both prints of any differing world)
// Exit code 0 = every world identical.
import { cpSync, mkdtempSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, homedir } from "node:os";
import { join, dirname } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";

const ORACLES = process.env.ORACLES || join(homedir(), ".cache/wasi-bridge-oracles");
const NM = join(ORACLES, "node_modules");
const JCO_WIT = join(NM, "@bytecodealliance/jco/lib/wit/builtin/0.2.12");
const OURS = dirname(fileURLToPath(import.meta.url));
const PKGS = ["io", "clocks", "random", "cli", "filesystem", "sockets", "http"];
const WORLDS = [
  ["io", "imports"], ["clocks", "imports"], ["random", "imports"],
  ["filesystem", "imports"], ["sockets", "imports"],
  ["cli", "imports"], ["cli", "command"],
  ["http", "imports"], ["http", "proxy"],
];
const FEATURES = [["default", undefined], ["all-features", { tag: "all" }]];

const imp = (p) => import(pathToFileURL(realpathSync(join(NM, p))).href);
// jco's wasm-tools runs on preview2-shim, which has no preopens by default: map host "/".
const { _setPreopens } = await imp("@bytecodealliance/preview2-shim/dist/nodejs/filesystem.js");
_setPreopens({ "/": "/" });
const { componentEmbed, componentNew, componentWit, print } =
  await imp("@bytecodealliance/jco-transpile/dist/wasm-tools.js");

const tmp = mkdtempSync(join(tmpdir(), "wasi0212-check-"));

// jco side: root package as the file's top level, every other package as a nested block.
function jcoSource(root) {
  const read = (p) => readFileSync(join(JCO_WIT, `wasi-${p}`, "package.wit"), "utf8");
  let src = read(root) + "\n";
  for (const p of PKGS.filter((p) => p !== root)) {
    const text = read(p);
    const m = /^\s*package\s+([^;\s]+)\s*;/m.exec(text);
    if (!m) throw new Error(`no package header in jco's wasi-${p}`);
    src += `package ${m[1]} {\n${text.slice(0, m.index)}${text.slice(m.index + m[0].length)}\n}\n`;
  }
  return src;
}

// our side: <tmp>/ours-<root>/{*.wit, deps/<other>/*.wit}
function ourTree(root) {
  const dir = join(tmp, `ours-${root}`);
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(OURS, root), dir, { recursive: true });
  for (const p of PKGS.filter((p) => p !== root)) cpSync(join(OURS, p), join(dir, "deps", p), { recursive: true });
  return dir;
}

async function build(side, pkg, world, features) {
  const opts = { dummy: true, world: `wasi:${pkg}/${world}@0.2.12`, features };
  if (side === "jco") opts.witSource = jcoSource(pkg); else opts.witPath = ourTree(pkg);
  const component = await componentNew(await componentEmbed(opts));
  return { wit: await componentWit(component), wat: await print(component) };
}

let failures = 0, n = 0;
for (const [fname, features] of FEATURES) {
  for (const [pkg, world] of WORLDS) {
    n++;
    const label = `wasi:${pkg}/${world}@0.2.12 [${fname}]`;
    let ours, theirs;
    try {
      theirs = await build("jco", pkg, world, features);
      ours = await build("ours", pkg, world, features);
    } catch (e) {
      failures++; console.log(`FAIL  ${label}: ${e?.payload ?? e?.message ?? e}`); continue;
    }
    const bad = [];
    for (const k of ["wit", "wat"]) {
      if (ours[k] === theirs[k]) continue;
      bad.push(k);
      const base = join(tmp, `${pkg}-${world}-${fname}`);
      writeFileSync(`${base}.jco.${k}`, theirs[k]); writeFileSync(`${base}.ours.${k}`, ours[k]);
      const d = spawnSync("diff", ["-u", `${base}.jco.${k}`, `${base}.ours.${k}`], { encoding: "utf8" });
      console.log(d.stdout.split("\n").slice(0, 60).join("\n"));
    }
    if (bad.length) { failures++; console.log(`FAIL  ${label}: ${bad.join(" and ")} differ`); }
    else console.log(`OK    ${label}: world WIT and component text identical ` +
                     `(${ours.wat.split("\n").length} lines)`);
  }
}
if (process.env.KEEP_TMP) console.log(`temp dir kept: ${tmp}`); else rmSync(tmp, { recursive: true, force: true });
console.log(`${n - failures}/${n} worlds identical`);
process.exit(failures ? 1 : 0);
