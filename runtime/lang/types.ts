// Type descriptors: one declaration serves the kernel program (the compiler reads it),
// the BTF, and userspace (the runtime encodes and decodes map keys and values with it).
//
// Rule for numbers: 8-, 16- and 32-bit integers are JavaScript `number`s; 64-bit integers
// are `bigint`s, so that no value loses precision and TypeScript itself rejects mixing them
// without a conversion (`u64(x)`, `u32(y)`).
// Rule for byte order: `be16`/`be32`/`be64` fields are stored in network byte order and read
// as host-order numbers; the conversion happens on every read and write of the field.

import { enumStorage, layOutStruct } from "./layout.ts";

export type u8 = number;
export type u16 = number;
export type u32 = number;
export type u64 = bigint;
export type i8 = number;
export type i16 = number;
export type i32 = number;
export type i64 = bigint;
export type be16 = number;
export type be32 = number;
export type be64 = bigint;
export type bool = boolean;

/** What every type descriptor has: its C layout and a codec for userspace. */
export interface TypeDesc<V> {
  readonly kind: "int" | "bool" | "array" | "struct";
  readonly size: number;
  readonly align: number;
  /** Writes `value` at `offset` of `view`. */
  write(view: DataView, offset: number, value: V): void;
  /** Reads a value at `offset` of `view`. */
  read(view: DataView, offset: number): V;
  encode(value: V): Uint8Array;
  decode(bytes: Uint8Array): V;
  zero(): V;
}

/** The JavaScript type of a descriptor's values. */
export type Value<D> = D extends TypeDesc<infer V> ? V : never;

abstract class Desc<V> implements TypeDesc<V> {
  abstract readonly kind: "int" | "bool" | "array" | "struct";
  abstract readonly size: number;
  abstract readonly align: number;
  abstract write(view: DataView, offset: number, value: V): void;
  abstract read(view: DataView, offset: number): V;
  abstract zero(): V;
  encode(value: V): Uint8Array {
    const bytes = new Uint8Array(this.size);
    this.write(new DataView(bytes.buffer), 0, value);
    return bytes;
  }
  decode(bytes: Uint8Array): V {
    if (bytes.length < this.size) throw new RangeError(`need ${this.size} bytes, got ${bytes.length}`);
    return this.read(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0);
  }
}

export interface IntDesc<V extends number | bigint> extends TypeDesc<V> {
  readonly kind: "int";
  readonly name: string;
  readonly bits: 8 | 16 | 32 | 64;
  readonly signed: boolean;
  readonly bigEndian: boolean;
  /** Converts (wraps) a value to this width: `u16(x)`. In programs this is a cast. */
  (value: number | bigint): V;
}

function intDesc<V extends number | bigint>(
  name: string,
  bits: 8 | 16 | 32 | 64,
  signed: boolean,
  bigEndian: boolean,
): IntDesc<V> {
  const wrap = (value: number | bigint): V => {
    const big = BigInt.asIntN(64, typeof value === "bigint" ? value : BigInt(Math.trunc(value)));
    const w = signed ? BigInt.asIntN(bits, big) : BigInt.asUintN(bits, big);
    return (bits === 64 ? w : Number(w)) as V;
  };
  const size = bits / 8;
  const little = !bigEndian;
  const desc = Object.assign(wrap, {
    kind: "int" as const,
    bits,
    signed,
    bigEndian,
    size,
    align: size,
    write(view: DataView, offset: number, value: V) {
      const v = wrap(value);
      switch (bits) {
        case 8:
          signed ? view.setInt8(offset, v as number) : view.setUint8(offset, v as number);
          break;
        case 16:
          signed ? view.setInt16(offset, v as number, little) : view.setUint16(offset, v as number, little);
          break;
        case 32:
          signed ? view.setInt32(offset, v as number, little) : view.setUint32(offset, v as number, little);
          break;
        case 64:
          signed ? view.setBigInt64(offset, v as bigint, little) : view.setBigUint64(offset, v as bigint, little);
          break;
      }
    },
    read(view: DataView, offset: number): V {
      switch (bits) {
        case 8:
          return (signed ? view.getInt8(offset) : view.getUint8(offset)) as V;
        case 16:
          return (signed ? view.getInt16(offset, little) : view.getUint16(offset, little)) as V;
        case 32:
          return (signed ? view.getInt32(offset, little) : view.getUint32(offset, little)) as V;
        default:
          return (signed ? view.getBigInt64(offset, little) : view.getBigUint64(offset, little)) as V;
      }
    },
    zero: () => wrap(0),
    encode: Desc.prototype.encode,
    decode: Desc.prototype.decode,
  });
  Object.defineProperty(desc, "name", { value: name });
  return desc as unknown as IntDesc<V>;
}

