/** The running kernel's own BTF (/sys/kernel/btf/vmlinux): the layouts of the kernel's structs by name. */
import { readFileSync } from "node:fs";
import { parseBtf, type Btf } from "./parse.ts";
import { BtfKind } from "./types.ts";

const VMLINUX = "/sys/kernel/btf/vmlinux";
let cached: Btf | null | undefined;

/** The kernel's BTF, parsed once per process (a few seconds: it has ~100,000 types); undefined without it. */
export function vmlinuxBtf(): Btf | undefined {
  if (cached === undefined) {
    try {
      cached = parseBtf(readFileSync(VMLINUX));
    } catch {
      cached = null;
    }
  }
  return cached ?? undefined;
}

/** The id of `struct name` in the kernel's BTF, or undefined. */
export function kernelStructId(name: string): { btf: Btf; id: number } | undefined {
  const btf = vmlinuxBtf();
  const t = btf?.types.find((x) => x.kind === BtfKind.STRUCT && x.name === name);
  return btf && t ? { btf, id: t.id } : undefined;
}
