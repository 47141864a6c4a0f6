// Prefix operators: `!`, `-`, `~`, `+`, and `++x`/`--x` (an assignment, in assignment.ts).
import { type Node, SyntaxKind } from "../frontend/ts-morph.ts";
import { C } from "../llvm/capi.ts";
import { CompileError } from "../diagnostics.ts";
import { arithmeticType } from "../types.ts";
import type { FunctionLowerer } from "./function.ts";
import { describe, type Val } from "./values.ts";
import { lowerExpr, lowerValue } from "./expressions.ts";
import { increment } from "./assignment.ts";

export function lowerPrefix(
  f: FunctionLowerer,
  expr: Node & { getOperand(): Node; getOperatorToken(): SyntaxKind },
): Val {
  const op = expr.getOperatorToken();
  if (op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken) {
    return increment(
      f,
      expr.getOperand(),
      op === SyntaxKind.PlusPlusToken ? SyntaxKind.PlusToken : SyntaxKind.MinusToken,
      false,
    );
  }
  // `!n` is the negated truth of the operand, read by toBool (a number that may be null is false
  // where it is null, as `!n` is then true).
  if (op === SyntaxKind.ExclamationToken)
    return { kind: "bool", v: C.LLVMBuildNot(f.b, f.toBool(lowerExpr(f, expr.getOperand()), expr), "") };
  return arithmetic(f, expr, op, lowerValue(f, expr.getOperand()));
}

function arithmetic(f: FunctionLowerer, expr: Node, op: SyntaxKind, operand: Val): Val {
  if (operand.kind === "const") {
    if (op === SyntaxKind.MinusToken) return { ...operand, value: -operand.value };
    if (op === SyntaxKind.TildeToken) return { ...operand, value: ~operand.value };
    return operand;
  }
  if (operand.kind !== "int") throw new CompileError(expr, `expected an integer, got ${describe(operand)}`);
  const type = arithmeticType(operand.type, operand.type);
  const x = f.toInt(operand, type, expr).v;
  if (op === SyntaxKind.MinusToken) return { kind: "int", type, v: C.LLVMBuildNeg(f.b, x, "") };
  if (op === SyntaxKind.TildeToken) return { kind: "int", type, v: C.LLVMBuildNot(f.b, x, "") };
  return { kind: "int", type, v: x };
}
