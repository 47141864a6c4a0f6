// Random valid programs over the whole language subset. Validity is kept by construction:
// every expression has a TypeScript kind (number, bigint, boolean) and the operands of an
// operator share it; no operator has only literal operands (those fold at compile time);
// division only in unsigned types; loops count a bounded number of times for their counter's type.
import {
  type Arg,
  type ArithOp,
  type Base,
  BOOL,
  type Chain,
  type ChainSource,
  type CmpOp,
  type Expr,
  type FieldT,
  type Func,
  INT_NAMES,
  type IntT,
  INTS,
  type Param,
  type Place,
  type Prog,
  type RefValue,
  type ScalarT,
  type Stmt,
  type StructT,
  type Step,
  type TsKind,
  tsKind,
} from "./ir.ts";
import { typeOf, wrap } from "./model.ts";

/** mulberry32: small, fast, and the same on every machine. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bits64(): bigint {
    return (BigInt(this.int(0x100000000)) << 32n) | BigInt(this.int(0x100000000));
  }
}

const INTERESTING = [
  0n,
  1n,
  2n,
  3n,
  7n,
  8n,
  15n,
  16n,
  31n,
  32n,
  33n,
  63n,
  64n,
  65n,
  127n,
  128n,
  200n,
  255n,
  256n,
  0x7fffn,
  0x8000n,
  0xffffn,
  0x10000n,
  0x12345n,
  0x7fffffffn,
  0x80000000n,
  0xfffffffen,
  0xffffffffn,
];
const NEGATIVE = [-1n, -2n, -7n, -128n, -129n, -255n, -32768n, -0x10000n, -0x80000000n];
const BIG = [0x100000000n, 0xffffffffffn, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn];

const NUM_TYPES = INT_NAMES.filter((n) => INTS[n].bits < 64).map((n) => INTS[n]);
const BIG_TYPES = INT_NAMES.filter((n) => INTS[n].bits === 64).map((n) => INTS[n]);
const PLAIN_INTS = INT_NAMES.filter((n) => !INTS[n].be).map((n) => INTS[n]);

/**
 * True if TypeScript rejects testing the truth of `e` by its syntax alone (TS2872 "This kind of
 * expression is always truthy", as the left of `&&`/`||`, the operand of `!` and a condition): a
 * number literal other than 0 and 1, any bigint literal, a `?:` whose arms are both such. A
 * negative literal is printed `(-7)`, which TypeScript does not judge.
 */
export function alwaysTruthy(e: Expr): boolean {
  if (e.k === "lit") return !e.name && e.v >= 0n && (e.big || e.v > 1n);
  if (e.k === "cond") return alwaysTruthy(e.a) && alwaysTruthy(e.b);
  return false;
}

/** True if an expression has no run-time input (the compiler would fold it). */
export function constOnly(e: Expr): boolean {
  switch (e.k) {
    case "lit":
    case "bool":
      return true;
    case "cast":
    case "un":
      return constOnly(e.e);
    case "bin":
      return constOnly(e.a) && constOnly(e.b);
    case "cond":
      return constOnly(e.c) && constOnly(e.a) && constOnly(e.b);
    case "table":
      return constOnly(e.i);
    default:
      return false;
  }
}

interface Local {
  name: string;
  ty: ScalarT;
  assignable: boolean;
  /** A for loop's counter: the values it can have in the loop's body (lowest, highest). */
  range?: readonly [bigint, bigint];
}
interface Scope {
  locals: Local[];
  bases: Base[];
  loops: number;
  breakable: number;
  func?: Func;
}

export interface GenOptions {
  /** Statements in the program body (about). */
  size?: number;
  /**
   * Constructs to leave out while a known bug in them is open (so that the run finds others):
   * "computed-index" (array indexes that are not literals), "unbounded-offset" (view offsets
   * not bounded by a mask or remainder), "assign-in-expr" (assignments, ++, -- and calls inside
   * expressions; statements still assign, and store calls' results), "view" (second packet views),
   * "len" (`ctx.len` as an operand), "packet-param-index" (computed indexes into the packet
   * view passed to a function), "table-index" (computed indexes into constant tables),
   * "signed-offset" (view offsets of a signed type, unbounded), "loop-offset" (view offsets not
   * bounded by a mask or remainder in loop bodies), "single-enum" (enums whose members
   * all have one value), "optional" (`?.` chains and `??`), "nullable-number" (a map of numbers,
   * whose lookups `number | null` are tested for truth, compared, `??` and `||`; drawn from a
   * random stream of its own, so that avoided, a seed gives the program it gave before).
   */
  avoid?: string[];
  /** The budget of verifier paths (PATH_BUDGET unless given; null: none). */
  budget?: { paths: number; loop: number } | null;
}

/**
 * Budgets on the verifier's paths (see weights()): a program over them is drawn again from the
 * same random stream, so a seed still gives one program. Above them the verifier may stop at its
 * limit of processed instructions, which says nothing about the compiler.
 */
export const PATH_BUDGET = { paths: 400, loop: 60 };

export function generate(seed: number, options: GenOptions = {}, id = String(seed)): Prog {
  const r = new Rng(seed);
  const budget = options.budget === undefined ? PATH_BUDGET : options.budget;
  for (let attempt = 0; ; attempt++) {
    const p = new Gen(seed, id, options, r).prog();
    const w = weights(p);
    if (!budget || (w.paths <= budget.paths && w.loop <= budget.loop) || attempt === 50) return p;
  }
}

class Gen {
  r: Rng;
  n = 0;
  budget: number;
  globals: Prog["globals"] = [];
  consts: Prog["consts"] = [];
  enums: Prog["enums"] = [];
  tables: Prog["tables"] = [];
  funcs: Func[] = [];
  state!: StructT;
  view!: StructT;
  view2!: StructT;
  local!: StructT;
  structs = 0;

  /** The map of numbers, if the program has one, and the random stream its uses are drawn from. */
  nmap?: Prog["nmap"];
  rn: Rng;

  constructor(
    readonly seed: number,
    readonly id: string,
    readonly options: GenOptions,
    r: Rng,
  ) {
    this.r = r;
    this.rn = new Rng((seed * 2654435761 + 0x6e756c6c) >>> 0);
    this.budget = options.size ?? 10 + this.r.int(25);
  }
  avoid(what: string): boolean {
    return this.options.avoid?.includes(what) ?? false;
  }
  fresh(prefix: string) {
    return `${prefix}${this.n++}`;
  }

