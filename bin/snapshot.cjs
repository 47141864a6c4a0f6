// The startup snapshot of `tsbpf build` in an installed package. A fresh `tsbpf build` spends most
// of its time before compiling anything: loading TypeScript (9 MB of JavaScript) and parsing and
// binding TypeScript's lib and tsbpf's declarations module. A V8 startup snapshot taken after all
// that (node --build-snapshot) starts with it done. The first build after an install runs as
// usual and then makes the snapshot in the background; later builds run in a node started from it.
//
// The snapshot lives in node_modules/.cache/tsbpf/, named by a hash of everything it was made
// from (this package's version and files, the declarations module's text, TypeScript's and
// ts-morph's files, Node's version and this directory), so a changed package, Node or directory
// never meets an old snapshot. The build in the snapshot also reads every file of the program
// again and parses any whose text differs from what was parsed (compiler/frontend/project.ts).
// TSBPF_NO_SNAPSHOT=1 turns it off.
//
// One file, three roles: bin/tsbpf.js requires it (run, makeInBackground); `node snapshot.cjs
// make <blob>` makes a snapshot; and under --build-snapshot it is the snapshot's entry point.
// A snapshot's entry point can require only Node's built-in modules, so it loads ts-morph and the
// build command (dist/snapshot.cjs) with a small CommonJS loader of its own (loadModule below).
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const v8 = require("node:v8");

const PACKAGE = path.join(__dirname, "..");
const CACHE_DIR = path.join(PACKAGE, "node_modules/.cache/tsbpf");
const BUNDLE = path.join(PACKAGE, "dist/snapshot.cjs");
const LANG_DIR = path.join(PACKAGE, "runtime/lang");
/**
 * V8 flags of the snapshot's node, which it is made and started with (V8 refuses a snapshot made
 * with other flags). --no-opt: no TurboFan, whose optimizing compiles on background threads are
 * CPU a build this short never gets back (interleaved builds from a snapshot made with and
 * without it: −18 % CPU for lb/lb.ts, −12 % for bench/lb-at-issue-12/lb.ts, docs/benchmarks.md).
 */
const V8_FLAGS = ["--no-opt"];
/** Node's exit code when it cannot use a startup snapshot, and how it dies of a damaged one. */
const SNAPSHOT_FAILURE = 14;
const CRASHES = new Set(["SIGABRT", "SIGSEGV", "SIGBUS", "SIGILL"]);

/** The snapshot file for this package, this Node and these dependencies (see the top). */
function blobPath() {
  const hash = crypto.createHash("sha256");
  hash.update(`${PACKAGE}\n`);
  identity().hashDependencies(hash, PACKAGE);
  const langFiles = fs
    .readdirSync(LANG_DIR)
    .sort()
    .map((f) => path.join(LANG_DIR, f));
  const identityFile = path.join(__dirname, "package-identity.cjs");
  for (const file of [path.join(PACKAGE, "package.json"), BUNDLE, __filename, identityFile, ...langFiles])
    hash.update(`${file}\n`).update(fs.readFileSync(file));
  return path.join(CACHE_DIR, `build-${hash.digest("hex").slice(0, 24)}.blob`);
}

/**
 * bin/package-identity.cjs (what the package's compiler is made of, which the build cache's keys
 * also start from), through this file's own loader: a snapshot's entry point may `require` only
 * Node's built-in modules.
 */
function identity() {
  return loadModule(path.join(__dirname, "package-identity.cjs"));
}

/**
 * `tsbpf build <file>` with `-o <out>` or `--output <out>`, nothing else: the command the snapshot
 * runs. Returns [file, output] or undefined (other commands and options take the usual way).
 */
function plainBuild(args) {
  if (args[0] !== "build") return undefined;
  let file;
  let output;
  for (let i = 1; i < args.length; i++) {
    const arg = args[i];
    if ((arg === "-o" || arg === "--output") && output === undefined && i + 1 < args.length) {
      output = args[++i];
      if (output.startsWith("-")) return undefined;
    } else if (!arg.startsWith("-") && file === undefined) file = arg;
    else return undefined;
  }
  return file === undefined ? undefined : [file, output];
}

/**
 * Runs `args` in a node started from the snapshot if it is a plain build and the snapshot is
 * there; returns its exit code, or undefined when the caller must run the command itself.
 */
function run(args) {
  if (process.env.TSBPF_NO_SNAPSHOT || !plainBuild(args)) return undefined;
  let blob;
  try {
    blob = blobPath();
  } catch {
    return undefined;
  }
  if (!fs.existsSync(blob)) return undefined;
  const { spawnSync } = require("node:child_process");
  const child = spawnSync(process.execPath, [...V8_FLAGS, "--snapshot-blob", blob, ...args.slice(1)], {
    stdio: "inherit",
  });
  if (child.status === SNAPSHOT_FAILURE || CRASHES.has(child.signal)) {
    // Node could not start from it (and said why on stderr): dropped, the build runs as usual,
    // and a new snapshot is made after it.
    fs.rmSync(blob, { force: true });
    return undefined;
  }
  return child.status ?? 1;
}

