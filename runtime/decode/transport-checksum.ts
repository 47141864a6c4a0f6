/** Verifying a transport checksum (TCP, UDP, ICMPv6) against its IP pseudo-header. */
import { internetChecksum, pseudoHeaderSum } from "./checksum.ts";
import { type LayerBuilder, hexNumber } from "./dissection.ts";
import type { IssueCode } from "./issues.ts";
import type { Context } from "./protocol.ts";

/**
 * Add the checksum field at `field` for the segment [start, end) and verify it. `pseudo` false: no
 * pseudo-header (ICMPv4, GRE). UDP's "0 means none" is the caller's (it passes `zeroMeansNone`).
 */
export function checksumField(
  b: LayerBuilder,
  field: number,
  start: number,
  end: number,
  ctx: Context,
  options: { proto?: number; code: IssueCode; zeroMeansNone?: boolean; name?: string; complete?: boolean },
): void {
  const name = options.name ?? "checksum";
  const hex = { value: hexNumber(b.d.u16(field), 2) };
  const got = b.d.u16(field);
  if (options.zeroMeansNone && got === 0) {
    b.u16(name, field, { ...hex, meaning: "none (0: the sender did not compute one)" });
    return;
  }
  const complete = options.complete ?? ctx.ip?.complete ?? false;
  if (!complete) {
    b.u16(name, field, {
      ...hex,
      verdict: "warn",
      meaning: "not verified: the packet is truncated, quoted or fragmented",
    });
    if (!ctx.quoted)
      b.issue(
        "CHECKSUM_UNVERIFIED",
        field,
        `${b.protocol} checksum not verified: not all of the segment is in this packet`,
      );
    return;
  }
  const pseudo = options.proto !== undefined && ctx.ip ? pseudoHeaderSum(ctx.ip, options.proto, end - start) : 0;
  let want = internetChecksum(b.d.bytes(start, end - start), field - start, pseudo);
  if (options.zeroMeansNone && want === 0) want = 0xffff; // RFC 768: a computed 0 is sent as all ones
  if (got === want) b.u16(name, field, { ...hex, verdict: "ok", meaning: "correct" });
  else {
    b.u16(name, field, {
      ...hex,
      verdict: "bad",
      expected: hexNumber(want, 2),
      meaning: `wrong, correct is ${hexNumber(want, 2)}`,
    });
    b.issue(options.code, field, `${b.protocol} checksum ${hexNumber(got, 2)}, correct ${hexNumber(want, 2)}`);
  }
}
