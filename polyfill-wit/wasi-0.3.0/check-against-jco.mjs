#!/usr/bin/env node
// Checks polyfill-wit/wasi-0.3.0 against the WASI 0.3.0 WIT that jco bundles
// (@bytecodealliance/jco/lib/wit/builtin/0.3.0, derived from WASI tag v0.3.0).
//
// Two independent checks, both using jco's own wasm-tools build (wasm-tools
// compiled to a component and run under preview2-shim):
//
//  1. Component check. For every world of every package, a dummy core module is
//     embedded with `componentEmbed({dummy: true})`, turned into a component with
//     `componentNew`, and printed twice: `componentWit` (the world) and `print`
//     (the WAT, which spells out every instance type: type/field/case names,
//     function names, parameter names, results, `async`, resources, stream and
//     future payloads). Once from our packages, once from jco's, with all
//     features enabled and with the default feature set. Outputs must be equal.
//  2. Text check. Both sides are normalised (comments, `@since` gates and
//     whitespace removed) and compared interface by interface and world by
//     world, so `@unstable` gates and declaration order are compared as text.
//     jco strips `@since` gates from its copy, so those cannot be compared; the
//     check only asserts that ours all read `@since(version = 0.3.0)`.
//
// jco's files are read in place; scratch copies (the deps/ layout wit-parser
// wants) go to a temporary directory that is removed afterwards.
//
// Usage: node polyfill-wit/wasi-0.3.0/check-against-jco.mjs [--keep]
//   WASI_BRIDGE_ORACLES  node_modules holding @bytecodealliance/{jco,jco-transpile,
//                        preview2-shim} (default ~/.cache/wasi-bridge-oracles/node_modules)
// Exit status 0 when everything matches, 1 on a difference, 2 on a setup error.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export const ORACLES = fs.realpathSync(
  process.env.WASI_BRIDGE_ORACLES ||
    path.join(os.homedir(), '.cache/wasi-bridge-oracles/node_modules'),
);
export const JCO_BUILTIN = path.join(ORACLES, '@bytecodealliance/jco/lib/wit/builtin');

// Package -> worlds published in WASI 0.3.0.
export const PACKAGES_030 = {
  clocks: ['imports'],
  random: ['imports'],
  cli: ['imports', 'command'],
  filesystem: ['imports'],
  sockets: ['imports'],
  http: ['service', 'middleware'],
};

let toolsPromise;
// Loads jco's wasm-tools with the host root preopened (the shim preopens nothing
// by default, and wit-parser needs to read the WIT directories).
export function loadTools() {
  toolsPromise ??= (async () => {
    const shimFs = await import(
      pathToFileURL(path.join(ORACLES, '@bytecodealliance/preview2-shim/dist/nodejs/filesystem.js')).href
    );
    shimFs._setPreopens({ '/': '/' });
    return import(pathToFileURL(path.join(ORACLES, '@bytecodealliance/jco-transpile/dist/wasm-tools.js')).href);
  })();
  return toolsPromise;
}

// Builds a dummy component for `world` from the WIT directory `dir` and returns
// {wit, wat}, or {error}.
export async function describeWorld(dir, world, features) {
  const tools = await loadTools();
  try {
    const core = await tools.componentEmbed({ dummy: true, witPath: dir, world, features });
    const comp = await tools.componentNew(core);
    return { wit: await tools.componentWit(comp), wat: await tools.print(comp) };
  } catch (e) {
    return { error: String(e && e.message ? e.message : e).split('\n')[0] };
  }
}

export function copyDir(src, dst) {
  fs.mkdirSync(dst, { recursive: true });
  for (const ent of fs.readdirSync(src, { withFileTypes: true })) {
    if (ent.isFile() && ent.name.endsWith('.wit')) {
      fs.copyFileSync(path.join(src, ent.name), path.join(dst, ent.name));
    }
  }
}

