// Short-circuit `&&` and `||`: on conditions an i1, on integers the value of the operand
// that decides, as in JavaScript.
import { Node, SyntaxKind } from "../frontend/ts-morph.ts";
import { C } from "../llvm/capi.ts";
import type { FunctionLowerer } from "./function.ts";
import type { Val } from "./values.ts";
import { lowerExpr } from "./expressions.ts";
import { isNullableScalar, nullableUse } from "./nullable-scalar.ts";
import { inCondition, mayBeAbsent, valueOr } from "./optional.ts";
import { commonType } from "./arithmetic.ts";
import { INT_TYPES } from "../types.ts";

export function shortCircuit(f: FunctionLowerer, op: SyntaxKind, left: Node, right: Node, expr: Node): Val {
  const numeric = !isBoolean(left) && isNumeric(expr);
  const value = lowerExpr(f, left);
  // A constant left operand decides at compile time, as it would at run time (`1 || x.a > 3`
  // is 1, which TypeScript types `1`): the value is the left operand or the right one, and a
  // right operand that would not run is not compiled.
  if (value.kind === "const" || (value.kind === "bool" && C.LLVMIsConstant(value.v))) {
    const truthy = value.kind === "const" ? value.value !== 0n : Number(C.LLVMConstIntGetZExtValue(value.v)) !== 0;
    return truthy === (op === SyntaxKind.AmpersandAmpersandToken) ? lowerExpr(f, right) : value;
  }
  let a = operandValue(f, value, left, expr);
  // The operands decide, not TypeScript's type of the whole, which narrowing can make anything:
  // `never` for `e && 255` inside `if (e)` when the enum E has only the member 0. An integer left
  // operand takes the integer path, which gives a bool only if the right operand is one.
  if (numeric || a.kind === "int") {
    // A bool that TypeScript narrowed to `false` (in the else of `if (b = …)`) makes `b || x` a
    // number: the bool decides only when it is `true`, and counts as 1 then, as in JavaScript.
    if (a.kind === "bool") a = f.toInt(a, INT_TYPES.i32!, left); // i32: never changes the type of `x`
    return integerShortCircuit(f, op, a, left, right, expr, numeric);
  }
  const truth = f.toBool(a, left);
  const from = f.current;
  const rhs = f.block(op === SyntaxKind.AmpersandAmpersandToken ? "and.rhs" : "or.rhs");
  const done = f.block("logic.done");
  if (op === SyntaxKind.AmpersandAmpersandToken) C.LLVMBuildCondBr(f.b, truth, rhs, done);
  else C.LLVMBuildCondBr(f.b, truth, done, rhs);
  f.positionAt(rhs);
  const b = f.toBool(lowerExpr(f, right), right);
  const rhsEnd = f.current;
  C.LLVMBuildBr(f.b, done);
  f.positionAt(done);
  const phi = C.LLVMBuildPhi(f.b, f.i1, "");
  const short = C.LLVMConstInt(f.i1, op === SyntaxKind.AmpersandAmpersandToken ? 0 : 1, 0);
  C.LLVMAddIncoming(phi, [short, b], [from, rhsEnd], 2);
  return { kind: "bool", v: phi };
}

/**
 * `a && b`, `a || b` on integers: the value of the operand that decides, as in JavaScript (`7 && 5`
 * is 5). With `numeric` false (TypeScript's type is not a number) and a bool right operand, an
 * integer mixed with a bool in a condition: a bool, each operand counting by its truth.
 */
