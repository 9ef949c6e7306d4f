// jco side of the Canonical ABI differential test (see README.md here and
// tests/integration/test_cabi_diff.py).
//
//   node jco_side.mjs WORKDIR COMPONENT.wasm CASES.json [COMPONENT.wasm CASES.json]...
//
// Run from a directory whose node_modules resolves @bytecodealliance/jco-transpile.
// Transpiles each component with jco (async instantiation, so the `id-K`
// imports can be supplied as JS functions), calls each case's export with its
// arguments converted to jco's JS representation, and prints
//   {"results": [{"name", "result": V | null, "host_args": [V...] | null}
//                | {"name", "error": "...", "trap": bool, "host_args": ...}]}
// with V in the json-from-wast form, like tests/diff/cabi_diff_driver.cc.
//
// jco's JS representation (js-component-bindgen): integers up to 32 bits
// and floats are numbers, 64-bit integers BigInts, chars and strings
// strings; list<T> an Array (typed arrays for numeric T); tuple an Array;
// record an object with lowerCamelCase keys; variant {tag: "case-name",
// val}; enum the case name; flags an object of booleans (lowerCamelCase
// keys); option<T> T | undefined, except where T itself is nullable (an
// option whose payload is not nullable), then {tag: "some", val} |
// {tag: "none"}; result {tag: "ok" | "err", val}. An exported function
// returning a result returns the ok payload and throws the err payload; a
// host import returning one does the same (see the `id` imports below).
import { transpileBytes } from "@bytecodealliance/jco-transpile";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join, basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [, , workdir, ...pairs] = process.argv;

// heck's to_lower_camel_case for kebab-case names (words are lowercase
// letters and digits).
function camel(name) {
  return name
    .split("-")
    .map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1)))
    .join("");
}

function nullable(t) {
  return t.k === "option" && !nullable(t.e);
}

const TYPED = {
  u8: Uint8Array, s8: Int8Array, u16: Uint16Array, s16: Int16Array, u32: Uint32Array,
  s32: Int32Array, u64: BigUint64Array, s64: BigInt64Array, f32: Float32Array,
  f64: Float64Array,
};

const scratch = new DataView(new ArrayBuffer(8));
function f32FromBits(s) { scratch.setUint32(0, Number(s), true); return scratch.getFloat32(0, true); }
function f64FromBits(s) { scratch.setBigUint64(0, BigInt(s), true); return scratch.getFloat64(0, true); }
function f32Bits(x) { scratch.setFloat32(0, x, true); return String(scratch.getUint32(0, true)); }
function f64Bits(x) { scratch.setFloat64(0, x, true); return String(scratch.getBigUint64(0, true)); }

// json-from-wast value of type t -> jco JS value
function toJs(t, j) {
  if (j.type !== t.k) throw new Error(`value tag ${j.type} for type ${t.k}`);
  const v = j.value;
  switch (t.k) {
    case "bool": case "char": case "string": case "enum": return v;
    case "s8": case "u8": case "s16": case "u16": case "s32": case "u32": return Number(v);
    case "s64": case "u64": return BigInt(v);
    case "f32": return f32FromBits(v);
    case "f64": return f64FromBits(v);
    case "list": {
      const elems = v.map((e) => toJs(t.e, e));
      const T = TYPED[t.e.k];
      return T ? T.from(elems) : elems;
    }
    case "tuple": return t.elems.map((e, i) => toJs(e, v[i]));
    case "record": {
      const o = {};
      t.fields.forEach(([n, ft], i) => {
        if (v[i][0] !== n) throw new Error(`record field ${v[i][0]} != ${n}`);
        o[camel(n)] = toJs(ft, v[i][1]);
      });
      return o;
    }
    case "variant": {
      const c = t.cases.find(([n]) => n === v.case);
      return c[1] === null ? { tag: v.case } : { tag: v.case, val: toJs(c[1], v.payload) };
    }
    case "option":
      if (nullable(t)) return v === null ? undefined : toJs(t.e, v);
      return v === null ? { tag: "none" } : { tag: "some", val: toJs(t.e, v) };
    case "result": {
      const ok = "Ok" in v;
      const ct = ok ? t.ok : t.err;
      const p = ok ? v.Ok : v.Err;
      return ct === null ? { tag: ok ? "ok" : "err" } : { tag: ok ? "ok" : "err", val: toJs(ct, p) };
    }
    case "flags": {
      const o = {};
      for (const l of t.labels) o[camel(l)] = v.includes(l);
      return o;
    }
  }
  throw new Error(`unknown type ${t.k}`);
}

