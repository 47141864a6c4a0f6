// The fuzzer's program representation: what the generator builds, the printer turns into
// TypeScript source and the model (model.ts) runs. Written from docs/language.md alone; it
// shares no code with the compiler.

export type IntName = "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" | "be16" | "be32" | "be64";

export interface IntT {
  k: "int";
  name: IntName;
  bits: 8 | 16 | 32 | 64;
  signed: boolean;
  be: boolean;
  /**
   * A TypeScript enum held in this integer type: a local, parameter or field declared `E` (a
   * `u32`, or an `i32` when a member is negative), or with `narrow`, a field `enumOf<E>(u8)`.
   */
  enumName?: string;
  narrow?: boolean;
}
export interface BoolT {
  k: "bool";
}
export type ScalarT = IntT | BoolT;
export interface ArrayT {
  k: "array";
  elem: ScalarT;
  len: number;
}
export interface StructT {
  k: "struct";
  name: string;
  fields: { name: string; ty: FieldT }[];
  packed: boolean;
}
export type FieldT = ScalarT | ArrayT | StructT;

const int = (name: IntName, bits: IntT["bits"], signed: boolean, be = false): IntT => ({
  k: "int",
  name,
  bits,
  signed,
  be,
});
export const INTS: Record<IntName, IntT> = {
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
export const BOOL: BoolT = { k: "bool" };
export const INT_NAMES = Object.keys(INTS) as IntName[];

/** TypeScript's view of a value: 64-bit integers are bigints, the others numbers. */
export type TsKind = "num" | "big" | "bool";
export const tsKind = (t: ScalarT): TsKind => (t.k === "bool" ? "bool" : t.bits === 64 ? "big" : "num");

// ---- layout (C, natural alignment; packed: none) ----

export function sizeOf(t: FieldT): number {
  if (t.k === "int") return t.bits / 8;
  if (t.k === "bool") return 1;
  if (t.k === "array") return sizeOf(t.elem) * t.len;
  return layout(t).size;
}
export function alignOf(t: FieldT): number {
  if (t.k === "int") return t.bits / 8;
  if (t.k === "bool") return 1;
  if (t.k === "array") return alignOf(t.elem);
  return layout(t).align;
}
export function layout(s: StructT): { offsets: Map<string, number>; size: number; align: number } {
  let off = 0;
  let align = 1;
  const offsets = new Map<string, number>();
  for (const f of s.fields) {
    const a = s.packed ? 1 : alignOf(f.ty);
    off = Math.ceil(off / a) * a;
    offsets.set(f.name, off);
    off += sizeOf(f.ty);
    align = Math.max(align, a);
  }
  return { offsets, size: Math.ceil(off / align) * align, align };
}

// ---- places, expressions, statements ----

/** Where a struct lives: the program's map value, a packet view, a local struct, a reference parameter. */
export interface Base {
  name: string;
  def: StructT;
}
export type Step = { k: "field"; name: string } | { k: "index"; e: Expr };
export type Place =
  | { k: "local"; name: string; ty: ScalarT }
  | { k: "global"; name: string; ty: IntT }
  | { k: "field"; base: Base; path: Step[]; ty: ScalarT };

export type ArithOp = "+" | "-" | "*" | "/" | "%" | "&" | "|" | "^" | "<<" | ">>" | ">>>";
export type CmpOp = "<" | "<=" | ">" | ">=" | "===" | "!==";
export type LogicOp = "&&" | "||";
export type AssignOp = "=" | `${ArithOp}=`;

export type Expr =
  /** A literal; `name`: printed as a module-level constant, an enum member or a table's length that holds it. */
  | { k: "lit"; v: bigint; big: boolean; name?: string }
  | { k: "bool"; v: boolean }
  | { k: "read"; p: Place }
  | { k: "len" }
  | { k: "cast"; to: IntT; e: Expr }
  | { k: "un"; op: "-" | "~" | "!" | "+"; e: Expr }
  | { k: "bin"; op: ArithOp | CmpOp | LogicOp; a: Expr; b: Expr }
  | { k: "cond"; c: Expr; a: Expr; b: Expr }
  | { k: "assign"; p: Place; op: AssignOp; e: Expr }
  | { k: "inc"; p: Place; op: "++" | "--"; prefix: boolean }
  | { k: "call"; fn: Func; args: Arg[] }
  /** `Math.min(…)`, `Math.max(…)`, `Math.imul(a, b)` on numbers. */
  | { k: "math"; fn: "min" | "max" | "imul"; args: Expr[] }
  /** `T[i]`: an element of a module-level constant table (a `u32`; a computed index is clamped). */
  | { k: "table"; table: Table; i: Expr }
  /** `chain === other` (or `!==`; `other` first when `!chainLeft`): absent is unequal to every value. */
  | { k: "optcmp"; op: "===" | "!=="; chain: Chain; other: Expr; chainLeft: boolean }
  /** The truth of a chain, absent false: `!chain`, `!!chain`, or (`bare`, only as an if or `?:` condition) `chain`. */
  | { k: "opttruth"; chain: Chain; not: boolean; bare?: boolean }
  /** `(chain ?? d)`: the chain's value, or `d` (evaluated only then) when absent. */
  | { k: "nullish"; chain: Chain; d: Expr }
  /** `(n.lookup(k) || d)` of the map of numbers: the value when present and not 0, else `d` (evaluated only then). */
  | { k: "optor"; chain: Chain; d: Expr };

/** What `?.` follows: something that may be null. */
export type ChainSource =
  /** `ctx.header(V, off)`: the view at a packet offset, or null. */
  | { k: "header"; def: StructT; off: Expr }
  /** The program's map value, `m.lookup(0)` (never null: key 0 of its ArrayMap). */
  | { k: "lookup"; map: string }
  /** `f(ctx, …)`, a function returning `Value<typeof S> | null`. */
  | { k: "call"; fn: Func; args: Arg[] }
  /**
   * `n.lookup(key)` of the program's map of numbers (`number | null`, no `?.`): null when `key`
   * has no entry; the chain's path is empty and its `def` unused.
   */
  | { k: "nlookup"; map: string; key: Expr };
/** An optional chain `src?.a.b[i]`: absent when `src` is null, else the scalar at `path`. */
export interface Chain {
  src: ChainSource;
  def: StructT;
  path: Step[];
  ty: ScalarT;
}
export type Arg = { k: "value"; e: Expr } | { k: "ref"; base: Base } | { k: "ctx" };

/** What a function returning `Value<typeof S> | null` returns. */
export type RefValue =
  | { k: "null" }
  /** A reference parameter, as it is. */
  | { k: "base"; base: Base }
  /** The program's map value, `m.lookup(0)`. */
  | { k: "lookup"; map: string }
  /** `ctx.header(V, off)`: the view at a packet offset, or null. */
  | { k: "header"; def: StructT; off: Expr };

export interface SwitchCase {
  /** undefined: `default:` */
  label?: Expr;
  body: Stmt[];
}
export type Stmt =
  | { k: "let"; name: string; ty: ScalarT; init: Expr }
  /** A local struct from a literal (the scalar leaves in order), or `zero(S)` when `init` is empty. */
  | { k: "struct"; base: Base; init: Expr[] }
  | { k: "expr"; e: Expr }
  | { k: "if"; c: Expr; yes: Stmt[]; no?: Stmt[] }
  | { k: "switch"; e: Expr; cases: SwitchCase[] }
  | { k: "for"; v: string; ty: IntT; from: bigint; cmp: CmpOp; to: bigint; step: bigint; body: Stmt[] }
  | { k: "break" }
  | { k: "continue" }
  | { k: "return"; action?: number; e?: Expr; ref?: RefValue }
  | { k: "view"; base: Base; off: Expr; body: Stmt[] }
  /** `for (const v of TABLE)` over a module-level constant table (its elements are u32s). */
  | { k: "forof"; v: string; table: Table; body: Stmt[] }
  /** `const r = f(…); if (r !== null) { … }`: a call of a function returning a reference or null. */
  | { k: "refcall"; base: Base; fn: Func; args: Arg[]; body: Stmt[] }
  /** `n.update(key, e)` into the program's map of numbers (its first statements: keys 0 and 1). */
  | { k: "nput"; map: string; key: number; ty: IntT; e: Expr };

/** A module-level array of constants (a table): `const T = [1, 2, 3];`. */
export interface Table {
  name: string;
  values: bigint[];
}

export type Param =
  | { k: "value"; name: string; ty: ScalarT }
  | { k: "ref"; name: string; def: StructT }
  | { k: "ctx"; name: "ctx" };
export interface Func {
  name: string;
  params: Param[];
  /** The integer type returned, unless `refRet`. */
  ret: IntT;
  /** The function returns `Value<typeof refRet> | null` (the map value's struct or the packet view's). */
  refRet?: StructT;
  body: Stmt[];
}

/** One random program: an XDP program with its own structs, map, globals and functions. */
export interface Prog {
  seed: number;
  id: string;
  /** The map value's struct (inputs and outputs), the packet view's, the extra view's, the local struct's. */
  state: StructT;
  view: StructT;
  view2: StructT;
  local: StructT;
  globals: { name: string; ty: IntT; init: bigint }[];
  /** Module-level `const`s, `enum`s and tables; uses are literals with a name (or `forof`). */
  consts: { name: string; v: bigint; big: boolean }[];
  enums: { name: string; members: { name: string; v: bigint }[] }[];
  tables: Table[];
  funcs: Func[];
  /**
   * A map of numbers (`HashMap(u32, T)`, or `ArrayMap(T)` of 2 entries), filled at keys 0 and 1 by
   * the program's first statements: keys above have no entry, so its lookups are `number | null`.
   */
  nmap?: { name: string; ty: IntT; hash: boolean };
  body: Stmt[];
}

/** The scalar leaves of a field type, with their byte offsets (for inputs and comparisons). */
export function scalarSlots(t: FieldT, base = 0): { off: number; ty: ScalarT }[] {
  if (t.k === "int" || t.k === "bool") return [{ off: base, ty: t }];
  if (t.k === "array") {
    const s = sizeOf(t.elem);
    return Array.from({ length: t.len }, (_, i) => ({ off: base + i * s, ty: t.elem }));
  }
  const l = layout(t);
  return t.fields.flatMap((f) => scalarSlots(f.ty, base + l.offsets.get(f.name)!));
}
