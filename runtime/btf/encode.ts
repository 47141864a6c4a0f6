/**
 * The inverse of decodeBtfValue: JS/JSON values → bytes laid out by a BTF
 * type, for writing map keys and values given as JSON (`tsbpf map update`).
 * Integers accept numbers, bigints and decimal/0x strings; enums their
 * enumerator names; char arrays strings; structs objects (missing members are
 * zero, unknown ones an error); arrays may be shorter than declared (zero-filled).
 */
import { isBigEndian } from "./byte-order.ts";
import { BtfError } from "./errors.ts";
import type { Btf } from "./parse.ts";
import { BTF_INT_BOOL, BTF_INT_SIGNED, BtfKind, btfKindName } from "./types.ts";

const MAX_DEPTH = 32;

/** `where: what`, or just `what` at the top level. */
const at = (where: string, what: string) => (where ? `${where}: ${what}` : what);
const child = (where: string, name: string) => (where ? `${where}.${name}` : name);

export function encodeBtfValue(btf: Btf, typeId: number, value: unknown): Uint8Array {
  const out = new Uint8Array(btf.sizeOf(typeId));
  encode(btf, typeId, value, out, 0, "", 0);
  return out;
}

function toBigInt(value: unknown, where: string): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "boolean") return value ? 1n : 0n;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^-?(0x[0-9a-f]+|\d+)$/i.test(value.trim())) {
    const s = value.trim();
    return s.startsWith("-") ? -BigInt(s.slice(1)) : BigInt(s);
  }
  throw new BtfError(at(where, `expected an integer, got ${JSON.stringify(value)}`));
}

function writeInt(out: Uint8Array, offset: number, size: number, v: bigint, bigEndian = false): void {
  let x = BigInt.asUintN(size * 8, v);
  for (let i = 0; i < size; i++) {
    out[offset + (bigEndian ? size - 1 - i : i)] = Number(x & 0xffn);
    x >>= 8n;
  }
}

function checkRange(v: bigint, bits: number, signed: boolean, where: string): void {
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  if (v < min || v > max)
    throw new BtfError(at(where, `${v} does not fit in ${signed ? "a signed" : "an unsigned"} ${bits}-bit integer`));
}

/** OR `bits` bits of `v` into the little-endian bytes at `offset`, starting at bit `bitOffset`. */
function writeBits(out: Uint8Array, offset: number, bitOffset: number, bits: number, v: bigint): void {
  for (let i = 0; i < bits; i++) {
    const bit = bitOffset + i;
    if ((v >> BigInt(i)) & 1n) out[offset + (bit >> 3)]! |= 1 << (bit & 7);
  }
}

