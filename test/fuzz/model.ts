// The reference interpreter: docs/language.md as executable code, written independently of the
// compiler (no import from compiler/). It gives every expression its static type by the
// documented rules and evaluates programs on BigInts, wrapping at each type's width.
import {
  type Arg,
  type Base,
  type Chain,
  type Expr,
  type FieldT,
  type Func,
  type IntT,
  INTS,
  layout,
  type Place,
  type Prog,
  type RefValue,
  type ScalarT,
  sizeOf,
  type Step,
  type Stmt,
  type StructT,
} from "./ir.ts";

/** A static type: an integer type, bool, or a literal that has not met a typed operand yet. */
export type Ty = IntT | { k: "bool" } | { k: "lit"; v: bigint; big: boolean };
export type Val = { k: "int"; t: IntT; v: bigint } | { k: "lit"; v: bigint; big: boolean } | { k: "bool"; v: boolean };

export class ModelError extends Error {}

// ---- the documented integer rules ----

/** Big-endian types are read and written as host-order numbers: their values are unsigned. */
export const valueType = (t: IntT): IntT => (t.be ? INTS[`u${t.bits}` as "u16"] : t);
export const wrap = (v: bigint, t: IntT): bigint => (t.signed ? BigInt.asIntN(t.bits, v) : BigInt.asUintN(t.bits, v));
const intOf = (bits: number, signed: boolean): IntT => INTS[`${signed ? "i" : "u"}${bits}` as "u32"];
/** Arithmetic widens to at least 32 bits, to 64 if either is 64; signed only if both are. */
export const arithType = (a: IntT, b: IntT): IntT => intOf(Math.max(32, a.bits, b.bits), a.signed && b.signed);
/** Literals default to u32 (u64 if larger), i32 if negative (i64 if smaller); bigint literals to u64 / i64. */
export function literalType(v: bigint, big: boolean): IntT {
  if (big) return v < 0n ? INTS.i64 : INTS.u64;
  if (v < 0n) return v >= -(1n << 31n) ? INTS.i32 : INTS.i64;
  return v <= 0xffffffffn ? INTS.u32 : INTS.u64;
}
/** The type of two literal arms of `?:`: the first of u32/u64 (both ≥ 0) or i32/i64 that holds both. */
export function literalsType(a: bigint, b: bigint, big: boolean): IntT {
  if (a >= 0n && b >= 0n) return !big && a <= 0xffffffffn && b <= 0xffffffffn ? INTS.u32 : INTS.u64;
  const fits32 = (x: bigint) => x >= -(1n << 31n) && x < 1n << 31n;
  return !big && fits32(a) && fits32(b) ? INTS.i32 : INTS.i64;
}
const isShift = (op: string) => op === "<<" || op === ">>" || op === ">>>";
const isCmp = (op: string) => ["<", "<=", ">", ">=", "===", "!=="].includes(op);

/** The common type of two integer operands (arithmetic, `&&`/`||` values, `?:` arms). */
export function commonType(a: Ty, b: Ty): IntT {
  if (a.k === "bool" || b.k === "bool") throw new ModelError("an integer operation on a bool");
  if (a.k === "int" && b.k === "int") return arithType(a, b);
  if (a.k === "int") return arithType(a, a);
  if (b.k === "int") return arithType(b, b);
  throw new ModelError("an operation on two literals");
}

/** The type a comparison is made in: a literal that does not fit the other side is compared in 64 bits. */
export function compareType(a: Ty, b: Ty): IntT {
  let t = commonType(a, b);
  const lit = a.k === "lit" ? a.v : b.k === "lit" ? b.v : undefined;
  if (lit !== undefined && t.bits < 64 && (lit >= 0n || t.signed) && wrap(lit, t) !== lit) t = intOf(64, t.signed);
  return t;
}

