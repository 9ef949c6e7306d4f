// Drives the p2-on-p3 shim with mocked wb:bridge / wb:canon / WASI 0.3 imports
// (a small model of rendezvous streams, futures, subtasks, waitable sets).
// Not a CM implementation: it exercises the shim's buffering and wait logic.
// Usage: node mock-run.mjs p2-on-p3.wasm
import fs from 'node:fs';
const bytes = fs.readFileSync(process.argv[2]);
const mod = new WebAssembly.Module(bytes);
const shimMem = new WebAssembly.Memory({ initial: 2 });
const callerMem = new WebAssembly.Memory({ initial: 64 });
const U8 = (m) => new Uint8Array(m.buffer);
const DV = (m) => new DataView(m.buffer);
let callerTop = 1024;
const BLOCKED = 0xffffffff;
let log = [];

// ---- handle table & waitables
let nextHandle = 1;
const objs = new Map();
const newH = (o) => { const h = nextHandle++; objs.set(h, o); return h; };
const sets = new Map();
let now = 1000n;
const timers = [];
// waitable: {pendingEvent: [code, payload] | null, set: id|0}
function deliverable(setId) {
  for (const [h, o] of objs) if (o.set === setId && o.event) return h;
  return 0;
}
// host "progress": stdout reader consumes pending writes in chunks; timers fire
// (after the writes, or before them with timersFirst)
const outData = { 1: [], 2: [] };
const outSeq = [];  // fd of every chunk the host took, in order
let outChunk = 7;   // bytes the host takes per step from a pending write
let timersFirst = false;
let pollSteps = true;  // waitable-set.poll lets the host progress (false: like jco)
const outLen = (fd) => outData[fd].reduce((a, b) => a + b.length, 0);
function fireTimer() {
  timers.sort((a, b) => (a.when < b.when ? -1 : 1));
  const t = timers.shift(); if (t.when > now) now = t.when;
  objs.get(t.h).event = [1, 2];
}
function hostStep() {
  let progressed = false;
  if (timersFirst && timers.length) { fireTimer(); return true; }
  for (const [h, o] of objs) {
    if (o.kind === 'w' && o.pendingWrite && !o.event) {
      const pw = o.pendingWrite;
      const n = Math.min(pw.len, outChunk);
      outData[o.fd].push(Buffer.from(U8(shimMem).slice(pw.ptr, pw.ptr + n))); outSeq.push(o.fd);
      o.pendingWrite = null; o.event = [3, (n << 4) | 0]; progressed = true;
    }
    if (o.kind === 'r' && o.pendingRead && !o.event) {
      const pr = o.pendingRead;
      if (o.src.length === 0) { o.event = [2, 1]; o.dropped = true; }
      else { const n = Math.min(pr.len, o.src.length, 3); U8(shimMem).set(o.src.slice(0, n), pr.ptr); o.src = o.src.slice(n); o.event = [2, n << 4]; }
      o.pendingRead = null; progressed = true;
    }
    if (o.kind === 'f' && o.pendingRead && !o.event && o.ready()) {
      U8(shimMem).fill(0, o.pendingRead, o.pendingRead + 20); o.pendingRead = null; o.event = [4, 0]; progressed = true;
    }
  }
  if (!progressed && timers.length) { fireTimer(); progressed = true; }
  return progressed;
}
function waitOrPoll(setId, ptr, block) {
  for (;;) {
    const h = deliverable(setId);
    if (h) { const o = objs.get(h); const [code, payload] = o.event; o.event = null; DV(shimMem).setUint32(ptr, h, true); DV(shimMem).setUint32(ptr + 4, payload, true); return code; }
    if (!block) { if (pollSteps) hostStep(); const h2 = deliverable(setId); if (!h2) return 0; continue; }
    if (!hostStep()) throw new Error('deadlock');
  }
}
let stdoutFutDone = {}; 
function mkOut(fd) {
  return {
    'write-via-stream': (r) => { const ro = objs.get(r); const fo = { kind: 'f', set: 0, ready: () => ro.w.dropped }; ro.w.fut = fo; return newH(fo); },
    '[stream-new]write-via-stream': () => { const wo = { kind: 'w', set: 0, fd }; const w = newH(wo); const r = newH({ kind: 'rr', w: wo }); return BigInt(r) | (BigInt(w) << 32n); },
    '[stream-write]write-via-stream': (w, ptr, len) => { const o = objs.get(w); if (o.pendingWrite || o.event) throw new Error('write while busy'); o.pendingWrite = { ptr, len }; return BLOCKED; },
    '[stream-drop-writable]write-via-stream': (w) => { const o = objs.get(w); if (o.set) throw new Error('drop while in set'); if (o.pendingWrite) throw new Error('drop with pending write'); o.dropped = true; },
    '[future-read]write-via-stream': (f, ptr) => { const o = objs.get(f); o.pendingRead = ptr; return BLOCKED; },
    '[future-drop-readable]write-via-stream': (f) => { objs.delete(f); },
  };
}
const imports = {
  env: { memory: shimMem },
  'wb:bridge': {
    'copy-in': (d, s, n) => U8(shimMem).set(U8(callerMem).slice(s, s + n), d),
    'copy-out': (d, s, n) => U8(callerMem).set(U8(shimMem).slice(s, s + n), d),
    'caller-alloc': (slot, align, size) => { callerTop = (callerTop + align - 1) & ~(align - 1); const p = callerTop; callerTop += size; log.push(`alloc(${slot},${align},${size})`); return p; },
  },
  'wb:canon': {
    'waitable-set.new': () => { const id = 1000 + sets.size; sets.set(id, true); return id; },
    'waitable-set.wait': (s, p) => waitOrPoll(s, p, true),
    'waitable-set.poll': (s, p) => waitOrPoll(s, p, false),
    'waitable.join': (w, s) => { objs.get(w).set = s; },
    'subtask.drop': (h) => { objs.delete(h); },
    'subtask.cancel': (h) => { const i = timers.findIndex(t => t.h === h); if (i >= 0) timers.splice(i, 1); return 4; },
  },
  'wasi:cli/stdout@0.3.0': mkOut(1),
  'wasi:cli/stderr@0.3.0': mkOut(2),
  'wasi:cli/stdin@0.3.0': {
    'read-via-stream': (ret) => { const ro = { kind: 'r', set: 0, src: Buffer.from('hello stdin\n') }; const r = newH(ro); const f = newH({ kind: 'f', set: 0, ready: () => ro.dropped }); DV(shimMem).setUint32(ret, r, true); DV(shimMem).setUint32(ret + 4, f, true); },
    '[stream-read]read-via-stream': (r, ptr, len) => { const o = objs.get(r); o.pendingRead = { ptr, len }; return BLOCKED; },
    '[stream-cancel-read]read-via-stream': () => 2,
    '[stream-drop-readable]read-via-stream': (r) => { if (objs.get(r).set) throw new Error('drop in set'); },
    '[future-read]read-via-stream': (f, ptr) => { objs.get(f).pendingRead = ptr; return BLOCKED; },
    '[future-cancel-read]read-via-stream': () => 2,
    '[future-drop-readable]read-via-stream': () => {},
  },
  'wasi:cli/environment@0.3.0': {
    'get-environment': (ret) => { const ex = instance.exports; const mk = (s) => { const b = Buffer.from(s); const p = ex.cabi_realloc(0, 0, 1, b.length); U8(shimMem).set(b, p); return [p, b.length]; };
      const arr = ex.cabi_realloc(0, 0, 4, 32); const kv = [mk('A'), mk('1'), mk('BB'), mk('22')]; kv.forEach(([p, l], i) => { DV(shimMem).setUint32(arr + i * 8, p, true); DV(shimMem).setUint32(arr + i * 8 + 4, l, true); });
      DV(shimMem).setUint32(ret, arr, true); DV(shimMem).setUint32(ret + 4, 2, true); },
    'get-arguments': (ret) => { DV(shimMem).setUint32(ret, 0, true); DV(shimMem).setUint32(ret + 4, 0, true); },
    'get-initial-cwd': (ret) => { U8(shimMem)[ret] = 0; },
  },
  'wasi:cli/exit@0.3.0': { exit: (s) => { throw new Error('exit ' + s); }, 'exit-with-code': (c) => { throw new Error('exit-with-code ' + c); } },
  'wasi:clocks/monotonic-clock@0.3.0': { now: () => now, 'get-resolution': () => 1n,
    '[async-lower]wait-until': (when) => { if (when <= now) return 2; const h = newH({ kind: 's', set: 0 }); timers.push({ h, when }); return (h << 4) | 1; } },
  'wasi:random/random@0.3.0': { 'get-random-bytes': (max, ret) => { const n = Math.min(Number(max), 5); const p = instance.exports.cabi_realloc(0, 0, 1, n); U8(shimMem).fill(7, p, p + n); DV(shimMem).setUint32(ret, p, true); DV(shimMem).setUint32(ret + 4, n, true); }, 'get-random-u64': () => 42n },
};

