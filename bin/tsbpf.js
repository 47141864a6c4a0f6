#!/usr/bin/env node
// The tsbpf command. In a clone of the repository it runs the TypeScript sources (bin/cli.ts)
// through tsx; in the installed package, where the sources are not shipped, the JavaScript that
// `npm pack` built (dist/cli.js), with plain node. TypeScript's own compiler is loaded from a V8
// code cache (compiler/frontend/code-cache.cjs); a plain `tsbpf build` runs in a node started from
// a startup snapshot instead, once the first build has made one (bin/snapshot.cjs), or does not
// run at all when nothing changed since the last build of that file (bin/build-cache.ts).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

// A reader that stopped reading (`tsbpf map dump … | head -1`) ends the command quietly, as a
// closed pipe ends a C tool; Node would otherwise die of an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e.code !== "EPIPE") throw e;
    process.exit(process.exitCode ?? 0);
  });
}

const require = createRequire(import.meta.url);
const { saveCodeCache } = require("../compiler/frontend/code-cache.cjs");
const source = new URL("./cli.ts", import.meta.url);
let cli;
let snapshot;
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  // The package's exports name the sources under the "tsbpf-source" condition (see package.json).
  const { register: registerHooks } = await import("node:module");
  registerHooks(
    `data:text/javascript,export const resolve = (s, c, next) => next(s, { ...c, conditions: [...c.conditions, "tsbpf-source"] });`,
  );
  cli = await import(source.href);
} else {
  snapshot = require("./snapshot.cjs");
  // A plain build of a program none of whose inputs changed since its last build writes that
  // build's object again, without loading the compiler (bin/build-cache.ts).
  const plain = snapshot.plainBuild(process.argv.slice(2));
  const cache = plain && (await import("../dist/build-cache.js").catch(() => undefined));
  if (cache?.BuildCache.installed()?.replay(...plain)) process.exit(0);
  const code = snapshot.run(process.argv.slice(2));
  if (code !== undefined) process.exit(code);
  cli = await import("../dist/cli.js");
}
process.exitCode = await cli.main(process.argv);
saveCodeCache();
snapshot?.makeInBackground(process.argv.slice(2));
