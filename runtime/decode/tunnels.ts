/** GRE (RFC 2784/2890) and VXLAN (RFC 7348): headers whose payload is another packet. */
import { type Dissection, LayerBuilder } from "./dissection.ts";
import { etherTypeNext } from "./ethernet.ts";
import type { Context, Next } from "./protocol.ts";
import { checksumField } from "./transport-checksum.ts";

export function decodeGre(d: Dissection, at: number, end: number, ctx: Context): Next | undefined {
  const b = new LayerBuilder(d, "GRE", at, ctx.depth);
  if (end - at < 4) {
    b.issue("GRE_TRUNCATED", at, `${end - at} bytes; a GRE header needs at least 4`);
    return undefined;
  }
  const c = b.flag("flags.c", at, 2, 0x8000, "checksum present");
  b.flag("flags.r", at, 2, 0x4000, "routing present (deprecated)");
  const k = b.flag("flags.k", at, 2, 0x2000, "key present");
  const s = b.flag("flags.s", at, 2, 0x1000, "sequence number present");
  b.bits("reserved0", at, 2, 0x0ff8);
  const version = b.bits("version", at, 2, 0x0007);
  const need = 4 + (c ? 4 : 0) + (k ? 4 : 0) + (s ? 4 : 0);
  if (end - at < need) {
    b.u16("protocol", at + 2);
    b.issue("GRE_TRUNCATED", at, `${end - at} bytes; the flags announce a ${need}-byte header`);
    return undefined;
  }
  if (version !== 0) {
    b.layer.fields.find((f) => f.name === "version")!.verdict = "bad";
    b.issue("GRE_BAD_VERSION", at + 1, `GRE version ${version}; only 0 is decoded`);
  }
  let off = at + 4;
  const parts: string[] = [];
  if (c) {
    checksumField(b, off, at, end, ctx, { code: "GRE_BAD_CHECKSUM", complete: ctx.ip?.complete ?? false });
    b.u16("reserved1", off + 2);
    off += 4;
  }
  if (k) parts.push(`key ${b.u32("key", off)}`), (off += 4);
  if (s) parts.push(`seq ${b.u32("sequence", off)}`), (off += 4);
  b.layer.length = need;
  const next =
    version === 0 ? etherTypeNext(b, "protocol", at + 2, end, { depth: ctx.depth + 1, quoted: ctx.quoted }) : undefined;
  if (version !== 0) b.u16("protocol", at + 2);
  b.layer.summary = parts.join(" ");
  return next ? { ...next, at: off } : undefined;
}

export function decodeVxlan(d: Dissection, at: number, end: number, ctx: Context): Next | undefined {
  const b = new LayerBuilder(d, "VXLAN", at, ctx.depth);
  if (end - at < 8) {
    b.issue("VXLAN_TRUNCATED", at, `${end - at} bytes; a VXLAN header needs 8`);
    return undefined;
  }
  const i = b.flag("flags.i", at, 1, 0x08, "VNI is valid");
  b.bits("flags.reserved", at, 1, 0xf7);
  b.add("reserved", at + 1, 3, 0);
  const vni = b.bits("vni", at + 4, 4, 0xffffff00, { meaning: "VXLAN network identifier" });
  b.u8("reserved2", at + 7);
  if (!i) b.issue("VXLAN_NO_VNI", at, "the I flag is clear: the VNI is not valid");
  b.layer.summary = `VNI ${vni}`;
  return { protocol: "ethernet", at: at + 8, end, ctx: { depth: ctx.depth + 1 } };
}