function bad(t, x) {
  let s;
  try { s = JSON.stringify(x, (k, v) => (typeof v === "bigint" ? `${v}n` : v)); } catch { s = String(x); }
  return new Error(`jco value ${s} (${Object.prototype.toString.call(x)}) is not a ${t.k}`);
}

function intOk(t, x) {
  if (t.k === "s64" || t.k === "u64") return typeof x === "bigint";
  return typeof x === "number" && Number.isInteger(x);
}

// jco JS value -> json-from-wast value of type t
function fromJs(t, x) {
  const tag = (value) => ({ type: t.k, value });
  switch (t.k) {
    case "bool":
      if (typeof x !== "boolean") throw bad(t, x);
      return tag(x);
    case "s8": case "u8": case "s16": case "u16": case "s32": case "u32": case "s64": case "u64":
      if (!intOk(t, x)) throw bad(t, x);
      return tag(String(x));
    case "f32": if (typeof x !== "number") throw bad(t, x); return tag(f32Bits(x));
    case "f64": if (typeof x !== "number") throw bad(t, x); return tag(f64Bits(x));
    case "char": case "string": case "enum":
      if (typeof x !== "string") throw bad(t, x);
      return tag(x);
    case "list":
      if (!Array.isArray(x) && !ArrayBuffer.isView(x)) throw bad(t, x);
      return tag(Array.from(x, (e) => fromJs(t.e, e)));
    case "tuple":
      if (!Array.isArray(x) || x.length !== t.elems.length) throw bad(t, x);
      return tag(t.elems.map((e, i) => fromJs(e, x[i])));
    case "record":
      if (x === null || typeof x !== "object") throw bad(t, x);
      return tag(t.fields.map(([n, ft]) => [n, fromJs(ft, x[camel(n)])]));
    case "variant": {
      if (x === null || typeof x !== "object") throw bad(t, x);
      const c = t.cases.find(([n]) => n === x.tag);
      if (!c) throw bad(t, x);
      return tag(c[1] === null ? { case: c[0] } : { case: c[0], payload: fromJs(c[1], x.val) });
    }
    case "option":
      if (nullable(t)) return tag(x === undefined || x === null ? null : fromJs(t.e, x));
      if (x === null || typeof x !== "object") throw bad(t, x);
      if (x.tag === "none") return tag(null);
      if (x.tag !== "some") throw bad(t, x);
      return tag(fromJs(t.e, x.val));
    case "result": {
      if (x === null || typeof x !== "object" || (x.tag !== "ok" && x.tag !== "err")) throw bad(t, x);
      const ct = x.tag === "ok" ? t.ok : t.err;
      return tag({ [x.tag === "ok" ? "Ok" : "Err"]: ct === null ? null : fromJs(ct, x.val) });
    }
    case "flags":
      if (x === null || typeof x !== "object") throw bad(t, x);
      return tag(t.labels.filter((l) => x[camel(l)] === true));
  }
  throw new Error(`unknown type ${t.k}`);
}

function message(e) {
  return e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
}

