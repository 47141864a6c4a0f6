// Expressions: literals, names, field and element access, constant tables; operators are
// dispatched to arithmetic.ts (widening), comparison.ts, logic.ts (&&, ||), conditional.ts
// (?:), unary.ts and assignment.ts.
import type { Expression } from "ts-morph";
import { Node, SyntaxKind } from "../frontend/ts-morph.ts";
import { C, type BasicBlockRef, type ValueRef } from "../llvm/capi.ts";
import { AlreadyReported, CompileError } from "../diagnostics.ts";
import { alignOf, sizeOf, BOOL, INT_TYPES, type BType, type IntT } from "../types.ts";
import { stripParens } from "../frontend/declarations.ts";
import type { FunctionLowerer } from "./function.ts";
import { lowerCall } from "./calls.ts";
import { describe, type Val } from "./values.ts";
import { contextProperty, packetElement } from "./xdp.ts";
import { NOT_IN_PROGRAMS } from "./intrinsics.ts";
import { fillLiteral, lowerAssignment, increment } from "./assignment.ts";
import { comparison } from "./comparison.ts";
import { arithmetic } from "./arithmetic.ts";
import { shortCircuit } from "./logic.ts";
import { lowerConditional } from "./conditional.ts";
import { lowerPrefix } from "./unary.ts";
import {
  chainComparison,
  hasEffects,
  isAbsentable,
  isChainRoot,
  lowerChainUse,
  mayBeAbsent,
  nullish,
  presentObject,
  valueOr,
} from "./optional.ts";
import { isNullableScalar, nullableEquality } from "./nullable-scalar.ts";

const EQUALITY = new Set([
  SyntaxKind.EqualsEqualsEqualsToken,
  SyntaxKind.ExclamationEqualsEqualsToken,
  SyntaxKind.EqualsEqualsToken,
  SyntaxKind.ExclamationEqualsToken,
]);

type RefVal = Extract<Val, { kind: "ref" }>;

/** Lowers an expression. `expected` gives object and array literals their type. */
export function lowerExpr(f: FunctionLowerer, node: Node, expected?: BType): Val {
  f.at(node);
  const expr = stripParens(node);
  if (f.m.subset.isRejected(expr)) throw new AlreadyReported(expr);
  if (Node.isAsExpression(expr) || Node.isNonNullExpression(expr) || Node.isTypeAssertion(expr)) {
    return lowerExpr(f, expr.getExpression(), expected);
  }
  // `a?.f` is lowered with what uses it (optional.ts); its links below, where it is.
  if (isChainRoot(expr) && f.chain?.root !== expr.compilerNode) return lowerChainUse(f, expr);
  const constant = f.m.decls.tryConstValue(expr);
  if (constant !== undefined && !isLocalName(f, expr)) {
    if (expr.getKind() === SyntaxKind.TrueKeyword || expr.getKind() === SyntaxKind.FalseKeyword) {
      return { kind: "bool", v: C.LLVMConstInt(f.i1, constant ? 1 : 0, 0) };
    }
    return { kind: "const", value: constant, big: Node.isBigIntLiteral(expr) || isBigConst(expr) };
  }
  switch (expr.getKind()) {
    case SyntaxKind.NullKeyword:
      return { kind: "null" };
    case SyntaxKind.Identifier:
    case SyntaxKind.ShorthandPropertyAssignment:
      return lowerName(f, expr);
    case SyntaxKind.PropertyAccessExpression:
      return lowerPropertyAccess(f, expr.asKindOrThrow(SyntaxKind.PropertyAccessExpression));
    case SyntaxKind.ElementAccessExpression:
      return lowerElementAccess(f, expr.asKindOrThrow(SyntaxKind.ElementAccessExpression));
    case SyntaxKind.CallExpression:
      return lowerCall(f, expr.asKindOrThrow(SyntaxKind.CallExpression));
    case SyntaxKind.BinaryExpression:
      return lowerBinary(f, expr.asKindOrThrow(SyntaxKind.BinaryExpression));
    case SyntaxKind.PrefixUnaryExpression:
      return lowerPrefix(f, expr.asKindOrThrow(SyntaxKind.PrefixUnaryExpression));
    case SyntaxKind.PostfixUnaryExpression: {
      const post = expr.asKindOrThrow(SyntaxKind.PostfixUnaryExpression);
      const op = post.getOperatorToken() === SyntaxKind.PlusPlusToken ? SyntaxKind.PlusToken : SyntaxKind.MinusToken;
      return increment(f, post.getOperand(), op, true);
    }
    case SyntaxKind.ConditionalExpression:
      return lowerConditional(f, expr.asKindOrThrow(SyntaxKind.ConditionalExpression), expected);
    case SyntaxKind.ObjectLiteralExpression:
    case SyntaxKind.ArrayLiteralExpression: {
      if (!expected || (expected.kind !== "struct" && expected.kind !== "array")) {
        throw new CompileError(
          expr,
          "this literal needs a known struct or array type: annotate the variable (`const k: Value<typeof Key> = {…}`)",
        );
      }
      const slot: RefVal = {
        kind: "ref",
        type: expected,
        p: f.scopedAlloca(expected, "lit"),
        nullable: false,
        align: 8,
        packet: false,
        memory: "stack",
      };
      fillLiteral(f, slot, expr);
      return slot;
    }
    case SyntaxKind.StringLiteral:
    case SyntaxKind.NoSubstitutionTemplateLiteral:
    case SyntaxKind.TemplateExpression:
      throw new CompileError(
        expr,
        "strings are not values in BPF programs; a string literal is allowed only as a printk() format",
      );
  }
  // Closures, `new`, await, …: rejected by the subset check (frontend/subset.ts).
  throw f.m.subset.reported(expr);
}

