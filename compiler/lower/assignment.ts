// Assignment: `=`, compound assignment (`+=`…), `++`/`--`, and filling a struct or array
// literal into memory of its type.
import type { Expression } from "ts-morph";
import { Node, SyntaxKind } from "../frontend/ts-morph.ts";
import { C } from "../llvm/capi.ts";
import { CompileError } from "../diagnostics.ts";
import { mayOmitField, sizeOf } from "../types.ts";
import { stripParens } from "../frontend/declarations.ts";
import type { FunctionLowerer } from "./function.ts";
import { describe, type Val } from "./values.ts";
import { lowerExpr, lowerValue } from "./expressions.ts";
import { arithmetic } from "./arithmetic.ts";

type RefVal = Extract<Val, { kind: "ref" }>;
/** Writes an object or array literal into memory of its type, zeroing padding first. */
export function fillLiteral(f: FunctionLowerer, target: RefVal, literal: Node): void {
  const t = target.type;
  if (Node.isObjectLiteralExpression(literal) && t.kind === "struct") {
    f.memset(target.p, t.size, Math.min(target.align, t.align));
    for (const prop of literal.getProperties()) {
      let name: string, valueNode: Node;
      if (Node.isPropertyAssignment(prop)) {
        name = prop.getName();
        valueNode = prop.getInitializerOrThrow();
      } else if (Node.isShorthandPropertyAssignment(prop)) {
        name = prop.getName();
        valueNode = prop;
      } else throw new CompileError(prop, "struct literals take `field: value` entries");
      assignTo(f, f.field(target, name, prop), valueNode);
    }
    const given = new Set(literal.getProperties().map((p) => (p as { getName?: () => string }).getName?.()));
    // Padding fields (`pad…`) may be left out: the memset above zeroed them.
    const missing = t.fields.filter((x) => !given.has(x.name) && !mayOmitField(x));
    if (missing.length)
      throw new CompileError(
        literal,
        `missing field${missing.length > 1 ? "s" : ""} ${missing.map((m) => `'${m.name}'`).join(", ")} of struct ${t.name}`,
      );
    return;
  }
  if (Node.isArrayLiteralExpression(literal) && t.kind === "array") {
    const elements = literal.getElements();
    if (elements.length !== t.length)
      throw new CompileError(literal, `expected ${t.length} elements, got ${elements.length}`);
    const size = sizeOf(t.element);
    elements.forEach((e, i) => {
      assignTo(
        f,
        { ...target, type: t.element, p: f.offset(target.p, i * size), align: Math.min(target.align, size) },
        e,
      );
    });
    return;
  }
  throw new CompileError(literal, `a ${literal.getKindName()} cannot initialize ${describe(target)}`);
}

/** `target = value`, where value may be a literal filled in place. */
export function assignTo(f: FunctionLowerer, target: RefVal, valueNode: Node): void {
  const inner = stripParens(valueNode);
  if (
    (Node.isObjectLiteralExpression(inner) || Node.isArrayLiteralExpression(inner)) &&
    (target.type.kind === "struct" || target.type.kind === "array")
  ) {
    fillLiteral(f, target, inner);
    return;
  }
  const value = lowerExpr(f, valueNode, target.type);
  f.at(valueNode);
  f.store(target, f.rvalue(value, valueNode), valueNode);
}

/** The memory an assignment writes to. */
function lvalue(f: FunctionLowerer, node: Node): RefVal {
  const target = lowerExpr(f, node);
  if (target.kind !== "ref") throw new CompileError(node, "this cannot be assigned to");
  if (Node.isIdentifier(stripParens(node))) {
    const decl = f.m.decls.symbolOf(node)?.getValueDeclaration();
    const local = decl && f.locals.get(decl.compilerNode);
    if (local?.kind === "bound" && target.type.kind !== "struct" && target.type.kind !== "array") {
      throw new CompileError(node, `'${node.getText()}' is a const`);
    }
  }
  return target;
}

const ARITHMETIC: Partial<Record<SyntaxKind, SyntaxKind>> = {
  [SyntaxKind.PlusEqualsToken]: SyntaxKind.PlusToken,
  [SyntaxKind.MinusEqualsToken]: SyntaxKind.MinusToken,
  [SyntaxKind.AsteriskEqualsToken]: SyntaxKind.AsteriskToken,
  [SyntaxKind.SlashEqualsToken]: SyntaxKind.SlashToken,
  [SyntaxKind.PercentEqualsToken]: SyntaxKind.PercentToken,
  [SyntaxKind.LessThanLessThanEqualsToken]: SyntaxKind.LessThanLessThanToken,
  [SyntaxKind.GreaterThanGreaterThanEqualsToken]: SyntaxKind.GreaterThanGreaterThanToken,
  [SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken]: SyntaxKind.GreaterThanGreaterThanGreaterThanToken,
  [SyntaxKind.AmpersandEqualsToken]: SyntaxKind.AmpersandToken,
  [SyntaxKind.BarEqualsToken]: SyntaxKind.BarToken,
  [SyntaxKind.CaretEqualsToken]: SyntaxKind.CaretToken,
};

/** The value of an assignment expression (`a = b = 0`, `f(x += 1)`): the target as stored, like `++x`. */
function assigned(f: FunctionLowerer, target: RefVal, node: Node): Val {
  if (target.type.kind === "struct" || target.type.kind === "array") return target;
  return f.load(target, node);
}

/** `x++`, `--x`: the stored value wraps at the variable's width. */
export function increment(f: FunctionLowerer, operand: Node, op: SyntaxKind, postfix: boolean): Val {
  const target = lvalue(f, operand);
  const old = f.rvalue(target, operand);
  if (old.kind !== "int") throw new CompileError(operand, `expected an integer, got ${describe(old)}`);
  const updated = arithmetic(f, op, old, { kind: "const", value: 1n, big: false }, operand);
  f.store(target, updated, operand);
  return postfix ? old : f.toInt(updated, old.type, operand);
}

/** `=` and compound assignments (`+=`…); undefined for other operators. */
export function lowerAssignment(
  f: FunctionLowerer,
  op: SyntaxKind,
  left: Expression,
  right: Expression,
  expr: Node,
): Val | undefined {
  if (op === SyntaxKind.EqualsToken) {
    const decl = Node.isIdentifier(left) ? f.m.decls.symbolOf(left)?.getValueDeclaration() : undefined;
    const local = decl && f.locals.get(decl.compilerNode);
    if (local?.kind === "pointer") {
      // Rebinds a reference variable: `v = map.lookup(k)` or `v = null`.
      const v = lowerExpr(f, right, local.template.type);
      if (v.kind !== "null" && (v.kind !== "ref" || v.packet || v.type !== local.template.type)) {
        throw new CompileError(
          right,
          `'${left.getText()}' holds a reference to a ${describe({ ...local.template, p: local.p })} map value; assign a lookup() of the same map type or null`,
        );
      }
      f.at(expr);
      C.LLVMBuildStore(f.b, v.kind === "null" ? f.nullPtr() : f.pointerOrNull(v), local.p);
      return { kind: "void" };
    }
    const target = lvalue(f, left);
    assignTo(f, target, right);
    return assigned(f, target, expr);
  }
  const compound = ARITHMETIC[op];
  if (compound !== undefined) {
    const target = lvalue(f, left);
    const result = arithmetic(f, compound, f.rvalue(target, left), lowerValue(f, right), expr);
    f.store(target, result, expr);
    return assigned(f, target, expr);
  }
  return undefined;
}