export function typeOf(e: Expr): Ty {
  switch (e.k) {
    case "lit":
      return { k: "lit", v: e.v, big: e.big };
    case "bool":
      return { k: "bool" };
    case "read":
    case "assign":
    case "inc":
      return e.p.ty.k === "bool" ? { k: "bool" } : valueType(e.p.ty);
    case "len":
      return INTS.u32;
    case "cast":
      return valueType(e.to);
    case "call":
      if (e.fn.refRet) throw new ModelError(`${e.fn.name} returns a reference, not a value`);
      return valueType(e.fn.ret);
    case "table":
      return INTS.u32;
    case "optcmp":
    case "opttruth":
      return { k: "bool" };
    case "nullish": {
      // As `c ? chain : d`: both bools, or the common type of the two (the chain is never a literal).
      const a: Ty = e.chain.ty.k === "bool" ? { k: "bool" } : valueType(e.chain.ty);
      const b = typeOf(e.d);
      if (a.k === "bool" && b.k === "bool") return a;
      return commonType(a, b);
    }
    case "optor":
      // `n || d` of two integers: the deciding operand's value in their common type.
      return commonType(valueType(e.chain.ty as IntT), typeOf(e.d));
    case "math": {
      // Math.imul: 32 bits, signed only if both operands are (a literal is signed if negative).
      if (e.fn === "imul") {
        const signed = e.args.map(typeOf).every((t) => (t.k === "int" ? t.signed : t.k === "lit" && t.v < 0n));
        return signed ? INTS.i32 : INTS.u32;
      }
      // Math.min/max: the common type of the operands, left to right, as `<` compares them.
      let t = typeOf(e.args[0]!);
      for (const a of e.args.slice(1)) t = commonType(t, typeOf(a));
      return t;
    }
    case "un": {
      if (e.op === "!") return { k: "bool" };
      const t = typeOf(e.e);
      if (t.k === "lit") return { k: "lit", v: e.op === "-" ? -t.v : e.op === "~" ? ~t.v : t.v, big: t.big };
      if (t.k === "bool") throw new ModelError(`${e.op} on a bool`);
      return arithType(t, t);
    }
    case "bin": {
      if (isCmp(e.op)) return { k: "bool" };
      const a = typeOf(e.a),
        b = typeOf(e.b);
      // Mixed bool and integer operands (only in conditions): a truth value.
      if (e.op === "&&" || e.op === "||") return a.k === "bool" || b.k === "bool" ? { k: "bool" } : commonType(a, b);
      if (isShift(e.op)) {
        let t: IntT;
        if (a.k === "int") t = arithType(a, a);
        else if (a.k === "lit" && b.k !== "lit") t = literalType(a.v, a.big);
        else throw new ModelError("a shift of a literal by a literal");
        // `>>>` is logical and its result unsigned, as in JavaScript (`i32(-1) >>> 0` is 2³²−1).
        return e.op === ">>>" ? intOf(t.bits, false) : t;
      }
      return commonType(a, b);
    }
    case "cond": {
      const a = typeOf(e.a),
        b = typeOf(e.b);
      if (a.k === "bool" && b.k === "bool") return a;
      if (a.k === "lit" && b.k === "lit") return literalsType(a.v, b.v, a.big || b.big);
      return commonType(a, b);
    }
  }
}

/** Converts a value to an integer type (truncating, or extending by the value's signedness). */
export function convert(v: Val, t: IntT): bigint {
  if (v.k === "bool") throw new ModelError("a bool used as an integer");
  return wrap(v.v, t);
}
const truthy = (v: Val) => (v.k === "bool" ? v.v : v.v !== 0n);

function arith(op: string, x: bigint, y: bigint, t: IntT): bigint {
  switch (op) {
    case "+":
      return wrap(x + y, t);
    case "-":
      return wrap(x - y, t);
    case "*":
      return wrap(x * y, t);
    case "/":
      if (t.signed) throw new ModelError("signed division");
      return y === 0n ? 0n : x / y;
    case "%":
      if (t.signed) throw new ModelError("signed remainder");
      return y === 0n ? x : x % y;
    case "&":
      return wrap(x & y, t);
    case "|":
      return wrap(x | y, t);
    case "^":
      return wrap(x ^ y, t);
  }
  // Shifts mask the count to the width of the (widened) left operand.
  const c = BigInt.asUintN(t.bits, y) & BigInt(t.bits - 1);
  if (op === "<<") return wrap(x << c, t);
  if (op === ">>") return wrap(x >> c, t); // arithmetic for signed values, which x already is
  return wrap(BigInt.asUintN(t.bits, x) >> c, t);
}

