// Arithmetic with C-like widening (`commonType`) and wrap-around at each type's width;
// constants fold at compile time.
import { type Node, SyntaxKind } from "../frontend/ts-morph.ts";
import { IntPredicate } from "../llvm/enums.ts";
import { C, type ValueRef } from "../llvm/capi.ts";
import { CompileError } from "../diagnostics.ts";
import { arithmeticType, INT_TYPES, type IntT } from "../types.ts";
import { foldBinary } from "../frontend/declarations.ts";
import type { FunctionLowerer } from "./function.ts";
import { describe, type Val } from "./values.ts";

/** The type two operands are brought to before an operation. */
export function commonType(f: FunctionLowerer, a: Val, b: Val, node: Node): IntT {
  const ta = a.kind === "int" ? a.type : undefined;
  const tb = b.kind === "int" ? b.type : undefined;
  for (const v of [a, b]) {
    if (v.kind !== "int" && v.kind !== "const") throw new CompileError(node, `expected an integer, got ${describe(v)}`);
  }
  if (ta && tb) return arithmeticType(ta, tb);
  const t = ta ?? tb;
  if (t) return arithmeticType(t, t);
  // Two constants (the arms of `c ? 1 : 0x100000000`): a type that holds both.
  const ca = a as Extract<Val, { kind: "const" }>,
    cb = b as Extract<Val, { kind: "const" }>;
  const da = f.defaultType(ca),
    db = f.defaultType(cb);
  if (da.signed === db.signed) return da.bits >= db.bits ? da : db;
  const signed = f.defaultType({ kind: "const", value: -1n, big: ca.big || cb.big });
  return ca.value <= 0x7fffffffn && cb.value <= 0x7fffffffn ? signed : INT_TYPES.i64!;
}

export function arithmetic(f: FunctionLowerer, op: SyntaxKind, a: Val, b: Val, node: Node): Val {
  if (a.kind === "const" && b.kind === "const")
    return { kind: "const", value: foldConst(f, op, a, b, node), big: a.big || b.big };
  const shift =
    op === SyntaxKind.LessThanLessThanToken ||
    op === SyntaxKind.GreaterThanGreaterThanToken ||
    op === SyntaxKind.GreaterThanGreaterThanGreaterThanToken;
  // A shift has the type of its left operand (widened to 32 bits), like C.
  const type = shift
    ? a.kind === "int"
      ? arithmeticType(a.type, a.type)
      : f.defaultType(a as Extract<Val, { kind: "const" }>)
    : commonType(f, a, b, node);
  const x = f.toInt(a, type, node).v;
  let y = f.toInt(b, type, node).v;
  const B = f.b;
  let v: ValueRef;
  switch (op) {
    case SyntaxKind.PlusToken:
      v = C.LLVMBuildAdd(B, x, y, "");
      break;
    case SyntaxKind.MinusToken:
      v = C.LLVMBuildSub(B, x, y, "");
      break;
    case SyntaxKind.AsteriskToken:
      v = C.LLVMBuildMul(B, x, y, "");
      break;
    case SyntaxKind.SlashToken:
    case SyntaxKind.PercentToken: {
      if (type.signed)
        throw new CompileError(
          node,
          "signed division is not available in BPF (cpu v3); convert the operands to unsigned types",
        );
      const div = op === SyntaxKind.SlashToken;
      if (b.kind === "const" && b.value !== 0n) {
        v = div ? C.LLVMBuildUDiv(B, x, y, "") : C.LLVMBuildURem(B, x, y, "");
        break;
      }
      // As in BPF: x / 0 is 0 and x % 0 is x. Avoids undefined behaviour in LLVM.
      const zero = C.LLVMBuildICmp(B, IntPredicate.EQ, y, f.constInt(type, 0n), "");
      const safe = C.LLVMBuildSelect(B, zero, f.constInt(type, 1n), y, "");
      const q = div ? C.LLVMBuildUDiv(B, x, safe, "") : C.LLVMBuildURem(B, x, safe, "");
      v = C.LLVMBuildSelect(B, zero, div ? f.constInt(type, 0n) : x, q, "");
      break;
    }
    case SyntaxKind.LessThanLessThanToken:
    case SyntaxKind.GreaterThanGreaterThanToken:
    case SyntaxKind.GreaterThanGreaterThanGreaterThanToken: {
      // The shift count is taken modulo the width, as JavaScript does for 32 bits.
      y = C.LLVMBuildAnd(B, y, f.constInt(type, BigInt(type.bits - 1)), "");
      v =
        op === SyntaxKind.LessThanLessThanToken
          ? C.LLVMBuildShl(B, x, y, "")
          : op === SyntaxKind.GreaterThanGreaterThanToken && type.signed
            ? C.LLVMBuildAShr(B, x, y, "")
            : C.LLVMBuildLShr(B, x, y, "");
      // `>>>` is a logical shift: its result is unsigned, as in JavaScript (`-1 >>> 0` is 2³²−1).
      if (op === SyntaxKind.GreaterThanGreaterThanGreaterThanToken)
        return { kind: "int", type: INT_TYPES[`u${type.bits}`]!, v };
      break;
    }
    case SyntaxKind.AmpersandToken:
      v = C.LLVMBuildAnd(B, x, y, "");
      break;
    case SyntaxKind.BarToken:
      v = C.LLVMBuildOr(B, x, y, "");
      break;
    case SyntaxKind.CaretToken:
      v = C.LLVMBuildXor(B, x, y, "");
      break;
    default:
      // `**`, `in`, …: rejected by the subset check (frontend/subset.ts).
      throw f.m.subset.reported(node);
  }
  return { kind: "int", type, v };
}

function foldConst(
  f: FunctionLowerer,
  op: SyntaxKind,
  a: Extract<Val, { kind: "const" }>,
  b: Extract<Val, { kind: "const" }>,
  node: Node,
): bigint {
  const v = foldBinary(op, a.value, b.value, a.big);
  if (v === undefined) throw f.m.subset.reported(node);
  return v;
}
