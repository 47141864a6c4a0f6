// Mutable globals: module-level `let` scalars and global() structs and arrays, in .data/.bss.
import { xdp, XdpAction, global, struct, array, u32, u64, atomicAdd } from "tsbpf";

// biome-ignore lint/correctness/noUnusedVariables: a global the test reads back from the object's .bss/.data
let packets: u64 = 0n; // .bss
// biome-ignore lint/correctness/noUnusedVariables: a global the test reads back from the object's .bss/.data
let lastLen: u32 = 0; // .bss
// biome-ignore lint/correctness/noUnusedVariables: a global the test reads back from the object's .bss/.data
let generation: u32 = 7; // .data
export const Totals = struct({ bytes: u64, small: u32, large: u32 });
export const totals = global(Totals); // .bss
export const sizeHist = global(array(u64, 4), [0n, 0n, 0n, 100n]); // .data

export const globals_data = xdp((ctx) => {
  packets += 1n;
  lastLen = ctx.len;
  generation++;
  atomicAdd(totals.bytes, u64(ctx.len));
  if (ctx.len < 100) totals.small += 1;
  else totals.large += 1;
  const bucket = ctx.len >> 6;
  // biome-ignore lint/complexity/useMathMinMax: Math is not part of the BPF subset
  sizeHist[bucket < 3 ? bucket : 3]! += 1n;
  return XdpAction.PASS;
});
