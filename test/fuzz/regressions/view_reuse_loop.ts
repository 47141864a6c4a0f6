// Found by the differential fuzzer (seed 20000624 of the lead's last long run, reduced by hand):
// view_reuse.ts inside a loop. W's bounds check compares data + 4 + 10, and pk.d is at data + 14:
// LLVM hoisted pk.d's address out of the loop as a bitcast of that same pointer, placed before
// the check, so the check's own users showed no use where it failed; the verifier marks the
// register past the packet's end on that side and rejected `pk.d ^= 1n` ("R1 offset is outside
// of the packet"). With n = 1 the loop counts 3 views (out = 3) and flips pk.d's last bit once.
import { xdp, XdpAction, ArrayMap, struct, bytes, u8, u64, be64 } from "tsbpf";

export const S = struct({ n: u8, out: u64 });
export const V = struct({ pad: bytes(14), d: be64 }, { packed: true });
export const W = struct({ a: bytes(10) });
export const state = new ArrayMap(S, { maxEntries: 1 });

export const view_reuse_loop = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const pk = ctx.header(V, 0);
  if (pk === null) return XdpAction.ABORTED;
  for (let i: u8 = 0; i < 3; i++) {
    const w = ctx.header(W, 4);
    if (w !== null) s.out += 1n;
    if (s.n === i) pk.d ^= 1n;
  }
  return XdpAction.PASS;
});
