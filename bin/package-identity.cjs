// What an installed tsbpf's compiler is made of, told as cheaply as it can be: the two things an
// installed package keeps beside itself and must never reuse for another compiler — the startup
// snapshot (bin/snapshot.cjs, named by a hash) and the build cache's entries (bin/build-cache.ts,
// keyed by one) — start from the same facts, here. Node's built-in modules only: the bin reads it
// before loading anything else, and the snapshot's loader reads it while the snapshot is made.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

/**
 * Adds to `hash` what the compiler of the package at `packageDir` depends on besides its own
 * files: Node's version and architecture, and the path, size and time of each file of ts-morph's
 * dist/ and @ts-morph/common's (which bundle TypeScript and its lib), as Node finds them from it.
 */
function hashDependencies(hash, packageDir) {
  hash.update(`${process.version} ${process.arch}\n`);
  const tsMorph = resolvePackage(packageDir, "ts-morph");
  hashFileStamps(hash, path.join(tsMorph, "dist"));
  hashFileStamps(hash, path.join(resolvePackage(tsMorph, "@ts-morph/common"), "dist"));
}

/** Adds to `hash` the path, size and time of each file of `dir`, in name order. */
function hashFileStamps(hash, dir) {
  for (const name of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    const stat = fs.statSync(file);
    if (stat.isFile()) hash.update(`${file} ${stat.size} ${stat.mtimeMs}\n`);
  }
}

/** The directory of package `name` as Node finds it from `from`. */
function resolvePackage(from, name) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
    if (dir === path.dirname(dir)) throw new Error(`cannot find ${name} from ${from}`);
  }
}

module.exports = { hashDependencies, hashFileStamps, resolvePackage };
