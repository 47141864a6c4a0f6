// expect: 8:26 - error: 'BigInt' cannot be called in a BPF program: an integer type converts, e.g. u64(x) to widen to 64 bits (i64(x) keeps the sign)
// expect: 9:20 - error: 'Number' cannot be called in a BPF program: an integer type converts, e.g. u32(x) to narrow a 64-bit integer to 32 bits (it keeps the low bits)
// expect: 10:25 - error: 'Boolean' cannot be called in a BPF program: write the comparison, e.g. x !== 0
// JavaScript's conversions, which users write first: each error says what the subset writes instead.
import { xdp, XdpAction, u32, u64, ktimeGetNs } from "tsbpf";

export const p = xdp((ctx) => {
  const wide: u64 = 3n * BigInt(ctx.len);
  const low: u32 = Number(ktimeGetNs());
  const some: boolean = Boolean(ctx.len);
  return wide > 0n && low > 0 && some ? XdpAction.PASS : XdpAction.DROP;
});