  // ---- types ----
  /** A scalar type; `field`: of a struct field (where an enum may be narrowed with `enumOf`). */
  scalarType(field = false): ScalarT {
    if (this.enums.length && this.r.chance(0.1)) return this.enumType(field && this.r.chance(0.5));
    return this.r.chance(0.1) ? BOOL : INTS[this.r.pick(INT_NAMES)];
  }
  /** An enum's type: a `u32` (an `i32` when a member is negative), or `enumOf<E>(w)` in a field. */
  enumType(narrow: boolean): IntT {
    const e = this.r.pick(this.enums);
    if (narrow)
      return { ...INTS[this.r.pick(["u8", "u16", "u32", "i8", "i16", "i32"] as const)], enumName: e.name, narrow };
    return { ...(e.members.some((m) => m.v < 0n) ? INTS.i32 : INTS.u32), enumName: e.name };
  }
  struct(name: string, fields: number, nested: boolean, packed: boolean): StructT {
    const fs: StructT["fields"] = [];
    for (let i = 0; i < fields; i++) {
      let ty: FieldT = this.scalarType(true);
      const roll = this.r.next();
      if (roll < 0.15)
        ty = { k: "array", elem: this.r.chance(0.15) ? BOOL : INTS[this.r.pick(INT_NAMES)], len: 2 + this.r.int(4) };
      else if (roll < 0.22 && nested)
        ty = this.struct(`N${this.id}_${this.structs++}`, 2 + this.r.int(3), false, this.r.chance(0.3));
      fs.push({ name: `f${i}`, ty });
    }
    return { k: "struct", name, fields: fs, packed };
  }

  prog(): Prog {
    const id = this.id;
    // An enum first: locals, parameters and struct fields may have its type.
    if (this.r.chance(0.5)) {
      const members = Array.from({ length: 1 + this.r.int(4) }, (_, i) => {
        let v = this.literalValue("num");
        if (v > 0x7fffffffn) v = BigInt(this.r.int(1000)); // an enum member is a JavaScript number: keep it in i32
        return { name: `M${i}`, v };
      });
      // A member 0: where a test for truth is false, TypeScript narrows an enum-typed place to its
      // members that are 0, and to `never` without one (`x += 1` is then an error there).
      if (!members.some((m) => m.v === 0n)) members[0]!.v = 0n;
      // With one value (`enum E { M0 = 0 }`) TypeScript decides every test of truth of an E
      // (regressions/enum_or_bool.ts; "single-enum" leaves such enums out).
      if (this.avoid("single-enum") && members.every((m) => m.v === 0n))
        members.push({ name: `M${members.length}`, v: 1n });
      this.enums.push({ name: `E${id}`, members });
    }
    this.state = this.struct(`S${id}`, 5 + this.r.int(8), true, this.r.chance(0.3));
    this.state.fields.push({ name: "out", ty: { k: "array", elem: INTS.u64, len: 8 } });
    this.state.fields.push({ name: "bout", ty: { k: "array", elem: BOOL, len: 4 } });
    this.view = this.struct(`V${id}`, 4 + this.r.int(8), true, this.r.chance(0.5));
    this.view2 = this.struct(`W${id}`, 2 + this.r.int(4), false, this.r.chance(0.5));
    this.local = this.struct(`L${id}`, 2 + this.r.int(5), true, this.r.chance(0.3));
    for (let i = this.r.int(4); i > 0; i--) {
      const ty = this.r.pick(PLAIN_INTS);
      this.globals.push({ name: `g${id}_${i}`, ty, init: wrap(this.literalValue(tsKind(ty)), ty) });
    }
    // Module-level constants, an enum and tables: folded by the compiler, literals for the model.
    for (let i = this.r.int(3); i > 0; i--) {
      const big = this.r.chance(0.3);
      this.consts.push({ name: `K${id}_${i}`, v: this.literalValue(big ? "big" : "num"), big });
    }
    for (let i = this.r.int(3); i > 0; i--) {
      const values = Array.from({ length: 1 + this.r.int(5) }, () => BigInt.asUintN(32, this.literalValue("num")));
      this.tables.push({ name: `T${id}_${i}`, values });
    }
    for (let i = this.r.int(4); i > 0; i--) this.funcs.push(this.func(`f${id}_${this.funcs.length}`));
    if (this.r.chance(0.4)) this.funcs.push(this.refFunc(`f${id}_${this.funcs.length}`));
    const scope: Scope = {
      locals: [],
      bases: [
        { name: "st", def: this.state },
        { name: "pk", def: this.view },
      ],
      loops: 0,
      breakable: 0,
    };
    if (!this.avoid("nullable-number") && this.rn.chance(0.5)) {
      const ty = this.rn.pick(PLAIN_INTS);
      this.nmap = { name: `n${id}`, ty, hash: this.rn.chance(0.5) };
    }
    const body = this.block(scope, 0);
    if (this.nmap) body.unshift(...this.nmapFill(scope, this.nmap));
    return {
      seed: this.seed,
      id,
      state: this.state,
      view: this.view,
      view2: this.view2,
      local: this.local,
      globals: this.globals,
      consts: this.consts,
      enums: this.enums,
      tables: this.tables,
      funcs: this.funcs,
      nmap: this.nmap,
      body,
    };
  }

  /** The map of numbers' first statements: keys 0 and 1 hold a value of the input (often 0) or 0. */
  nmapFill(scope: Scope, nmap: NonNullable<Prog["nmap"]>): Stmt[] {
    return this.withStream(this.rn, () =>
      [0, 1].map((key): Stmt => {
        const kind = tsKind(nmap.ty) as "num" | "big";
        const e: Expr = this.r.chance(0.3) ? { k: "lit", v: 0n, big: kind === "big" } : this.input(scope, kind);
        return { k: "nput", map: nmap.name, key, ty: nmap.ty, e };
      }),
    );
  }

  /** `make()` drawing from `r` instead of the program's stream. */
  withStream<T>(r: Rng, make: () => T): T {
    const saved = this.r;
    this.r = r;
    try {
      return make();
    } finally {
      this.r = saved;
    }
  }

  /**
   * Instead of `drawn` (an optional chain to a scalar of `kind`), sometimes a lookup in the map of
   * numbers, `n.lookup(k & 3)` (keys 2 and 3 have no entry), drawn from its own stream.
   */
  numberLookup(scope: Scope, kind: TsKind, drawn: Chain | undefined): Chain | undefined {
    const nmap = this.nmap;
    if (!nmap || scope.func || tsKind(nmap.ty) !== kind || !this.rn.chance(0.5)) return drawn;
    return this.withStream(this.rn, () => {
      const key: Expr = {
        k: "bin",
        op: "&",
        a: this.input(scope, "num"),
        b: { k: "lit", v: this.r.chance(0.8) ? 3n : 1n, big: false },
      };
      return { src: { k: "nlookup", map: nmap.name, key }, def: this.state, path: [], ty: nmap.ty };
    });
  }

