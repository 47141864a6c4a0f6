/** Ethernet II header and 802.1Q / 802.1ad VLAN tags. */
import { ETHER_TYPES, mac } from "./addresses.ts";
import { type Dissection, LayerBuilder, hexBytes } from "./dissection.ts";
import type { Context, Next, ProtocolKey } from "./protocol.ts";

const ETH_HLEN = 14;

function macMeaning(b: Uint8Array): string {
  if (b.every((x) => x === 0xff)) return "broadcast";
  const kind = b[0]! & 1 ? "multicast" : "unicast";
  return b[0]! & 2 ? `${kind}, locally administered` : kind;
}

const NEXT_BY_TYPE: Record<number, ProtocolKey> = {
  2048: "ipv4",
  34525: "ipv6",
  2054: "arp",
  33024: "vlan",
  34984: "vlan",
  37120: "vlan",
  25944: "ethernet",
};

/** Decode an EtherType at `off` (in Ethernet, a VLAN tag, or GRE) and say what follows it. */
export function etherTypeNext(b: LayerBuilder, name: string, off: number, end: number, ctx: Context): Next | undefined {
  const type = b.d.u16(off);
  const at = off + 2;
  if (type < 0x0600 && b.protocol !== "GRE") {
    b.u16(name, off, { meaning: `802.3 length ${type}` });
    b.issue(
      "ETH_LENGTH_FIELD",
      off,
      `EtherType field 0x${type.toString(16).padStart(4, "0")} is an 802.3 length (${type} bytes); LLC/SNAP is not decoded`,
    );
    if (!ctx.quoted && type > end - at)
      b.issue("ETH_LENGTH_MISMATCH", off, `802.3 length ${type} but ${end - at} bytes follow`);
    return undefined;
  }
  b.u16(name, off, { meaning: ETHER_TYPES[type] ?? "unknown" });
  const protocol = NEXT_BY_TYPE[type];
  if (!protocol) {
    b.issue("ETH_UNKNOWN_TYPE", off, `EtherType 0x${type.toString(16).padStart(4, "0")} not decoded`);
    return undefined;
  }
  const label = type === 0x8100 ? "802.1Q" : protocol === "vlan" ? "802.1ad" : undefined;
  return { protocol, at, end, ctx: { ...ctx, ...(label ? { label } : {}) } };
}

export function decodeEthernet(d: Dissection, at: number, end: number, ctx: Context): Next | undefined {
  const b = new LayerBuilder(d, "Ethernet", at, ctx.depth);
  if (end - at < ETH_HLEN) {
    b.issue("ETH_TRUNCATED", at, `${end - at} bytes; an Ethernet header needs ${ETH_HLEN}`);
    if (end > at) b.add("bytes", at, end - at, hexBytes(d.bytes(at, end - at)), { verdict: "bad" });
    b.layer.summary = "truncated";
    return undefined;
  }
  const dst = d.bytes(at, 6);
  const src = d.bytes(at + 6, 6);
  b.add("dst", at, 6, mac(dst), { meaning: macMeaning(dst) });
  b.add("src", at + 6, 6, mac(src), { meaning: macMeaning(src) });
  if (src[0]! & 1) b.layer.fields[1]!.verdict = "warn";
  b.layer.summary = `${mac(src)} → ${mac(dst)}`;
  return etherTypeNext(b, "type", at + 12, end, ctx);
}

export function decodeVlan(d: Dissection, at: number, end: number, ctx: Context): Next | undefined {
  const b = new LayerBuilder(d, ctx.label ?? "802.1Q", at, ctx.depth);
  if (end - at < 4) {
    b.issue("VLAN_TRUNCATED", at, `${end - at} bytes; a VLAN tag needs 4 (TCI + EtherType)`);
    return undefined;
  }
  const pcp = b.bits("pcp", at, 2, 0xe000, { meaning: "priority code point (802.1p class)" });
  b.flag("dei", at, 2, 0x1000, "drop eligible indicator");
  const vid = b.bits("vid", at, 2, 0x0fff);
  const vidField = b.layer.fields[b.layer.fields.length - 1]!;
  vidField.meaning = vid === 0 ? "priority tag only (no VLAN)" : vid === 0xfff ? "reserved VLAN id" : `VLAN ${vid}`;
  if (vid === 0xfff) vidField.verdict = "warn";
  b.layer.summary = `VLAN ${vid} priority ${pcp}`;
  const { label: _label, ...rest } = ctx;
  return etherTypeNext(b, "type", at + 2, end, rest);
}
