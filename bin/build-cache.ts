// The installed package's build cache: a fresh `tsbpf build <file> [-o <out>]` whose inputs are all
// as they were at the last build of that file writes that build's object again, without starting
// TypeScript or LLVM (bin/tsbpf.js asks it first, with Node's built-in modules only). What a build
// read is what the compiler says it read (Compiler.inputs): the text of every file of the program,
// tsbpf's declarations included, the paths where module resolution found nothing (a file created
// there can change an import) and the package.json files it read; and, as the entry's key, the
// compiler itself: this package's package.json and dist/ files, TypeScript's and ts-morph's files,
// Node's version; and the libLLVM the build loaded. Anything different is a miss, and the build
// runs as usual and records its result. Entries live in node_modules/.cache/tsbpf/builds/ of the
// package, one per program file (the last successful build's); only successful builds are kept.
// A repository clone, whose compiler is its changing sources, has no cache. TSBPF_NO_BUILD_CACHE=1
// turns it off.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildInputs } from "../compiler/index.ts";
import { defaultOutput, writeWhole } from "./commands/output.ts";

/** Bumped when an entry's meaning changes. */
const FORMAT = 1;

interface Entry {
  format: number;
  file: string;
  /** Every input's path → the SHA-256 of its text, or null where nothing may be. */
  inputs: Record<string, string | null>;
  /** The libLLVM the build loaded (a library upgrade changes the code it generates). */
  llvm: { path: string; size: number; mtimeMs: number } | null;
  /** The object's SHA-256 and size. */
  object: string;
  size: number;
}

export class BuildCache {
  constructor(
    /** The package's directory: what its compiler is made of. */
    readonly packageDir: string,
    readonly dir = path.join(packageDir, "node_modules/.cache/tsbpf/builds"),
  ) {}

  /** The installed package's cache, or undefined in a repository clone (or when turned off). */
  static installed(): BuildCache | undefined {
    if (process.env.TSBPF_NO_BUILD_CACHE) return undefined;
    const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
    if (fs.existsSync(path.join(packageDir, "bin/cli.ts"))) return undefined;
    return new BuildCache(packageDir);
  }

  /**
   * Writes the object of the last build of `file` to `output` (bpf-out/<name>.o by default) if
   * nothing it was built from changed, and says so as a build would; false otherwise.
   */
  replay(file: string, output: string | undefined): boolean {
    let entry: Entry;
    let object: Buffer;
    try {
      const at = this.entryPath(file);
      entry = JSON.parse(fs.readFileSync(`${at}.json`, "utf8")) as Entry;
      if (entry.format !== FORMAT || entry.file !== path.resolve(file)) return false;
      for (const [input, hash] of Object.entries(entry.inputs)) if (textHash(input) !== hash) return false;
      if (entry.llvm) {
        const stat = fs.statSync(entry.llvm.path);
        if (stat.size !== entry.llvm.size || stat.mtimeMs !== entry.llvm.mtimeMs) return false;
      }
      object = fs.readFileSync(`${at}.o`);
      if (object.length !== entry.size || sha256(object) !== entry.object) return false;
    } catch {
      return false;
    }
    const out = output ?? defaultOutput(file);
    try {
      writeWhole(out, object);
    } catch {
      return false; // the build says why it cannot write there, as usual
    }
    console.log(`wrote ${out} (${object.length} bytes)`);
    return true;
  }

  /** Keeps the object of a successful build of `file` with what it was built from. */
  record(file: string, inputs: BuildInputs, object: Uint8Array): void {
    try {
      const entry: Entry = {
        format: FORMAT,
        file: path.resolve(file),
        inputs: {},
        llvm: loadedLlvm(),
        object: sha256(object),
        size: object.length,
      };
      for (const [input, text] of inputs.texts) entry.inputs[input] = sha256(text);
      for (const input of inputs.absent) entry.inputs[input] = null;
      for (const input of inputs.affecting) entry.inputs[input] = textHash(input);
      fs.mkdirSync(this.dir, { recursive: true });
      const at = this.entryPath(file);
      // The object first: a reader that finds the new entry finds its object (and checks its hash).
      writeWhole(`${at}.o`, object);
      writeWhole(`${at}.json`, JSON.stringify(entry));
    } catch {
      /* a read-only install just has no cache; a build never fails for it */
    }
  }

  /** The entry of `file` for this compiler: `.json` (what it was built from) and `.o` (the object). */
  entryPath(file: string): string {
    const key = createHash("sha256").update(`${FORMAT}\n${this.compilerIdentity()}\n${path.resolve(file)}`);
    return path.join(this.dir, key.digest("hex").slice(0, 32));
  }

  private identity: string | undefined;

  /**
   * What this package's compiler is made of, as cheaply as it can be told: what the startup
   * snapshot's name also says (Node's version, ts-morph's and TypeScript's files:
   * bin/package-identity.cjs), package.json's text, the size and time of the files of dist/ (the
   * compiler, bundled), and where the dynamic linker looks for libLLVM.
   */
  private compilerIdentity(): string {
    if (this.identity !== undefined) return this.identity;
    const hash = createHash("sha256");
    const identity = packageIdentity();
    identity.hashDependencies(hash, this.packageDir);
    hash.update(`${process.env.LD_LIBRARY_PATH ?? ""}\n`);
    hash.update(fs.readFileSync(path.join(this.packageDir, "package.json")));
    identity.hashFileStamps(hash, path.join(this.packageDir, "dist"));
    this.identity = hash.digest("hex");
    return this.identity;
  }
}

/**
 * bin/package-identity.cjs, required when first needed with Node's own CommonJS loader: bundled
 * into dist/'s ES modules it would call esbuild's stand-in for `require`, which an ES module does
 * not have, and the startup snapshot's bundle is made before any file but Node's may be required.
 * (`import.meta.url` is this source file's URL in the installed package too: .ci/build-dist.ts.)
 */
function packageIdentity(): typeof import("./package-identity.cjs") {
  return createRequire(import.meta.url)("./package-identity.cjs");
}

function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The SHA-256 of a file's text as TypeScript reads it (no byte-order mark), or null if there is none. */
function textHash(file: string): string | null {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
  return sha256(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}

/** The libLLVM this process loaded (from /proc/self/maps), or null if it loaded none. */
function loadedLlvm(): Entry["llvm"] {
  const line = fs
    .readFileSync("/proc/self/maps", "utf8")
    .split("\n")
    .find((l) => /\/libLLVM[^/]*\.so/.test(l));
  if (!line) return null;
  const file = line.slice(line.indexOf("/"));
  const stat = fs.statSync(file);
  return { path: file, size: stat.size, mtimeMs: stat.mtimeMs };
}
