/** ICMPv6 (RFC 4443) with neighbor discovery (RFC 4861) messages and options. */
import { ipv6, mac } from "./addresses.ts";
import { type Dissection, LayerBuilder, hexBytes } from "./dissection.ts";
import type { Context, Next } from "./protocol.ts";
import { checksumField } from "./transport-checksum.ts";

const TYPES: Record<number, string> = {
  1: "destination unreachable",
  2: "packet too big",
  3: "time exceeded",
  4: "parameter problem",
  128: "echo request",
  129: "echo reply",
  130: "multicast listener query",
  131: "multicast listener report",
  133: "router solicitation",
  134: "router advertisement",
  135: "neighbor solicitation",
  136: "neighbor advertisement",
  137: "redirect",
  143: "multicast listener report v2",
};

const ND_OPTIONS: Record<number, string> = {
  1: "source link-layer address",
  2: "target link-layer address",
  3: "prefix information",
  4: "redirected header",
  5: "MTU",
};

function decodeNdOptions(b: LayerBuilder, start: number, end: number): void {
  for (let off = start, i = 0; off + 2 <= end; i++) {
    const type = b.u8(`option[${i}].type`, off, { meaning: ND_OPTIONS[b.d.u8(off)] ?? "unknown" });
    const units = b.d.u8(off + 1);
    const len = units * 8;
    if (units === 0 || off + len > end) {
      b.u8(`option[${i}].length`, off + 1, { verdict: "bad" });
      b.issue(
        "ICMPV6_BAD_OPTION",
        off + 1,
        `option ${type} length ${units} ${units === 0 ? "(0 is invalid)" : "runs past the message"}`,
      );
      return;
    }
    b.u8(`option[${i}].length`, off + 1, { meaning: `${len} bytes` });
    if ((type === 1 || type === 2) && len === 8) b.add(`option[${i}].address`, off + 2, 6, mac(b.d.bytes(off + 2, 6)));
    else if (type === 5 && len === 8) b.u32(`option[${i}].mtu`, off + 4);
    else if (type === 3 && len === 32) {
      b.u8(`option[${i}].prefix_length`, off + 2);
      b.flag(`option[${i}].flags.l`, off + 3, 1, 0x80, "on-link");
      b.flag(`option[${i}].flags.a`, off + 3, 1, 0x40, "autonomous address configuration");
      b.u32(`option[${i}].valid_lifetime`, off + 4);
      b.u32(`option[${i}].preferred_lifetime`, off + 8);
      b.add(`option[${i}].prefix`, off + 16, 16, ipv6(b.d.bytes(off + 16, 16)));
    } else b.add(`option[${i}].data`, off + 2, len - 2, hexBytes(b.d.bytes(off + 2, len - 2)));
    off += len;
  }
}

export function decodeIcmpv6(d: Dissection, at: number, end: number, ctx: Context): Next | undefined {
  const b = new LayerBuilder(d, "ICMPv6", at, ctx.depth);
  if (end - at < 4) {
    if (!ctx.quoted) b.issue("ICMPV6_TRUNCATED", at, `${end - at} bytes; an ICMPv6 header needs 4`);
    return undefined;
  }
  const type = b.u8("type", at, { meaning: TYPES[d.u8(at)] ?? "unknown" });
  const code = b.u8("code", at + 1);
  checksumField(b, at + 2, at, end, ctx, { proto: 58, code: "ICMPV6_BAD_CHECKSUM" });
  b.layer.summary = `${TYPES[type] ?? `type ${type}`}${code ? ` code ${code}` : ""}`;
  const need = (n: number) => {
    if (end - at >= n) return true;
    if (!ctx.quoted) b.issue("ICMPV6_TRUNCATED", at, `${end - at} bytes; ${TYPES[type]} needs ${n}`);
    return false;
  };
  switch (type) {
    case 128:
    case 129:
      if (!need(8)) return undefined;
      b.layer.summary += ` id ${b.u16("id", at + 4)} seq ${b.u16("seq", at + 6)}`;
      return undefined;
    case 1:
    case 2:
    case 3:
    case 4:
      if (!need(8)) return undefined;
      if (type === 2) b.layer.summary += ` mtu ${b.u32("mtu", at + 4)}`;
      else if (type === 4) b.u32("pointer", at + 4);
      else b.u32("unused", at + 4);
      if (end - at > 8) return { protocol: "ipv6", at: at + 8, end, ctx: { depth: ctx.depth + 1, quoted: true } };
      return undefined;
    case 133:
      if (!need(8)) return undefined;
      b.u32("reserved", at + 4);
      decodeNdOptions(b, at + 8, end);
      return undefined;
    case 134:
      if (!need(16)) return undefined;
      b.u8("cur_hop_limit", at + 4);
      b.flag("flags.m", at + 5, 1, 0x80, "managed address configuration (DHCPv6)");
      b.flag("flags.o", at + 5, 1, 0x40, "other configuration");
      b.u16("router_lifetime", at + 6, { meaning: "seconds" });
      b.u32("reachable_time", at + 8, { meaning: "ms" });
      b.u32("retrans_timer", at + 12, { meaning: "ms" });
      decodeNdOptions(b, at + 16, end);
      return undefined;
    case 135:
    case 136: {
      if (!need(24)) return undefined;
      if (type === 136) {
        b.flag("flags.r", at + 4, 1, 0x80, "sender is a router");
        b.flag("flags.s", at + 4, 1, 0x40, "solicited");
        b.flag("flags.o", at + 4, 1, 0x20, "override cache entry");
      } else b.u32("reserved", at + 4);
      const target = ipv6(d.bytes(at + 8, 16));
      b.add("target", at + 8, 16, target);
      b.layer.summary += ` ${target}`;
      decodeNdOptions(b, at + 24, end);
      return undefined;
    }
    default:
      return undefined;
  }
}
