#!/usr/bin/env python3
"""Turns the shim's exports or imports into a core module that wit-component
can check against the WASI WIT (see check-shim.sh).

  shim_signatures.py exports SHIM.wasm OUT.wat   0.2.12 exports -> imports of
      `wasi:x/y@0.2.12` (the trailing realloc-slot param removed)
  shim_signatures.py imports SHIM.wasm OUT.wat   0.3.0 + wb:canon imports, renamed
      to wit-component's legacy names ([stream-read-0]f, [future-read-1]f, $root)
"""
import re
import subprocess
import sys

# 0.2.12 functions whose result holds a list/string: the export has a slot param.
SLOT_FNS = {'to-debug-string', 'poll', 'read', 'blocking-read', 'get-environment',
            'get-arguments', 'initial-cwd', 'get-random-bytes', 'get-insecure-random-bytes',
            'get-directories', 'readlink-at', 'read-directory-entry'}
CANON = {'waitable-set.new': '[waitable-set-new]', 'waitable-set.wait': '[waitable-set-wait]',
         'waitable-set.poll': '[waitable-set-poll]', 'waitable-set.drop': '[waitable-set-drop]',
         'waitable.join': '[waitable-join]', 'subtask.drop': '[subtask-drop]',
         'subtask.cancel': '[subtask-cancel]'}


def main():
    mode, shim, out = sys.argv[1:4]
    wat = subprocess.run(['wasm-tools', 'print', shim], capture_output=True, text=True,
                         check=True).stdout
    sigs, imports = {}, []
    for m in re.finditer(r'^\s*\(import "([^"]+)" "([^"]+)" \(func \(;(\d+);\) \(type \d+\)(.*)\)\)$',
                         wat, re.M):
        sigs[int(m.group(3))] = m.group(4).strip()
        imports.append((m.group(1), m.group(2), m.group(4).strip()))
    for m in re.finditer(r'^\s*\(func \(;(\d+);\) \(type \d+\)(.*)$', wat, re.M):
        sigs[int(m.group(1))] = m.group(2).strip()
    lines = ['(module']
    if mode == 'exports':
        for m in re.finditer(r'\(export "([^"]+)" \(func (\d+)\)\)', wat):
            name = m.group(1)
            if '#' not in name or not name.startswith('wasi:'):
                continue  # cabi_realloc, wb:shim#finish
            iface, fn = name.split('#')
            sig = sigs[int(m.group(2))]
            params = ' '.join(re.findall(r'\(param ([^)]*)\)', sig)).split()
            results = ' '.join(re.findall(r'\(result ([^)]*)\)', sig)).split()
            if fn.split('.')[-1] in SLOT_FNS:
                assert params[-1] == 'i32', name
                params = params[:-1]
            p = f"(param {' '.join(params)})" if params else ''
            r = f"(result {' '.join(results)})" if results else ''
            lines.append(f'  (import "{iface}@0.2.12" "{fn}" (func {p} {r}))')
    else:
        for mod, name, sig in imports:
            if mod == 'wb:bridge':
                continue
            if mod == 'wb:canon':
                mod, name = '$root', CANON[name]
            else:  # every stream is type 0, every future type 1 in the functions used
                name = re.sub(r'^\[(stream-[a-z-]+)\]', r'[\1-0]', name)
                name = re.sub(r'^\[(future-[a-z-]+)\]', r'[\1-1]', name)
            lines.append(f'  (import "{mod}" "{name}" (func {sig}))')
    lines.append('  (memory (export "memory") 1)')
    lines.append('  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) unreachable))')
    with open(out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print(f'{mode}: {len(lines) - 3} functions', file=sys.stderr)


main()