const alloc = (b) => { const p = instance.exports.cabi_realloc(0, 0, 1, b.length); U8(shimMem).set(b, p); return p; };
const fileSrc = Buffer.from('0123456789abcdefghij');
const fsOut = { 3: [] }; outData[3] = [];
const fsW = mkOut(3);
imports['wasi:filesystem/preopens@0.3.0'] = { 'get-directories': (ret) => {
  const arr = instance.exports.cabi_realloc(0, 0, 4, 12); const name = Buffer.from('/sandbox');
  DV(shimMem).setUint32(arr, newH({ kind: 'desc' }), true); DV(shimMem).setUint32(arr + 4, alloc(name), true); DV(shimMem).setUint32(arr + 8, name.length, true);
  DV(shimMem).setUint32(ret, arr, true); DV(shimMem).setUint32(ret + 4, 1, true); } };
const FS = 'wasi:filesystem/types@0.3.0';
let dirLeft = 2;
imports[FS] = {
  '[async-lower][method]descriptor.stat': (self, ret) => { assert(objs.get(self).kind === 'desc', 'stat self');
    U8(shimMem).fill(0, ret, ret + 112); U8(shimMem)[ret] = 1; U8(shimMem)[ret + 8] = 36; U8(shimMem)[ret + 12] = 1;
    const b = Buffer.from('boom'); DV(shimMem).setUint32(ret + 16, alloc(b), true); DV(shimMem).setUint32(ret + 20, 4, true); return 2; },
  '[async-lower][method]descriptor.get-flags': (self, ret) => { U8(shimMem).fill(0, ret, ret + 20); U8(shimMem)[ret + 4] = objs.get(self).flags ?? 3; return 2; },
  '[async-lower][method]descriptor.get-type': (self, ret) => { U8(shimMem).fill(0, ret, ret + 20); U8(shimMem)[ret + 4] = 5; return 2; },
  '[async-lower][method]descriptor.open-at': (params, ret) => {
    const dv = DV(shimMem); assert(objs.get(dv.getUint32(params, true)).kind === 'desc', 'open self');
    const path = Buffer.from(U8(shimMem).slice(dv.getUint32(params + 8, true), dv.getUint32(params + 8, true) + dv.getUint32(params + 12, true))).toString();
    log.push(`open-at(${path}, pf=${U8(shimMem)[params + 4]}, of=${U8(shimMem)[params + 16]}, fl=${U8(shimMem)[params + 17]})`);
    U8(shimMem).fill(0, ret, ret + 20); dv.setUint32(ret + 4, newH({ kind: 'desc', flags: U8(shimMem)[params + 17] }), true);
    const h = newH({ kind: 's', set: 0 }); timers.push({ h, when: now }); return (h << 4) | 1; },
  '[method]descriptor.read-directory': (self, ret) => { DV(shimMem).setUint32(ret, newH({ kind: 'dir' }), true); DV(shimMem).setUint32(ret + 4, newH({ kind: 'f', ready: () => true }), true); },
  '[stream-read][method]descriptor.read-directory': (r, ptr, n) => { assert(n === 1, 'one entry');
    if (!dirLeft) return 1; dirLeft--; U8(shimMem).fill(0, ptr, ptr + 24); U8(shimMem)[ptr] = 2;
    const b = Buffer.from('entry' + dirLeft); DV(shimMem).setUint32(ptr + 16, alloc(b), true); DV(shimMem).setUint32(ptr + 20, b.length, true); return 1 << 4; },
  '[stream-drop-readable][method]descriptor.read-directory': () => {},
  '[future-read][method]descriptor.read-directory': (f, ptr) => { U8(shimMem).fill(0, ptr, ptr + 20); return 0; },
  '[future-drop-readable][method]descriptor.read-directory': () => {},
  '[method]descriptor.read-via-stream': (self, off, ret) => { const ro = { kind: 'r', set: 0, src: fileSrc.slice(Number(off)) }; const r = newH(ro);
    DV(shimMem).setUint32(ret, r, true); DV(shimMem).setUint32(ret + 4, newH({ kind: 'f', set: 0, ready: () => ro.dropped }), true); },
  '[stream-read][method]descriptor.read-via-stream': (r, ptr, len) => { const o = objs.get(r); o.pendingRead = { ptr, len }; return BLOCKED; },
  '[stream-cancel-read][method]descriptor.read-via-stream': (r) => { const o = objs.get(r); if (o.set) throw new Error('cancel in set'); o.pendingRead = null; return 2; },
  '[stream-drop-readable][method]descriptor.read-via-stream': (r) => { if (objs.get(r).set) throw new Error('drop in set'); },
  '[future-read][method]descriptor.read-via-stream': (f, ptr) => { objs.get(f).pendingRead = ptr; return BLOCKED; },
  '[future-cancel-read][method]descriptor.read-via-stream': () => 2,
  '[future-drop-readable][method]descriptor.read-via-stream': () => {},
  '[stream-new][method]descriptor.write-via-stream': fsW['[stream-new]write-via-stream'],
  '[method]descriptor.write-via-stream': (self, r, off) => { log.push(`wvs(${off})`); return fsW['write-via-stream'](r); },
  '[stream-write][method]descriptor.write-via-stream': fsW['[stream-write]write-via-stream'],
  '[stream-drop-writable][method]descriptor.write-via-stream': fsW['[stream-drop-writable]write-via-stream'],
  '[future-read][method]descriptor.write-via-stream': fsW['[future-read]write-via-stream'],
  '[future-drop-readable][method]descriptor.write-via-stream': fsW['[future-drop-readable]write-via-stream'],
  '[resource-drop]descriptor': (h) => { assert(objs.get(h).kind === 'desc', 'drop desc'); objs.delete(h); },
};
// everything else: trap if called
for (const imp of WebAssembly.Module.imports(mod)) {
  imports[imp.module] ??= {};
  imports[imp.module][imp.name] ??= () => { throw new Error('unmocked ' + imp.module + ' ' + imp.name); };
}
const instance = new WebAssembly.Instance(mod, imports);
const ex = instance.exports;
const E = (n) => ex[n];
const ret = 64; // caller retptr
const cdv = () => DV(callerMem);
const put = (s) => { const b = Buffer.from(s); const p = callerTop; U8(callerMem).set(b, p); callerTop += b.length; return [p, b.length]; };
const assert = (c, m) => { if (!c) throw new Error('assert: ' + m); };

