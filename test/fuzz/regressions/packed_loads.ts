// Found by the differential fuzzer (seed 92023010, the lead's final run of session 7, class
// complexity: "needs more stack than BPF allows … this program needs 808"; reduced by hand). The
// packed view's be64 fields are unaligned loads, eight byte loads each. In the unrolled loops'
// one basic block, LLVM's default instruction scheduler (list-ilp) moved every iteration's byte
// loads ahead of the stores between them and kept them all alive: 768 bytes of spills here. The
// compiler now schedules in source order (`-pre-RA-sched=source`, compiler/llvm/target.ts): 4 bytes.
import { xdp, XdpAction, ArrayMap, struct, u8, type u32, u64, be64, bool } from "tsbpf";

export const S = struct({ n: u8, flag: bool, out: u64 });
export const V = struct({ a: u8, x: be64, y: be64 }, { packed: true });
export const state = new ArrayMap(S, { maxEntries: 1 });

export const packed_loads = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const pk = ctx.header(V, 0);
  if (pk === null) return XdpAction.ABORTED;
  for (let i: u32 = 0; i < 2; i++) {
    for (let j: u32 = 0; j < 4; j++) {
      s.flag = pk.a !== s.n;
      const v: u64 = pk.x + pk.y;
      s.out += v;
    }
  }
  return XdpAction.PASS;
});