export function compare(op: string, a: Val, b: Val): boolean {
  if (a.k === "bool" || b.k === "bool") {
    if (a.k !== "bool" || b.k !== "bool") throw new ModelError("a bool compared with an integer");
    if (op === "===") return a.v === b.v;
    if (op === "!==") return a.v !== b.v;
    throw new ModelError("booleans compare only with === and !==");
  }
  const t = compareType(tyOfVal(a), tyOfVal(b));
  const x = convert(a, t),
    y = convert(b, t);
  switch (op) {
    case "<":
      return x < y;
    case "<=":
      return x <= y;
    case ">":
      return x > y;
    case ">=":
      return x >= y;
    case "===":
      return x === y;
    default:
      return x !== y;
  }
}
const tyOfVal = (v: Val): Ty => (v.k === "int" ? v.t : v.k === "lit" ? v : { k: "bool" });

// ---- memory ----

const isRegion = (v: Returned): v is Region => typeof v === "object" && v !== null && "buf" in v;

interface Region {
  buf: Uint8Array;
  off: number;
}
type Ref =
  | { k: "local"; frame: Frame; name: string; ty: ScalarT }
  | { k: "global"; name: string; ty: IntT }
  | { k: "mem"; buf: Uint8Array; off: number; ty: ScalarT };

function readMem(buf: Uint8Array, off: number, ty: ScalarT): Val {
  if (ty.k === "bool") return { k: "bool", v: buf[off] !== 0 };
  const n = ty.bits / 8;
  let raw = 0n;
  for (let i = 0; i < n; i++) {
    const byte = BigInt(buf[off + (ty.be ? i : n - 1 - i)]!);
    raw = (raw << 8n) | byte;
  }
  const vt = valueType(ty);
  return { k: "int", t: vt, v: wrap(raw, vt) };
}
function writeMem(buf: Uint8Array, off: number, ty: ScalarT, v: Val): void {
  if (ty.k === "bool") {
    if (v.k !== "bool") throw new ModelError("an integer stored into a bool");
    buf[off] = v.v ? 1 : 0;
    return;
  }
  const n = ty.bits / 8;
  let raw = BigInt.asUintN(ty.bits, convert(v, ty));
  for (let i = 0; i < n; i++) {
    buf[off + (ty.be ? n - 1 - i : i)] = Number(raw & 0xffn);
    raw >>= 8n;
  }
}

// ---- execution ----

interface Frame {
  locals: Map<string, Val>;
  bases: Map<string, Region>;
}
/** What a return gives: a value, an XDP action, or a reference (a region, or null). */
type Returned = Val | number | Region | null;
type Flow = undefined | { k: "break" } | { k: "continue" } | { k: "return"; v: Returned };

export interface RunInput {
  packet: Uint8Array;
  state: Uint8Array;
}
export interface RunOutput {
  action: number;
  packet: Uint8Array;
  state: Uint8Array;
  globals: Map<string, bigint>;
}

export class Machine {
  globals = new Map<string, Val>();
  /** The map of numbers: the entries the program put (a key with none looks up as null). */
  numbers = new Map<bigint, Val>();
  steps = 0;
  constructor(
    readonly prog: Prog,
    readonly packet: Uint8Array,
    readonly state: Uint8Array,
  ) {
    for (const g of prog.globals) this.globals.set(g.name, { k: "int", t: valueType(g.ty), v: wrap(g.init, g.ty) });
  }

  run(): number {
    const frame: Frame = { locals: new Map(), bases: new Map() };
    frame.bases.set("st", { buf: this.state, off: 0 });
    if (this.packet.length < sizeOf(this.prog.view)) return 0; // the program returns ABORTED
    frame.bases.set("pk", { buf: this.packet, off: 0 });
    const flow = this.block(frame, this.prog.body);
    if (flow?.k === "return") return flow.v as number;
    return 2; // falling off the end passes
  }