export const u8 = intDesc<number>("u8", 8, false, false);
export const u16 = intDesc<number>("u16", 16, false, false);
export const u32 = intDesc<number>("u32", 32, false, false);
export const u64 = intDesc<bigint>("u64", 64, false, false);
export const i8 = intDesc<number>("i8", 8, true, false);
export const i16 = intDesc<number>("i16", 16, true, false);
export const i32 = intDesc<number>("i32", 32, true, false);
export const i64 = intDesc<bigint>("i64", 64, true, false);
export const be16 = intDesc<number>("be16", 16, false, true);
export const be32 = intDesc<number>("be32", 32, false, true);
export const be64 = intDesc<bigint>("be64", 64, false, true);

class BoolDesc extends Desc<boolean> {
  readonly kind = "bool" as const;
  readonly size = 1;
  readonly align = 1;
  write(view: DataView, offset: number, value: boolean) {
    view.setUint8(offset, value ? 1 : 0);
  }
  read(view: DataView, offset: number) {
    return view.getUint8(offset) !== 0;
  }
  zero() {
    return false;
  }
}
export const bool: TypeDesc<boolean> = new BoolDesc();

export class ArrayDesc<E extends TypeDesc<any>> extends Desc<Value<E>[]> {
  readonly kind = "array" as const;
  readonly size: number;
  readonly align: number;
  constructor(
    readonly element: E,
    readonly length: number,
  ) {
    super();
    if (!Number.isInteger(length) || length <= 0)
      throw new RangeError(`array length must be a positive integer, got ${length}`);
    this.size = element.size * length;
    this.align = element.align;
  }
  write(view: DataView, offset: number, value: Value<E>[]) {
    if (value.length !== this.length) throw new RangeError(`expected ${this.length} elements, got ${value.length}`);
    value.forEach((v, i) => this.element.write(view, offset + i * this.element.size, v));
  }
  read(view: DataView, offset: number): Value<E>[] {
    return Array.from({ length: this.length }, (_, i) => this.element.read(view, offset + i * this.element.size));
  }
  zero(): Value<E>[] {
    return Array.from({ length: this.length }, () => this.element.zero());
  }
}

/** A fixed-size array: `array(u32, 4)`. */
export function array<E extends TypeDesc<any>>(element: E, length: number): ArrayDesc<E> {
  return new ArrayDesc(element, length);
}

/** `bytes(6)` is `array(u8, 6)`: a MAC address, an IPv6 address. */
export function bytes(length: number): ArrayDesc<typeof u8> {
  return new ArrayDesc(u8, length);
}

/**
 * A TypeScript `enum` object used as a struct field's type: `struct({ state: TcpState })`.
 * Stored like an enum variable, as a `u32` (an `i32` if a member is negative), C's width for
 * an enum; `enumOf<TcpState>(u8)` stores one in a byte.
 */
export type EnumObject = { readonly [name: string]: number | string };
/** A struct field's type: a type descriptor, or an enum. */
export type FieldType = TypeDesc<any> | EnumObject;
export type Fields = Record<string, FieldType>;
/** The JavaScript value of a field: the descriptor's, or the enum's own type. */
export type FieldValue<T> = T extends TypeDesc<infer V> ? V : T extends EnumObject ? T[keyof T] & number : never;

function isTypeDesc(t: unknown): t is TypeDesc<unknown> {
  return (
    (typeof t === "function" || typeof t === "object") &&
    t !== null &&
    typeof (t as TypeDesc<unknown>).read === "function"
  );
}

/** The descriptor a field is stored with: its own, or the integer type of an enum (see EnumObject). */
function fieldDesc(name: string, t: FieldType): TypeDesc<any> {
  if (isTypeDesc(t)) return t;
  if (typeof t !== "object" || t === null)
    throw new TypeError(`field ${name}: expected a type (u32, bytes(6), a struct, an enum), got ${String(t)}`);
  const e = t as EnumObject;
  const values: number[] = [];
  for (const [key, value] of Object.entries(e)) {
    if (typeof value === "number") values.push(value);
    // A numeric enum maps each value back to its name: `TcpState[1] === "ESTABLISHED"`.
    else if (e[value] !== Number(key))
      throw new TypeError(`field ${name}: enum member ${key} is a string; a struct field holds a numeric enum`);
  }
  const storage = values.length > 0 ? enumStorage(values) : undefined;
  if (!storage)
    throw new TypeError(
      `field ${name}: ${values.length ? "the enum's members do not fit in a u32 or an i32" : "expected a type (u32, bytes(6), a struct, an enum)"}`,
    );
  return storage === "i32" ? i32 : u32;
}

/**
 * Padding fields are those named `pad…` (`pad`, `pad0`, `padding`): a struct literal may leave
 * them out, and they are zeroed (in programs and when userspace encodes a value).
 */
export function isPaddingField(name: string): boolean {
  return name.startsWith("pad");
}
/** Fields a literal may leave out: padding, and kernel objects (timers, spin locks), which are zero. */
type PaddingKeys<F> = {
  [K in keyof F]: K extends `pad${string}` ? K : F[K] extends KernelObjectDesc<string> ? K : never;
}[keyof F];