  func(name: string): Func {
    const params: Param[] = [];
    for (let i = this.r.int(5); i > 0; i--) {
      if (this.r.chance(0.25)) {
        const def = this.r.pick([this.state, this.view, this.local]);
        params.push({ k: "ref", name: this.fresh("r"), def });
      } else params.push({ k: "value", name: this.fresh("a"), ty: this.scalarType() });
    }
    const ret = this.enums.length && this.r.chance(0.1) ? this.enumType(false) : INTS[this.r.pick(INT_NAMES)];
    const fn: Func = { name, params, ret, body: [] };
    const scope: Scope = {
      locals: params.flatMap((p) => (p.k === "value" ? [{ name: p.name, ty: p.ty, assignable: true }] : [])),
      bases: params.flatMap((p) => (p.k === "ref" ? [{ name: p.name, def: p.def }] : [])),
      loops: 0,
      breakable: 0,
      func: fn,
    };
    const saved = this.budget;
    this.budget = 2 + this.r.int(6);
    fn.body = [...this.funcLocals(scope), ...this.block(scope, 1)];
    if (fn.body.at(-1)?.k !== "return")
      fn.body.push({ k: "return", e: this.int(scope, tsKind(ret) as "num" | "big", 2) });
    this.budget = saved;
    return fn;
  }

  /** Two locals at a function's start, so that every kind of integer has a place to be written. */
  funcLocals(scope: Scope): Stmt[] {
    const pre: Stmt[] = [];
    for (const ty of [this.r.pick(NUM_TYPES), this.r.pick(BIG_TYPES)]) {
      const name = this.fresh("v");
      pre.push({ k: "let", name, ty, init: this.literal(tsKind(ty) as "num") });
      scope.locals.push({ name, ty, assignable: true });
    }
    return pre;
  }

  /**
   * A function returning `Value<typeof S> | null` for the map value's struct or the packet view's:
   * a reference parameter as it is, `m.lookup(0)`, `ctx.header(V, off)` or `null`.
   */
  refFunc(name: string): Func {
    const def = this.r.chance(0.5) ? this.state : this.view;
    const params: Param[] = [{ k: "ctx", name: "ctx" }];
    if (this.r.chance(0.6)) params.push({ k: "ref", name: this.fresh("r"), def });
    for (let i = this.r.int(3); i > 0; i--) params.push({ k: "value", name: this.fresh("a"), ty: this.scalarType() });
    const fn: Func = { name, params, ret: INTS.u32, refRet: def, body: [] };
    const scope: Scope = {
      locals: params.flatMap((p) => (p.k === "value" ? [{ name: p.name, ty: p.ty, assignable: true }] : [])),
      bases: params.flatMap((p) => (p.k === "ref" ? [{ name: p.name, def: p.def }] : [])),
      loops: 0,
      breakable: 0,
      func: fn,
    };
    const saved = this.budget;
    this.budget = 1 + this.r.int(4);
    fn.body = [...this.funcLocals(scope), ...this.block(scope, 1)];
    if (fn.body.at(-1)?.k !== "return") fn.body.push({ k: "return", ref: this.refValue(scope, def) });
    this.budget = saved;
    return fn;
  }
  refValue(scope: Scope, def: StructT): RefValue {
    const roll = this.r.next();
    if (roll < 0.2) return { k: "null" };
    const own = scope.bases.filter((b) => b.def === def);
    if (roll < 0.6 && own.length) return { k: "base", base: this.r.pick(own) };
    if (def === this.state) return { k: "lookup", map: `m${this.id}` };
    return { k: "header", def, off: this.offset(scope) };
  }

  // ---- statements ----
  block(outer: Scope, depth: number): Stmt[] {
    const scope: Scope = { ...outer, locals: [...outer.locals], bases: [...outer.bases] };
    const out: Stmt[] = [];
    const n = depth === 0 ? this.budget : 1 + this.r.int(3);
    for (let i = 0; i < n && this.budget > -20; i++) {
      this.budget--;
      const s = this.stmt(scope, depth);
      out.push(...s);
      // Nothing after a jump: TypeScript forgets its narrowing (`st !== null`) in unreachable code.
      if (s.some(mayEnd)) break;
    }
    // Every local's final value is written out (before the jump that ends the block).
    const last = out.length && mayEnd(out.at(-1)!) ? out.pop() : undefined;
    if (!scope.func) {
      for (const l of scope.locals.slice(outer.locals.length)) {
        const read: Expr = { k: "read", p: { k: "local", name: l.name, ty: l.ty } };
        if (l.ty.k === "bool") out.push({ k: "expr", e: this.assign(this.outBool(), "=", read) });
        else out.push({ k: "expr", e: this.assign(this.outSlot(), "^=", { k: "cast", to: INTS.u64, e: read }) });
      }
    }
    if (last) out.push(last);
    return out;
  }
  outSlot(): Place {
    return {
      k: "field",
      base: { name: "st", def: this.state },
      path: [
        { k: "field", name: "out" },
        { k: "index", e: { k: "lit", v: BigInt(this.r.int(8)), big: false } },
      ],
      ty: INTS.u64,
    };
  }
  outBool(): Place {
    return {
      k: "field",
      base: { name: "st", def: this.state },
      path: [
        { k: "field", name: "bout" },
        { k: "index", e: { k: "lit", v: BigInt(this.r.int(4)), big: false } },
      ],
      ty: BOOL,
    };
  }
  assign(p: Place, op: Expr extends never ? never : "=" | "^=", e: Expr): Expr {
    return { k: "assign", p, op, e };
  }

