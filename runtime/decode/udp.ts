/** UDP header (RFC 768); VXLAN on port 4789 is decoded further. */
import { type Dissection, LayerBuilder } from "./dissection.ts";
import type { Context, Next } from "./protocol.ts";
import { checksumField } from "./transport-checksum.ts";

export const VXLAN_PORT = 4789;

export function decodeUdp(d: Dissection, at: number, end: number, ctx: Context): Next | undefined {
  const b = new LayerBuilder(d, "UDP", at, ctx.depth);
  if (end - at < 8) {
    if (end - at >= 4) {
      b.u16("sport", at);
      b.u16("dport", at + 2);
    }
    if (!ctx.quoted) b.issue("UDP_TRUNCATED", at, `${end - at} bytes; a UDP header needs 8`);
    b.layer.summary = "truncated";
    return undefined;
  }
  const sport = b.u16("sport", at);
  const dport = b.u16("dport", at + 2);
  const length = b.u16("length", at + 4);
  const lengthField = b.layer.fields[2]!;
  const present = end - at;
  let segmentEnd = end;
  let lengthOk = true;
  if (ctx.quoted) lengthField.meaning = "quoted";
  else if (ctx.ip?.complete && length !== present) {
    lengthOk = false;
    lengthField.verdict = "bad";
    lengthField.expected = present;
    b.issue("UDP_BAD_LENGTH", at + 4, `UDP length ${length} but the IP payload is ${present} bytes`);
    if (length >= 8 && length < present) segmentEnd = at + length;
  } else if (length < 8) {
    lengthOk = false;
    lengthField.verdict = "bad";
    b.issue("UDP_BAD_LENGTH", at + 4, `UDP length ${length} is below the 8-byte header`);
  } else if (length <= present) {
    lengthField.verdict = "ok";
    segmentEnd = at + length;
  }
  checksumField(b, at + 6, at, segmentEnd, ctx, {
    proto: 17,
    code: "UDP_BAD_CHECKSUM",
    zeroMeansNone: ctx.ip?.version !== 6,
    complete: (ctx.ip?.complete ?? false) && lengthOk,
  });
  if (ctx.ip?.version === 6 && d.u16(at + 6) === 0 && !ctx.quoted) {
    b.layer.fields[3]!.verdict = "warn";
    b.issue("UDP_ZERO_CHECKSUM_IPV6", at + 6, "checksum 0 over IPv6 (mandatory except for tunnels)");
  }
  b.layer.length = 8;
  b.layer.summary = `${sport} → ${dport} len ${length}`;
  if ((dport === VXLAN_PORT || sport === VXLAN_PORT) && !ctx.quoted)
    return { protocol: "vxlan", at: at + 8, end: segmentEnd, ctx: { depth: ctx.depth } };
  return undefined;
}
