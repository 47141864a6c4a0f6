// Numeric separators in number and bigint literals (`1_000_000_000n` crashed the compiler).
import { xdp, XdpAction, ArrayMap, struct, u8, type u32, u64 } from "tsbpf";

export const Input = struct({ a: u8, pad: u8 });
export const results = new ArrayMap(u64, { maxEntries: 4 });

const NS = 1_000_000_000n;
const MASK = 0xffff_ffff;

function put(i: u32, v: u64): void {
  results.update(i, v);
}

export const numeric_separators = xdp((ctx) => {
  const x = ctx.header(Input, 14);
  if (x === null) return XdpAction.DROP;
  put(0, NS * u64(x.a));
  put(1, u64(MASK));
  put(2, 0x1_0000_0000n + 1_0n);
  return XdpAction.PASS;
});
