// expect: 21:17 - error: `ctx.header(Eth, 0)?.proto` is absent when what precedes `?.` is null: compare it (`=== v`), test it (`if (ctx.header(Eth, 0)?.proto)`) or give it a default (`?? 0`); other uses are not supported
// expect: 22:7 - error: `vips.lookup(k)?.enabled` is undefined, never null, when it is absent; compare what precedes `?.` with null
// expect: 23:7 - error: comparing two optional chains is not supported (they are equal when both are absent); compare each with a value
// expect: 24:7 - error: a call in an optional chain (`f?.()`, `x?.m()`) is not supported: test for null with an if (`const v = m.lookup(k); if (v !== null) …`)
// expect: 25:17 - error: `vips.lookup(k)?.ports` is absent when what precedes `?.` is null: compare it (`=== v`), test it (`if (vips.lookup(k)?.ports)`) or give it a default (`?? 0`); other uses are not supported
import { xdp, XdpAction, HashMap, ArrayOfMaps, ArrayMap, struct, array, u8, u32, type Value } from "tsbpf";
import { Eth } from "tsbpf/net";

export const VipKey = struct({ addr: u32 });
export const VipInfo = struct({ enabled: u8, ports: array(u8, 4) });
export const vips = new HashMap(VipKey, VipInfo, { maxEntries: 4 });
export const inner = new ArrayMap(u32, { maxEntries: 1 });
export const outer = new ArrayOfMaps(inner, { maxEntries: 2 });

// `?.` is read with what uses it: a comparison with a value, a condition, `??`. Other uses have no
// value the subset can hold (it has no `undefined`); the null test of a chain is TypeScript's
// `=== undefined`, which the subset does not have either; calls in a chain are not supported.
export const p = xdp((ctx) => {
  const k: Value<typeof VipKey> = { addr: 1 };
  let n: u32 = 0;
  const proto = ctx.header(Eth, 0)?.proto;
  if (vips.lookup(k)?.enabled === null) n++;
  if (vips.lookup(k)?.enabled === ctx.header(Eth, 0)?.dst[0]) n++;
  if (outer.lookup(0)?.lookup(0) === null) n++;
  const ports = vips.lookup(k)?.ports;
  if (ports) n++;
  return n === 0 && proto === 0 ? XdpAction.DROP : XdpAction.PASS;
});
