/** IPv6 header (RFC 8200) and its extension headers, each decoded as its own layer. */
import { IP_PROTOCOLS, ipv6 } from "./addresses.ts";
import { type Dissection, LayerBuilder } from "./dissection.ts";
import { transportNext } from "./ipv4.ts";
import type { Context, IpContext, Next } from "./protocol.ts";

const EXT_NAMES: Record<number, string> = {
  0: "IPv6 Hop-by-Hop",
  43: "IPv6 Routing",
  44: "IPv6 Fragment",
  60: "IPv6 Destination Options",
  51: "AH",
};

const TLV_OPTIONS: Record<number, string> = {
  0: "Pad1",
  1: "PadN",
  5: "Router Alert",
  194: "Jumbo Payload",
  201: "Home Address",
};

const ACTIONS = [
  "skip if unknown",
  "discard if unknown",
  "discard and send ICMP",
  "discard and send ICMP unless multicast",
];

function decodeTlvOptions(b: LayerBuilder, start: number, end: number): void {
  for (let off = start, i = 0; off < end; i++) {
    const type = b.d.u8(off);
    const name = `option[${i}]`;
    b.u8(`${name}.type`, off, {
      meaning: `${TLV_OPTIONS[type] ?? "unknown option"}; ${ACTIONS[type >> 6]}${type & 0x20 ? ", may change en route" : ""}`,
    });
    if (type === 0) {
      off += 1;
      continue;
    }
    if (off + 2 > end || off + 2 + b.d.u8(off + 1) > end) {
      b.issue("IPV6_BAD_OPTION", off, `option ${type} runs past the end of its extension header`);
      return;
    }
    const len = b.u8(`${name}.length`, off + 1);
    if (type === 5 && len === 2) b.u16(`${name}.value`, off + 2, { meaning: "router alert value" });
    else if (type === 0xc2 && len === 4) b.u32(`${name}.value`, off + 2, { meaning: "jumbo payload length" });
    else if (len > 0) b.add(`${name}.data`, off + 2, len, len, { meaning: `${len} bytes` });
    off += 2 + len;
  }
}

