/** ICMP for IPv4 (RFC 792): echo, errors with the quoted datagram decoded, and the rest by type. */
import { ipv4 } from "./addresses.ts";
import { type Dissection, LayerBuilder } from "./dissection.ts";
import type { Context, Next } from "./protocol.ts";
import { checksumField } from "./transport-checksum.ts";

const TYPES: Record<number, string> = {
  0: "echo reply",
  3: "destination unreachable",
  4: "source quench",
  5: "redirect",
  8: "echo request",
  9: "router advertisement",
  10: "router solicitation",
  11: "time exceeded",
  12: "parameter problem",
  13: "timestamp request",
  14: "timestamp reply",
};

const UNREACHABLE: Record<number, string> = {
  0: "network unreachable",
  1: "host unreachable",
  2: "protocol unreachable",
  3: "port unreachable",
  4: "fragmentation needed and DF set",
  5: "source route failed",
  9: "network administratively prohibited",
  10: "host administratively prohibited",
  13: "communication administratively prohibited",
};

export function decodeIcmp(d: Dissection, at: number, end: number, ctx: Context): Next | undefined {
  const b = new LayerBuilder(d, "ICMP", at, ctx.depth);
  if (end - at < 8) {
    if (!ctx.quoted) b.issue("ICMP_TRUNCATED", at, `${end - at} bytes; an ICMP header needs 8`);
    return undefined;
  }
  const type = b.u8("type", at, { meaning: TYPES[d.u8(at)] ?? "unknown" });
  const code = b.u8("code", at + 1, {
    meaning:
      type === 3
        ? (UNREACHABLE[d.u8(at + 1)] ?? "other")
        : type === 11
          ? ["TTL exceeded in transit", "fragment reassembly time exceeded"][d.u8(at + 1)]
          : undefined,
  });
  checksumField(b, at + 2, at, end, ctx, { code: "ICMP_BAD_CHECKSUM" });
  b.layer.length = 8;
  b.layer.summary = `${TYPES[type] ?? `type ${type}`}${code ? ` code ${code}` : ""}`;
  switch (type) {
    case 0:
    case 8:
    case 13:
    case 14: {
      const id = b.u16("id", at + 4);
      const seq = b.u16("seq", at + 6);
      b.layer.summary += ` id ${id} seq ${seq}`;
      return undefined;
    }
    case 3:
    case 11:
    case 12:
    case 4:
    case 5:
      if (type === 5) b.add("gateway", at + 4, 4, ipv4(d.bytes(at + 4, 4)));
      else if (type === 12) {
        b.u8("pointer", at + 4, { meaning: "offset of the bad byte in the quoted header" });
        b.add("unused", at + 5, 3, 0);
      } else if (type === 3 && code === 4) {
        b.u16("unused", at + 4);
        b.u16("next_hop_mtu", at + 6);
      } else b.u32("unused", at + 4);
      // The error quotes the offending datagram's header and first bytes: decode it as an inner packet.
      if (end - at > 8) return { protocol: "ipv4", at: at + 8, end, ctx: { depth: ctx.depth + 1, quoted: true } };
      return undefined;
    default:
      b.u32("rest", at + 4);
      return undefined;
  }
}