function integerShortCircuit(
  f: FunctionLowerer,
  op: SyntaxKind,
  a: Val,
  left: Node,
  right: Node,
  expr: Node,
  numeric: boolean,
): Val {
  const from = f.current;
  const rhs = f.block(op === SyntaxKind.AmpersandAmpersandToken ? "and.rhs" : "or.rhs");
  const done = f.block("logic.done");
  f.positionAt(rhs);
  let b = operandValue(f, lowerExpr(f, right), right, expr);
  if (!numeric && b.kind === "bool") {
    const vb = b.v;
    const rhsEnd = f.current;
    C.LLVMBuildBr(f.b, done);
    f.positionAt(from);
    const truth = f.toBool(a, left);
    if (op === SyntaxKind.AmpersandAmpersandToken) C.LLVMBuildCondBr(f.b, truth, rhs, done);
    else C.LLVMBuildCondBr(f.b, truth, done, rhs);
    f.positionAt(done);
    const phi = C.LLVMBuildPhi(f.b, f.i1, "");
    const short = C.LLVMConstInt(f.i1, op === SyntaxKind.AmpersandAmpersandToken ? 0 : 1, 0);
    C.LLVMAddIncoming(phi, [short, vb], [from, rhsEnd], 2);
    return { kind: "bool", v: phi };
  }
  // TypeScript types `e || x.b > 3` as the enum when the enum has one member (33: always true for
  // it; 0: always false, for `&&`), though the other operand may run and is a bool. The operands
  // decide, not that narrowed type: the bool counts as 0 or 1, as in a condition.
  if (b.kind === "bool") b = f.toInt(b, INT_TYPES.i32!, right);
  const type = commonType(f, a, b, expr);
  const vb = f.toInt(b, type, right).v;
  const rhsEnd = f.current;
  C.LLVMBuildBr(f.b, done);
  f.positionAt(from);
  const va = f.toInt(a, type, left).v;
  const truth = f.toBool(a, left);
  if (op === SyntaxKind.AmpersandAmpersandToken) C.LLVMBuildCondBr(f.b, truth, rhs, done);
  else C.LLVMBuildCondBr(f.b, truth, done, rhs);
  f.positionAt(done);
  const phi = C.LLVMBuildPhi(f.b, f.int(type.bits), "");
  C.LLVMAddIncoming(phi, [va, vb], [from, rhsEnd], 2);
  return { kind: "int", type, v: phi };
}

/**
 * An operand's value: a number that may be null (`counts.lookup(k) || 3`) is read as `?? 0`,
 * which has its truth and makes `||` give the other operand where it is null, as in TypeScript.
 * Where the result itself may be null (`n && 3`, null when `n` is), it is only a condition.
 */
function operandValue(f: FunctionLowerer, value: Val, node: Node, expr: Node): Val {
  if (!isNullableScalar(value)) return f.rvalue(value, node);
  if (mayBeAbsent(expr) && !inCondition(expr))
    throw nullableUse(node, `\`${expr.getText()}\` is null then, which only a condition can use`);
  return valueOr(f, value, node, node, () => ({ kind: "const", value: 0n, big: false }));
}

/** Whether TypeScript types `expr` a number or bigint (or a union of them). */
function isNumeric(expr: Node): boolean {
  const t = expr.getType();
  return (
    t.isNumber() ||
    t.isBigInt() ||
    t.isNumberLiteral() ||
    t.isBigIntLiteral() ||
    (t.isUnion() &&
      t.getUnionTypes().every((u) => u.isNumber() || u.isBigInt() || u.isNumberLiteral() || u.isBigIntLiteral()))
  );
}

const COMPARISONS = new Set([
  SyntaxKind.LessThanToken,
  SyntaxKind.LessThanEqualsToken,
  SyntaxKind.GreaterThanToken,
  SyntaxKind.GreaterThanEqualsToken,
  SyntaxKind.EqualsEqualsToken,
  SyntaxKind.ExclamationEqualsToken,
  SyntaxKind.EqualsEqualsEqualsToken,
  SyntaxKind.ExclamationEqualsEqualsToken,
]);

/**
 * Whether TypeScript types `expr` `boolean`, seen from its syntax alone: a comparison always is,
 * and so are `a && b` and `a || b` of two such (`false | boolean`, `true | boolean`). With a left
 * operand of type `boolean`, `a && b` includes `false` and `a || b` includes `true`, so neither is
 * numeric, whatever `b` is: the condition chains of a program (`x > 3 && y < 4 && …`) need not ask
 * the type checker, which would check the whole chain again at each level of it.
 */
function isBoolean(node: Node): boolean {
  let expr = node;
  while (Node.isParenthesizedExpression(expr)) expr = expr.getExpression();
  if (!Node.isBinaryExpression(expr)) return false;
  const op = expr.getOperatorToken().getKind();
  if (COMPARISONS.has(op)) return true;
  if (op === SyntaxKind.AmpersandAmpersandToken || op === SyntaxKind.BarBarToken)
    return isBoolean(expr.getLeft()) && isBoolean(expr.getRight());
  return false;
}
