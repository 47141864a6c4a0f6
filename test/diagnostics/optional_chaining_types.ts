// expect: 14:3 - error TS2779: The left-hand side of an assignment expression may not be an optional property access.
// expect: 15:7 - error TS18048: 'ip.ttl' is possibly 'undefined'.
import { xdp, XdpAction, HashMap, struct, u8, u32 } from "tsbpf";
import { Ipv4 } from "tsbpf/net";

export const Info = struct({ enabled: u8 });
export const infos = new HashMap(u32, Info, { maxEntries: 4 });

// What TypeScript itself rejects under strictNullChecks: a write through `?.`, and an ordering of
// what may be undefined. tsbpf prints TypeScript's errors at their place (and this file is left
// out of the project's tsconfig.json, like the other programs rejected as type errors).
export const p = xdp((ctx) => {
  const ip = ctx.header(Ipv4, 14);
  infos.lookup(1)?.enabled = 1;
  if (ip?.ttl > 3) return XdpAction.DROP;
  return XdpAction.PASS;
});
