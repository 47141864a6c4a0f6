/** Shared setup for runtime tests: compiling the C fixtures, bpftool, bpffs, packets. */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { clangBpf } from "../support/clang.ts";
import { scratchDir } from "../support/scratch.ts";

export const ROOT = resolve(import.meta.dirname, "../..");
export const C_DIR = join(ROOT, "test/c");

/** Compile test/c/<name>.c with clang-14 into <scratch>/c/<name>.o (libbpf style). */
export function compileC(name: string): string {
  const out = join(scratchDir(), "c", `${name}.o`);
  mkdirSync(dirname(out), { recursive: true }); // names may have a folder: "explain/stack_too_big"
  clangBpf(join(C_DIR, `${name}.c`), out);
  return out;
}

export function ensureBpffs(): void {
  const mounts = readFileSync("/proc/mounts", "utf8");
  if (!/ \/sys\/fs\/bpf bpf /.test(mounts)) execFileSync("mount", ["-t", "bpf", "bpf", "/sys/fs/bpf"]);
}

/** A fresh directory in bpffs, removed by the returned cleanup. */
export function bpffsDir(tag: string): { dir: string; cleanup: () => void } {
  ensureBpffs();
  const dir = `/sys/fs/bpf/tsbpf-rt-${tag}-${process.pid}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function bpftool(...args: string[]): { ok: boolean; stdout: string; stderr: string } {
  const r = spawnSync("bpftool", args, { encoding: "utf8" });
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr };
}

/** `bpftool prog run pinned <path>` on a packet; its retval and output packet. */
export function bpftoolRun(pinned: string, packet: Uint8Array): { retval: number; data: Uint8Array } {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-run-"));
  try {
    const inFile = join(dir, "in");
    const outFile = join(dir, "out");
    writeFileSync(inFile, packet);
    const r = bpftool("prog", "run", "pinned", pinned, "data_in", inFile, "data_out", outFile);
    if (!r.ok) throw new Error(`bpftool prog run failed: ${r.stderr}`);
    const m = /Return value: (\d+)/.exec(r.stdout + r.stderr);
    if (!m) throw new Error(`unexpected bpftool output: ${r.stdout}${r.stderr}`);
    return {
      retval: Number(m[1]),
      data: existsSync(outFile) ? new Uint8Array(readFileSync(outFile)) : new Uint8Array(0),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Ethernet + IPv4 + UDP frame of `len` bytes (truncated if shorter than the headers). */
export function udpFrame(len = 64, ttl = 64): Uint8Array {
  const f = Buffer.alloc(Math.max(len, 42));
  f.set([0x02, 0, 0, 0, 0, 0x02], 0); // dst MAC
  f.set([0x02, 0, 0, 0, 0, 0x01], 6); // src MAC
  f.set([0x08, 0x00], 12);
  f.set([0x45, 0, 0, 0, 0, 0, 0, 0, ttl, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14);
  f.writeUInt16BE(Math.max(len, 42) - 14, 16);
  f.set([0x30, 0x39, 0x00, 0x50], 34);
  f.writeUInt16BE(Math.max(len, 42) - 34, 38);
  return new Uint8Array(f.subarray(0, len));
}

export function arpFrame(): Uint8Array {
  const f = new Uint8Array(42);
  f.fill(0xff, 0, 6);
  f.set([0x02, 0, 0, 0, 0, 0x01], 6);
  f.set([0x08, 0x06], 12);
  return f;
}

/** 1-based line number of the first line of a C fixture containing `marker`. */
export function lineOf(name: string, marker: string): number {
  const lines = readFileSync(join(C_DIR, `${name}.c`), "utf8").split("\n");
  return lines.findIndex((l) => l.includes(marker)) + 1;
}

export function u32le(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

export function u64le(n: bigint | number): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

/**
 * A veth pair with `host` in this (root) namespace and `peer` in a new namespace `ns`,
 * addressed and up. Anything left by an earlier run with the same names is removed first.
 */
export function vethToNamespace(
  ns: string,
  host: string,
  peer: string,
  hostCidr: string,
  peerCidr: string,
): () => void {
  const ip = (...args: string[]) => execFileSync("ip", args);
  const cleanup = () => {
    spawnSync("ip", ["link", "del", host]);
    spawnSync("ip", ["netns", "del", ns]);
  };
  cleanup();
  ip("netns", "add", ns);
  ip("link", "add", host, "type", "veth", "peer", "name", peer, "netns", ns);
  ip("addr", "add", hostCidr, "dev", host);
  ip("link", "set", host, "up");
  ip("-n", ns, "addr", "add", peerCidr, "dev", peer);
  ip("-n", ns, "link", "set", peer, "up");
  ip("-n", ns, "link", "set", "lo", "up");
  return cleanup;
}
