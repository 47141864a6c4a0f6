/** Pinning BPF objects (maps, programs, links) in bpffs, and opening pinned ones. */
import { readlinkSync } from "node:fs";
import { Attr } from "./attr.ts";
import { bpf } from "./bpf.ts";
import { BpfCmd } from "./commands.ts";

/** BPF_OBJ_PIN: make `fd`'s object reachable at `path` (which must be on a bpffs mount). */
export function pinObject(fd: number, path: string): void {
  bpf(BpfCmd.OBJ_PIN, new Attr(24).cstring(0, path).u32(8, fd), path);
}

/** BPF_OBJ_GET: open the object pinned at `path`; returns a new fd. */
export function getPinnedObject(path: string, fileFlags = 0): number {
  return bpf(BpfCmd.OBJ_GET, new Attr(24).cstring(0, path).u32(12, fileFlags), path);
}

/**
 * What a BPF fd refers to: "map", "prog", "link", "btf" … (the anon inode behind it, as
 * /proc/self/fd shows it); undefined if that cannot be read (no /proc) or it is no BPF object.
 */
export function bpfObjectKind(fd: number): string | undefined {
  try {
    return /^anon_inode:bpf[-_](\w+)$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
  } catch {
    return undefined;
  }
}
