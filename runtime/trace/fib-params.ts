/**
 * struct bpf_fib_lookup as text, field by field under the kernel's own names (its BTF, from
 * /sys/kernel/btf/vmlinux): the fields the call reads, then the ones the kernel changed. Of the
 * struct's unions, the member the family and flags select is shown (ipv4_src or ipv6_src; tos or
 * flowinfo; tbid only with BPF_FIB_LOOKUP_TBID; mark only with BPF_FIB_LOOKUP_MARK), and on the way
 * out the output names (mtu_result, rt_metric, smac, dmac). Without kernel BTF: the struct in hex.
 */
import { decodeBtfValue } from "../btf/format.ts";
import type { Btf } from "../btf/parse.ts";
import { BtfKind } from "../btf/types.ts";
import { kernelStructId } from "../btf/vmlinux.ts";
import { ipv4, ipv6, mac } from "../decode/addresses.ts";
import { FibResult } from "../lang/helpers.ts";
import { hex } from "./xdp-frame.ts";

const AF_INET = 2;
const AF_INET6 = 10;
const BPF_FIB_LOOKUP_TBID = 1 << 3;
const BPF_FIB_LOOKUP_MARK = 1 << 5;

interface Field {
  name: string;
  offset: number;
  size: number;
  type: number;
}

/** The struct's named members with byte offsets, anonymous unions and structs opened. */
function fields(btf: Btf, typeId: number, base = 0): Field[] {
  const t = btf.skipQualifiers(typeId);
  if (t.kind !== BtfKind.STRUCT && t.kind !== BtfKind.UNION) return [];
  return t.members.flatMap((m) =>
    m.name === ""
      ? fields(btf, m.type, base + m.bitOffset / 8)
      : [{ name: m.name, offset: base + m.bitOffset / 8, size: btf.sizeOf(m.type), type: m.type }],
  );
}

/** Which union member a reader wants, by family, flags and direction. */
function shown(name: string, family: number, flags: number, out: boolean): boolean {
  if (/^ipv4_|^tos$/.test(name)) return family === AF_INET;
  if (/^ipv6_|^flowinfo$/.test(name)) return family === AF_INET6;
  if (name === "tot_len") return !out;
  if (name === "mtu_result" || name === "rt_metric" || name === "smac" || name === "dmac") return out;
  if (name === "tbid") return (flags & BPF_FIB_LOOKUP_TBID) !== 0;
  if (name === "h_vlan_proto" || name === "h_vlan_TCI") return out || (flags & BPF_FIB_LOOKUP_TBID) === 0;
  if (name === "mark") return !out && (flags & BPF_FIB_LOOKUP_MARK) !== 0;
  return true;
}

function valueText(btf: Btf, f: Field, bytes: Uint8Array): string {
  const raw = bytes.subarray(f.offset, f.offset + f.size);
  if (/^ipv4_/.test(f.name)) return ipv4(raw);
  if (/^ipv6_/.test(f.name)) return ipv6(raw);
  if (/mac$/.test(f.name)) return mac(raw);
  const v = decodeBtfValue(btf, f.type, raw);
  if (f.name === "family") return v === AF_INET ? `${v} (AF_INET)` : v === AF_INET6 ? `${v} (AF_INET6)` : String(v);
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** "name value" pairs of the fields the call reads (`before`) and of those the kernel changed (`after`). */
export function fibParamsText(before: Uint8Array, after: Uint8Array, flags: number): { in: string; out: string } {
  const found = before.length >= 64 ? kernelStructId("bpf_fib_lookup") : undefined;
  if (!found) return { in: hex(before), out: hex(after) };
  const { btf, id } = found;
  const all = fields(btf, id).filter((f) => f.offset + f.size <= before.length);
  const family = before[0]!;
  const changed = (f: Field) =>
    hex(before.subarray(f.offset, f.offset + f.size)) !== hex(after.subarray(f.offset, f.offset + f.size));
  const text = (list: Field[], bytes: Uint8Array) =>
    list.map((f) => `${f.name} ${valueText(btf, f, bytes)}`).join("  ");
  const inputs = all.filter((f) => shown(f.name, family, flags, false));
  const outputs = all.filter((f) => shown(f.name, family, flags, true) && changed(f));
  return { in: text(inputs, before), out: outputs.length ? text(outputs, after) : "(unchanged)" };
}

/** The helper's result as BPF_FIB_LKUP_RET_* names it (negative: an errno). */
export function fibResultText(result: number): string {
  const name = FibResult[result];
  return name !== undefined ? `${result} (${name})` : String(result);
}
