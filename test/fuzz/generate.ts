// Random valid programs over the whole language subset. Validity is kept by construction:
// every expression has a TypeScript kind (number, bigint, boolean) and the operands of an
// operator share it; no operator has only literal operands (those fold at compile time);
// division only in unsigned types; loops count a bounded number of times for their counter's type.
import {
  type ArithOp,
  type Base,
  BOOL,
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
    default:
      return false;
  }
}

interface Local {
  name: string;
  ty: ScalarT;
  assignable: boolean;
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
   * view passed to a function).
   */
  avoid?: string[];
}

export function generate(seed: number, options: GenOptions = {}, id = String(seed)): Prog {
  return new Gen(seed, id, options).prog();
}

class Gen {
  r: Rng;
  n = 0;
  budget: number;
  globals: Prog["globals"] = [];
  funcs: Func[] = [];
  state!: StructT;
  view!: StructT;
  view2!: StructT;
  local!: StructT;
  structs = 0;

  constructor(
    readonly seed: number,
    readonly id: string,
    readonly options: GenOptions,
  ) {
    this.r = new Rng(seed);
    this.budget = options.size ?? 10 + this.r.int(25);
  }
  avoid(what: string): boolean {
    return this.options.avoid?.includes(what) ?? false;
  }
  fresh(prefix: string) {
    return `${prefix}${this.n++}`;
  }

  // ---- types ----
  scalarType(): ScalarT {
    return this.r.chance(0.1) ? BOOL : INTS[this.r.pick(INT_NAMES)];
  }
  struct(name: string, fields: number, nested: boolean, packed: boolean): StructT {
    const fs: StructT["fields"] = [];
    for (let i = 0; i < fields; i++) {
      let ty: FieldT = this.scalarType();
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
    for (let i = this.r.int(4); i > 0; i--) this.funcs.push(this.func(`f${id}_${this.funcs.length}`));
    const scope: Scope = {
      locals: [],
      bases: [
        { name: "st", def: this.state },
        { name: "pk", def: this.view },
      ],
      loops: 0,
      breakable: 0,
    };
    const body = this.block(scope, 0);
    return {
      seed: this.seed,
      id,
      state: this.state,
      view: this.view,
      view2: this.view2,
      local: this.local,
      globals: this.globals,
      funcs: this.funcs,
      body,
    };
  }