  stmt(scope: Scope, depth: number): Stmt[] {
    const roll = this.r.next();
    const deep = depth < 3;
    if (roll < 0.2) {
      const ty = this.scalarType();
      const name = this.fresh("v");
      const init = ty.k === "bool" ? this.bool(scope, 3) : this.int(scope, tsKind(ty) as "num", 3);
      scope.locals.push({ name, ty, assignable: true });
      return [{ k: "let", name, ty, init }];
    }
    if (roll < 0.45) return [{ k: "expr", e: this.assignment(scope, 3) }];
    if (roll < 0.55 && deep) {
      const c = this.cond(scope, 3);
      return [
        {
          k: "if",
          c,
          yes: this.block(scope, depth + 1),
          no: this.r.chance(0.5) ? this.block(scope, depth + 1) : undefined,
        },
      ];
    }
    if (roll < 0.62 && deep) return [this.switch(scope, depth)];
    if (roll < 0.69 && deep && scope.loops < 2) return [this.loop(scope, depth)];
    if (roll < 0.71 && deep && !scope.func) {
      const call = this.refCall(scope, depth);
      if (call) return [call];
    }
    if (roll < 0.73 && deep && !scope.func && !this.avoid("view")) {
      const base: Base = { name: this.fresh("w"), def: this.view2 };
      const off = this.offset(scope);
      const inner: Scope = { ...scope, bases: [...scope.bases, base] };
      return [{ k: "view", base, off, body: this.block(inner, depth + 1) }];
    }
    if (roll < 0.77 && this.structs < 40) {
      const base: Base = { name: this.fresh("ls"), def: this.local };
      this.structs += 10;
      const init = this.r.chance(0.2)
        ? [] // zero(L)
        : leafTypes(this.local).map((t) =>
            t.k === "bool" ? this.bool(scope, 2) : this.int(scope, tsKind(t) as "num", 2),
          );
      scope.bases.push(base);
      return [{ k: "struct", base, init }];
    }
    if (roll < 0.8 && scope.breakable > 0)
      return [this.r.chance(0.5) || scope.loops === 0 ? { k: "break" } : { k: "continue" }];
    if (roll < 0.83 && depth > 0) {
      if (scope.func?.refRet) return [{ k: "return", ref: this.refValue(scope, scope.func.refRet) }];
      if (scope.func) return [{ k: "return", e: this.int(scope, tsKind(scope.func.ret) as "num", 2) }];
      return [{ k: "return", action: this.r.int(4) }];
    }
    if (roll < 0.85) {
      // A call whose result is stored (the only calls when expressions have no side effects).
      const kind = this.r.chance(0.7) ? "num" : "big";
      const call = this.call(scope, kind, 2);
      const p = call && this.writable(scope, kind);
      if (call && p)
        return [{ k: "expr", e: { k: "assign", p, op: this.r.pick(["=", "^=", "+="] as const), e: call } }];
    }
    if (roll < 0.88 && !scope.func) {
      // A result written out.
      const e = this.int(scope, "big", 3);
      return [{ k: "expr", e: this.assign(this.outSlot(), this.r.chance(0.5) ? "=" : "^=", e) }];
    }
    return [{ k: "expr", e: this.assignment(scope, 2) }];
  }

  /** `const r = f(ctx, …); if (r !== null) { … }` with a function returning a reference or null. */
  refCall(scope: Scope, depth: number): Stmt | undefined {
    const fns = this.funcs.filter((f) => f.refRet);
    if (!fns.length) return undefined;
    const fn = this.r.pick(fns);
    const args = this.args(scope, fn, 2);
    if (!args) return undefined;
    const base: Base = { name: this.fresh("rv"), def: fn.refRet! };
    const inner: Scope = { ...scope, bases: [...scope.bases, base] };
    return { k: "refcall", base, fn, args, body: this.block(inner, depth + 1) };
  }

  offset(scope: Scope): Expr {
    const roll = this.r.next();
    let e = this.int(scope, "num", 2);
    if (constOnly(e)) e = this.input(scope, "num");
    if (roll < 0.5)
      return { k: "bin", op: "&", a: e, b: { k: "lit", v: BigInt(this.r.pick([7, 15, 31, 63])), big: false } };
    if (roll < 0.85 || this.avoid("unbounded-offset") || (scope.loops > 0 && this.avoid("loop-offset")))
      return { k: "lit", v: BigInt(this.r.int(48)), big: false };
    if (roll < 0.9)
      return { k: "bin", op: "%", a: { k: "cast", to: INTS.u32, e }, b: { k: "lit", v: 40n, big: false } };
    const read = this.readOf(scope, "num") ?? { k: "len" };
    // A signed offset that may be negative (null: it is a huge unsigned number): known/signed_view_offset.ts.
    if (this.avoid("signed-offset") && (typeOf(read) as IntT).signed) return { k: "cast", to: INTS.u32, e: read };
    return read;
  }

  switch(scope: Scope, depth: number): Stmt {
    const kind = this.r.chance(0.8) ? "num" : "big";
    let e = this.int(scope, kind, 2);
    if (constOnly(e)) e = this.input(scope, kind);
    const cases: Stmt extends never ? never : { label?: Expr; body: Stmt[] }[] = [];
    const inner: Scope = { ...scope, breakable: scope.breakable + 1 };
    const n = 1 + this.r.int(5);
    const labels: bigint[] = [];
    let hasDefault = false;
    for (let i = 0; i < n; i++) {
      const body = this.r.chance(0.25) ? [] : this.block(inner, depth + 1);
      if (this.r.chance(0.6)) body.push({ k: "break" });
      if (!hasDefault && this.r.chance(0.2)) {
        hasDefault = true;
        cases.push({ body });
        continue;
      }
      // Labels: small values, duplicates, values out of the subject's range, negative ones.
      const v =
        labels.length && this.r.chance(0.15)
          ? this.r.pick(labels)
          : this.r.chance(0.6)
            ? BigInt(this.r.int(6))
            : this.literalValue(kind);
      labels.push(v);
      cases.push({ label: { k: "lit", v, big: kind === "big" }, body });
    }
    return { k: "switch", e, cases };
  }

  loop(scope: Scope, depth: number): Stmt {
    if (this.tables.length && this.r.chance(0.25)) {
      const v = this.fresh("t");
      const inner: Scope = {
        ...scope,
        locals: [...scope.locals, { name: v, ty: INTS.u32, assignable: false }],
        loops: scope.loops + 1,
        breakable: scope.breakable + 1,
      };
      return { k: "forof", v, table: this.r.pick(this.tables), body: this.block(inner, depth + 1) };
    }
    const ty = INTS[this.r.pick(INT_NAMES)];
    const min = ty.signed ? -(1n << BigInt(ty.bits - 1)) : 0n;
    const max = ty.signed ? (1n << BigInt(ty.bits - 1)) - 1n : (1n << BigInt(ty.bits)) - 1n;
    const count = BigInt(this.r.int(6));
    const step = this.r.chance(0.8) ? 1n : 2n;
    const up = this.r.chance(0.5);
    const inclusive = this.r.chance(0.5);
    // Start somewhere in the type's range, near an edge sometimes, and stay inside it.
    const span = count * step + 2n;
    let from: bigint;
    const where = this.r.next();
    if (up) from = where < 0.3 ? min : where < 0.5 ? max - span : ty.signed && where < 0.7 ? -3n : 0n;
    else from = where < 0.3 ? max : where < 0.5 ? min + span : ty.signed && where < 0.7 ? 3n : span;
    if (from < min) from = min;
    if (from > max) from = max;
    const end = up ? from + count * step : from - count * step;
    const cmp: CmpOp = up ? (inclusive ? "<=" : "<") : inclusive ? ">=" : ">";
    let to = inclusive ? (up ? end - step : end + step) : end;
    // The bound must leave room for one more step inside the type, or the loop never ends.
    if (up ? to + step > max : to - step < min) to = up ? max - step : min + step;
    if (up ? to < min : to > max) to = up ? min : max;
    const v = this.fresh("c");
    const inner: Scope = {
      ...scope,
      locals: [...scope.locals, { name: v, ty, assignable: false, range: counterRange(from, cmp, to) }],
      loops: scope.loops + 1,
      breakable: scope.breakable + 1,
    };
    return { k: "for", v, ty, from, cmp, to, step: up ? step : -step, body: this.block(inner, depth + 1) };
  }

