/** IPv4 header (RFC 791) with its options; hands the payload to the transport or tunnel it names. */
import { IP_PROTOCOLS, ipv4 } from "./addresses.ts";
import { internetChecksum } from "./checksum.ts";
import { type Dissection, LayerBuilder, hexNumber } from "./dissection.ts";
import type { Context, Next, ProtocolKey } from "./protocol.ts";

const ECN = ["Not-ECT", "ECT(1)", "ECT(0)", "CE (congestion experienced)"];

const OPTIONS: Record<number, string> = {
  0: "End of Option List",
  1: "No-Operation",
  7: "Record Route",
  68: "Timestamp",
  130: "Security",
  131: "Loose Source Route",
  137: "Strict Source Route",
  136: "Stream ID",
  148: "Router Alert",
};

/** The protocol decoder for an IP protocol number (shared with IPv6's next header). */
export function transportFor(proto: number): ProtocolKey | "tunnel4" | "tunnel6" | undefined {
  switch (proto) {
    case 1:
      return "icmp";
    case 6:
      return "tcp";
    case 17:
      return "udp";
    case 47:
      return "gre";
    case 58:
      return "icmpv6";
    case 4:
      return "tunnel4";
    case 41:
      return "tunnel6";
    default:
      return undefined;
  }
}

export function transportNext(
  proto: number,
  at: number,
  end: number,
  ctx: Context,
  ip: Context["ip"],
): Next | undefined {
  const t = transportFor(proto);
  if (t === undefined) return undefined;
  if (t === "tunnel4") return { protocol: "ipv4", at, end, ctx: { depth: ctx.depth + 1, quoted: ctx.quoted } };
  if (t === "tunnel6") return { protocol: "ipv6", at, end, ctx: { depth: ctx.depth + 1, quoted: ctx.quoted } };
  return { protocol: t, at, end, ctx: { ...ctx, ip } };
}

function decodeOptions(b: LayerBuilder, start: number, end: number): void {
  let i = 0;
  for (let off = start; off < end; i++) {
    const kind = b.d.u8(off);
    const name = `option[${i}]`;
    const meaning = OPTIONS[kind] ?? `option type ${kind}`;
    if (kind === 0) {
      b.u8(`${name}.type`, off, { meaning });
      if (off + 1 < end)
        b.add(`${name}.padding`, off + 1, end - off - 1, end - off - 1, { meaning: "bytes after End of Option List" });
      return;
    }
    if (kind === 1) {
      b.u8(`${name}.type`, off, { meaning });
      off += 1;
      continue;
    }
    b.u8(`${name}.type`, off, {
      meaning: `${meaning} (copied ${kind & 0x80 ? "yes" : "no"}, class ${(kind >> 5) & 3}, number ${kind & 0x1f})`,
    });
    if (off + 1 >= end) {
      b.issue("IPV4_BAD_OPTION", off, `option ${kind} has no length byte before the end of the header`);
      return;
    }
    const len = b.d.u8(off + 1);
    if (len < 2 || off + len > end) {
      b.u8(`${name}.length`, off + 1, { verdict: "bad" });
      b.issue(
        "IPV4_BAD_OPTION",
        off + 1,
        `option ${kind} length ${len} ${len < 2 ? "is below 2" : `runs ${off + len - end} bytes past the header`}`,
      );
      return;
    }
    b.u8(`${name}.length`, off + 1);
    if (kind === 148 && len === 4)
      b.u16(`${name}.value`, off + 2, { meaning: "router alert value (0: examine packet)" });
    else if ((kind === 7 || kind === 131 || kind === 137) && len >= 3) {
      b.u8(`${name}.pointer`, off + 2);
      for (let a = off + 3, n = 0; a + 4 <= off + len; a += 4, n++)
        b.add(`${name}.address[${n}]`, a, 4, ipv4(b.d.bytes(a, 4)));
    } else if (len > 2) b.add(`${name}.data`, off + 2, len - 2, len - 2, { meaning: `${len - 2} bytes` });
    off += len;
  }
}