async function runComponent(wasmPath, casesPath, out, idx) {
  const { cases } = JSON.parse(readFileSync(casesPath, "utf8"));
  const dir = resolve(join(workdir, `jco-${idx}`));
  mkdirSync(dir, { recursive: true });
  let files;
  try {
    ({ files } = await transpileBytes(readFileSync(wasmPath), {
      name: "c", instantiation: "async", noTypescript: true, outDir: "",
    }));
  } catch (e) {
    for (const c of cases) out.push({ name: c.name, error: `transpile: ${message(e)}`, trap: false });
    return;
  }
  const cores = {};
  for (const [f, bytes] of Object.entries(files)) {
    if (f.endsWith(".wasm")) cores[basename(f)] = bytes;
    else if (f.endsWith(".js")) writeFileSync(join(dir, basename(f).replace(/\.js$/, ".mjs")), bytes);
  }
  const mod = await import(pathToFileURL(join(dir, "c.mjs")).href);
  const logs = new Map();
  const imports = {};
  for (const c of cases) {
    imports[c.import] = {
      default: (...args) => {
        const log = { args: null };
        logs.set(c.import, log);
        log.args = args.map((a, i) => {
          try { return fromJs(c.params[i], a); } catch (e) { log.error = message(e); return null; }
        });
        const r = c.ret;
        if (r.kind === "none") return undefined;
        if (r.kind === "param") {
          const v = args[r.from[0]];
          if (c.result.k !== "result") return v;
          // A host function returning a result throws the err payload (an
          // object with a `payload` property is unwrapped) and returns the
          // ok payload. (jco also accepts {tag, val} from some functions,
          // but for others, e.g. result<flags>, it takes any object as the
          // ok payload; the bare payload is never ambiguous here, as no
          // generated variant has a case named "ok" or "err".)
          if (v.tag === "err") throw { payload: v.val };
          return v.val;
        }
        if (r.kind === "tuple") return r.from.map((i) => args[i]);
        const o = {};
        c.result.fields.forEach(([n], j) => { o[camel(n)] = args[r.from[j]]; });
        return o;
      },
    };
  }
  let exports = null;
  const instantiate = async () =>
    mod.instantiate((name) => WebAssembly.compile(cores[basename(name)]), imports);
  for (const c of cases) {
    const rec = { name: c.name };
    try {
      if (!exports) exports = await instantiate();
    } catch (e) {
      out.push({ name: c.name, error: `instantiate: ${message(e)}`, trap: false });
      continue;
    }
    const fn = exports[camel(c.export)];
    if (typeof fn !== "function") {
      out.push({ name: c.name, error: `no export ${camel(c.export)}`, trap: false });
      continue;
    }
    let args;
    try {
      args = c.kind === "run" ? c.params.map((t, i) => toJs(t, c.args[i])) : [];
    } catch (e) {
      out.push({ name: c.name, error: `argument conversion: ${message(e)}`, trap: false });
      continue;
    }
    logs.delete(c.import);
    let value;
    let failed = null;
    try {
      const v = fn(...args);
      value = c.result && c.result.k === "result" ? { tag: "ok", val: v } : v;
    } catch (e) {
      if (c.result && c.result.k === "result" && !(e instanceof Error)) {
        value = { tag: "err", val: e }; // a top-level result's err payload is thrown
      } else if (c.result && c.result.k === "result" && e && Object.hasOwn(e, "payload")) {
        value = { tag: "err", val: e.payload }; // ComponentError wrapping
      } else {
        failed = e;
      }
    }
    const log = logs.get(c.import);
    const hostArgs = log ? log.args : null;
    if (failed !== null) {
      rec.error = message(failed);
      rec.trap = failed instanceof WebAssembly.RuntimeError;
      rec.host_args = hostArgs;
      exports = null; // a trap poisons the instance
    } else {
      try {
        rec.result = c.result === null ? null : fromJs(c.result, value);
        if (c.result === null && value !== undefined) throw new Error("result from a function without one");
      } catch (e) {
        rec.error = `result conversion: ${message(e)}`;
        rec.trap = false;
      }
      rec.host_args = hostArgs;
      if (log && log.error) rec.error = `host argument conversion: ${log.error}`;
    }
    out.push(rec);
  }
}

const out = [];
for (let i = 0; i + 1 < pairs.length; i += 2) {
  await runComponent(pairs[i], pairs[i + 1], out, i / 2);
}
process.stdout.write(JSON.stringify({ results: out }) + "\n");