  // ---- expressions ----
  literalValue(kind: "num" | "big" | TsKind): bigint {
    const roll = this.r.next();
    let v =
      roll < 0.6
        ? this.r.pick(INTERESTING)
        : roll < 0.8
          ? this.r.pick(NEGATIVE)
          : roll < 0.9
            ? BigInt(this.r.int(1000))
            : this.r.pick(BIG);
    if (kind === "num" && (v > 0xffffffffn || v < -0x80000000n)) v = BigInt(this.r.int(100000));
    if (kind === "big" && roll > 0.95) v = -BigInt.asIntN(63, this.r.bits64());
    return v;
  }
  literal(kind: "num" | "big"): Expr {
    // Sometimes a constant with a name: a module-level const, an enum member, a table's length.
    if (this.r.chance(0.15)) {
      const named: Expr[] = this.consts
        .filter((c) => c.big === (kind === "big"))
        .map((c) => ({ k: "lit", v: c.v, big: c.big, name: c.name }));
      if (kind === "num") {
        for (const e of this.enums)
          for (const m of e.members) named.push({ k: "lit", v: m.v, big: false, name: `${e.name}.${m.name}` });
        for (const t of this.tables)
          named.push({ k: "lit", v: BigInt(t.values.length), big: false, name: `${t.name}.length` });
      }
      if (named.length) return this.r.pick(named);
    }
    return { k: "lit", v: this.literalValue(kind), big: kind === "big" };
  }

  /** Scalar places of a kind: locals, globals, fields of the structs in scope. */
  places(scope: Scope, kind: TsKind, forWrite: boolean): Place[] {
    const out: Place[] = [];
    for (const l of scope.locals)
      if (tsKind(l.ty) === kind && (!forWrite || l.assignable)) out.push({ k: "local", name: l.name, ty: l.ty });
    for (const g of this.globals) if (tsKind(g.ty) === kind) out.push({ k: "global", name: g.name, ty: g.ty });
    return out;
  }
  fieldPlace(scope: Scope, kind: TsKind): Place | undefined {
    for (let tries = 0; tries < 6; tries++) {
      const base = this.r.pick(scope.bases.length ? scope.bases : [undefined]);
      if (!base) return;
      const leaf = this.path(scope, base.def, scope.func !== undefined && base.def === this.view);
      if (tsKind(leaf.ty) === kind) return { k: "field", base, path: leaf.path, ty: leaf.ty };
    }
    return undefined;
  }
  /** A random path from a struct to one of its scalars; `packetParam`: in the packet view passed to a function. */
  path(scope: Scope, def: StructT, packetParam: boolean): { path: Step[]; ty: ScalarT } {
    const path: Step[] = [];
    let t: FieldT = def;
    while (t.k === "struct" || t.k === "array") {
      if (t.k === "struct") {
        const f: StructT["fields"][number] = this.r.pick(t.fields);
        path.push({ k: "field", name: f.name });
        t = f.ty;
      } else {
        // In a loop, the way users index an array: by a counter that stays inside it.
        const len = BigInt(t.len);
        const counters = scope.locals.filter(
          (l) => l.range && tsKind(l.ty) === "num" && l.range[0] >= 0n && l.range[1] < len,
        );
        const counter = counters.length && this.r.chance(0.5) ? this.r.pick(counters) : undefined;
        const e: Expr = counter
          ? { k: "read", p: { k: "local", name: counter.name, ty: counter.ty } }
          : this.r.chance(0.6) ||
              this.avoid("computed-index") ||
              this.depthGuard > 2 || // an index inside an index inside an index: enough
              // The clamp of a computed index is a branch: in a loop body, unrolled by the verifier,
              // a few of them with the body's other branches pass its complexity limit.
              scope.loops > 0 ||
              (packetParam && this.avoid("packet-param-index"))
            ? { k: "lit", v: BigInt(this.r.int(t.len)), big: false }
            : this.index(scope);
        path.push({ k: "index", e });
        t = t.elem;
      }
    }
    return { path, ty: t };
  }

  /**
   * An optional chain to a scalar of `kind`: `ctx.header(W, off)?.…` (null when the packet is
   * short), `m.lookup(0)?.…` (never null) or `f(ctx, …)?.…` (a function returning a reference or null).
   */
  chain(scope: Scope, kind: TsKind): Chain | undefined {
    if (this.avoid("optional") || this.depthGuard > 1) return undefined;
    return this.numberLookup(scope, kind, this.drawnChain(scope, kind));
  }
  drawnChain(scope: Scope, kind: TsKind): Chain | undefined {
    this.depthGuard++;
    try {
      for (let tries = 0; tries < 4; tries++) {
        const roll = this.r.next();
        const fns = this.funcs.filter((f) => f.refRet);
        let src: ChainSource;
        if (roll < 0.45 && !scope.func && !this.avoid("view"))
          src = { k: "header", def: this.view2, off: this.offset(scope) };
        else if (roll < 0.75 && !scope.func && fns.length && !this.avoid("assign-in-expr")) {
          const fn = this.r.pick(fns);
          const args = this.args(scope, fn, 1);
          if (!args) continue;
          src = { k: "call", fn, args };
        } else src = { k: "lookup", map: `m${this.id}` };
        const def = src.k === "header" ? src.def : src.k === "call" ? src.fn.refRet! : this.state;
        const leaf = this.path(scope, def, false);
        if (tsKind(leaf.ty) === kind) return { src, def, path: leaf.path, ty: leaf.ty };
      }
      return undefined;
    } finally {
      this.depthGuard--;
    }
  }

  /** A bool from an optional chain: compared with a value, its truth, or a bool chain `?? b`. */
  chainBool(scope: Scope, depth: number): Expr | undefined {
    if (this.avoid("optional")) return undefined; // before any draw: avoided, the programs are those of before `?.`
    const kind: TsKind = this.r.chance(0.2) ? "bool" : this.r.chance(0.75) ? "num" : "big";
    const chain = this.chain(scope, kind);
    if (!chain) return undefined;
    const roll = this.r.next();
    if (roll < 0.5) {
      const other =
        kind === "bool"
          ? this.bool(scope, depth - 1)
          : this.r.chance(0.4)
            ? this.literal(kind)
            : this.int(scope, kind, depth - 1);
      return { k: "optcmp", op: this.r.pick(["===", "!=="] as const), chain, other, chainLeft: this.r.chance(0.6) };
    }
    if (roll < 0.85 || kind !== "bool") return { k: "opttruth", chain, not: this.r.chance(0.5) };
    return { k: "nullish", chain, d: this.bool(scope, depth - 1) };
  }