function isLocalName(f: FunctionLowerer, expr: Node): boolean {
  if (!Node.isIdentifier(expr)) return false;
  const decl = f.m.decls.symbolOf(expr)?.getValueDeclaration();
  return !!decl && f.locals.has(decl.compilerNode);
}

function isBigConst(expr: Node): boolean {
  const t = expr.getType();
  return t.isBigInt() || t.isBigIntLiteral();
}

/** An integer or bool value in a register (loads scalars behind references). */
export function lowerValue(f: FunctionLowerer, node: Node, expected?: BType): Val {
  return f.rvalue(lowerExpr(f, node, expected), node);
}

/**
 * A reference to a number that may be null, read where TypeScript has narrowed it to a number
 * (`if (n !== null) … n`): a number, whose truth and comparisons are its value's. The verifier
 * follows the same narrowing, from the test that made it.
 */
function narrowed(val: Val, expr: Node): Val {
  return isNullableScalar(val) && !mayBeAbsent(expr) ? { ...val, nullable: false } : val;
}

function lowerName(f: FunctionLowerer, expr: Node): Val {
  // `{ proto }` names the variable proto, not the property.
  const symbol = Node.isShorthandPropertyAssignment(expr) ? expr.getValueSymbol() : f.m.decls.symbolOf(expr);
  const decl = symbol?.getValueDeclaration();
  if (decl && f.poisoned.has(decl.compilerNode)) throw new AlreadyReported(expr);
  const local = decl && f.locals.get(decl.compilerNode);
  if (local) {
    if (local.kind === "bound") {
      f.checkView(local.val, expr.getText(), expr);
      return narrowed(local.val, expr);
    }
    if (local.kind === "pointer") {
      f.checkView(local.template, expr.getText(), expr);
      return narrowed({ ...local.template, p: C.LLVMBuildLoad2(f.b, f.i8p, local.p, "") }, expr);
    }
    return {
      kind: "ref",
      type: local.type.kind === "bool" ? BOOL : local.type,
      p: local.p,
      nullable: false,
      align: 8,
      packet: false,
      memory: "stack",
    };
  }
  const entity = f.m.decls.entityOf(expr);
  if (!entity && decl && Node.isBindingElement(decl)) throw new AlreadyReported(expr); // its destructuring was reported
  if (!entity) throw new CompileError(expr, `'${expr.getText()}' is not defined in this program`);
  switch (entity.kind) {
    case "const":
      return { kind: "const", value: entity.value, big: isBigConst(expr) };
    case "map":
      return { kind: "map", map: entity.map };
    case "global": {
      const p = C.LLVMBuildBitCast(f.b, f.m.globalVariable(entity.global), f.i8p, "");
      return {
        kind: "ref",
        type: entity.global.type,
        p,
        nullable: false,
        align: alignOf(entity.global.type),
        packet: false,
      };
    }
    case "type":
      return { kind: "type", type: entity.type };
    case "table":
      return { kind: "table", element: entity.element, values: entity.values };
    case "string":
      throw new CompileError(
        expr,
        "strings are not values in BPF programs; a string constant is allowed only as a printk() format",
      );
    case "builtin":
      throw new CompileError(expr, `'${expr.getText()}' is not available in BPF programs`);
    case "lang": {
      const why = NOT_IN_PROGRAMS[entity.name];
      throw new CompileError(
        expr,
        `'${expr.getText()}' from tsbpf cannot be used as a value here${why ? `: ${why}` : ""}`,
      );
    }
    case "function":
      throw new CompileError(expr, `function '${expr.getText()}' can only be called, not used as a value`);
    case "program":
      throw new CompileError(
        expr,
        `program '${expr.getText()}' cannot be used as a value; tail calls go through a ProgArray`,
      );
  }
}