// A wit-parser root: `rootFiles` (dir or single file) plus deps/<name> entries.
// `deps` maps a dep name to a source directory or a single .wit file.
export function makeRoot(dst, root, deps) {
  fs.mkdirSync(path.join(dst, 'deps'), { recursive: true });
  if (fs.statSync(root).isDirectory()) copyDir(root, dst);
  else fs.copyFileSync(root, path.join(dst, 'root.wit'));
  for (const [name, src] of Object.entries(deps)) {
    if (fs.statSync(src).isDirectory()) copyDir(src, path.join(dst, 'deps', name));
    else fs.copyFileSync(src, path.join(dst, 'deps', `${name}.wit`));
  }
  return dst;
}

export function unifiedDiff(a, b, labelA, labelB, tmp) {
  const fa = path.join(tmp, 'diff-a.txt');
  const fb = path.join(tmp, 'diff-b.txt');
  fs.writeFileSync(fa, a);
  fs.writeFileSync(fb, b);
  const r = spawnSync('diff', ['-u', '--label', labelA, '--label', labelB, fa, fb], { encoding: 'utf8' });
  if (r.error) return `(diff unavailable) ${labelA} != ${labelB}`;
  return r.stdout;
}

// ---- text normalisation -------------------------------------------------

function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
}

// Returns the @since gates found (for the lint) and the text without them.
function stripSince(src) {
  const gates = src.match(/@since\s*\([^)]*\)/g) || [];
  return { gates, text: src.replace(/@since\s*\([^)]*\)/g, '') };
}

function squeeze(s) {
  return s
    .replace(/\s+/g, ' ')
    .replace(/\s*([{}()<>,;:=.\/@])\s*/g, '$1')
    .replace(/,([)}])/g, '$1')
    .trim();
}

// Splits normalised package text into top-level items keyed by
// "interface NAME" / "world NAME"; the value includes any leading gate.
export function topLevelItems(text) {
  const items = new Map();
  let pkg = null;
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const m = rest.match(/^((?:@[a-z-]+\([^)]*\))*)(package|interface|world)\s*([^{;\s]+)\s*([{;])/);
    if (!m) {
      if (/^\s*$/.test(rest)) break;
      throw new Error(`cannot parse near: ${rest.slice(0, 60)}`);
    }
    if (m[2] === 'package') {
      pkg = m[3];
      i += m[0].length;
      continue;
    }
    let depth = 1;
    let j = i + m[0].length;
    while (depth > 0 && j < text.length) {
      if (text[j] === '{') depth++;
      else if (text[j] === '}') depth--;
      j++;
    }
    const key = `${m[2]} ${m[3]}`;
    if (items.has(key)) throw new Error(`duplicate ${key}`);
    items.set(key, text.slice(i, j));
    i = j;
  }
  return { pkg, items };
}

export function normalisePackage(files) {
  let gates = [];
  const parts = [];
  let pkg = null;
  for (const f of files) {
    const { gates: g, text } = stripSince(stripComments(fs.readFileSync(f, 'utf8')));
    gates = gates.concat(g);
    const s = squeeze(text);
    const hdr = s.match(/^package\s*([^;]+);/);
    if (hdr) {
      if (pkg && pkg !== hdr[1]) throw new Error(`${f}: package ${hdr[1]} != ${pkg}`);
      pkg = hdr[1];
    }
    parts.push(s.replace(/^package[^;]+;/, ''));
  }
  const { items } = topLevelItems(parts.join(''));
  return { pkg, items, gates };
}

export function witFiles(dir) {
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.wit'))
    .sort()
    .map((n) => path.join(dir, n));
}

