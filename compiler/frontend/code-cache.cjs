// Loads TypeScript's compiler (typescript.js, ~9 MB of JavaScript) and ts-morph from a V8 code cache, so a
// `tsbpf build` does not spend most of its time parsing and compiling the TypeScript compiler
// itself. The cache is written after the first build in node_modules/.cache/tsbpf/ and reused
// while the TypeScript version, the Node version and the file stay the same.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const Module = require("node:module");

const CACHE_DIR = path.join(__dirname, "../../node_modules/.cache/tsbpf");
const pending = [];
/** The big CommonJS files a build loads: TypeScript, and ts-morph around it. */
const CACHED_FILES = /[\\/](typescript|ts-morph-common|ts-morph)\.js$/;

function cacheFileFor(filename) {
  const stat = fs.statSync(filename);
  const key = `${process.version}-${stat.size}-${Math.floor(stat.mtimeMs)}`;
  return path.join(CACHE_DIR, `${path.basename(filename, ".js")}-${key}.v8cache`);
}

const originalCompile = Module.prototype._compile;
Module.prototype._compile = function compileWithCache(content, filename) {
  if (!CACHED_FILES.test(filename)) return originalCompile.call(this, content, filename);
  const cacheFile = cacheFileFor(filename);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    /* first run */
  }
  const script = new vm.Script(Module.wrap(content), { filename, cachedData, importModuleDynamically: undefined });
  if (!cachedData || script.cachedDataRejected) pending.push({ script, cacheFile });
  const wrapper = script.runInThisContext({ displayErrors: true });
  const require = (id) => this.require(id);
  require.resolve = (request, options) => Module._resolveFilename(request, this, false, options);
  require.cache = Module._cache;
  require.main = process.mainModule;
  return wrapper.call(this.exports, this.exports, require, this, filename, path.dirname(filename));
};

/** Writes the caches of scripts loaded without one; call after a compile, so the cache also
 *  holds the functions that compile ran (the checker), not just the top level. */
exports.saveCodeCache = function saveCodeCache() {
  for (const { script, cacheFile } of pending.splice(0)) {
    try {
      fs.mkdirSync(CACHE_DIR, { recursive: true });
      // Written aside and renamed, so a build running at the same time never reads half a file.
      const partial = `${cacheFile}.${process.pid}`;
      fs.writeFileSync(partial, script.createCachedData());
      fs.renameSync(partial, cacheFile);
    } catch {
      /* a read-only install just stays uncached */
    }
  }
};