const BWF = E('wasi:io/streams#[method]output-stream.blocking-write-and-flush');
const STDOUT_BUF = 1048560;  // WB_BEHIND_BUF
let [p, n] = [0, 0];
pollSteps = false;  // the host progresses only while the shim waits
// stdout is write-behind: check-write / write / blocking-flush and
// blocking-write-and-flush return before the host took any byte
const out = E('wasi:cli/stdout#get-stdout')();
E('wasi:io/streams#[method]output-stream.check-write')(out, ret);
assert(cdv().getUint8(ret) === 0, 'check-write ok'); const permit = cdv().getBigUint64(ret + 8, true); assert(permit === BigInt(STDOUT_BUF), 'permit ' + permit);
[p, n] = put('hello, world\n');
E('wasi:io/streams#[method]output-stream.write')(out, p, n, ret); assert(cdv().getUint8(ret) === 0, 'write ok');
E('wasi:io/streams#[method]output-stream.blocking-flush')(out, ret); assert(cdv().getUint8(ret) === 0, 'flush ok');
assert(outLen(1) === 0, 'write-behind: blocking-flush returned before the host read');
const big = Buffer.alloc(200000, 0x41); const bp = callerTop; U8(callerMem).set(big, bp); callerTop += big.length;
BWF(out, bp, big.length, ret); assert(cdv().getUint8(ret) === 0, 'bwf ok');
assert(outLen(1) < 13 + 200000, 'write-behind: blocking-write-and-flush returned before the host read all');
// ... and every buffered byte reaches the host before the shim blocks on
// anything else (here a clock wait, with a host that fires timers first)
timersFirst = true;
const tw = E('wasi:clocks/monotonic-clock#subscribe-duration')(10n);
E('wasi:io/poll#[method]pollable.block')(tw);
E('wasi:io/poll#[resource-drop]pollable')(tw);
timersFirst = false;
assert(outLen(1) === 13 + 200000, 'clock wait drains stdout: ' + outLen(1));
assert(Buffer.concat(outData[1]).toString().startsWith('hello, world\nAAA'), 'stdout order');
// a write to stderr first drains stdout (and vice versa): the host sees the
// bytes in the order they were written. stderr is not write-behind: its
// blocking-write-and-flush waits for the host.
const errH = E('wasi:cli/stderr#get-stderr')();
outSeq.length = 0;
[p, n] = put('S'.repeat(100)); BWF(out, p, n, ret); assert(!cdv().getUint8(ret), 'bwf S');
assert(outLen(1) === 13 + 200000, 'stdout S not yet read');
[p, n] = put('E'.repeat(50)); BWF(errH, p, n, ret); assert(!cdv().getUint8(ret), 'bwf E');
assert(outLen(1) === 13 + 200100, 'stderr write drained stdout first');
assert(outLen(2) === 50, 'stderr blocking-write-and-flush waits');
E('wasi:io/streams#[method]output-stream.check-write')(errH, ret);
[p, n] = put('F'.repeat(20)); E('wasi:io/streams#[method]output-stream.write')(errH, p, n, ret);
assert(!cdv().getUint8(ret) && outLen(2) < 70, 'stderr write (no flush) pending');
[p, n] = put('T'); BWF(out, p, n, ret); assert(!cdv().getUint8(ret), 'bwf T');
assert(outLen(2) === 70, 'stdout write drained stderr first');
const seq = outSeq.join('');
assert(/^1+2+$/.test(seq), 'host saw stdout, then stderr: ' + seq);
// a full buffer waits (only) until the host took enough bytes
outChunk = 65536;
{
  const before = outLen(1), buffered = 1;  // 'T' is still buffered
  const len = STDOUT_BUF + 100000;
  const hp = callerTop; U8(callerMem).fill(0x42, hp, hp + len); callerTop += len;
  BWF(out, hp, len, ret); assert(!cdv().getUint8(ret), 'bwf full');
  const took = outLen(1) - before, left = buffered + len - took;
  assert(took >= buffered + len - STDOUT_BUF, 'full buffer waited for the host: took ' + took);
  assert(left > 0 && took < STDOUT_BUF, 'full buffer: waited for space, not for the whole buffer');
  // check-write is honest: never more than the free space
  E('wasi:io/streams#[method]output-stream.check-write')(out, ret);
  const pm = Number(cdv().getBigUint64(ret + 8, true));
  const left2 = before + buffered + len - outLen(1);  // the mock host reads at each poll
  assert(pm + left2 <= STDOUT_BUF, 'permit ' + pm + ' with ' + left2 + ' buffered');
  console.log('full buffer: host took', took, 'buffered', left, 'permit', pm);
}
outChunk = 7;
pollSteps = true;
console.log('stdout ok');