function lowerPropertyAccess(f: FunctionLowerer, expr: Node & { getExpression(): Expression; getName(): string }): Val {
  if (f.m.decls.entityOf(expr.getExpression())?.kind === "builtin")
    throw new CompileError(
      expr,
      `${expr.getText()} is not available in BPF programs; Math.imul, Math.min and Math.max work on integers`,
    );
  const object = presentObject(f, lowerExpr(f, expr.getExpression()), expr.getExpression());
  return propertyOf(f, object, expr.getName(), expr);
}

/** The property `name` of a lowered object: what `x.name` reads (also what `const { name } = x` binds). */
export function propertyOf(f: FunctionLowerer, object: Val, name: string, expr: Node): Val {
  if (object.kind === "ctx") return contextProperty(f, expr, name);
  if (object.kind === "type" && name === "size")
    return { kind: "const", value: BigInt(sizeOf(object.type)), big: false };
  if (object.kind === "table" && name === "length")
    return { kind: "const", value: BigInt(object.values.length), big: false };
  if (object.kind === "ref") {
    if (object.type.kind === "array" && name === "length")
      return { kind: "const", value: BigInt(object.type.length), big: false };
    return f.field(object, name, expr);
  }
  throw new CompileError(expr, `${describe(object)} has no property '${name}'`);
}

function lowerElementAccess(
  f: FunctionLowerer,
  expr: Node & { getExpression(): Expression; getArgumentExpressionOrThrow(): Expression },
): Val {
  const object = presentObject(f, lowerExpr(f, expr.getExpression()), expr.getExpression());
  const indexNode = expr.getArgumentExpressionOrThrow();
  const index = lowerValue(f, indexNode);
  if (object.kind === "table") {
    if (index.kind === "const") {
      const v = object.values[Number(index.value)];
      if (v === undefined)
        throw new CompileError(indexNode, `index ${index.value} is outside the table (length ${object.values.length})`);
      return { kind: "const", value: v, big: false };
    }
    return tableLookup(f, object, f.toInt(index, INT_TYPES.u64!, indexNode));
  }
  if (object.kind !== "ref" || object.type.kind !== "array")
    throw new CompileError(expr, `${describe(object)} cannot be indexed`);
  const element = object.type.element;
  const size = sizeOf(element);
  if (index.kind === "const") {
    if (index.value < 0n || index.value >= BigInt(object.type.length)) {
      throw new CompileError(
        indexNode,
        `index ${index.value} is outside the array (length ${object.type.length}); valid indexes are 0 to ${object.type.length - 1}`,
      );
    }
    return {
      ...object,
      type: element,
      p: f.offset(object.p, Number(index.value) * size),
      nullable: false,
      align: Math.min(object.align, size),
    };
  }
  // A computed index is clamped to the last element: the verifier needs a bounded offset. The
  // clamp is opaque to LLVM, which would otherwise test it on another register than the one in
  // the address (`x.i >> 1 <= 7` as `x.i < 16`), and the verifier lost the bound; its shape
  // keeps the verifier's paths few (clampIndex). The counter of an enclosing loop that stays in
  // range (`for (let i = 0; i < 6; i++) a[i]`) needs none: the verifier knows its exact value.
  const last = BigInt(object.type.length - 1);
  const counter = f.inRangeCounters.get(
    Node.isIdentifier(stripParens(indexNode))
      ? f.m.decls.symbolOf(stripParens(indexNode))?.getValueDeclaration()?.compilerNode
      : undefined,
  );
  const inRange = counter !== undefined && counter <= last;
  const i = f.toInt(index, INT_TYPES.u64!, indexNode).v;
  let byteOffset = C.LLVMBuildMul(f.b, inRange ? i : f.clampIndex(i, last), f.constInt(64, BigInt(size)), "");
  // On the stack, LLVM knows the slot's alignment and the offset's bound, and adds them with an
  // `or` when their bits cannot overlap: bitwise operations on a pointer the verifier rejects.
  // (A struct parameter may be on the stack too: the function is inlined.)
  // (A function's parameter known to get a packet view has `memory` "packet", not `packet`.)
  const inPacket = object.packet || object.memory === "packet";
  if (!inPacket && object.memory !== "map") byteOffset = f.opaque(byteOffset);
  return {
    ...object,
    type: element,
    p: inPacket && !inRange ? packetElement(f, object.p, byteOffset, size) : f.offset(object.p, byteOffset),
    nullable: false,
    align: Math.min(object.align, size),
  };
}