  tick() {
    if (++this.steps > 200_000) throw new ModelError("the model ran more than 200000 steps (a generator bug)");
  }

  block(f: Frame, body: Stmt[]): Flow {
    for (const s of body) {
      const flow = this.stmt(f, s);
      if (flow) return flow;
    }
    return undefined;
  }

  stmt(f: Frame, s: Stmt): Flow {
    this.tick();
    switch (s.k) {
      case "let": {
        const v = this.eval(f, s.init);
        f.locals.set(s.name, this.coerce(v, s.ty));
        return;
      }
      case "struct": {
        const buf = new Uint8Array(sizeOf(s.base.def));
        f.bases.set(s.base.name, { buf, off: 0 });
        // Fields in order; nested values are flattened to the scalar leaves in order.
        const slots = leafSlots(s.base.def, 0);
        if (!s.init.length) return; // zero(S)
        if (slots.length !== s.init.length) throw new ModelError("struct literal arity");
        s.init.forEach((e, i) => writeMem(buf, slots[i]!.off, slots[i]!.ty, this.eval(f, e)));
        return;
      }
      case "expr":
        this.eval(f, s.e);
        return;
      case "nput":
        this.numbers.set(BigInt(s.key), this.coerce(this.eval(f, s.e), s.ty));
        return;
      case "if":
        if (truthy(this.eval(f, s.c))) return this.block(f, s.yes);
        return s.no ? this.block(f, s.no) : undefined;
      case "switch": {
        const subject = this.eval(f, s.e);
        let start = s.cases.findIndex((c) => c.label && compare("===", subject, this.eval(f, c.label)));
        if (start < 0) start = s.cases.findIndex((c) => !c.label);
        if (start < 0) return;
        for (let i = start; i < s.cases.length; i++) {
          const flow = this.block(f, s.cases[i]!.body);
          if (flow?.k === "break") return;
          if (flow) return flow;
        }
        return;
      }
      case "for": {
        const counter = (v: bigint): Val => ({ k: "int", t: valueType(s.ty), v: wrap(v, s.ty) });
        f.locals.set(s.v, counter(s.from));
        const to: Val = { k: "lit", v: s.to, big: s.ty.bits === 64 };
        while (compare(s.cmp, f.locals.get(s.v)!, to)) {
          this.tick();
          const flow = this.block(f, s.body);
          if (flow?.k === "break") break;
          if (flow?.k === "return") return flow;
          f.locals.set(s.v, counter((f.locals.get(s.v) as { v: bigint }).v + s.step));
        }
        return;
      }
      case "break":
        return { k: "break" };
      case "continue":
        return { k: "continue" };
      case "return":
        if (s.ref) return { k: "return", v: this.refValue(f, s.ref) };
        return { k: "return", v: s.e ? this.eval(f, s.e) : s.action! };
      case "refcall": {
        const r = this.invoke(f, s.fn, s.args);
        if (!s.fn.refRet || (r !== null && !isRegion(r))) throw new ModelError(`${s.fn.name} returned a value`);
        if (r === null) return;
        f.bases.set(s.base.name, r);
        return this.block(f, s.body);
      }
      case "forof":
        for (const v of s.table.values) {
          this.tick();
          f.locals.set(s.v, { k: "int", t: INTS.u32, v });
          const flow = this.block(f, s.body);
          if (flow?.k === "break") break;
          if (flow?.k === "return") return flow;
        }
        return;
      case "view": {
        const region = this.header(f, s.base.def, s.off);
        if (!region) return;
        f.bases.set(s.base.name, region);
        return this.block(f, s.body);
      }
    }
  }

  /** `ctx.header(def, off)`: the view at that packet offset, or null when the packet is too short. */
  header(f: Frame, def: StructT, offset: Expr): Region | null {
    const off = this.eval(f, offset);
    const o = BigInt.asUintN(64, convert(off, off.k === "int" ? off.t : INTS.u64));
    if (o + BigInt(sizeOf(def)) > BigInt(this.packet.length)) return null;
    return { buf: this.packet, off: Number(o) };
  }