export function compareText(oursFiles, theirsFiles, expectPkg, sinceVersion) {
  const problems = [];
  const ours = normalisePackage(oursFiles);
  const theirs = normalisePackage(theirsFiles);
  if (ours.pkg !== expectPkg) problems.push(`ours: package is ${ours.pkg}, expected ${expectPkg}`);
  if (theirs.pkg !== expectPkg) problems.push(`jco: package is ${theirs.pkg}, expected ${expectPkg}`);
  for (const f of oursFiles) {
    if (!/^\s*package\s/.test(fs.readFileSync(f, 'utf8'))) problems.push(`${path.basename(f)}: does not start with a package line`);
  }
  const bad = ours.gates.filter((g) => squeeze(g) !== `@since(version=${sinceVersion})`);
  if (bad.length) problems.push(`unexpected @since gates: ${[...new Set(bad)].join(', ')}`);
  for (const [k, v] of theirs.items) {
    if (!ours.items.has(k)) problems.push(`missing ${k}`);
    else if (ours.items.get(k) !== v) problems.push(`${k} differs:\n    ours: ${ours.items.get(k)}\n    jco:  ${v}`);
  }
  for (const k of ours.items.keys()) if (!theirs.items.has(k)) problems.push(`extra ${k}`);
  return { problems, count: ours.items.size, gates: ours.gates.length };
}

// ---- main ---------------------------------------------------------------

async function main() {
  const keep = process.argv.includes('--keep');
  const jco030 = path.join(JCO_BUILTIN, '0.3.0');
  if (!fs.existsSync(jco030)) {
    console.error(`jco builtin WIT not found at ${jco030} (set WASI_BRIDGE_ORACLES)`);
    process.exit(2);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wasi-bridge-wit-check-'));
  let failures = 0;
  try {
    const pkgs = Object.keys(PACKAGES_030);
    const oursDir = (p) => path.join(HERE, p);
    const jcoFile = (p) => path.join(jco030, `wasi-${p}`, 'package.wit');

    console.log(`# text check (normalised declarations; jco: ${jco030})`);
    for (const p of pkgs) {
      const r = compareText(witFiles(oursDir(p)), [jcoFile(p)], `wasi:${p}@0.3.0`, '0.3.0');
      if (r.problems.length) {
        failures++;
        console.log(`FAIL wasi:${p}@0.3.0`);
        for (const s of r.problems) console.log(`  ${s}`);
      } else {
        console.log(`ok   wasi:${p}@0.3.0: ${r.count} interfaces/worlds identical; ${r.gates} @since gates, all 0.3.0`);
      }
    }

    console.log('# component check (dummy component per world; componentWit + WAT)');
    for (const p of pkgs) {
      const others = (side) =>
        Object.fromEntries(pkgs.filter((q) => q !== p).map((q) => [q, side === 'ours' ? oursDir(q) : jcoFile(q)]));
      const oursRoot = makeRoot(path.join(tmp, `ours-${p}`), oursDir(p), others('ours'));
      const jcoRoot = makeRoot(path.join(tmp, `jco-${p}`), jcoFile(p), others('jco'));
      for (const w of PACKAGES_030[p]) {
        const world = `wasi:${p}/${w}@0.3.0`;
        for (const [fname, features] of [['all', { tag: 'all' }], ['default', undefined]]) {
          const a = await describeWorld(oursRoot, world, features);
          const b = await describeWorld(jcoRoot, world, features);
          const label = `${world} [features: ${fname}]`;
          if (a.error || b.error) {
            failures++;
            console.log(`FAIL ${label}: ${a.error ? `ours: ${a.error}` : ''} ${b.error ? `jco: ${b.error}` : ''}`);
          } else if (a.wit !== b.wit || a.wat !== b.wat) {
            failures++;
            console.log(`FAIL ${label}`);
            if (a.wit !== b.wit) console.log(unifiedDiff(b.wit, a.wit, 'jco.wit', 'ours.wit', tmp));
            if (a.wat !== b.wat) console.log(unifiedDiff(b.wat, a.wat, 'jco.wat', 'ours.wat', tmp));
          } else {
            const nImports = (a.wit.match(/^\s*import /gm) || []).length;
            const nExports = (a.wit.match(/^\s*export /gm) || []).length;
            console.log(`ok   ${label}: identical (${nImports} imports, ${nExports} exports, ${a.wat.length} chars of WAT)`);
          }
        }
      }
    }
  } finally {
    if (keep) console.log(`scratch kept in ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(failures ? `${failures} check(s) FAILED` : 'all checks passed');
  process.exit(failures ? 1 : 0);
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(2);
  });
}
