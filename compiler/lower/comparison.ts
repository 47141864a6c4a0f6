// Comparisons: with null (a reference test), of bools, of constants (folded), of big-endian
// fields (raw bytes, no swap), and of integers brought to one type.
import { type Node, SyntaxKind } from "../frontend/ts-morph.ts";
import { IntPredicate } from "../llvm/enums.ts";
import { C } from "../llvm/capi.ts";
import { CompileError } from "../diagnostics.ts";
import { arithmeticType, INT_TYPES, type IntT } from "../types.ts";
import type { FunctionLowerer } from "./function.ts";
import { describe, type Val } from "./values.ts";
import { commonType } from "./arithmetic.ts";

export function comparison(f: FunctionLowerer, op: SyntaxKind, a: Val, b: Val, node: Node): Val | undefined {
  const eq = op === SyntaxKind.EqualsEqualsEqualsToken || op === SyntaxKind.EqualsEqualsToken;
  const ne = op === SyntaxKind.ExclamationEqualsEqualsToken || op === SyntaxKind.ExclamationEqualsToken;
  const ordered = [
    SyntaxKind.LessThanToken,
    SyntaxKind.LessThanEqualsToken,
    SyntaxKind.GreaterThanToken,
    SyntaxKind.GreaterThanEqualsToken,
  ].includes(op);
  if (!eq && !ne && !ordered) return undefined;
  // References compare with null.
  if (a.kind === "null" || b.kind === "null") {
    const ref = a.kind === "null" ? b : a;
    if (ref.kind === "null") return { kind: "bool", v: C.LLVMConstInt(f.i1, eq ? 1 : 0, 0) };
    if (!(ref.kind === "ref" || (ref.kind === "map" && ref.p)) || !(eq || ne))
      throw new CompileError(node, `${describe(ref)} cannot be compared with null`);
    const present = f.isPresent(ref);
    return { kind: "bool", v: eq ? C.LLVMBuildNot(f.b, present, "") : present };
  }
  if (a.kind === "bool" || b.kind === "bool") {
    if (!(eq || ne)) throw new CompileError(node, "booleans can only be compared with === or !==");
    const x = f.toBool(a, node),
      y = f.toBool(b, node);
    return { kind: "bool", v: C.LLVMBuildICmp(f.b, eq ? IntPredicate.EQ : IntPredicate.NE, x, y, "") };
  }
  if (a.kind === "const" && b.kind === "const") {
    const r = eq
      ? a.value === b.value
      : ne
        ? a.value !== b.value
        : op === SyntaxKind.LessThanToken
          ? a.value < b.value
          : op === SyntaxKind.LessThanEqualsToken
            ? a.value <= b.value
            : op === SyntaxKind.GreaterThanToken
              ? a.value > b.value
              : a.value >= b.value;
    return { kind: "bool", v: C.LLVMConstInt(f.i1, r ? 1 : 0, 0) };
  }
  // Equality needs no byte order: compare a big-endian field's raw bytes with the other side swapped.
  const swappedSide = a.kind === "int" && a.swapped ? a : b.kind === "int" && b.swapped ? b : undefined;
  if ((eq || ne) && swappedSide) {
    const other = swappedSide === a ? b : a;
    const width = swappedSide.type;
    const fits =
      other.kind === "const"
        ? BigInt.asUintN(width.bits, other.value) === other.value
        : other.kind === "int" && other.type.bits === width.bits && !!other.swapped;
    if (fits) {
      const x = f.toRaw(swappedSide, width, node),
        y = f.toRaw(other, width, node);
      return { kind: "bool", v: C.LLVMBuildICmp(f.b, eq ? IntPredicate.EQ : IntPredicate.NE, x, y, "") };
    }
  }
  let type = commonType(f, a, b, node);
  const literal = a.kind === "const" ? a.value : b.kind === "const" ? b.value : undefined;
  if (literal !== undefined) type = literalComparisonType(type, literal);
  const x = f.toInt(a, type, node).v,
    y = f.toInt(b, type, node).v;
  const s = type.signed;
  const pred = eq
    ? IntPredicate.EQ
    : ne
      ? IntPredicate.NE
      : op === SyntaxKind.LessThanToken
        ? s
          ? IntPredicate.SLT
          : IntPredicate.ULT
        : op === SyntaxKind.LessThanEqualsToken
          ? s
            ? IntPredicate.SLE
            : IntPredicate.ULE
          : op === SyntaxKind.GreaterThanToken
            ? s
              ? IntPredicate.SGT
              : IntPredicate.UGT
            : s
              ? IntPredicate.SGE
              : IntPredicate.UGE;
  return { kind: "bool", v: C.LLVMBuildICmp(f.b, pred, x, y, "") };
}

/**
 * The type a comparison with a literal is made in, given the operands' common type: a literal
 * too large for it is compared in 64 bits (`u32 < 0x100000000` is always true, not `< 0`); a
 * negative literal against an unsigned operand takes its type, wrapping (`x === -1`).
 */
export function literalComparisonType(type: IntT, literal: bigint): IntT {
  const fits = (type.signed ? BigInt.asIntN(type.bits, literal) : BigInt.asUintN(type.bits, literal)) === literal;
  if (type.bits < 64 && (literal >= 0n || type.signed) && !fits) return type.signed ? INT_TYPES.i64! : INT_TYPES.u64!;
  return type;
}

/**
 * The value of type `t` for which `x === literal` is true, or undefined if none is: what a
 * `case literal:` of a `switch (x)` matches, so that switch and === follow one rule.
 */
export function equalLiteral(t: IntT, literal: bigint): bigint | undefined {
  const type = literalComparisonType(arithmeticType(t, t), literal);
  const wrap = (u: IntT, v: bigint) => (u.signed ? BigInt.asIntN(u.bits, v) : BigInt.asUintN(u.bits, v));
  const compared = wrap(type, literal); // the literal as the comparison sees it
  const x = wrap(t, compared); // the only value of t that can extend to it
  return wrap(type, x) === compared ? x : undefined;
}