export function decodeIpv4(d: Dissection, at: number, end: number, ctx: Context): Next | undefined {
  const b = new LayerBuilder(d, "IPv4", at, ctx.depth);
  const avail = end - at;
  if (avail < 20) {
    b.issue("IPV4_TRUNCATED", at, `${avail} bytes; an IPv4 header needs at least 20`);
    return undefined;
  }
  const version = b.bits("version", at, 1, 0xf0);
  if (version !== 4) {
    b.layer.fields[0]!.verdict = "bad";
    b.layer.fields[0]!.expected = 4;
    b.issue("IPV4_BAD_VERSION", at, `version ${version} in an IPv4 header`);
  }
  const ihl = b.bits("ihl", at, 1, 0x0f, { meaning: `${(d.u8(at) & 0xf) * 4} bytes` });
  const hlen = ihl * 4;
  if (ihl < 5) {
    b.layer.fields[1]!.verdict = "bad";
    b.issue("IPV4_BAD_IHL", at, `IHL ${ihl} (${hlen} bytes); the header is at least 5 words (20 bytes)`);
  }
  b.bits("dscp", at + 1, 1, 0xfc, { meaning: "differentiated services code point" });
  b.bits("ecn", at + 1, 1, 0x03, { meaning: ECN[d.u8(at + 1) & 3] });
  const total = b.u16("total_length", at + 2);
  const totalField = b.layer.fields[b.layer.fields.length - 1]!;
  b.u16("id", at + 4);
  const reserved = b.flag("flags.reserved", at + 6, 2, 0x8000, "reserved, must be 0");
  const df = b.flag("flags.df", at + 6, 2, 0x4000, "don't fragment");
  const mf = b.flag("flags.mf", at + 6, 2, 0x2000, "more fragments follow");
  const fragOffset = b.bits("fragment_offset", at + 6, 2, 0x1fff, { meaning: `${(d.u16(at + 6) & 0x1fff) * 8} bytes` });
  const ttl = b.u8("ttl", at + 8);
  const proto = b.u8("protocol", at + 9, { meaning: IP_PROTOCOLS[d.u8(at + 9)] ?? "unknown" });
  const checksumAt = at + 10;
  const checksum = d.u16(checksumAt);
  const src = d.bytes(at + 12, 4);
  const dst = d.bytes(at + 16, 4);
  if (reserved) {
    b.layer.fields.find((f) => f.name === "flags.reserved")!.verdict = "warn";
    b.issue("IPV4_RESERVED_FLAG", at + 6, "the reserved flag bit is set");
  }
  if (ttl === 0 && !ctx.quoted) {
    b.layer.fields.find((f) => f.name === "ttl")!.verdict = "warn";
    b.issue("IPV4_TTL_ZERO", at + 8, "TTL 0");
  }

  // Lengths: the header must fit the total length, and the total length the frame.
  const headerEnd = at + Math.max(hlen, 20);
  let datagramEnd = end;
  let complete = false;
  if (ihl >= 5 && total < hlen) {
    totalField.verdict = "bad";
    b.issue("IPV4_BAD_TOTAL_LENGTH", at + 2, `total length ${total} is smaller than the ${hlen}-byte header`);
  } else if (total > avail) {
    if (ctx.quoted) totalField.meaning = `${avail} of ${total} bytes quoted`;
    else {
      totalField.verdict = "bad";
      totalField.expected = avail;
      b.issue("IPV4_TRUNCATED", at + 2, `total length ${total} but the frame holds ${avail} bytes from here`);
    }
  } else {
    totalField.verdict = "ok";
    datagramEnd = at + total;
    complete = true;
  }

  if (ihl >= 5 && hlen > avail) {
    b.u16("checksum", checksumAt, { value: hexNumber(checksum, 2), verdict: "warn" });
    b.add("src", at + 12, 4, ipv4(src));
    b.add("dst", at + 16, 4, ipv4(dst));
    b.issue("IPV4_TRUNCATED", at, `IHL says ${hlen} header bytes; the frame holds ${avail}`);
    b.layer.summary = `${ipv4(src)} → ${ipv4(dst)} (header truncated)`;
    return undefined;
  }
  const want = internetChecksum(d.bytes(at, Math.max(hlen, 20)), 10);
  if (want === checksum)
    b.u16("checksum", checksumAt, { value: hexNumber(checksum, 2), verdict: "ok", meaning: "correct" });
  else {
    b.u16("checksum", checksumAt, {
      value: hexNumber(checksum, 2),
      verdict: "bad",
      expected: hexNumber(want, 2),
      meaning: `wrong, correct is ${hexNumber(want, 2)}`,
    });
    b.issue(
      "IPV4_BAD_CHECKSUM",
      checksumAt,
      `header checksum ${hexNumber(checksum, 2)}, correct ${hexNumber(want, 2)}`,
    );
  }
  b.add("src", at + 12, 4, ipv4(src));
  b.add("dst", at + 16, 4, ipv4(dst));
  if (hlen > 20) decodeOptions(b, at + 20, at + hlen);
  b.layer.length = Math.max(hlen, 20);

  const flags = [df ? "DF" : "", mf ? "MF" : ""].filter(Boolean).join(",");
  b.layer.summary = `${ipv4(src)} → ${ipv4(dst)} ${IP_PROTOCOLS[proto] ?? `proto ${proto}`} TTL ${ttl}${flags ? ` ${flags}` : ""}${fragOffset ? ` fragment offset ${fragOffset * 8}` : ""}`;
  const fragment = fragOffset > 0 ? "later" : mf ? "first" : "none";
  if (fragment === "later") {
    b.issue("IPV4_FRAGMENT", at + 6, `fragment at offset ${fragOffset * 8}: no transport header in this packet`);
    return undefined;
  }
  return transportNext(proto, headerEnd, datagramEnd, ctx, {
    version: 4,
    src,
    dst,
    complete: complete && fragment === "none",
    fragment,
  });
}
