/** TCP header (RFC 9293) with options and flags explained. */
import { type Dissection, LayerBuilder } from "./dissection.ts";
import type { Context, Next } from "./protocol.ts";
import { checksumField } from "./transport-checksum.ts";

const FLAGS: Array<[string, number, string]> = [
  ["cwr", 0x80, "congestion window reduced"],
  ["ece", 0x40, "ECN echo"],
  ["urg", 0x20, "urgent pointer is valid"],
  ["ack", 0x10, "acknowledgment number is valid"],
  ["psh", 0x08, "push to the application"],
  ["rst", 0x04, "reset the connection"],
  ["syn", 0x02, "synchronize sequence numbers (open)"],
  ["fin", 0x01, "no more data from sender (close)"],
];

const OPTIONS: Record<number, [string, number | undefined]> = {
  0: ["End of Option List", 1],
  1: ["No-Operation", 1],
  2: ["Maximum Segment Size", 4],
  3: ["Window Scale", 3],
  4: ["SACK Permitted", 2],
  5: ["SACK", undefined],
  8: ["Timestamps", 10],
  28: ["User Timeout", 4],
  29: ["TCP-AO", undefined],
  30: ["Multipath TCP", undefined],
  34: ["TCP Fast Open cookie", undefined],
};

function decodeOptions(b: LayerBuilder, start: number, end: number): string[] {
  const seen: string[] = [];
  for (let off = start, i = 0; off < end; i++) {
    const kind = b.d.u8(off);
    const name = `option[${i}]`;
    const [label, fixed] = OPTIONS[kind] ?? [`option kind ${kind}`, undefined];
    b.u8(`${name}.kind`, off, { meaning: label });
    if (kind === 0) {
      if (off + 1 < end)
        b.add(`${name}.padding`, off + 1, end - off - 1, end - off - 1, { meaning: "bytes after End of Option List" });
      return seen;
    }
    if (kind === 1) {
      off += 1;
      continue;
    }
    if (off + 1 >= end) {
      b.issue("TCP_BAD_OPTION", off, `option ${kind} has no length byte before the end of the header`);
      return seen;
    }
    const len = b.d.u8(off + 1);
    const wrongFixed = fixed !== undefined && len !== fixed;
    if (len < 2 || off + len > end || wrongFixed) {
      b.u8(`${name}.length`, off + 1, { verdict: "bad", ...(wrongFixed ? { expected: fixed } : {}) });
      b.issue(
        "TCP_BAD_OPTION",
        off + 1,
        `${label} length ${len}${wrongFixed ? `, must be ${fixed}` : len < 2 ? " is below 2" : ` runs ${off + len - end} bytes past the header`}`,
      );
      return seen;
    }
    b.u8(`${name}.length`, off + 1);
    switch (kind) {
      case 2:
        seen.push(`mss ${b.u16(`${name}.mss`, off + 2, { meaning: "bytes" })}`);
        break;
      case 3: {
        const shift = b.u8(`${name}.shift`, off + 2, { meaning: `window × ${2 ** Math.min(b.d.u8(off + 2), 14)}` });
        seen.push(`wscale ${shift}`);
        break;
      }
      case 4:
        seen.push("sackOK");
        break;
      case 5:
        for (let e = off + 2, n = 0; e + 8 <= off + len; e += 8, n++) {
          b.u32(`${name}.block[${n}].left`, e);
          b.u32(`${name}.block[${n}].right`, e + 4);
        }
        seen.push("sack");
        break;
      case 8:
        seen.push(`ts ${b.u32(`${name}.tsval`, off + 2)}`);
        b.u32(`${name}.tsecr`, off + 6);
        break;
      default:
        if (len > 2) b.add(`${name}.data`, off + 2, len - 2, len - 2, { meaning: `${len - 2} bytes` });
    }
    off += len;
  }
  return seen;
}

export function decodeTcp(d: Dissection, at: number, end: number, ctx: Context): Next | undefined {
  const b = new LayerBuilder(d, "TCP", at, ctx.depth);
  if (end - at < 20) {
    if (end - at >= 4) {
      b.u16("sport", at);
      b.u16("dport", at + 2);
    }
    if (!ctx.quoted) b.issue("TCP_TRUNCATED", at, `${end - at} bytes; a TCP header needs at least 20`);
    b.layer.summary = end - at >= 4 ? `${d.u16(at)} → ${d.u16(at + 2)} (truncated)` : "truncated";
    return undefined;
  }
  const sport = b.u16("sport", at);
  const dport = b.u16("dport", at + 2);
  const seq = b.u32("seq", at + 4);
  const ack = b.u32("ack", at + 8);
  const doff = b.bits("data_offset", at + 12, 1, 0xf0, { meaning: `${(d.u8(at + 12) >> 4) * 4} bytes` });
  const reserved = b.bits("reserved", at + 12, 1, 0x0e);
  if (reserved) {
    b.layer.fields[b.layer.fields.length - 1]!.verdict = "warn";
    b.issue("TCP_RESERVED_BITS", at + 12, `reserved bits 0x${reserved.toString(16)} set`);
  }
  b.flag("flags.ae", at + 12, 1, 0x01, "accurate ECN (was NS, nonce sum)");
  const set: string[] = [];
  for (const [name, mask, meaning] of FLAGS)
    if (b.flag(`flags.${name}`, at + 13, 1, mask, meaning)) set.push(name.toUpperCase());
  const flags = d.u8(at + 13);
  if ((flags & 0x03) === 0x03 || (flags & 0x06) === 0x06 || (flags & 0x3f) === 0) {
    const what =
      (flags & 0x3f) === 0
        ? "no control flag (null scan)"
        : (flags & 3) === 3
          ? "SYN and FIN together"
          : "SYN and RST together";
    b.issue("TCP_BAD_FLAGS", at + 13, `${what}: no TCP stack sends this`);
  }
  b.u16("window", at + 14);
  const hlen = doff * 4;
  const headerOk = doff >= 5 && at + hlen <= end;
  checksumField(b, at + 16, at, end, ctx, { proto: 6, code: "TCP_BAD_CHECKSUM" });
  b.u16("urgent_pointer", at + 18, { meaning: flags & 0x20 ? "valid (URG set)" : "ignored (URG clear)" });
  let opts: string[] = [];
  if (!headerOk) {
    b.layer.fields.find((f) => f.name === "data_offset")!.verdict = "bad";
    if (!ctx.quoted || doff < 5)
      b.issue(
        "TCP_BAD_DATA_OFFSET",
        at + 12,
        `data offset ${doff} (${hlen} bytes) ${doff < 5 ? "is below 5 words" : `runs past the ${end - at}-byte segment`}`,
      );
  } else if (hlen > 20) opts = decodeOptions(b, at + 20, at + hlen);
  b.layer.length = headerOk ? hlen : 20;
  b.layer.summary = `${sport} → ${dport} [${set.reverse().join(",") || "none"}] seq ${seq}${flags & 0x10 ? ` ack ${ack}` : ""} len ${Math.max(0, end - at - (headerOk ? hlen : 20))}${opts.length ? ` <${opts.join(",")}>` : ""}`;
  return undefined;
}
