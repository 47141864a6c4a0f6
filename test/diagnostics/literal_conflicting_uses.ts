// An unannotated object literal takes the type of its uses; where they disagree (a return, an
// assignment to an annotated variable or a field, a map key), the error asks for an annotation.
// (Key and Wide have the same fields for TypeScript, so only tsbpf can tell them apart.)
import { xdp, XdpAction, ArrayMap, HashMap, struct, u8, u16, u32, type Value } from "tsbpf";

export const Key = struct({ addr: u32, port: u16, proto: u8, pad: u8 });
export const Wide = struct({ addr: u32, port: u32, proto: u32 });
export const Slot = struct({ key: Key, n: u32 });
export const keys = new HashMap(Key, u32, { maxEntries: 4 });
export const slots = new ArrayMap(Slot, { maxEntries: 1 });

function wideOf(addr: u32): Value<typeof Wide> {
  const w = { addr, port: 1, proto: 6 };
  keys.lookup(w);
  return w;
}

export const p = xdp((ctx) => {
  let wide: Value<typeof Wide> = wideOf(ctx.len);
  const k = { addr: 1, port: 2, proto: 17 };
  wide = k;
  const s = slots.lookup(0);
  if (s !== null) s.key = k;
  return wide.proto === 6 ? XdpAction.PASS : XdpAction.DROP;
});

// expect: 15:10 - error: 'w' is used as a Key (line 14) and as a Wide; annotate it
// expect: 23:27 - error: 'k' is used as a Wide (line 21) and as a Key; annotate it
