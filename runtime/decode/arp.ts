/** ARP (RFC 826), any hardware/protocol address lengths; Ethernet/IPv4 addresses shown as such. */
import { ETHER_TYPES, ipv4, mac } from "./addresses.ts";
import { type Dissection, LayerBuilder, hexBytes } from "./dissection.ts";
import type { Context, Next } from "./protocol.ts";

const OPS: Record<number, string> = { 1: "request", 2: "reply", 3: "RARP request", 4: "RARP reply" };

export function decodeArp(d: Dissection, at: number, end: number, ctx: Context): Next | undefined {
  const b = new LayerBuilder(d, "ARP", at, ctx.depth);
  if (end - at < 8) {
    b.issue("ARP_TRUNCATED", at, `${end - at} bytes; the fixed part of ARP needs 8`);
    return undefined;
  }
  const htype = b.u16("htype", at, { meaning: d.u16(at) === 1 ? "Ethernet" : "other hardware" });
  const ptype = b.u16("ptype", at + 2, { meaning: ETHER_TYPES[d.u16(at + 2)] ?? "other protocol" });
  const hlen = b.u8("hlen", at + 4);
  const plen = b.u8("plen", at + 5);
  const op = b.u16("oper", at + 6, { meaning: OPS[d.u16(at + 6)] ?? "unknown" });
  if (!OPS[op]) {
    b.layer.fields[4]!.verdict = "warn";
    b.issue("ARP_BAD_OPCODE", at + 6, `operation ${op}; expected 1 (request) or 2 (reply)`);
  }
  const ethIp = htype === 1 && ptype === 0x0800;
  if (ethIp && (hlen !== 6 || plen !== 4)) {
    b.issue("ARP_BAD_LENGTHS", at + 4, `Ethernet/IPv4 ARP with hlen ${hlen}, plen ${plen}; expected 6 and 4`);
  }
  const need = 8 + 2 * (hlen + plen);
  if (end - at < need) {
    b.issue("ARP_TRUNCATED", at, `${end - at} bytes; hlen ${hlen} and plen ${plen} need ${need}`);
    return undefined;
  }
  const hw = (x: Uint8Array) => (hlen === 6 ? mac(x) : hexBytes(x));
  const pr = (x: Uint8Array) => (plen === 4 && ptype === 0x0800 ? ipv4(x) : hexBytes(x));
  let off = at + 8;
  const sha = d.bytes(off, hlen);
  b.add("sha", off, hlen, hw(sha), { meaning: "sender hardware address" });
  off += hlen;
  const spa = d.bytes(off, plen);
  b.add("spa", off, plen, pr(spa), { meaning: "sender protocol address" });
  off += plen;
  b.add("tha", off, hlen, hw(d.bytes(off, hlen)), { meaning: "target hardware address" });
  off += hlen;
  const tpa = d.bytes(off, plen);
  b.add("tpa", off, plen, pr(tpa), { meaning: "target protocol address" });
  b.layer.summary =
    op === 1 ? `who has ${pr(tpa)}? tell ${pr(spa)}` : op === 2 ? `${pr(spa)} is at ${hw(sha)}` : `operation ${op}`;
  return undefined;
}
