/**
 * Decode raw bytes into JS values by a BTF type id, for map dumps:
 * integers → number (bigint above 32 bits), bool → boolean, char arrays →
 * string, enums → enumerator name (or the number if none matches),
 * structs/unions/DATASECs → objects, arrays → arrays, pointers → bigint.
 */
import { isBigEndian } from "./byte-order.ts";
import { BtfError } from "./errors.ts";
import type { Btf } from "./parse.ts";
import { BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, BtfKind, btfKindName } from "./types.ts";

export type BtfValue = number | bigint | boolean | string | null | BtfValue[] | { [name: string]: BtfValue };

const MAX_DEPTH = 32;

export function decodeBtfValue(btf: Btf, typeId: number, bytes: Uint8Array): BtfValue {
  return decodeChecked(btf, typeId, bytes, false);
}

function decodeChecked(btf: Btf, typeId: number, bytes: Uint8Array, marks: boolean): BtfValue {
  const size = btf.sizeOf(typeId);
  if (bytes.byteLength < size)
    throw new BtfError(`cannot decode ${btf.describe(typeId)}: need ${size} bytes, got ${bytes.byteLength}`);
  return decode(btf, typeId, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, 0, marks);
}

/** A `__be*` integer with its width, kept apart while decoding for text that shows it in hex too. */
class NetworkOrderInt {
  constructor(
    readonly value: number | bigint,
    readonly size: number,
  ) {}
  get text(): string {
    return `${this.value} (0x${this.value.toString(16).padStart(this.size * 2, "0")})`;
  }
}

function readUnsigned(view: DataView, offset: number, size: number, bigEndian = false): bigint {
  let v = 0n;
  for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(view.getUint8(offset + (bigEndian ? i : size - 1 - i)));
  return v;
}

function intValue(raw: bigint, bits: number, signed: boolean): number | bigint {
  const v = signed ? BigInt.asIntN(bits, raw) : BigInt.asUintN(bits, raw);
  return bits <= 32 ? Number(v) : v;
}

/** `marks`: `__be*` integers come back as NetworkOrderInt (for formatBtfText only). */
function decode(btf: Btf, typeId: number, view: DataView, offset: number, depth: number, marks: boolean): BtfValue {
  if (depth > MAX_DEPTH) throw new BtfError(`type #${typeId}: nesting too deep to decode`);
  const t = btf.skipQualifiers(typeId);
  switch (t.kind) {
    case BtfKind.INT: {
      if (t.encoding & BTF_INT_BOOL) return view.getUint8(offset) !== 0;
      const bigEndian = isBigEndian(btf, typeId);
      const raw = readUnsigned(view, offset, t.size, bigEndian) >> BigInt(t.bitOffset);
      const v = intValue(raw, t.bits, (t.encoding & BTF_INT_SIGNED) !== 0);
      return marks && bigEndian ? (new NetworkOrderInt(v, t.size) as unknown as BtfValue) : v;
    }
    case BtfKind.ENUM:
    case BtfKind.ENUM64: {
      const raw = readUnsigned(view, offset, t.size);
      const v = t.signed ? BigInt.asIntN(t.size * 8, raw) : raw;
      const named = t.values.find((e) => e.value === v);
      return named ? named.name : t.size <= 4 ? Number(v) : v;
    }
    case BtfKind.FLOAT:
      return t.size === 4 ? view.getFloat32(offset, true) : t.size === 8 ? view.getFloat64(offset, true) : null;
    case BtfKind.PTR:
      return readUnsigned(view, offset, 8);
    case BtfKind.ARRAY: {
      const elem = btf.skipQualifiers(t.elemType);
      const elemSize = btf.sizeOf(t.elemType);
      if (elem.kind === BtfKind.INT && elem.size === 1 && (elem.encoding & BTF_INT_CHAR || elem.name === "char")) {
        const bytes = new Uint8Array(view.buffer, view.byteOffset + offset, t.nelems);
        const end = bytes.indexOf(0);
        return Buffer.from(bytes.subarray(0, end < 0 ? bytes.length : end)).toString("latin1");
      }
      return Array.from({ length: t.nelems }, (_, i) =>
        decode(btf, t.elemType, view, offset + i * elemSize, depth + 1, marks),
      );
    }
    case BtfKind.STRUCT:
    case BtfKind.UNION: {
      const out: { [name: string]: BtfValue } = {};
      t.members.forEach((m, i) => {
        const key = m.name || `(anon${i})`;
        if (m.bitfieldSize > 0) {
          const raw = readUnsigned(view, offset, t.size) >> BigInt(m.bitOffset);
          const member = btf.skipQualifiers(m.type);
          const signed = member.kind === BtfKind.INT && (member.encoding & BTF_INT_SIGNED) !== 0;
          out[key] = intValue(raw, m.bitfieldSize, signed);
        } else {
          const value = decode(btf, m.type, view, offset + m.bitOffset / 8, depth + 1, marks);
          // Anonymous nested structs/unions flatten into the parent, as in C.
          if (m.name === "" && value !== null && typeof value === "object" && !Array.isArray(value))
            Object.assign(out, value);
          else out[key] = value;
        }
      });
      return out;
    }
    case BtfKind.DATASEC: {
      const out: { [name: string]: BtfValue } = {};
      for (const v of t.vars)
        out[btf.type(v.type).name] = decode(btf, v.type, view, offset + v.offset, depth + 1, marks);
      return out;
    }
    case BtfKind.VAR:
      return decode(btf, t.type, view, offset, depth + 1, marks);
    default:
      throw new BtfError(`cannot decode a value of ${btfKindName(t.kind)} type #${t.id}`);
  }
}

/**
 * One-line text of `bytes` read as type `typeId`, as the declarations mean them: host-order
 * numbers, and each integer declared big-endian (be16/be32/be64, C's `__be*`) also in hex, which
 * shows its bytes in network order: an IPv4 address 10.100.0.1 is `174325761 (0x0a640001)`. BTF
 * does not say which be32 is an address, so none is printed dotted. `tsbpf map dump` and
 * `tsbpf trace` print keys and values with it.
 */
export function formatBtfText(btf: Btf, typeId: number, bytes: Uint8Array): string {
  const texts: string[] = [];
  const json = JSON.stringify(decodeChecked(btf, typeId, bytes, true), (_k, v: unknown) => {
    if (v instanceof NetworkOrderInt) return `\u0000${texts.push(v.text) - 1}`;
    return typeof v === "bigint" ? (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : v;
  });
  // Char arrays stop at NUL, so no decoded string holds one: the placeholders are only these.
  return json.replace(/"\\u0000(\d+)"/g, (_m, i: string) => texts[Number(i)]!);
}

/** One-line rendering of a decoded value (bigints as plain numbers). */
export function formatBtfValue(value: BtfValue): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === "bigint" ? (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : v,
  );
}
