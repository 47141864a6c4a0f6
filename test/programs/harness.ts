// Shared setup for the corpus: compile a program in process, load it with the runtime and
// with bpftool (libbpf), and helpers to run packets and read maps.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { compile, formatDiagnostic } from "../../compiler/index.ts";
import { loadObject, type BpfObject, type LoadOptions } from "../../runtime/index.ts";
import { ROOT, ensureBpffs } from "../runtime/helpers.ts";
import { scratchDir } from "../support/scratch.ts";

export const PROGRAMS = join(ROOT, "test/programs");
/** XDP verdicts under the short name older corpus tests use: the declarations module's enum, not a copy. */
export { XdpAction as XDP } from "../../runtime/index.ts";

export interface Corpus {
  obj: BpfObject;
  object: Uint8Array;
  path: string;
  /** Output of `bpftool prog loadall`, which must succeed. */
  bpftool: { ok: boolean; log: string };
  close(): void;
}

/** The corpus: every program in test/programs (the files declaring an `xdp(…)` or `tc(…)` program; not the tests and their helpers). */
export function corpusNames(): string[] {
  return readdirSync(PROGRAMS)
    .filter(
      (f) =>
        f.endsWith(".ts") &&
        !f.endsWith(".test.ts") &&
        /^export const \w+ = (xdp|tc)\(/m.test(readFileSync(join(PROGRAMS, f), "utf8")),
    )
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Compiles test/programs/<name>.ts to <scratch>/programs/<name>.o. */
export function buildCorpusObject(name: string): { path: string; object: Uint8Array } {
  const result = compile(join(PROGRAMS, `${name}.ts`));
  if (!result.object)
    throw new Error(`${name}.ts did not compile:\n${result.diagnostics.map((d) => formatDiagnostic(d)).join("\n")}`);
  const dir = join(scratchDir(), "programs");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.o`);
  writeFileSync(path, result.object);
  return { path, object: result.object };
}

/** Compiles test/programs/<name>.ts, loads it with bpftool (loadall) and with the runtime. */
export async function setup(name: string, options: LoadOptions = {}): Promise<Corpus> {
  const { path, object } = buildCorpusObject(name);
  const bpftool = bpftoolLoadAll(path, name);
  const obj = await loadObject(object, options);
  return { obj, object, path, bpftool, close: () => obj.close() };
}

export function bpftoolLoadAll(path: string, tag: string): { ok: boolean; log: string } {
  ensureBpffs();
  const pin = `/sys/fs/bpf/tsbpf-corpus-${tag}-${process.pid}`;
  rmSync(pin, { recursive: true, force: true });
  try {
    const r = spawnSync("bpftool", ["prog", "loadall", path, pin], { encoding: "utf8" });
    return { ok: r.status === 0, log: (r.stdout + r.stderr).slice(-3000) };
  } finally {
    rmSync(pin, { recursive: true, force: true });
  }
}

/** Asserts both loaders accepted the object. */
export function expectLoaded(c: Corpus, ...programs: string[]) {
  expect(c.bpftool.ok, c.bpftool.log).toBe(true);
  for (const p of programs) expect(c.obj.program(p).insnCount).toBeGreaterThan(0);
}

export function run(c: Corpus, program: string, packet: Uint8Array) {
  const r = c.obj.program(program).testRun({ data: packet });
  return { ret: r.retval, data: Buffer.from(r.data) };
}

export const key32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
export const u32At = (b: Uint8Array | undefined, off = 0) => Buffer.from(b!).readUInt32LE(off);
export const u64At = (b: Uint8Array | undefined, off = 0) => Buffer.from(b!).readBigUInt64LE(off);