function encode(
  btf: Btf,
  typeId: number,
  value: unknown,
  out: Uint8Array,
  offset: number,
  where: string,
  depth: number,
): void {
  if (depth > MAX_DEPTH) throw new BtfError(at(where, "type nesting too deep"));
  const t = btf.skipQualifiers(typeId);
  switch (t.kind) {
    case BtfKind.INT: {
      const v = toBigInt(value, where);
      const signed = (t.encoding & BTF_INT_SIGNED) !== 0;
      checkRange(v, t.encoding & BTF_INT_BOOL ? 1 : t.bits, signed, where);
      if (t.bitOffset === 0 && t.bits === t.size * 8) writeInt(out, offset, t.size, v, isBigEndian(btf, typeId));
      else writeBits(out, offset, t.bitOffset, t.bits, BigInt.asUintN(t.bits, v));
      return;
    }
    case BtfKind.ENUM:
    case BtfKind.ENUM64: {
      const named = typeof value === "string" ? t.values.find((e) => e.name === value) : undefined;
      if (typeof value === "string" && !named && !/^-?(0x[0-9a-f]+|\d+)$/i.test(value)) {
        throw new BtfError(
          at(
            where,
            `"${value}" is not an enumerator of ${btf.describe(t.id)} (${t.values.map((e) => e.name).join(", ")})`,
          ),
        );
      }
      const v = named ? named.value : toBigInt(value, where);
      checkRange(v, t.size * 8, t.signed || v < 0n, where);
      writeInt(out, offset, t.size, v);
      return;
    }
    case BtfKind.PTR:
      writeInt(out, offset, 8, toBigInt(value, where));
      return;
    case BtfKind.FLOAT: {
      if (typeof value !== "number") throw new BtfError(at(where, `expected a number, got ${JSON.stringify(value)}`));
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      if (t.size === 4) view.setFloat32(offset, value, true);
      else if (t.size === 8) view.setFloat64(offset, value, true);
      else throw new BtfError(at(where, `cannot encode a ${t.size}-byte float`));
      return;
    }
    case BtfKind.ARRAY: {
      const elem = btf.skipQualifiers(t.elemType);
      const elemSize = btf.sizeOf(t.elemType);
      if (typeof value === "string" && elem.kind === BtfKind.INT && elem.size === 1) {
        const bytes = Buffer.from(value, "latin1");
        if (bytes.length > t.nelems)
          throw new BtfError(at(where, `string of ${bytes.length} bytes does not fit in char[${t.nelems}]`));
        out.set(bytes, offset);
        return;
      }
      if (!Array.isArray(value))
        throw new BtfError(at(where, `expected an array for ${btf.describe(t.id)}, got ${JSON.stringify(value)}`));
      if (value.length > t.nelems)
        throw new BtfError(at(where, `${value.length} elements given, ${btf.describe(t.id)} has ${t.nelems}`));
      value.forEach((v, i) =>
        encode(btf, t.elemType, v, out, offset + i * elemSize, `${where || "value"}[${i}]`, depth + 1),
      );
      return;
    }
    case BtfKind.STRUCT:
    case BtfKind.UNION: {
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new BtfError(at(where, `expected an object for ${btf.describe(t.id)}, got ${JSON.stringify(value)}`));
      }
      const given = value as Record<string, unknown>;
      const known = new Set<string>();
      for (const m of t.members) {
        if (m.name === "") {
          // Anonymous nested struct/union: its members are addressed as the parent's (as decode flattens them).
          const inner = btf.skipQualifiers(m.type);
          if (inner.kind === BtfKind.STRUCT || inner.kind === BtfKind.UNION) {
            const sub: Record<string, unknown> = {};
            for (const im of inner.members)
              if (im.name in given) {
                sub[im.name] = given[im.name];
                known.add(im.name);
              }
            encode(btf, m.type, sub, out, offset + m.bitOffset / 8, where, depth + 1);
          }
          continue;
        }
        known.add(m.name);
        if (!(m.name in given)) continue;
        const mw = child(where, m.name);
        if (m.bitfieldSize > 0) {
          const member = btf.skipQualifiers(m.type);
          const signed = member.kind === BtfKind.INT && (member.encoding & BTF_INT_SIGNED) !== 0;
          const v = toBigInt(given[m.name], mw);
          checkRange(v, m.bitfieldSize, signed, mw);
          writeBits(out, offset, m.bitOffset, m.bitfieldSize, BigInt.asUintN(m.bitfieldSize, v));
        } else {
          encode(btf, m.type, given[m.name], out, offset + m.bitOffset / 8, mw, depth + 1);
        }
      }
      const unknown = Object.keys(given).filter((k) => !known.has(k));
      if (unknown.length)
        throw new BtfError(
          at(
            where,
            `${btf.describe(t.id)} has no member${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} (members: ${[...known].join(", ")})`,
          ),
        );
      return;
    }
    case BtfKind.DATASEC: {
      if (value === null || typeof value !== "object" || Array.isArray(value))
        throw new BtfError(at(where, `expected an object of ${t.name} variables`));
      const given = value as Record<string, unknown>;
      for (const v of t.vars) {
        const name = btf.type(v.type).name;
        if (name in given) encode(btf, v.type, given[name], out, offset + v.offset, child(where, name), depth + 1);
      }
      return;
    }
    case BtfKind.VAR:
      encode(btf, t.type, value, out, offset, where, depth + 1);
      return;
    default:
      throw new BtfError(at(where, `cannot encode a value of ${btfKindName(t.kind)} type #${t.id}`));
  }
}
