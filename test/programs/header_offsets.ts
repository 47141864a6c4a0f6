// `ctx.header(View, off)` with offsets the compiler cannot bound by arithmetic: read from the
// packet or from a map value. LLVM used to hoist `data + off` above the offset's bound check.
import { xdp, XdpAction, ArrayMap, struct, u8, u32, u64 } from "tsbpf";

export const Input = struct({ off: u32, pad: u32 });
export const V = struct({ a: u8, b: u8 });
export const offsets = new ArrayMap(u32, { maxEntries: 1 });
export const results = new ArrayMap(u64, { maxEntries: 8 });

function put(i: u32, v: u64): void {
  results.update(i, v);
}

export const header_offsets = xdp((ctx) => {
  const x = ctx.header(Input, 14);
  if (x === null) return XdpAction.DROP;
  const o = offsets.lookup(0);
  if (o === null) return XdpAction.DROP;
  const v = ctx.header(V, o + x.off);
  if (v === null) return XdpAction.DROP;
  put(0, u64(v.a));
  const w = ctx.header(V, x.off);
  if (w === null) return XdpAction.DROP;
  w.a = 1;
  const z = ctx.header(V, x.off + 1);
  if (z === null) return XdpAction.ABORTED;
  put(1, u64(z.a + w.b));
  const far = ctx.header(V, o + 5000);
  put(2, far === null ? 1n : 0n);
  return XdpAction.PASS;
});
