// expect: 15:7 - error: optional chaining (`?.`) is not supported: test for null with an if (`const v = m.lookup(k); if (v === null) …`)
// expect: 16:17 - error: optional chaining (`?.`) is not supported: test for null with an if (`const v = m.lookup(k); if (v === null) …`)
// expect: 17:7 - error: optional chaining (`?.`) is not supported: test for null with an if (`const v = m.lookup(k); if (v === null) …`)
import { xdp, XdpAction, HashMap, struct, array, u8, u32, type Value } from "tsbpf";
import { Eth } from "tsbpf/net";

export const VipKey = struct({ addr: u32 });
export const VipInfo = struct({ enabled: u8, ports: array(u8, 4) });
export const vips = new HashMap(VipKey, VipInfo, { maxEntries: 4 });

// Each of these compiled as a plain `.`, without the null check (the verifier rejected the object).
export const p = xdp((ctx) => {
  const k: Value<typeof VipKey> = { addr: 1 };
  let n: u32 = 0;
  if (vips.lookup(k)?.enabled === 1) n++;
  const proto = ctx.header(Eth, 0)?.proto;
  if (vips.lookup(k)?.ports[1] === 3) n++;
  return n === 0 && proto === 0 ? XdpAction.DROP : XdpAction.PASS;
});