// output-stream pollable after a write, and poll() over a timer + the stream
[p, n] = put('abc');
E('wasi:io/streams#[method]output-stream.check-write')(out, ret);
E('wasi:io/streams#[method]output-stream.write')(out, p, n, ret);
E('wasi:io/streams#[method]output-stream.flush')(out, ret);
E('wasi:io/streams#[method]output-stream.check-write')(out, ret);
console.log('check-write after flush', cdv().getBigUint64(ret + 8, true));
const pol = E('wasi:io/streams#[method]output-stream.subscribe')(out);
const tm = E('wasi:clocks/monotonic-clock#subscribe-duration')(1000000n);
console.log('timer ready before', E('wasi:io/poll#[method]pollable.ready')(tm));
const list = callerTop; cdv().setUint32(list, tm, true); cdv().setUint32(list + 4, pol, true); callerTop += 8;
E('wasi:io/poll#poll')(list, 2, ret, 9);
let rp = cdv().getUint32(ret, true), rn = cdv().getUint32(ret + 4, true);
console.log('poll ->', [...Array(rn)].map((_, i) => cdv().getUint32(rp + 4 * i, true)), log.slice(-1));
E('wasi:io/poll#[method]pollable.block')(tm);
console.log('timer ready after block', E('wasi:io/poll#[method]pollable.ready')(tm), 'now', now);
E('wasi:io/poll#[resource-drop]pollable')(tm);
E('wasi:io/poll#[resource-drop]pollable')(pol);
const tm2 = E('wasi:clocks/monotonic-clock#subscribe-duration')(5000000n);
E('wasi:io/poll#[method]pollable.ready')(tm2);
const list2 = callerTop; cdv().setUint32(list2, tm2, true); callerTop += 4;
// poll starts the wait-until subtask; then drop it via a second timer path (cancel)
const tm3 = E('wasi:clocks/monotonic-clock#subscribe-duration')(1n);
const list3 = callerTop; cdv().setUint32(list3, tm2, true); cdv().setUint32(list3 + 4, tm3, true); callerTop += 8;
E('wasi:io/poll#poll')(list3, 2, ret, 9);
rp = cdv().getUint32(ret, true); rn = cdv().getUint32(ret + 4, true);
console.log('poll2 ->', [...Array(rn)].map((_, i) => cdv().getUint32(rp + 4 * i, true)));
E('wasi:io/poll#[resource-drop]pollable')(tm2);
E('wasi:io/poll#[resource-drop]pollable')(tm3);
console.log('timers left', timers.length);