  refValue(f: Frame, r: RefValue): Region | null {
    switch (r.k) {
      case "null":
        return null;
      case "base": {
        const region = f.bases.get(r.base.name);
        if (!region) throw new ModelError(`no struct ${r.base.name} in scope`);
        return region;
      }
      case "lookup":
        return { buf: this.state, off: 0 };
      case "header":
        return this.header(f, r.def, r.off);
    }
  }

  /** Computed indexes are unsigned 64-bit numbers clamped to the last element. */
  indexOf(f: Frame, e: Expr, len: number): number {
    const iv = this.eval(f, e);
    if (iv.k === "bool") throw new ModelError("a bool index");
    const i = BigInt.asUintN(64, convert(iv, iv.k === "int" ? iv.t : literalType(iv.v, iv.big)));
    return Number(i > BigInt(len - 1) ? BigInt(len - 1) : i);
  }

  coerce(v: Val, ty: ScalarT): Val {
    if (ty.k === "bool") {
      if (v.k !== "bool") throw new ModelError("an integer assigned to a bool");
      return v;
    }
    const vt = valueType(ty);
    return { k: "int", t: vt, v: convert(v, ty.be ? vt : ty) };
  }

  /** The value of an optional chain `src?.path`, or undefined when `src` is null (the path then does not run). */
  chain(f: Frame, c: Chain): Val | undefined {
    let region: Region | null;
    if (c.src.k === "header") region = this.header(f, c.src.def, c.src.off);
    else if (c.src.k === "lookup") region = { buf: this.state, off: 0 };
    else if (c.src.k === "nlookup") {
      // `n.lookup(k)`: the key is a u32; a key the program put no entry for is null.
      const k = this.eval(f, c.src.key);
      return this.numbers.get(convert(k, INTS.u32));
    } else {
      const r = this.invoke(f, c.src.fn, c.src.args);
      if (!c.src.fn.refRet || (r !== null && !isRegion(r))) throw new ModelError(`${c.src.fn.name} returned a value`);
      region = r;
    }
    if (region === null) return undefined;
    return this.load(this.refIn(f, region, c.def, c.path));
  }

  ref(f: Frame, p: Place): Ref {
    if (p.k === "local") return { k: "local", frame: f, name: p.name, ty: p.ty };
    if (p.k === "global") return { k: "global", name: p.name, ty: p.ty };
    const region = f.bases.get(p.base.name);
    if (!region) throw new ModelError(`no struct ${p.base.name} in scope`);
    return this.refIn(f, region, p.base.def, p.path);
  }

  /** The scalar at `path` in a struct `def` held in `region`. */
  refIn(f: Frame, region: Region, def: StructT, path: Step[]): Extract<Ref, { k: "mem" }> {
    let off = region.off;
    let t: FieldT = def;
    for (const step of path) {
      if (step.k === "field") {
        if (t.k !== "struct") throw new ModelError("field of a non-struct");
        off += layout(t).offsets.get(step.name)!;
        t = t.fields.find((x) => x.name === step.name)!.ty;
      } else {
        if (t.k !== "array") throw new ModelError("index of a non-array");
        if (step.e.k === "lit" && step.e.v >= BigInt(t.len)) throw new ModelError("a literal index outside the array");
        off += this.indexOf(f, step.e, t.len) * sizeOf(t.elem);
        t = t.elem;
      }
    }
    if (t.k !== "int" && t.k !== "bool") throw new ModelError("a place that is not a scalar");
    return { k: "mem", buf: region.buf, off, ty: t };
  }
  load(r: Ref): Val {
    if (r.k === "local") {
      const v = r.frame.locals.get(r.name);
      if (!v) throw new ModelError(`local ${r.name} read before its declaration`);
      return v;
    }
    if (r.k === "global") return this.globals.get(r.name)!;
    return readMem(r.buf, r.off, r.ty);
  }
  /** Stores a value and returns it as stored (wrapped to the target). */
  store(r: Ref, v: Val): Val {
    if (r.k === "local") {
      const c = this.coerce(v, r.ty);
      r.frame.locals.set(r.name, c);
      return c;
    }
    if (r.k === "global") {
      const c = this.coerce(v, r.ty);
      this.globals.set(r.name, c);
      return c;
    }
    writeMem(r.buf, r.off, r.ty, v);
    return readMem(r.buf, r.off, r.ty);
  }

