// Found by the differential fuzzer (seed 3067, reduced): after a second view's bounds check
// fails, the first view must still be writable. LLVM gives W's bounds check (data + 29 + 16)
// and the address of pk.d (data + 45) one register; on the path where W's check failed the
// verifier has marked that register as past the packet's end and rejects the store through it.
import { xdp, XdpAction, struct, bytes, i64 } from "tsbpf";

export const V = struct({ pad: bytes(45), d: i64 }, { packed: true });
export const W = struct({ a: i64, b: bytes(8) });

export const view_reuse = xdp((ctx) => {
  const pk = ctx.header(V, 0);
  if (pk === null) return XdpAction.ABORTED;
  const w = ctx.header(W, 29);
  if (w !== null) w.a = 1n;
  pk.d = 0n;
  return XdpAction.PASS;
});
