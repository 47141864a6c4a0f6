// Three small nested loops, the shape of the 45-line program of issue 10 item 9 (which failed
// with E2BIG): for each of 4 rules of a map, a pattern of up to 8 bytes looked for at the first
// 8 offsets of a UDP payload (4 · 8 · 8 steps, breaks in the inner loop, a lookup in the outer).
// The compiler keeps each counter in its own type, compares it with the constant bound and leaves
// the loops rolled, so the verifier sees three bounded loops and prunes equal states.
import { xdp, XdpAction, ArrayMap, struct, array, atomicAdd, u8, u16, u32, u64, be16 } from "tsbpf";

export const Rule = struct({ port: u16, len: u8, action: u8, pattern: array(u8, 8) });
export const rules = new ArrayMap(Rule, { maxEntries: 4 });
export const Hits = struct({ n: u64 });
export const hits = new ArrayMap(Hits, { maxEntries: 4 });
export const Udp = struct({ src: be16, dst: be16, len: be16, csum: be16 });
export const Payload = struct({ bytes: array(u8, 16) });

export const nested_loops = xdp((ctx) => {
  const udp = ctx.header(Udp, 34);
  if (udp === null) return XdpAction.PASS;
  const p = ctx.header(Payload, 42);
  if (p === null) return XdpAction.PASS;
  for (let r: u32 = 0; r < 4; r++) {
    const rule = rules.lookup(r);
    if (rule === null) continue;
    if (rule.port !== udp.dst) continue;
    for (let off = 0; off < 8; off++) {
      let matched = true;
      for (let k = 0; k < 8; k++) {
        if (k >= rule.len) break;
        if (p.bytes[off + k] !== rule.pattern[k]) {
          matched = false;
          break;
        }
      }
      if (matched) {
        const h = hits.lookup(r);
        if (h !== null) atomicAdd(h.n, 1n);
        return rule.action === 1 ? XdpAction.DROP : XdpAction.TX;
      }
    }
  }
  return XdpAction.PASS;
});