/** After a plain build that ran without a snapshot: makes one in the background, once. */
function makeInBackground(args) {
  if (process.env.TSBPF_NO_SNAPSHOT || !plainBuild(args)) return;
  try {
    const blob = blobPath();
    if (fs.existsSync(blob)) return;
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    // One maker at a time; a lock older than 10 minutes is from a maker that died.
    const lock = `${blob}.lock`;
    try {
      if (Date.now() - fs.statSync(lock).mtimeMs < 600_000) return;
      fs.rmSync(lock, { force: true });
    } catch {
      /* no lock */
    }
    fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
    const { spawn } = require("node:child_process");
    spawn(process.execPath, [__filename, "make", blob], { detached: true, stdio: "ignore" }).unref();
  } catch {
    /* a read-only install just has no snapshot */
  }
}

/** `node snapshot.cjs make <blob>`: makes the snapshot aside, then renames it into place. */
function make(blob) {
  const partial = `${blob}.${process.pid}`;
  try {
    const { spawnSync } = require("node:child_process");
    const made = spawnSync(
      process.execPath,
      [...V8_FLAGS, "--snapshot-blob", partial, "--build-snapshot", __filename],
      {
        stdio: "ignore",
        timeout: 600_000,
      },
    );
    // Tried on the project template's program before it is used: a snapshot that cannot build is
    // never put in place.
    const out = `${partial}.o`;
    const tried =
      made.status === 0 &&
      spawnSync(
        process.execPath,
        [...V8_FLAGS, "--snapshot-blob", partial, path.join(PACKAGE, "bin/init-template/src/xdp.ts"), "-o", out],
        {
          stdio: "ignore",
          timeout: 600_000,
        },
      ).status === 0 &&
      fs.statSync(out).size > 0;
    fs.rmSync(out, { force: true });
    if (tried) fs.renameSync(partial, blob);
  } finally {
    fs.rmSync(partial, { force: true });
    fs.rmSync(`${blob}.lock`, { force: true });
  }
}

/** A module's file: a relative path, or a package (its `main`, or `exports` for require). */
function resolveFile(fromDir, id) {
  if (id.startsWith(".") || id.startsWith("/")) {
    const base = path.resolve(fromDir, id);
    for (const file of [base, `${base}.js`, `${base}.cjs`, `${base}.json`, path.join(base, "index.js")])
      if (fs.existsSync(file) && fs.statSync(file).isFile()) return file;
    throw new Error(`cannot find ${id} from ${fromDir}`);
  }
  const parts = id.split("/");
  const name = id.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  const dir = identity().resolvePackage(fromDir, name);
  const sub = id.slice(name.length);
  if (sub) return resolveFile(dir, `.${sub}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  let main = manifest.main ?? "index.js";
  const exported = manifest.exports && (manifest.exports["."] ?? manifest.exports);
  const entry =
    typeof exported === "string"
      ? exported
      : (exported?.require?.default ?? exported?.require ?? exported?.node ?? exported?.default);
  if (typeof entry === "string") main = entry;
  return resolveFile(dir, `./${main.replace(/^\.\//, "")}`);
}

/**
 * Node's CommonJS loading, enough for ts-morph and the bundle: built-in modules from Node, koffi
 * (a native addon, which a snapshot cannot hold) on first use, after the snapshot is deserialized.
 */
const loaded = new Map();
let koffi;
const lazyKoffi = new Proxy(
  {},
  {
    get(_, key) {
      koffi ??= require("node:module").createRequire(path.join(PACKAGE, "package.json"))("koffi");
      return koffi[key];
    },
  },
);
function loadModule(file) {
  const cached = loaded.get(file);
  if (cached) return cached.exports;
  const module = { exports: {}, filename: file };
  loaded.set(file, module);
  if (file.endsWith(".json")) {
    module.exports = JSON.parse(fs.readFileSync(file, "utf8"));
    return module.exports;
  }
  const dir = path.dirname(file);
  const localRequire = (id) => {
    if (id === "koffi") return lazyKoffi;
    if (id.startsWith("node:") || require("node:module").isBuiltin(id)) return require(id);
    return loadModule(resolveFile(dir, id));
  };
  // What Node's loader does with vm; the snapshot builder supports plain evaluation only.
  // biome-ignore lint/security/noGlobalEval: the code is the package's own and its dependencies', as require runs it
  const wrapper = (0, eval)(
    `(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(file, "utf8")}\n})\n//# sourceURL=${file}`,
  );
  wrapper.call(module.exports, module.exports, localRequire, module, file, dir);
  return module.exports;
}

/** Under --build-snapshot: loads everything a build needs, then the build is the snapshot's main. */
function buildSnapshot() {
  const bundle = loadModule(BUNDLE);
  if (!process.env.TSBPF_SNAPSHOT_COLD) bundle.warmUp(path.join(PACKAGE, "bin/init-template/src/xdp.ts"));
  bundle.prepareProject();
  v8.startupSnapshot.setDeserializeMainFunction(async () => {
    // Like bin/tsbpf.js: a reader that stopped reading ends the command quietly.
    for (const stream of [process.stdout, process.stderr])
      stream.on("error", (e) => {
        if (e.code !== "EPIPE") throw e;
        process.exit(process.exitCode ?? 0);
      });
    const [file, output] = plainBuild(["build", ...process.argv.slice(1)]);
    process.exitCode = await bundle.build(file, output);
  });
}

// Under --build-snapshot there is no `module` (and child_process is not required there).
if (v8.startupSnapshot?.isBuildingSnapshot()) buildSnapshot();
else if (require.main === module && process.argv[2] === "make") make(process.argv[3]);
else module.exports = { run, makeInBackground, plainBuild, V8_FLAGS };
