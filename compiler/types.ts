// The compiler's model of BPF data types, with C layout (natural alignment unless packed).
// Structs are laid out by the declarations module's own rule (runtime/lang/layout.ts), the
// one runtime/lang/types.ts uses for userspace; test/compiler/layout.test.ts checks the BTF
// LLVM emits against the runtime's descriptors.
import { layOutStruct } from "../runtime/lang/layout.ts";
import { isPaddingField } from "../runtime/lang/types.ts";

export interface IntT {
  kind: "int";
  name: string;
  bits: 8 | 16 | 32 | 64;
  signed: boolean;
  bigEndian: boolean;
}
export interface BoolT {
  kind: "bool";
}
export interface ArrayT {
  kind: "array";
  element: BType;
  length: number;
}
export interface FieldT {
  name: string;
  type: BType;
  offset: number;
}
export interface StructT {
  kind: "struct";
  name: string;
  fields: FieldT[];
  size: number;
  align: number;
  packed: boolean;
  /** A kernel object the verifier owns inside a map value (struct bpf_timer, struct bpf_spin_lock):
   *  only the helpers made for it may touch it, and the BTF must name it as the kernel does. */
  kernel?: "bpf_timer" | "bpf_spin_lock";
}
export type BType = IntT | BoolT | ArrayT | StructT;

const int = (name: string, bits: IntT["bits"], signed: boolean, bigEndian = false): IntT => ({
  kind: "int",
  name,
  bits,
  signed,
  bigEndian,
});

/** The integer types of the language, by their names in `tsbpf`. */
export const INT_TYPES: Record<string, IntT> = {
  u8: int("u8", 8, false),
  u16: int("u16", 16, false),
  u32: int("u32", 32, false),
  u64: int("u64", 64, false),
  i8: int("i8", 8, true),
  i16: int("i16", 16, true),
  i32: int("i32", 32, true),
  i64: int("i64", 64, true),
  be16: int("be16", 16, false, true),
  be32: int("be32", 32, false, true),
  be64: int("be64", 64, false, true),
};
export const U8 = INT_TYPES.u8!,
  U32 = INT_TYPES.u32!,
  U64 = INT_TYPES.u64!,
  I32 = INT_TYPES.i32!,
  I64 = INT_TYPES.i64!;
export const BOOL: BoolT = { kind: "bool" };

export function sizeOf(t: BType): number {
  switch (t.kind) {
    case "int":
      return t.bits / 8;
    case "bool":
      return 1;
    case "array":
      return sizeOf(t.element) * t.length;
    case "struct":
      return t.size;
  }
}

export function alignOf(t: BType): number {
  switch (t.kind) {
    case "int":
      return t.bits / 8;
    case "bool":
      return 1;
    case "array":
      return alignOf(t.element);
    case "struct":
      return t.align;
  }
}

export function makeStruct(name: string, members: { name: string; type: BType }[], packed: boolean): StructT {
  const { offsets, size, align } = layOutStruct(
    members.map((m) => ({ size: sizeOf(m.type), align: alignOf(m.type) })),
    packed,
  );
  const fields = members.map((m, i) => ({ name: m.name, type: m.type, offset: offsets[i]! }));
  return { kind: "struct", name, fields, size, align, packed };
}

/** The type an integer value has once read: a be16 field reads as a host-order u16. */
export function valueType(t: IntT): IntT {
  if (!t.bigEndian) return t;
  return INT_TYPES[`u${t.bits}`]!;
}

export function typeName(t: BType): string {
  switch (t.kind) {
    case "int":
      return t.name;
    case "bool":
      return "bool";
    case "array":
      return `${typeName(t.element)}[${t.length}]`;
    case "struct":
      return t.name;
  }
}

/** The kinds of program: XDP (context struct xdp_md) and tc (BPF_PROG_TYPE_SCHED_CLS, context struct __sk_buff). */
export type ProgramKind = "xdp" | "tc";

/** Binary arithmetic: operands are widened to at least 32 bits, to 64 if either is 64;
 *  the result is signed only if both operands are. */
export function arithmeticType(a: IntT, b: IntT): IntT {
  const bits = Math.max(32, a.bits, b.bits) as 32 | 64;
  const signed = a.signed && b.signed;
  return INT_TYPES[`${signed ? "i" : "u"}${bits}`]!;
}

/** The type of an integer literal that meets no typed operand: `u32` (`u64` for bigint literals
 *  and values above 2³²−1), `i32` if negative (`i64` below −2³¹). */
export function literalType(value: bigint, big: boolean): IntT {
  if (big) return value < 0n ? INT_TYPES.i64! : INT_TYPES.u64!;
  if (value < 0n) return value >= -(1n << 31n) ? INT_TYPES.i32! : INT_TYPES.i64!;
  return value <= 0xffffffffn ? INT_TYPES.u32! : INT_TYPES.u64!;
}

/**
 * Struct types the language itself declares (runtime/lang exports of the same name). BpfTimer
 * and SpinLock are the kernel's `struct bpf_timer` and `struct bpf_spin_lock`, found by the
 * kernel in a map value's BTF by their names and sizes; MtuCheck is what checkMtu() returns.
 */
export const LANG_STRUCTS: Record<string, StructT> = {
  BpfTimer: {
    ...makeStruct("bpf_timer", [{ name: "__opaque", type: { kind: "array", element: U64, length: 2 } }], false),
    kernel: "bpf_timer",
  },
  SpinLock: { ...makeStruct("bpf_spin_lock", [{ name: "val", type: U32 }], false), kernel: "bpf_spin_lock" },
  MtuCheck: makeStruct(
    "MtuCheck",
    [
      { name: "status", type: I32 },
      { name: "mtu", type: U32 },
    ],
    false,
  ),
};

/** The kernel object (bpf_timer, bpf_spin_lock) a type is or holds, if any: such memory cannot be copied. */
export function kernelObjectIn(t: BType): StructT | undefined {
  if (t.kind === "array") return kernelObjectIn(t.element);
  if (t.kind !== "struct") return undefined;
  if (t.kernel) return t;
  for (const f of t.fields) {
    const k = kernelObjectIn(f.type);
    if (k) return k;
  }
  return undefined;
}

/** A field a struct literal may leave out (zeroed): padding (named pad…) and kernel objects. */
export function mayOmitField(f: FieldT): boolean {
  return isPaddingField(f.name) || kernelObjectIn(f.type) !== undefined;
}