/** The JavaScript value of a struct: every field, padding fields optional. */
export type StructValue<F extends Fields> = Flatten<
  { -readonly [K in Exclude<keyof F, PaddingKeys<F>>]: FieldValue<F[K]> } & {
    -readonly [K in PaddingKeys<F>]?: FieldValue<F[K]>;
  }
>;
type Flatten<T> = { [K in keyof T]: T[K] };

export interface FieldLayout {
  readonly name: string;
  readonly type: TypeDesc<any>;
  readonly offset: number;
}

export class StructDesc<F extends Fields> extends Desc<StructValue<F>> {
  readonly kind = "struct" as const;
  readonly size: number;
  readonly align: number;
  readonly layout: readonly FieldLayout[];
  constructor(
    readonly fields: F,
    readonly packed: boolean,
  ) {
    super();
    const entries = Object.entries(fields).map(([name, type]) => [name, fieldDesc(name, type)] as const);
    const { offsets, size, align } = layOutStruct(
      entries.map(([, type]) => type),
      packed,
    );
    this.layout = entries.map(([name, type], i) => ({ name, type, offset: offsets[i]! }));
    this.align = align;
    this.size = size;
  }
  offsetOf(field: keyof F & string): number {
    const f = this.layout.find((l) => l.name === field);
    if (!f) throw new RangeError(`no field ${field}`);
    return f.offset;
  }
  write(view: DataView, offset: number, value: StructValue<F>) {
    for (const f of this.layout) {
      const v = (value as Record<string, unknown>)[f.name];
      if (v === undefined && !isPaddingField(f.name) && !(f.type instanceof KernelObjectDesc))
        throw new TypeError(`missing field ${f.name}`);
      f.type.write(view, offset + f.offset, v ?? f.type.zero());
    }
  }
  read(view: DataView, offset: number): StructValue<F> {
    const out: Record<string, unknown> = {};
    for (const f of this.layout) out[f.name] = f.type.read(view, offset + f.offset);
    return out as StructValue<F>;
  }
  zero(): StructValue<F> {
    const out: Record<string, unknown> = {};
    for (const f of this.layout) out[f.name] = f.type.zero();
    return out as StructValue<F>;
  }
}

/** A C struct: `struct({ addr: be32, port: be16 })`; `{ packed: true }` removes padding.
 *  Fields named `pad…` may be left out of literals: they are zero. A field's type may be an
 *  enum (`state: TcpState`), stored as a u32 (see EnumObject). */
export function struct<F extends Fields>(fields: F, options: { packed?: boolean } = {}): StructDesc<F> {
  return new StructDesc(fields, options.packed ?? false);
}

/** A zero-filled value of a type: `const s = zero(Scratch)` (in a program, a zeroed stack value). */
export function zero<D extends TypeDesc<any>>(type: D): Value<D> {
  return type.zero();
}

/**
 * An integer field or variable holding a TypeScript enum: `struct({ cls: enumOf<PacketClass>(u8) })`
 * stores a PacketClass in one byte. The same descriptor as `base`, typed with the enum.
 */
export function enumOf<E extends number>(base: IntDesc<number>): IntDesc<E> {
  return base as unknown as IntDesc<E>;
}

/**
 * The value of a kernel object in a map value (see BpfTimer, SpinLock): opaque to programs,
 * which pass it to its helpers only, and to userspace, which reads it as this marker (the
 * kernel hides its bytes from map lookups) and writes it as zeros.
 */
export interface KernelObject<Name extends string> {
  readonly kernelObject: Name;
}

/** A kernel object's descriptor: its size and alignment, as the kernel's struct has them. */
export class KernelObjectDesc<Name extends string> extends Desc<KernelObject<Name>> {
  readonly kind = "struct" as const;
  private readonly value: KernelObject<Name>;
  constructor(
    /** The kernel's struct name, which the BTF of the map value must give it. */
    readonly kernelName: Name,
    readonly size: number,
    readonly align: number,
  ) {
    super();
    this.value = Object.freeze({ kernelObject: kernelName });
  }
  write(view: DataView, offset: number) {
    for (let i = 0; i < this.size; i++) view.setUint8(offset + i, 0);
  }
  read(): KernelObject<Name> {
    return this.value;
  }
  zero(): KernelObject<Name> {
    return this.value;
  }
}

/**
 * `struct bpf_timer` (16 bytes), a field of a map value: `struct({ timer: BpfTimer, fired: u64 })`.
 * A program arms it with timerInit(), timerSetCallback() and timerStart() (helpers.ts).
 */
export const BpfTimer = new KernelObjectDesc("bpf_timer", 16, 8);
/**
 * `struct bpf_spin_lock` (4 bytes), a field of a map value: spinLock(v.lock) … spinUnlock(v.lock)
 * around the updates of the value's other fields (helpers.ts).
 */
export const SpinLock = new KernelObjectDesc("bpf_spin_lock", 4, 4);