  eval(f: Frame, e: Expr): Val {
    this.tick();
    switch (e.k) {
      case "lit":
        return { k: "lit", v: e.v, big: e.big };
      case "bool":
        return { k: "bool", v: e.v };
      case "len":
        return { k: "int", t: INTS.u32, v: BigInt(this.packet.length) };
      case "read":
        return this.load(this.ref(f, e.p));
      case "cast": {
        const t = valueType(e.to);
        return { k: "int", t, v: convert(this.eval(f, e.e), e.to.be ? t : e.to) };
      }
      case "un": {
        const v = this.eval(f, e.e);
        if (e.op === "!") return { k: "bool", v: !truthy(v) };
        if (v.k === "bool") throw new ModelError("arithmetic on a bool");
        if (v.k === "lit") return { ...v, v: e.op === "-" ? -v.v : e.op === "~" ? ~v.v : v.v };
        const t = arithType(v.t, v.t);
        const x = wrap(v.v, t);
        return { k: "int", t, v: wrap(e.op === "-" ? -x : e.op === "~" ? ~x : x, t) };
      }
      case "bin": {
        if (e.op === "&&" || e.op === "||") return this.logic(f, e.op, e.a, e.b);
        const a = this.eval(f, e.a); // left to right: the left operand's value is taken first
        const b = this.eval(f, e.b);
        if (isCmp(e.op)) return { k: "bool", v: compare(e.op, a, b) };
        const t = typeOf(e) as IntT;
        if (t.k !== "int") throw new ModelError("arithmetic without an integer type");
        return { k: "int", t, v: arith(e.op, convert(a, t), convert(b, t), t) };
      }
      case "cond": {
        const t = typeOf(e);
        const v = truthy(this.eval(f, e.c)) ? this.eval(f, e.a) : this.eval(f, e.b);
        if (t.k === "bool") return v;
        return { k: "int", t: t as IntT, v: convert(v, t as IntT) };
      }
      case "assign": {
        const r = this.ref(f, e.p);
        if (e.op === "=") return this.store(r, this.eval(f, e.e));
        const old = this.load(r);
        const rhs = this.eval(f, e.e);
        const op = e.op.slice(0, -1);
        const t = isShift(op)
          ? arithType(old.k === "int" ? old.t : INTS.u32, old.k === "int" ? old.t : INTS.u32)
          : commonType(tyOfVal(old), tyOfVal(rhs));
        return this.store(r, { k: "int", t, v: arith(op, convert(old, t), convert(rhs, t), t) });
      }
      case "inc": {
        const r = this.ref(f, e.p);
        const old = this.load(r);
        if (old.k !== "int") throw new ModelError("++ on a bool");
        const t = arithType(old.t, old.t);
        const stored = this.store(r, { k: "int", t, v: wrap(old.v + (e.op === "++" ? 1n : -1n), t) });
        return e.prefix ? stored : old;
      }
      case "call": {
        const v = this.invoke(f, e.fn, e.args);
        if (e.fn.refRet || v === null || isRegion(v) || typeof v === "number")
          throw new ModelError(`${e.fn.name} returns a reference, not a value`);
        return this.coerce(v, e.fn.ret);
      }
      case "table": {
        if (e.i.k === "lit" && e.i.v >= BigInt(e.table.values.length))
          throw new ModelError("a literal index outside the table");
        return { k: "int", t: INTS.u32, v: e.table.values[this.indexOf(f, e.i, e.table.values.length)]! };
      }
      case "optcmp": {
        // `undefined === x` is false and `undefined !== x` true; both operands run, left to right.
        const [c, other] = e.chainLeft
          ? [this.chain(f, e.chain), this.eval(f, e.other)]
          : ((o) => [this.chain(f, e.chain), o])(this.eval(f, e.other));
        return { k: "bool", v: c === undefined ? e.op === "!==" : compare(e.op, c, other) };
      }
      case "opttruth": {
        const c = this.chain(f, e.chain);
        const truth = c !== undefined && truthy(c);
        return { k: "bool", v: e.not ? !truth : truth };
      }
      case "nullish": {
        const t = typeOf(e);
        const v = this.chain(f, e.chain) ?? this.eval(f, e.d);
        if (t.k === "bool") return v;
        return { k: "int", t: t as IntT, v: convert(v, t as IntT) };
      }
      case "optor": {
        // null is falsy, as 0 is: `d` runs for both.
        const t = typeOf(e) as IntT;
        const c = this.chain(f, e.chain);
        const v = c !== undefined && truthy(c) ? c : this.eval(f, e.d);
        return { k: "int", t, v: convert(v, t) };
      }
      case "math": {
        const vals = e.args.map((a) => this.eval(f, a)); // left to right
        if (e.fn === "imul") {
          const t = typeOf(e) as IntT;
          return { k: "int", t, v: wrap(convert(vals[0]!, t) * convert(vals[1]!, t), t) };
        }
        let acc = vals[0]!;
        for (const next of vals.slice(1)) {
          const t = commonType(tyOfVal(acc), tyOfVal(next));
          const x = convert(acc, t),
            y = convert(next, t);
          acc = { k: "int", t, v: (e.fn === "min" ? y < x : y > x) ? y : x };
        }
        return acc;
      }
    }
  }