/** A computed index into a module-level constant table, lowered as a switch (LLVM makes it a lookup). */
export function tableLookup(
  f: FunctionLowerer,
  table: Extract<Val, { kind: "table" }>,
  index: Extract<Val, { kind: "int" }>,
): Val {
  const type = table.element as IntT;
  const done = f.block("table.done");
  const fallback = f.block("table.out");
  // A computed index is an unsigned 64-bit number clamped to the last element (docs/language.md),
  // as for arrays: every index past the end reads the last value.
  const sw = C.LLVMBuildSwitch(f.b, index.v, fallback, table.values.length);
  const incoming: [ValueRef, BasicBlockRef][] = [];
  table.values.forEach((value, i) => {
    const bb = f.block("table.case");
    C.LLVMAddCase(sw, f.constInt(index.type.bits, BigInt(i)), bb);
    f.positionAt(bb);
    C.LLVMBuildBr(f.b, done);
    incoming.push([f.constInt(type, value), bb]);
  });
  f.positionAt(fallback);
  C.LLVMBuildBr(f.b, done);
  incoming.push([f.constInt(type, table.values.at(-1) ?? 0n), fallback]);
  f.positionAt(done);
  const phi = C.LLVMBuildPhi(f.b, f.int(type.bits), "table");
  C.LLVMAddIncoming(
    phi,
    incoming.map((x) => x[0]),
    incoming.map((x) => x[1]),
    incoming.length,
  );
  return { kind: "int", type, v: phi };
}

/**
 * `n === x` (`!==`, `==`, `!=`) where `n` may be null (a lookup in a map of numbers): `x` is read
 * where `n` is present, as in `n !== null && n === x`, unless it changes something (a call, an
 * assignment), which runs on both paths after `n` is read, as in TypeScript.
 */
function nullableLeftEquality(f: FunctionLowerer, op: SyntaxKind, a: RefVal, left: Node, right: Node, expr: Node): Val {
  const other = (): Val => {
    const b = lowerExpr(f, right);
    if (isNullableScalar(b))
      throw new CompileError(
        expr,
        "comparing two numbers that may be null is not supported (they are equal when both are null): compare each with null or a value",
      );
    return f.rvalue(b, right);
  };
  if (!hasEffects(right)) return nullableEquality(f, op, a, other, true, expr);
  const present = f.isPresent(a);
  const value = valueOr(f, a, left, left, () => ({ kind: "const", value: 0n, big: false }));
  const b = other();
  f.at(expr);
  const cmp = comparison(f, op, value, b, expr);
  if (cmp?.kind !== "bool") throw new CompileError(expr, "expected a comparison");
  const eq = op === SyntaxKind.EqualsEqualsEqualsToken || op === SyntaxKind.EqualsEqualsToken;
  return {
    kind: "bool",
    v: eq ? C.LLVMBuildAnd(f.b, present, cmp.v, "") : C.LLVMBuildOr(f.b, C.LLVMBuildNot(f.b, present, ""), cmp.v, ""),
  };
}

function lowerBinary(
  f: FunctionLowerer,
  expr: Node & { getLeft(): Expression; getRight(): Expression; getOperatorToken(): Node },
): Val {
  const op = expr.getOperatorToken().getKind();
  const left = expr.getLeft(),
    right = expr.getRight();
  const assignment = lowerAssignment(f, op, left, right, expr);
  if (assignment) return assignment;
  if (op === SyntaxKind.AmpersandAmpersandToken || op === SyntaxKind.BarBarToken)
    return shortCircuit(f, op, left, right, expr);
  if (op === SyntaxKind.QuestionQuestionToken) return nullish(f, left, right, expr);
  if (EQUALITY.has(op) && (isAbsentable(left) || isAbsentable(right))) return chainComparison(f, op, left, right, expr);
  // Compared with null, a reference to a scalar (a map value) is tested, not loaded. Otherwise
  // the left operand is read before the right one runs, which may assign to it (`v + (v = 5)`).
  const rawA = lowerExpr(f, left);
  const withNull = rawA.kind === "null" || stripParens(right).getKind() === SyntaxKind.NullKeyword;
  if (!withNull && EQUALITY.has(op) && isNullableScalar(rawA))
    return nullableLeftEquality(f, op, rawA, left, right, expr);
  const a = withNull ? rawA : f.rvalue(rawA, left);
  const rawB = lowerExpr(f, right);
  if (!withNull && EQUALITY.has(op) && isNullableScalar(rawB))
    return nullableEquality(f, op, rawB, () => a, false, expr);
  const b = withNull ? rawB : f.rvalue(rawB, right);
  f.at(expr);
  const cmp = comparison(f, op, a, b, expr);
  if (cmp) return cmp;
  return arithmetic(f, op, a, b, expr);
}
