// `ctx.len - x`: the packet length as a number, not pointer arithmetic (which the verifier
// rejects in 32 bits: LLVM folded `(data_end - data) - x` into 32-bit pointer arithmetic).
import { xdp, XdpAction, ArrayMap, struct, u8, type u32, u64 } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const Input = struct({ which: u8 });
export const results = new ArrayMap(u64, { maxEntries: 8 });

function put(i: u32, v: u64): void {
  results.update(i, v);
}

export const ctx_len_arith = xdp((ctx) => {
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  const extra: u32 = ctx.len - ip.totLen;
  put(0, u64(extra));
  return XdpAction.PASS;
});

export const ctx_len_mixed = xdp((ctx) => {
  const x = ctx.header(Input, 14);
  if (x === null) return XdpAction.DROP;
  put(1, u64(ctx.len - x.which));
  put(2, u64(x.which - ctx.len));
  put(3, u64(ctx.len + x.which));
  const len = ctx.len; // kept in a variable, then in arithmetic
  put(4, u64(len - x.which - 1));
  return XdpAction.PASS;
});