export function decodeIpv6(d: Dissection, at: number, end: number, ctx: Context): Next | undefined {
  const b = new LayerBuilder(d, "IPv6", at, ctx.depth);
  const avail = end - at;
  if (avail < 40) {
    b.issue("IPV6_TRUNCATED", at, `${avail} bytes; an IPv6 header needs 40`);
    return undefined;
  }
  const version = b.bits("version", at, 4, 0xf0000000);
  if (version !== 6) {
    b.layer.fields[0]!.verdict = "bad";
    b.layer.fields[0]!.expected = 6;
    b.issue("IPV6_BAD_VERSION", at, `version ${version} in an IPv6 header`);
  }
  b.bits("traffic_class", at, 4, 0x0ff00000);
  b.bits("flow_label", at, 4, 0x000fffff);
  const plen = b.u16("payload_length", at + 4);
  const plenField = b.layer.fields[b.layer.fields.length - 1]!;
  let nh = b.u8("next_header", at + 6, { meaning: IP_PROTOCOLS[d.u8(at + 6)] ?? "unknown" });
  const hop = b.u8("hop_limit", at + 7);
  const src = d.bytes(at + 8, 16);
  let dst = d.bytes(at + 24, 16);
  b.add("src", at + 8, 16, ipv6(src));
  b.add("dst", at + 24, 16, ipv6(dst));
  b.layer.summary = `${ipv6(src)} → ${ipv6(dst)} hop limit ${hop}`;
  if (hop === 0 && !ctx.quoted) {
    b.layer.fields.find((f) => f.name === "hop_limit")!.verdict = "warn";
    b.issue("IPV6_HOP_LIMIT_ZERO", at + 7, "hop limit 0");
  }

  let payloadEnd = end;
  let complete = false;
  if (plen > avail - 40) {
    if (ctx.quoted) plenField.meaning = `${avail - 40} of ${plen} bytes quoted`;
    else if (plen === 0 && nh === 0) plenField.meaning = "0: jumbogram, length in the Jumbo Payload option";
    else {
      plenField.verdict = "bad";
      plenField.expected = avail - 40;
      b.issue(
        "IPV6_TRUNCATED",
        at + 4,
        `payload length ${plen} but the frame holds ${avail - 40} bytes after the header`,
      );
    }
  } else {
    plenField.verdict = "ok";
    payloadEnd = at + 40 + plen;
    complete = true;
  }

  // Extension headers, in the order they come.
  let off = at + 40;
  let fragment: IpContext["fragment"] = "none";
  for (let n = 0; EXT_NAMES[nh] !== undefined; n++) {
    const e = new LayerBuilder(d, EXT_NAMES[nh]!, off, ctx.depth);
    if (off + 8 > payloadEnd) {
      e.issue("IPV6_BAD_EXT_HEADER", off, `${EXT_NAMES[nh]} header needs 8 bytes, ${payloadEnd - off} left`);
      return undefined;
    }
    const next = e.u8("next_header", off, { meaning: IP_PROTOCOLS[d.u8(off)] ?? "unknown" });
    let len: number;
    if (nh === 44) {
      e.u8("reserved", off + 1);
      const fo = e.bits("fragment_offset", off + 2, 2, 0xfff8, { meaning: `${(d.u16(off + 2) >> 3) * 8} bytes` });
      e.bits("reserved2", off + 2, 2, 0x0006);
      const m = e.flag("m", off + 2, 2, 0x0001, "more fragments follow");
      e.u32("identification", off + 4);
      len = 8;
      fragment = fo > 0 ? "later" : m ? "first" : "none";
      e.layer.summary = `offset ${fo * 8}${m ? " more fragments" : " last fragment"}`;
    } else if (nh === 51) {
      const words = e.u8("payload_length", off + 1, { meaning: `${(d.u8(off + 1) + 2) * 4} bytes` });
      len = (words + 2) * 4;
      if (off + len > payloadEnd) {
        e.issue("IPV6_BAD_EXT_HEADER", off + 1, `AH of ${len} bytes runs past the payload`);
        return undefined;
      }
      e.u16("reserved", off + 2);
      e.u32("spi", off + 4);
      if (len >= 12) e.u32("sequence", off + 8);
      if (len > 12) e.add("icv", off + 12, len - 12, len - 12, { meaning: "integrity check value" });
      e.layer.summary = `SPI 0x${d.u32(off + 4).toString(16)}`;
    } else {
      const units = e.u8("length", off + 1, { meaning: `${(d.u8(off + 1) + 1) * 8} bytes` });
      len = (units + 1) * 8;
      if (off + len > payloadEnd) {
        e.layer.fields[1]!.verdict = "bad";
        e.issue(
          "IPV6_BAD_EXT_HEADER",
          off + 1,
          `${EXT_NAMES[nh]} of ${len} bytes runs ${off + len - payloadEnd} bytes past the payload`,
        );
        return undefined;
      }
      if (nh === 43) {
        const type = e.u8("routing_type", off + 2, {
          meaning:
            { 0: "type 0 (deprecated)", 2: "type 2 (mobile IPv6)", 3: "RPL", 4: "segment routing (SRH)" }[
              d.u8(off + 2)
            ] ?? "unknown",
        });
        const left = e.u8("segments_left", off + 3);
        const addrStart = off + 8;
        const addrs: Uint8Array[] = [];
        if (type === 4) {
          e.u8("last_entry", off + 4);
          e.u8("flags", off + 5);
          e.u16("tag", off + 6);
        } else e.u32("reserved", off + 4);
        for (let a = addrStart, i = 0; a + 16 <= off + len; a += 16, i++) {
          addrs.push(d.bytes(a, 16));
          e.add(`address[${i}]`, a, 16, ipv6(d.bytes(a, 16)));
        }
        // The transport checksum covers the final destination, not the current hop.
        if (left > 0 && addrs.length > 0) dst = type === 4 ? addrs[0]! : addrs[addrs.length - 1]!;
        e.layer.summary = `type ${type}, ${left} segments left`;
      } else {
        decodeTlvOptions(e, off + 2, off + len);
        e.layer.summary = `${len} bytes`;
      }
    }
    e.layer.length = len;
    off += len;
    nh = next;
    if (fragment === "later") {
      e.issue("IPV6_FRAGMENT", e.layer.offset + 2, "a non-first fragment: no transport header in this packet");
      return undefined;
    }
    if (n >= 16) return undefined;
  }
  if (nh === 59) return undefined;
  return transportNext(nh, off, payloadEnd, ctx, {
    version: 6,
    src,
    dst,
    complete: complete && fragment === "none",
    fragment,
  });
}