  index(scope: Scope): Expr {
    this.depthGuard++;
    let e =
      this.depthGuard > 2 ? (this.readOf(scope, "num") ?? this.fallback(scope, "num")) : this.int(scope, "num", 1);
    if (constOnly(e)) e = this.input(scope, "num");
    this.depthGuard--;
    return e;
  }
  depthGuard = 0;

  readOf(scope: Scope, kind: TsKind): Expr | undefined {
    const direct = this.places(scope, kind, false);
    if (direct.length && this.r.chance(0.4)) return { k: "read", p: this.r.pick(direct) };
    const f = this.fieldPlace(scope, kind);
    if (f) return { k: "read", p: f };
    if (direct.length) return { k: "read", p: this.r.pick(direct) };
    return undefined;
  }
  writable(scope: Scope, kind: TsKind): Place | undefined {
    const direct = this.places(scope, kind, true);
    if (direct.length && this.r.chance(0.4)) return this.r.pick(direct);
    return this.fieldPlace(scope, kind) ?? (direct.length ? this.r.pick(direct) : undefined);
  }

  leaf(scope: Scope, kind: "num" | "big"): Expr {
    const roll = this.r.next();
    if (roll < 0.15) return this.literal(kind);
    if (roll < 0.17 && kind === "num" && this.tables.length) {
      // T[i]: a literal index, or a computed one (clamped: a branch, so not in loop bodies).
      const table = this.r.pick(this.tables);
      const literal =
        this.r.chance(0.4) ||
        scope.loops > 0 ||
        this.depthGuard > 2 ||
        this.avoid("computed-index") ||
        this.avoid("table-index");
      const i: Expr = literal
        ? { k: "lit", v: BigInt(this.r.int(table.values.length)), big: false }
        : this.index(scope);
      return { k: "table", table, i };
    }
    if (roll < 0.2 && kind === "num" && !scope.func && !this.avoid("len")) return { k: "len" };
    if (roll < 0.3) {
      const other = kind === "num" ? "big" : "num";
      const src = this.readOf(scope, other);
      if (src) return { k: "cast", to: this.r.pick(kind === "num" ? NUM_TYPES : BIG_TYPES), e: src };
    }
    return this.readOf(scope, kind) ?? this.fallback(scope, kind);
  }

  /** A non-constant leaf (for operators whose other operand is a literal). */
  input(scope: Scope, kind: "num" | "big"): Expr {
    for (let i = 0; i < 4; i++) {
      const e = this.leaf(scope, kind);
      if (!constOnly(e)) return e;
    }
    const other = this.readOf(scope, kind === "num" ? "big" : "num");
    if (other) return { k: "cast", to: kind === "num" ? INTS.u32 : INTS.u64, e: other };
    if (kind === "num" && !scope.func) return { k: "len" };
    return this.readOf(scope, kind) ?? this.fallback(scope, kind);
  }
  /** `e`, or an input in its place where `e` would be constant or TypeScript rejects testing its truth (`(c ? 5 : 6) || x`). */
  tested(scope: Scope, kind: "num" | "big", e: Expr): Expr {
    if (!constOnly(e) && !alwaysTruthy(e)) return e;
    const i = this.input(scope, kind);
    if (!alwaysTruthy(i)) return i;
    // Only literals in reach (a function without inputs): 0 or 1, which TypeScript accepts.
    const one: Expr = { k: "lit", v: BigInt(this.r.int(2)), big: false };
    return kind === "num" ? one : { k: "cast", to: INTS.u64, e: one };
  }
  fallback(scope: Scope, kind: "num" | "big"): Expr {
    if (scope.func) return this.literal(kind);
    return kind === "num" ? { k: "len" } : { k: "cast", to: INTS.u64, e: { k: "len" } };
  }

  int(scope: Scope, kind: "num" | "big", depth: number): Expr {
    const e = this.intRaw(scope, kind, depth);
    return constOnly(e) && !(e.k === "lit") ? this.input(scope, kind) : e;
  }

  intRaw(scope: Scope, kind: "num" | "big", depth: number): Expr {
    if (depth <= 0 || this.r.chance(0.25)) return this.leaf(scope, kind);
    const roll = this.r.next();
    if (roll < 0.4) {
      const ops: ArithOp[] = ["+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", ">>>"];
      const op = this.r.pick(kind === "big" ? ops.filter((o) => o !== ">>>") : ops);
      let a = this.int(scope, kind, depth - 1);
      let b = this.int(scope, kind, depth - 1);
      if (constOnly(a) && constOnly(b)) {
        if (this.r.chance(0.5)) a = this.input(scope, kind);
        else b = this.input(scope, kind);
      }
      let e: Expr = { k: "bin", op, a, b };
      if ((op === "/" || op === "%") && (typeOf(e) as IntT).signed) {
        e = { k: "bin", op, a: { k: "cast", to: kind === "num" ? INTS.u32 : INTS.u64, e: a }, b };
      }
      return e;
    }
    if (roll < 0.47) {
      const op = this.r.pick(kind === "big" ? (["-", "~"] as const) : (["-", "~", "+"] as const));
      return { k: "un", op, e: this.int(scope, kind, depth - 1) };
    }
    if (roll < 0.57) {
      const src = this.r.chance(0.3) ? (kind === "num" ? "big" : "num") : kind;
      const inner = this.r.chance(0.15) ? this.literal(src) : this.int(scope, src, depth - 1);
      const types = kind === "num" ? NUM_TYPES : BIG_TYPES;
      return { k: "cast", to: this.r.pick(types), e: inner };
    }
    if (roll < 0.67) {
      const c = this.cond(scope, depth - 1);
      const a = this.r.chance(0.2) ? this.literal(kind) : this.int(scope, kind, depth - 1);
      const b = this.r.chance(0.2) ? this.literal(kind) : this.int(scope, kind, depth - 1);
      return { k: "cond", c, a, b };
    }
    if (roll < 0.74) {
      const a = this.int(scope, kind, depth - 1);
      const b = this.r.chance(0.3) ? this.literal(kind) : this.int(scope, kind, depth - 1);
      return { k: "bin", op: this.r.pick(["&&", "||"] as const), a: this.tested(scope, kind, a), b };
    }
    if (roll < 0.78) {
      // `(w?.f ?? d)`: the default is evaluated only when the chain is absent.
      const chain = this.chain(scope, kind);
      if (chain) {
        const d = this.r.chance(0.4) ? this.literal(kind) : this.int(scope, kind, depth - 1);
        // `n.lookup(k) || d`: d where there is no entry or it holds 0 (a `?.` chain has no `||` in the subset).
        if (chain.src.k === "nlookup" && this.rn.chance(0.4)) return { k: "optor", chain, d };
        return { k: "nullish", chain, d };
      }
    }
    if (roll < 0.86 && !this.avoid("assign-in-expr")) {
      const p = this.writable(scope, kind);
      if (p) return this.assignTo(scope, p, kind, depth - 1);
    }
    if (roll < 0.92 && !this.avoid("assign-in-expr")) {
      const p = this.writable(scope, kind);
      if (p) return { k: "inc", p, op: this.r.pick(["++", "--"] as const), prefix: this.r.chance(0.5) };
    }
    if (roll < 0.96 && kind === "num") {
      // Math.imul(a, b), Math.min/max(a, b[, c]); the first operand is not a literal.
      const fn = this.r.pick(["min", "max", "imul"] as const);
      const n = fn === "imul" ? 2 : 2 + this.r.int(2);
      const args = [this.input(scope, "num")];
      while (args.length < n) args.push(this.r.chance(0.3) ? this.literal("num") : this.int(scope, "num", depth - 1));
      return { k: "math", fn, args };
    }
    const call = this.avoid("assign-in-expr") ? undefined : this.call(scope, kind, depth - 1);
    if (call) return call;
    return this.leaf(scope, kind);
  }

