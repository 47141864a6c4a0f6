// The one way the tests compile C to BPF: clang-14 as libbpf projects call it.
import { execFileSync } from "node:child_process";

/** -O2 -g for the BPF target, with the multiarch include directory that holds <asm/types.h>. */
export const CLANG_BPF_FLAGS = ["-O2", "-g", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu"];

/** Compiles `source` to the BPF object `out` (extra flags such as -mcpu=v3 go before -c); `out`. */
export function clangBpf(source: string, out: string, ...extra: string[]): string {
  execFileSync("clang-14", [...CLANG_BPF_FLAGS, ...extra, "-c", source, "-o", out]);
  return out;
}
