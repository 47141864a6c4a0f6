// The installed package's build cache (bin/build-cache.ts), from the sources: a fresh build of a
// program none of whose inputs changed writes the last build's object again; any change the
// build could see (an imported file, a file created where module resolution looked, the compiler
// itself, the libLLVM it loaded, a damaged entry) is a miss. test/package/new-user.test.ts checks
// it through the packed package's bin.
import { mkdirSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { BuildCache } from "../../bin/build-cache.ts";
import { Compiler, compile } from "../../compiler/index.ts";
import { ROOT } from "../runtime/helpers.ts";
import { scratchDir } from "../support/scratch.ts";

const MAIN = `import { xdp, XdpAction } from "tsbpf";
import { LIMIT } from "./limits"; // limits/index.ts
export const prog = xdp((ctx) => (ctx.len > LIMIT ? XdpAction.DROP : XdpAction.PASS));
`;
const LIMITS = (n: number) => `export const LIMIT = ${n};\n`;

/** A package directory as the cache sees one: package.json, dist/, and ts-morph found from it. */
function fakePackage(dir: string): string {
  const pkg = join(dir, "pkg");
  mkdirSync(join(pkg, "dist"), { recursive: true });
  writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "tsbpf", version: "0.1.0" }));
  writeFileSync(join(pkg, "dist/cli.js"), "// the compiler\n");
  symlinkSync(join(ROOT, "node_modules"), join(pkg, "node_modules"));
  return pkg;
}

describe("the installed package's build cache", () => {
  it("writes the last build's object again while nothing it read changed, and builds after any change", () => {
    const dir = join(scratchDir(), "cache");
    const src = join(dir, "src");
    mkdirSync(join(src, "limits"), { recursive: true });
    const main = join(src, "main.ts");
    writeFileSync(main, MAIN);
    writeFileSync(join(src, "limits/index.ts"), LIMITS(1000));
    const cacheDir = join(dir, "cache");
    const cache = new BuildCache(fakePackage(dir), cacheDir);
    const out = join(dir, "out/main.o");
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const replays = () => {
      log.mockClear();
      const hit = cache.replay(main, out);
      expect(log.mock.calls.map((c) => c[0])).toEqual(hit ? [`wrote ${out} (${readFileSync(out).length} bytes)`] : []);
      return hit;
    };
    /** A build as `tsbpf build` runs it: the object, recorded with what the build read. */
    const build = () => {
      const compiler = new Compiler(main);
      const object = compiler.build().object!;
      cache.record(main, compiler.inputs()!, object);
      return Buffer.from(object);
    };
    try {
      expect(replays(), "nothing recorded yet").toBe(false);
      const first = build();
      expect(replays(), "nothing changed").toBe(true);
      expect(readFileSync(out).equals(first)).toBe(true);

      // The entry's object is what a hit writes, without compiling: made recognisable here (with
      // its hash, as if the build had given it), so that every hit below is seen to be one.
      const entryFile = `${cache.entryPath(main)}.json`;
      expect(readdirSync(cacheDir).sort()).toEqual(
        [entryFile, entryFile.replace(/json$/, "o")].map((f) => f.slice(cacheDir.length + 1)).sort(),
      );
      const entry = JSON.parse(readFileSync(entryFile, "utf8"));
      const marked = Buffer.concat([first, Buffer.from("cached")]);
      writeFileSync(entryFile.replace(/\.json$/, ".o"), marked);
      writeFileSync(
        entryFile,
        JSON.stringify({ ...entry, object: createHash("sha256").update(marked).digest("hex"), size: marked.length }),
      );
      expect(replays()).toBe(true);
      expect(readFileSync(out).equals(marked)).toBe(true);

      // An imported file edited, and back: a miss, then a hit again.
      writeFileSync(join(src, "limits/index.ts"), LIMITS(1001));
      expect(replays(), "an imported file edited").toBe(false);
      writeFileSync(join(src, "limits/index.ts"), LIMITS(1000));
      expect(replays(), "and back").toBe(true);

      // "./limits" is limits/index.ts, found after limits.ts, limits.tsx, limits.d.ts… were not:
      // a file created at any of them would change what the import is, and is a miss.
      expect(entry.inputs[join(src, "limits.ts")]).toBeNull();
      writeFileSync(join(src, "limits.ts"), LIMITS(5));
      expect(replays(), "a file created where module resolution looked").toBe(false);
      expect(Buffer.from(compile(main).object!).equals(first), "the build it would be").toBe(false);
    } finally {
      log.mockRestore();
    }
  });

  it("misses after the compiler, the libLLVM it loaded, or the entry's object changed", () => {
    const dir = join(scratchDir(), "compiler");
    const src = join(dir, "src");
    mkdirSync(join(src, "limits"), { recursive: true });
    const main = join(src, "main.ts");
    writeFileSync(main, MAIN);
    writeFileSync(join(src, "limits/index.ts"), LIMITS(1000));
    const pkg = fakePackage(dir);
    const cacheDir = join(dir, "cache");
    const out = join(dir, "main.o");
    const compiler = new Compiler(main);
    const result = compiler.build();
    const record = () => new BuildCache(pkg, cacheDir).record(main, compiler.inputs()!, result.object!);
    const replays = () => new BuildCache(pkg, cacheDir).replay(main, out);
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      record();
      expect(replays()).toBe(true);
      expect(readFileSync(out).equals(Buffer.from(compile(main).object!))).toBe(true);

      writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "tsbpf", version: "0.1.1" }));
      expect(replays(), "another version of the package").toBe(false);
      record();
      expect(replays()).toBe(true);
      writeFileSync(join(pkg, "dist/cli.js"), "// another compiler\n");
      utimesSync(join(pkg, "dist/cli.js"), new Date(0), new Date(0));
      expect(replays(), "another build of dist/").toBe(false);
      record();
      expect(replays()).toBe(true);

      const entryFile = `${new BuildCache(pkg, cacheDir).entryPath(main)}.json`;
      const entry = JSON.parse(readFileSync(entryFile, "utf8"));
      expect(entry.llvm.path).toMatch(/libLLVM/);
      writeFileSync(entryFile, JSON.stringify({ ...entry, llvm: { ...entry.llvm, mtimeMs: entry.llvm.mtimeMs - 1 } }));
      expect(replays(), "another libLLVM").toBe(false);
      record();
      expect(replays()).toBe(true);
      const objectFile = entryFile.replace(/\.json$/, ".o");
      const object = readFileSync(objectFile);
      object[object.length - 1]! ^= 1;
      writeFileSync(objectFile, object);
      expect(replays(), "a damaged object").toBe(false);
      record();
      expect(replays()).toBe(true);
      // An output it cannot write: the build runs and reports that its usual way.
      expect(new BuildCache(pkg, cacheDir).replay(main, join(main, "x.o")), "an unwritable output").toBe(false);
      writeFileSync(entryFile, "{");
      expect(replays(), "a damaged entry").toBe(false);
    } finally {
      log.mockRestore();
    }
  });
});