  assignTo(scope: Scope, p: Place, kind: "num" | "big", depth: number): Expr {
    const ops = ["=", "=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", ">>>="] as const;
    let op = this.r.pick(kind === "big" ? ops.filter((o) => o !== ">>>=") : ops);
    let e = this.r.chance(0.2) ? this.literal(kind) : this.int(scope, kind, depth);
    if (op === "/=" || op === "%=") {
      const t = typeOf({ k: "bin", op: op[0] as "/", a: { k: "read", p }, b: e });
      if ((t as IntT).signed) e = { k: "cast", to: kind === "num" ? INTS.u32 : INTS.u64, e };
    }
    if (p.ty.k === "bool") op = "=";
    return { k: "assign", p, op, e };
  }

  assignment(scope: Scope, depth: number): Expr {
    const kind: TsKind = this.r.chance(0.1) ? "bool" : this.r.chance(0.7) ? "num" : "big";
    if (kind === "bool") {
      const p = this.writable(scope, "bool");
      if (p) return { k: "assign", p, op: "=", e: this.bool(scope, depth) };
    }
    let k: "num" | "big" = kind === "bool" ? "num" : kind;
    let p = this.writable(scope, k);
    if (!p) {
      k = k === "num" ? "big" : "num";
      p = this.writable(scope, k);
    }
    if (!p) return this.assign(this.outSlot(), "=", this.int(scope, "big", depth));
    if (this.r.chance(0.15)) return { k: "inc", p, op: this.r.pick(["++", "--"] as const), prefix: this.r.chance(0.5) };
    return this.assignTo(scope, p, k, depth);
  }

  call(scope: Scope, kind: TsKind, depth: number): Expr | undefined {
    const fns = this.funcs.filter(
      (f) =>
        f !== scope.func &&
        !f.refRet &&
        tsKind(f.ret) === kind &&
        this.funcs.indexOf(f) < (scope.func ? this.funcs.indexOf(scope.func) : Infinity),
    );
    if (!fns.length) return undefined;
    const fn = this.r.pick(fns);
    const args = this.args(scope, fn, depth);
    return args && { k: "call", fn, args };
  }
  args(scope: Scope, fn: Func, depth: number): Arg[] | undefined {
    const args: Arg[] = [];
    for (const p of fn.params) {
      if (p.k === "ctx") args.push({ k: "ctx" });
      else if (p.k === "ref") {
        const bases = scope.bases.filter((b) => b.def === p.def);
        if (!bases.length) return undefined;
        args.push({ k: "ref", base: this.r.pick(bases) });
      } else if (p.ty.k === "bool") args.push({ k: "value", e: this.bool(scope, depth) });
      else
        args.push({
          k: "value",
          e: this.r.chance(0.2) ? this.literal(tsKind(p.ty) as "num") : this.int(scope, tsKind(p.ty) as "num", depth),
        });
    }
    return args;
  }

  bool(scope: Scope, depth: number): Expr {
    const roll = this.r.next();
    if (depth <= 0 || roll < 0.15) {
      const p = this.readOf(scope, "bool");
      if (p && this.r.chance(0.5)) return p;
      return this.comparison(scope, 0);
    }
    if (roll < 0.5) return this.comparison(scope, depth - 1);
    if (roll < 0.6)
      return {
        k: "un",
        op: "!",
        e: this.r.chance(0.5) ? this.bool(scope, depth - 1) : this.tested(scope, "num", this.input(scope, "num")),
      };
    if (roll < 0.75)
      return {
        k: "bin",
        op: this.r.pick(["&&", "||"] as const),
        a: this.bool(scope, depth - 1),
        b: this.bool(scope, depth - 1),
      };
    if (roll < 0.82)
      return {
        k: "bin",
        op: this.r.pick(["===", "!=="] as const),
        a: this.bool(scope, depth - 1),
        b: this.bool(scope, depth - 1),
      };
    if (roll < 0.9) {
      const c = this.cond(scope, depth - 1);
      const a = this.r.chance(0.2) ? ({ k: "bool", v: this.r.chance(0.5) } as Expr) : this.bool(scope, depth - 1);
      return { k: "cond", c, a, b: this.bool(scope, depth - 1) };
    }
    if (roll < 0.95) {
      const c = this.chainBool(scope, depth);
      if (c) return c;
    }
    const p = this.avoid("assign-in-expr") ? undefined : this.writable(scope, "bool");
    if (p) return { k: "assign", p, op: "=", e: this.bool(scope, depth - 1) };
    return this.comparison(scope, depth - 1);
  }

  comparison(scope: Scope, depth: number): Expr {
    const kind = this.r.chance(0.75) ? "num" : "big";
    const op = this.r.pick(["<", "<=", ">", ">=", "===", "!=="] as const);
    let a = this.int(scope, kind, depth);
    let b = this.r.chance(0.35) ? this.literal(kind) : this.int(scope, kind, depth);
    if (constOnly(a) && constOnly(b)) a = this.input(scope, kind);
    if (this.r.chance(0.3)) [a, b] = [b, a];
    return { k: "bin", op, a, b };
  }