  logic(f: Frame, op: "&&" | "||", ea: Expr, eb: Expr): Val {
    const t = typeOf({ k: "bin", op, a: ea, b: eb });
    const a = this.eval(f, ea);
    const decided = op === "&&" ? !truthy(a) : truthy(a);
    const v = decided ? a : this.eval(f, eb);
    if (t.k === "bool") return { k: "bool", v: truthy(v) };
    if (t.k !== "int") throw new ModelError("&& on two literals");
    return { k: "int", t, v: convert(v, t) };
  }

  /** Runs a function (inlined: its arguments are evaluated left to right first) and gives what it returned. */
  invoke(f: Frame, fn: Func, args: Arg[]): Returned {
    const callee: Frame = { locals: new Map(), bases: new Map() };
    fn.params.forEach((p, i) => {
      const a = args[i]!;
      if (p.k === "ctx") {
        if (a.k !== "ctx") throw new ModelError("the context parameter needs ctx");
      } else if (p.k === "ref") {
        if (a.k !== "ref") throw new ModelError("a value passed for a reference");
        const region = f.bases.get(a.base.name);
        if (!region) throw new ModelError(`no struct ${a.base.name} in scope`);
        callee.bases.set(p.name, region);
      } else {
        if (a.k !== "value") throw new ModelError("a reference passed for a value");
        callee.locals.set(p.name, this.coerce(this.eval(f, a.e), p.ty));
      }
    });
    const flow = this.block(callee, fn.body);
    if (flow?.k !== "return") throw new ModelError(`${fn.name} ended without return`);
    return flow.v;
  }
}

/** Scalar leaves of a struct in declaration order (struct literals list them in this order). */
export function leafSlots(t: FieldT, base: number): { off: number; ty: ScalarT }[] {
  if (t.k === "int" || t.k === "bool") return [{ off: base, ty: t }];
  if (t.k === "array") return Array.from({ length: t.len }, (_, i) => ({ off: base + i * sizeOf(t.elem), ty: t.elem }));
  const l = layout(t as StructT);
  return (t as StructT).fields.flatMap((x) => leafSlots(x.ty, base + l.offsets.get(x.name)!));
}

/** Runs a program on one input: the action, the packet and map value after, the globals. */
export function runModel(prog: Prog, input: RunInput): RunOutput {
  const packet = Uint8Array.from(input.packet);
  const state = Uint8Array.from(input.state);
  const m = new Machine(prog, packet, state);
  const action = m.run();
  const globals = new Map<string, bigint>();
  for (const [k, v] of m.globals) globals.set(k, (v as { v: bigint }).v);
  return { action, packet, state, globals };
}

export type { Base };