// stdin: read (non-blocking) then blocking-read to the end
const inp = E('wasi:cli/stdin#get-stdin')();
E('wasi:io/streams#[method]input-stream.read')(inp, 100n, ret, 5);
console.log('read ->', cdv().getUint8(ret), cdv().getUint32(ret + 8, true));
let got = '';
for (;;) {
  E('wasi:io/streams#[method]input-stream.blocking-read')(inp, 100n, ret, 5);
  if (cdv().getUint8(ret)) { console.log('stdin end, stream-error', cdv().getUint8(ret + 4)); break; }
  const q = cdv().getUint32(ret + 4, true), l = cdv().getUint32(ret + 8, true);
  got += Buffer.from(U8(callerMem).slice(q, q + l)).toString();
}
console.log('stdin got', JSON.stringify(got));
E('wasi:io/streams#[resource-drop]input-stream')(inp);

// env + random
log = [];
E('wasi:cli/environment#get-environment')(ret, 3);
rp = cdv().getUint32(ret, true); rn = cdv().getUint32(ret + 4, true);
const rs = (q, l) => Buffer.from(U8(callerMem).slice(q, q + l)).toString();
console.log('env', [...Array(rn)].map((_, i) => rs(cdv().getUint32(rp + 16 * i, true), cdv().getUint32(rp + 16 * i + 4, true)) + '=' + rs(cdv().getUint32(rp + 16 * i + 8, true), cdv().getUint32(rp + 16 * i + 12, true))), log.join(' '));
E('wasi:random/random#get-random-bytes')(17n, ret, 4);
rp = cdv().getUint32(ret, true); rn = cdv().getUint32(ret + 4, true);
console.log('random', rn, [...U8(callerMem).slice(rp, rp + rn)].every(b => b === 7));


