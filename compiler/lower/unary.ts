// Prefix operators: `!`, `-`, `~`, `+`, and `++x`/`--x` (an assignment, in assignment.ts).
import { type Node, SyntaxKind } from "../frontend/ts-morph.ts";
import { C } from "../llvm/capi.ts";
import { CompileError } from "../diagnostics.ts";
import { arithmeticType } from "../types.ts";
import type { FunctionLowerer } from "./function.ts";
import { describe, type Val } from "./values.ts";
import { lowerValue } from "./expressions.ts";
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
  const operand = lowerValue(f, expr.getOperand());
  if (op === SyntaxKind.ExclamationToken) {
    if (operand.kind === "ref") return { kind: "bool", v: C.LLVMBuildNot(f.b, f.toBool(operand, expr), "") };
    return { kind: "bool", v: C.LLVMBuildNot(f.b, f.toBool(operand, expr), "") };
  }
  return arithmetic(f, expr, op, operand);
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
