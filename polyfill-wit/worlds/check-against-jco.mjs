#!/usr/bin/env node
// Checks the polyfill worlds (p2-on-p3, p3-on-p2) with jco's wasm-tools.
//
// Each world is resolved twice, against
//   ours: polyfill-wit/wasi-0.2.12/* and polyfill-wit/wasi-0.3.0/*
//   jco:  @bytecodealliance/jco/lib/wit/builtin/{0.2.12,0.3.0} (published WASI WIT)
// then a dummy component is built for it (componentEmbed dummy + componentNew),
// printed with componentWit and as WAT, with all features and with the default
// feature set. The two sides must be identical. A 0.2.12 package that has no
// .wit files in polyfill-wit/wasi-0.2.12 yet is taken from jco on both sides,
// and the run says so.
//
// Usage: node polyfill-wit/worlds/check-against-jco.mjs [--keep]
// (WASI_BRIDGE_ORACLES as for ../wasi-0.3.0/check-against-jco.mjs)

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JCO_BUILTIN, PACKAGES_030, describeWorld, makeRoot, unifiedDiff, witFiles } from '../wasi-0.3.0/check-against-jco.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const POLYFILL = path.dirname(HERE);
const WORLDS = ['p2-on-p3', 'p3-on-p2'];
const PACKAGES_0212 = ['io', 'clocks', 'random', 'cli', 'filesystem', 'sockets', 'http'];

function hasWit(dir) {
  return fs.existsSync(dir) && fs.statSync(dir).isDirectory() && witFiles(dir).length > 0;
}

async function main() {
  const keep = process.argv.includes('--keep');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wasi-bridge-worlds-check-'));
  let failures = 0;
  try {
    const depsOurs = {};
    const depsJco = {};
    const fromJco = [];
    for (const p of PACKAGES_0212) {
      const jco = path.join(JCO_BUILTIN, '0.2.12', `wasi-${p}`, 'package.wit');
      const ours = path.join(POLYFILL, 'wasi-0.2.12', p);
      depsJco[`${p}-0.2.12`] = jco;
      if (hasWit(ours)) depsOurs[`${p}-0.2.12`] = ours;
      else {
        depsOurs[`${p}-0.2.12`] = jco;
        fromJco.push(`wasi:${p}@0.2.12`);
      }
    }
    for (const p of Object.keys(PACKAGES_030)) {
      depsJco[`${p}-0.3.0`] = path.join(JCO_BUILTIN, '0.3.0', `wasi-${p}`, 'package.wit');
      depsOurs[`${p}-0.3.0`] = path.join(POLYFILL, 'wasi-0.3.0', p);
    }
    if (fromJco.length) console.log(`note: not in polyfill-wit/wasi-0.2.12 yet, taken from jco on both sides: ${fromJco.join(', ')}`);

    const oursRoot = makeRoot(path.join(tmp, 'ours'), HERE, depsOurs);
    const jcoRoot = makeRoot(path.join(tmp, 'jco'), HERE, depsJco);
    for (const w of WORLDS) {
      const world = `wasi-bridge:polyfill/${w}@0.1.0`;
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
          if (process.argv.includes('--print')) console.log(a.wit);
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

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