// ---- filesystem
{
  const F = (m) => E('wasi:filesystem/types#[method]descriptor.' + m);
  E('wasi:filesystem/preopens#get-directories')(ret, 11);
  const lp = cdv().getUint32(ret, true); assert(cdv().getUint32(ret + 4, true) === 1, 'one preopen');
  const dir = cdv().getUint32(lp, true);
  console.log('preopen', dir, rs(cdv().getUint32(lp + 4, true), cdv().getUint32(lp + 8, true)));
  F('stat')(dir, ret); console.log('stat err', cdv().getUint8(ret), 'code', cdv().getUint8(ret + 8), '(13 = io)');
  F('get-type')(dir, ret); console.log('get-type', cdv().getUint8(ret), cdv().getUint8(ret + 1), '(6 = regular-file)');
  let [pp, nn] = put('sub/file.txt');
  F('open-at')(dir, 1, pp, nn, 0x1f, 0xff, ret); console.log('open-at', cdv().getUint8(ret), 'handle', cdv().getUint32(ret + 4, true), log.slice(-1));
  const file = cdv().getUint32(ret + 4, true);
  F('read-directory')(dir, ret); const ds = cdv().getUint32(ret + 4, true);
  for (;;) { E('wasi:filesystem/types#[method]directory-entry-stream.read-directory-entry')(ds, ret, 12);
    if (cdv().getUint8(ret) || !cdv().getUint8(ret + 4)) { console.log('dir end', cdv().getUint8(ret), cdv().getUint8(ret + 4)); break; }
    console.log('entry type', cdv().getUint8(ret + 8), rs(cdv().getUint32(ret + 12, true), cdv().getUint32(ret + 16, true))); }
  E('wasi:filesystem/types#[resource-drop]directory-entry-stream')(ds);
  F('read')(file, 8n, 4n, ret, 13);
  console.log('read', cdv().getUint8(ret), JSON.stringify(rs(cdv().getUint32(ret + 4, true), cdv().getUint32(ret + 8, true))), 'eof', cdv().getUint8(ret + 12));
  F('read')(file, 100n, 10n, ret, 13);
  console.log('read', cdv().getUint8(ret), JSON.stringify(rs(cdv().getUint32(ret + 4, true), cdv().getUint32(ret + 8, true))), 'eof', cdv().getUint8(ret + 12));
  [pp, nn] = put('written via write()');
  F('write')(file, pp, nn, 0n, ret); console.log('write', cdv().getUint8(ret), cdv().getBigUint64(ret + 8, true), JSON.stringify(Buffer.concat(outData[3]).toString()));
  F('read-via-stream')(file, 15n, ret); const is = cdv().getUint32(ret + 4, true);
  E('wasi:io/streams#[method]input-stream.blocking-read')(is, 100n, ret, 14);
  console.log('rvs', JSON.stringify(rs(cdv().getUint32(ret + 4, true), cdv().getUint32(ret + 8, true))));
  E('wasi:io/streams#[method]input-stream.read')(is, 100n, ret, 14);  // leaves a read pending
  E('wasi:io/streams#[resource-drop]input-stream')(is);                // cancel + drop
  // file output streams: each flush ends the 0.3 stream (the host then has
  // written the bytes); the next write continues in a new one at the offset
  log = []; outData[3].length = 0;
  F('write-via-stream')(file, 2n, ret); const os = cdv().getUint32(ret + 4, true);
  const BWF = E('wasi:io/streams#[method]output-stream.blocking-write-and-flush');
  [pp, nn] = put('seg1'); BWF(os, pp, nn, ret); assert(!cdv().getUint8(ret), 'bwf seg1');
  [pp, nn] = put('seg2!'); BWF(os, pp, nn, ret); assert(!cdv().getUint8(ret), 'bwf seg2');
  [pp, nn] = put('abc');  // non-blocking: write, flush, poll until check-write > 0
  E('wasi:io/streams#[method]output-stream.check-write')(os, ret);
  E('wasi:io/streams#[method]output-stream.write')(os, pp, nn, ret); assert(!cdv().getUint8(ret), 'write seg3');
  E('wasi:io/streams#[method]output-stream.flush')(os, ret);
  const opol = E('wasi:io/streams#[method]output-stream.subscribe')(os);
  E('wasi:io/poll#[method]pollable.block')(opol);
  E('wasi:io/poll#[resource-drop]pollable')(opol);
  E('wasi:io/streams#[method]output-stream.check-write')(os, ret);
  const segsDone = log.filter((l) => l.startsWith('wvs')).join(' ');
  E('wasi:io/streams#[resource-drop]output-stream')(os);
  console.log('file segments', segsDone, 'check-write', cdv().getBigUint64(ret + 8, true), JSON.stringify(Buffer.concat(outData[3]).toString()));
  assert(segsDone === 'wvs(2) wvs(6) wvs(11)', 'segments ' + segsDone);
  [pp, nn] = put('wo.txt');
  F('open-at')(dir, 1, pp, nn, 0, 2, ret); const wo = cdv().getUint32(ret + 4, true);
  F('read-via-stream')(wo, 0n, ret); console.log('read-via-stream write-only', cdv().getUint8(ret), 'code', cdv().getUint8(ret + 4), '(3 = bad-descriptor)');
  assert(cdv().getUint8(ret) === 1 && cdv().getUint8(ret + 4) === 3, 'write-only read');
  E('wasi:filesystem/types#[resource-drop]descriptor')(wo);
  E('wasi:filesystem/types#[resource-drop]descriptor')(file);
  console.log('fs ok');
}
// write past permit must trap (fresh instance state is not needed: checked last before exit)
{
  const o2 = E('wasi:cli/stdout#get-stdout')();
  E('wasi:io/streams#[method]output-stream.check-write')(o2, ret);
  const permit2 = cdv().getBigUint64(ret + 8, true);
  let tr = false; try { const [pp, nn] = put('x'.repeat(Number(permit2) + 1)); E('wasi:io/streams#[method]output-stream.write')(o2, pp, nn, ret); } catch (e) { tr = e instanceof WebAssembly.RuntimeError; }
  assert(tr, 'write past permit traps'); console.log('permit trap ok');
}
// stderr via drop (drains) then exit drains + closes
const err = E('wasi:cli/stderr#get-stderr')();
[p, n] = put('to stderr\n');
E('wasi:io/streams#[method]output-stream.check-write')(err, ret);
E('wasi:io/streams#[method]output-stream.write')(err, p, n, ret);
E('wasi:io/streams#[resource-drop]output-stream')(err);
console.log('stderr', JSON.stringify(Buffer.concat(outData[2]).toString()));
assert(Buffer.concat(outData[2]).toString().endsWith('to stderr\n'), 'drop drains stderr');
E('wasi:io/streams#[resource-drop]output-stream')(errH);
pollSteps = false;
[p, n] = put('bye\n'); BWF(out, p, n, ret); assert(!cdv().getUint8(ret), 'bwf bye');
assert(!Buffer.concat(outData[1]).toString().endsWith('bye\n'), 'bye buffered');
let exited = '';
try { E('wasi:cli/exit#exit')(1); } catch (e) { exited = e.message; console.log('exit:', e.message); }
assert(exited === 'exit 1', 'exit called');
assert(Buffer.concat(outData[1]).toString().endsWith('bye\n'), 'exit drains stdout');
console.log('all ok');
