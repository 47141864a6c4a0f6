// expect: 16:16 - error: `??` after a reference to a struct VipInfo is not supported: test it for null with an if, or read a field (`v?.f ?? 0`)
// expect: 17:3 - error: `??=` is not supported: test for null with an if, and assign there
import { xdp, XdpAction, HashMap, struct, u8, u32, type Value } from "tsbpf";

export const VipKey = struct({ addr: u32 });
export const VipInfo = struct({ enabled: u8 });
export const vips = new HashMap(VipKey, VipInfo, { maxEntries: 4 });
export const fallback = new HashMap(VipKey, VipInfo, { maxEntries: 4 });

// `??` gives a default to a number or a bool (`v?.f ?? 0`, `counts.lookup(k) ?? 0n`): a struct
// reference with a default would be a pointer into one map or another, which the subset does not
// have. `??=` is not supported.
export const p = xdp((_ctx) => {
  const k: Value<typeof VipKey> = { addr: 1 };
  let n: u32 | null = null;
  const info = vips.lookup(k) ?? fallback.lookup(k);
  n ??= 1;
  return info === null || n === 0 ? XdpAction.DROP : XdpAction.PASS;
});
