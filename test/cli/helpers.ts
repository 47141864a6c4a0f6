/** Running the tsbpf CLI as a user would (a child process), and shared fixtures for the CLI tests. */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../runtime/helpers.ts";
import { clangBpf } from "../support/clang.ts";
import { scratchDir } from "../support/scratch.ts";
import { openFdCount } from "../../runtime/sys/index.ts";

export { ROOT };
export const TSBPF = join(ROOT, "bin/tsbpf.js");
export const COUNT_SOURCE = join(ROOT, "examples/count.ts");
/** Where this test file's objects go (a temporary directory; see test/support/scratch.ts). */
export const cliOut = () => join(scratchDir(), "cli");

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `node bin/tsbpf.js ARGS` in a child process: exactly what a user runs (≈2 s each: node + tsx + the compiler's imports). */
export function tsbpfProcess(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [TSBPF, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, TSBPF_DEBUG: "" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The same CLI (bin/cli.ts main) called in this process, with console output captured: fast enough to
 * run every command many times. Also checks that a command leaves no fd open behind it.
 */
export async function tsbpf(...args: string[]): Promise<CliResult> {
  const { main } = await import("../../bin/cli.ts");
  const out: string[] = [];
  const err: string[] = [];
  const saved = { log: console.log, error: console.error, out: process.stdout.write, err: process.stderr.write };
  const fmt = (a: unknown[]) => `${a.map((x) => (typeof x === "string" ? x : String(x))).join(" ")}\n`;
  console.log = (...a: unknown[]) => void out.push(fmt(a));
  console.error = (...a: unknown[]) => void err.push(fmt(a));
  process.stdout.write = ((chunk: string | Uint8Array) => (
    out.push(String(chunk)), true
  )) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (
    err.push(String(chunk)), true
  )) as typeof process.stderr.write;
  const fds = openFdCount();
  let status: number;
  try {
    status = await main(["node", "tsbpf", ...args]);
  } finally {
    Object.assign(console, { log: saved.log, error: saved.error });
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    process.exitCode = undefined;
  }
  const leaked = openFdCount() - fds;
  if (leaked !== 0) throw new Error(`tsbpf ${args.join(" ")} left ${leaked} fd(s) open`);
  return { status, stdout: out.join(""), stderr: err.join("") };
}

/** tsbpf with --json, parsed; throws with stderr if it failed. */
export async function tsbpfJson<T = unknown>(...args: string[]): Promise<T> {
  const r = await tsbpf(...args, "--json");
  if (r.status !== 0) throw new Error(`tsbpf ${args.join(" ")} → ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** examples/count.ts → <scratch>/count.o through the CLI, as the README says. */
export function buildCount(): string {
  const object = join(scratchDir(), "count.o");
  execFileSync(process.execPath, [TSBPF, "build", COUNT_SOURCE, "-o", object], { cwd: ROOT });
  return object;
}

/** Compile a C fixture under test/c (e.g. "lab/reflect") into <scratch>/cli/<basename>.o. */
export function compileFixture(rel: string): string {
  mkdirSync(cliOut(), { recursive: true });
  const out = join(cliOut(), `${rel.replace(/\//g, "_")}.o`);
  clangBpf(join(ROOT, "test/c", `${rel}.c`), out);
  return out;
}

/** A stack trace line, which user-facing errors must never show. */
export const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

export const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Ethernet + IPv4 + ICMP echo request from 10.0.0.1 to 10.0.0.2 (valid checksums). */
export function icmpEcho(): Uint8Array {
  const f = Buffer.alloc(14 + 20 + 16);
  f.set([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00], 0);
  f.set([0x45, 0, 0, 36, 0x12, 0x34, 0x40, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14);
  f.writeUInt16BE(csum(f.subarray(14, 34)), 24);
  f.set([8, 0, 0, 0, 0x00, 0x01, 0x00, 0x01, 1, 2, 3, 4, 5, 6, 7, 8], 34);
  f.writeUInt16BE(csum(f.subarray(34)), 36);
  return f;
}

function csum(b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) s += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}
