// The LB's flow hash: which Maglev slot a 5-tuple lands in.
//
// Every data plane (the TS LB, its C twin bench/lb.c) and the control plane
// (which predicts backends in tests) must compute exactly this function, so
// it is defined over HOST-ORDER integers — 10.0.0.1 is 0x0a000001, port 80
// is 80 — and the data planes convert from the packet with ntohl/ntohs first.
// Shape: murmur3's block mix over four 32-bit words, then fmix32 finalizer.

import { MAGLEV_M } from "./maps.ts";
import { fmix32, mixBlock } from "./murmur.ts";

/** Maglev table size; the slot is `flowHash(...) % M`. */
export const FLOW_SLOTS = MAGLEV_M;

/** murmur3 over the address words, then one word of ports (source high) and one of protocol. */
function hashFlow(addressWords: readonly number[], sport: number, dport: number, proto: number): number {
  let h = 0;
  for (const w of addressWords) h = mixBlock(h, w | 0);
  h = mixBlock(h, ((sport & 0xffff) << 16) | (dport & 0xffff));
  h = mixBlock(h, proto & 0xff);
  return fmix32(h);
}

/** u32 hash of a flow; all arguments host order (saddr/daddr u32, ports u16, proto u8). */
export function flowHash(saddr: number, daddr: number, sport: number, dport: number, proto: number): number {
  return hashFlow([saddr, daddr], sport, dport, proto);
}

/** The Maglev slot (0..65536) the data plane looks up for this flow. */
export const flowSlot = (...flow: Parameters<typeof flowHash>): number => flowHash(...flow) % FLOW_SLOTS;

/** "10.0.0.1" → 0x0a000001, for tests and control-plane tools. */
export function ipv4ToU32(dotted: string): number {
  const parts = dotted.split(".");
  if (parts.length !== 4) throw new RangeError(`not an IPv4 address: "${dotted}"`);
  let v = 0;
  for (const p of parts) {
    const n = Number(p);
    if (!/^\d{1,3}$/.test(p) || n > 255) throw new RangeError(`not an IPv4 address: "${dotted}"`);
    v = v * 256 + n;
  }
  return v >>> 0;
}

/** The IPv6 flow hash: the source's four words, the destination's, then the ports and
 *  protocol as flowHash; every word host order (fd00::1 is [0xfd000000, 0, 0, 1]). */
export function flowHash6(
  saddr: readonly number[],
  daddr: readonly number[],
  sport: number,
  dport: number,
  proto: number,
): number {
  return hashFlow([...saddr, ...daddr], sport, dport, proto);
}

/** The Maglev slot of an IPv6 flow. */
export const flowSlot6 = (...flow: Parameters<typeof flowHash6>): number => flowHash6(...flow) % FLOW_SLOTS;