  /** A condition: a bool, an integer (its truth), or both mixed with && and ||. */
  cond(scope: Scope, depth: number): Expr {
    const roll = this.r.next();
    if (roll < 0.05 && !this.avoid("optional")) {
      // `if (w?.f)`: the chain's truth, bare.
      const chain = this.chain(scope, this.r.chance(0.7) ? "num" : this.r.chance(0.5) ? "big" : "bool");
      if (chain) return { k: "opttruth", chain, not: false, bare: true };
    }
    if (roll < 0.6) return this.bool(scope, depth);
    if (roll < 0.85) {
      const kind = this.r.chance(0.8) ? "num" : "big";
      return this.tested(scope, kind, this.input(scope, kind));
    }
    const i = this.tested(scope, "num", this.input(scope, "num"));
    const b = this.bool(scope, depth);
    const op = this.r.pick(["&&", "||"] as const);
    return this.r.chance(0.5) ? { k: "bin", op, a: i, b } : { k: "bin", op, a: b, b: i };
  }
}

/** Whether TypeScript may see the end of a statement as unreachable (a jump, an if whose branches jump, a switch with a default). */
/** The values a for loop's counter can have in its body, from its start, test and bound (a
 *  superset when the step is 2; empty, lowest > highest, when the body never runs). */
function counterRange(from: bigint, cmp: CmpOp, to: bigint): readonly [bigint, bigint] {
  if (cmp === "<") return [from, to - 1n];
  if (cmp === "<=") return [from, to];
  if (cmp === ">") return [to + 1n, from];
  return [to, from];
}

export function mayEnd(s: Stmt): boolean {
  if (s.k === "break" || s.k === "continue" || s.k === "return") return true;
  if (s.k === "if") return !!s.no && s.yes.some(mayEnd) && s.no.some(mayEnd);
  if (s.k === "switch") return s.cases.some((c) => !c.label);
  return false;
}

/** Scalar leaf types of a struct in declaration order (a struct literal gives them in this order). */
export function leafTypes(t: FieldT): ScalarT[] {
  if (t.k === "int" || t.k === "bool") return [t];
  if (t.k === "array") return Array.from({ length: t.len }, () => t.elem);
  return t.fields.flatMap((f) => leafTypes(f.ty));
}

export type { IntT };

/**
 * About log₂ of the number of paths the verifier walks through a program: each branch (a
 * comparison or `!` as a value, `&&`/`||`/`?:`, the zero test of `/` and `%`, a computed
 * index's clamp, `Math.min`/`max`, a view's null test) doubles the paths after it, a loop
 * repeats its body's, a call inlines its function's. BPF has no conditional move, so every
 * one is a jump. The verifier prunes paths that meet in an equal state, so this is an upper
 * bound; the generator keeps it under a budget so that programs stay below the verifier's
 * limit of 1,000,000 processed instructions (a complexity rejection is not a compiler bug).
 */
export function pathWeight(p: Prog): number {
  return weights(p).paths;
}

/** `paths`: pathWeight; `loop`: the largest weight of one loop (its iterations times its body's). */
export function weights(p: Prog): { paths: number; loop: number } {
  let loop = 0;
  const funcs = new Map<Func, number>();
  const place = (pl: Place): number =>
    pl.k === "field" ? pl.path.reduce((w, s) => w + (s.k === "index" && s.e.k !== "lit" ? 1 + expr(s.e) : 0), 0) : 0;
  const func = (fn: Func): number => {
    let w = funcs.get(fn);
    if (w === undefined) funcs.set(fn, (w = block(fn.body)));
    return w;
  };
  const expr = (e: Expr): number => {
    switch (e.k) {
      case "lit":
      case "bool":
      case "len":
        return 0;
      case "read":
        return place(e.p);
      case "cast":
        return expr(e.e);
      case "un":
        return expr(e.e) + (e.op === "!" ? 1 : 0);
      case "bin": {
        const jump = ["/", "%", "<", "<=", ">", ">=", "===", "!==", "&&", "||"].includes(e.op) ? 1 : 0;
        return expr(e.a) + expr(e.b) + jump;
      }
      case "cond":
        return expr(e.c) + 1 + Math.max(expr(e.a), expr(e.b));
      case "assign":
        return place(e.p) + expr(e.e) + (e.op === "/=" || e.op === "%=" ? 1 : 0);
      case "inc":
        return place(e.p);
      case "call":
        return e.args.reduce((w, a) => w + (a.k === "value" ? expr(a.e) : 0), 0) + func(e.fn);
      case "math":
        return e.args.reduce((w, a) => w + expr(a), 0) + (e.fn === "imul" ? 0 : e.args.length - 1);
      case "table":
        return e.i.k === "lit" ? 0 : 1 + expr(e.i);
      case "optcmp":
        return chain(e.chain) + expr(e.other) + 1;
      case "opttruth":
        return chain(e.chain) + 1;
      case "nullish":
      case "optor":
        return chain(e.chain) + expr(e.d);
    }
  };
  // The presence test is a branch, and so is each computed index of the path.
  const chain = (c: Chain): number => {
    const steps = c.path.reduce((w, s) => w + (s.k === "index" && s.e.k !== "lit" ? 1 + expr(s.e) : 0), 0);
    const src =
      c.src.k === "header"
        ? expr(c.src.off)
        : c.src.k === "call"
          ? c.src.args.reduce((w, a) => w + (a.k === "value" ? expr(a.e) : 0), 0) + func(c.src.fn)
          : c.src.k === "nlookup"
            ? expr(c.src.key)
            : 0;
    return src + 1 + steps;
  };
  const block = (body: Stmt[]): number => body.reduce((w, s) => w + stmt(s), 0);
  const stmt = (s: Stmt): number => {
    switch (s.k) {
      case "let":
        return expr(s.init);
      case "struct":
        return s.init.reduce((w, e) => w + expr(e), 0);
      case "expr":
      case "nput":
        return expr(s.e);
      case "if":
        return expr(s.c) + 1 + Math.max(block(s.yes), s.no ? block(s.no) : 0);
      case "switch":
        // Each case may fall through into the next: a path runs a suffix of the bodies.
        return expr(s.e) + Math.ceil(Math.log2(s.cases.length + 1)) + block(s.cases.flatMap((c) => c.body));
      case "for": {
        const n = (s.step > 0n ? s.to - s.from : s.from - s.to) / (s.step > 0n ? s.step : -s.step) + 1n;
        const w = Number(n < 0n ? 0n : n) * block(s.body);
        loop = Math.max(loop, w);
        return w;
      }
      case "forof": {
        const w = s.table.values.length * block(s.body);
        loop = Math.max(loop, w);
        return w;
      }
      case "view":
        return expr(s.off) + 1 + block(s.body);
      case "refcall":
        return s.args.reduce((w, a) => w + (a.k === "value" ? expr(a.e) : 0), 0) + func(s.fn) + 1 + block(s.body);
      case "return":
        return s.e ? expr(s.e) : s.ref?.k === "header" ? expr(s.ref.off) + 1 : 0;
      default:
        return 0;
    }
  };
  const paths = block(p.body);
  return { paths, loop };
}
