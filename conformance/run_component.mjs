// Runs the wasi:cli/run export of a component transpiled by `jco transpile`,
// on preview2-shim (0.2) or preview3-shim (0.3), and exits with the program's
// status as soon as run settles: a trapped guest can leave host streams open,
// which would keep Node alive forever.
//
//   node run_component.mjs OUT/NAME.js [args...]
// Environment: ARGV0 (argv[0], default the module name), JCO_PREOPENS
// ("/guest=host,..."), GUEST_CWD; everything else is the guest's environment.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { _setArgs, _setCwd, _setEnv } from "@bytecodealliance/preview2-shim/cli";
import { _setPreopens } from "@bytecodealliance/preview2-shim/filesystem";
import { _addPreopen } from "@bytecodealliance/preview3-shim/filesystem";

const [, , modulePath, ...guestArgs] = process.argv;
const own = ["ARGV0", "JCO_PREOPENS", "GUEST_CWD"];

const preopens = {};
for (const entry of (process.env.JCO_PREOPENS ?? "").split(",")) {
  const eq = entry.indexOf("=");
  if (eq > 0) preopens[entry.slice(0, eq)] = resolve(entry.slice(eq + 1));
}
// preview3-shim keeps its own preopen table; mixed components use both.
_setPreopens(preopens);
for (const [guest, host] of Object.entries(preopens)) _addPreopen(guest, host);

const argv0 = process.env.ARGV0 ?? modulePath.split("/").pop().replace(/\.js$/, "");
_setArgs([argv0, ...guestArgs]);
_setCwd(process.env.GUEST_CWD);
_setEnv(Object.fromEntries(Object.entries(process.env).filter(([k]) => !own.includes(k))));

function finish(code) {
  // Let Node hand what is buffered for our own stdout/stderr to the OS first.
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

let status = 1;
try {
  const mod = await import(pathToFileURL(resolve(modulePath)).href);
  // A mixed component exports run 0.2 and 0.3; jco's plain `run` is the 0.2 one.
  const p3 = Object.keys(mod).find((k) => k.startsWith("wasi:cli/run@0.3"));
  const result = await (p3 ? mod[p3] : mod.run).run();
  status = result && result.tag === "err" ? 1 : 0;
} catch (e) {
  // A trap (wasi:cli/exit ends the process itself, in both shims).
  process.stderr.write(`run failed: ${e?.message ?? e}\n`);
}
finish(status);