  func(name: string): Func {
    const params: Param[] = [];
    for (let i = this.r.int(5); i > 0; i--) {
      if (this.r.chance(0.25)) {
        const def = this.r.pick([this.state, this.view, this.local]);
        params.push({ k: "ref", name: this.fresh("r"), def });
      } else params.push({ k: "value", name: this.fresh("a"), ty: this.scalarType() });
    }
    const ret = INTS[this.r.pick(INT_NAMES)];
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
    // Two locals, so that every kind of integer has a place to be written.
    const pre: Stmt[] = [];
    for (const ty of [this.r.pick(NUM_TYPES), this.r.pick(BIG_TYPES)]) {
      const name = this.fresh("v");
      pre.push({ k: "let", name, ty, init: this.literal(tsKind(ty) as "num") });
      scope.locals.push({ name, ty, assignable: true });
    }
    fn.body = [...pre, ...this.block(scope, 1)];
    if (fn.body.at(-1)?.k !== "return")
      fn.body.push({ k: "return", e: this.int(scope, tsKind(ret) as "num" | "big", 2) });
    this.budget = saved;
    return fn;
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
    if (roll < 0.73 && deep && !scope.func && !this.avoid("view")) {
      const base: Base = { name: this.fresh("w"), def: this.view2 };
      const off = this.offset(scope);
      const inner: Scope = { ...scope, bases: [...scope.bases, base] };
      return [{ k: "view", base, off, body: this.block(inner, depth + 1) }];
    }
    if (roll < 0.77 && this.structs < 40) {
      const base: Base = { name: this.fresh("ls"), def: this.local };
      this.structs += 10;
      const init = leafTypes(this.local).map((t) =>
        t.k === "bool" ? this.bool(scope, 2) : this.int(scope, tsKind(t) as "num", 2),
      );
      scope.bases.push(base);
      return [{ k: "struct", base, init }];
    }
    if (roll < 0.8 && scope.breakable > 0)
      return [this.r.chance(0.5) || scope.loops === 0 ? { k: "break" } : { k: "continue" }];
    if (roll < 0.83 && depth > 0) {
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

  offset(scope: Scope): Expr {
    const roll = this.r.next();
    let e = this.int(scope, "num", 2);
    if (constOnly(e)) e = this.input(scope, "num");
    if (roll < 0.5)
      return { k: "bin", op: "&", a: e, b: { k: "lit", v: BigInt(this.r.pick([7, 15, 31, 63])), big: false } };
    if (roll < 0.85 || this.avoid("unbounded-offset")) return { k: "lit", v: BigInt(this.r.int(48)), big: false };
    if (roll < 0.9)
      return { k: "bin", op: "%", a: { k: "cast", to: INTS.u32, e }, b: { k: "lit", v: 40n, big: false } };
    return this.readOf(scope, "num") ?? { k: "len" };
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
      locals: [...scope.locals, { name: v, ty, assignable: false }],
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
      const path: Step[] = [];
      let t: FieldT = base.def;
      while (t.k === "struct" || t.k === "array") {
        if (t.k === "struct") {
          const f: StructT["fields"][number] = this.r.pick(t.fields);
          path.push({ k: "field", name: f.name });
          t = f.ty;
        } else {
          const e: Expr =
            this.r.chance(0.6) ||
            this.avoid("computed-index") ||
            // The clamp of a computed index is a branch: in a loop body, unrolled by the verifier,
            // a few of them with the body's other branches pass its complexity limit.
            scope.loops > 0 ||
            (scope.func && base.def === this.view && this.avoid("packet-param-index"))
              ? { k: "lit", v: BigInt(this.r.int(t.len)), big: false }
              : this.index(scope);
          path.push({ k: "index", e });
          t = t.elem;
        }
      }
      if (tsKind(t) === kind) return { k: "field", base, path, ty: t };
    }
    return undefined;
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
      return { k: "bin", op: this.r.pick(["&&", "||"] as const), a: constOnly(a) ? this.input(scope, kind) : a, b };
    }
    if (roll < 0.86 && !this.avoid("assign-in-expr")) {
      const p = this.writable(scope, kind);
      if (p) return this.assignTo(scope, p, kind, depth - 1);
    }
    if (roll < 0.92 && !this.avoid("assign-in-expr")) {
      const p = this.writable(scope, kind);
      if (p) return { k: "inc", p, op: this.r.pick(["++", "--"] as const), prefix: this.r.chance(0.5) };
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
        tsKind(f.ret) === kind &&
        this.funcs.indexOf(f) < (scope.func ? this.funcs.indexOf(scope.func) : Infinity),
    );
    if (!fns.length) return undefined;
    const fn = this.r.pick(fns);
    const args: import("./ir.ts").Arg[] = [];
    for (const p of fn.params) {
      if (p.k === "ref") {
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
    return { k: "call", fn, args };
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
      return { k: "un", op: "!", e: this.r.chance(0.5) ? this.bool(scope, depth - 1) : this.input(scope, "num") };
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
    if (roll < 0.6) return this.bool(scope, depth);
    if (roll < 0.85) return this.input(scope, this.r.chance(0.8) ? "num" : "big");
    const i = this.input(scope, "num");
    const b = this.bool(scope, depth);
    const op = this.r.pick(["&&", "||"] as const);
    return this.r.chance(0.5) ? { k: "bin", op, a: i, b } : { k: "bin", op, a: b, b: i };
  }
}

/** Whether TypeScript may see the end of a statement as unreachable (a jump, an if whose branches jump, a switch with a default). */
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
