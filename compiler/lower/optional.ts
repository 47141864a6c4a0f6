// Optional chaining (`x?.f`) and nullish coalescing (`v ?? d`), with their TypeScript meaning.
// `x?.f` is "absent, or the field's value": the subset has no `undefined` value, so an optional
// chain is lowered together with what uses it, in the shape a hand-written null test has. The
// chain's presence tests branch to one `absent` block; where they pass, the chain is read as a
// plain `x.f` and its user runs (a comparison, a truth test, the left of `??`); the two paths
// meet in a phi. `a?.f === 1` is thus the same branch as `a !== null && a.f === 1`: the test the
// verifier needs before the load, and nothing more (test/compiler/optional-chaining.test.ts).
// A chain used anywhere else (`const v = a?.f`, `a?.f + 1`) has no meaning here: a located error.
import type { ts as TsTypes } from "ts-morph";
import { Node, SyntaxKind, ts } from "../frontend/ts-morph.ts";
import { C, type BasicBlockRef } from "../llvm/capi.ts";
import { CompileError, internalError } from "../diagnostics.ts";
import { stripParens } from "../frontend/declarations.ts";
import type { FunctionLowerer } from "./function.ts";
import { describe, type Val } from "./values.ts";
import { lowerExpr, lowerValue } from "./expressions.ts";
import { comparison } from "./comparison.ts";
import { mergeArms } from "./conditional.ts";

/** The chain being lowered: its outermost node, and the block its presence tests branch to when absent. */
export interface Chain {
  root: TsTypes.Node;
  absent: BasicBlockRef;
}

const isChainLink = (n: TsTypes.Node) =>
  (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n) || ts.isCallExpression(n)) &&
  (n.flags & ts.NodeFlags.OptionalChain) !== 0;

/** Whether `node` is a whole optional chain (`a?.b.c`, not its part `a?.b`). */
export function isChainRoot(node: Node): boolean {
  const n = node.compilerNode;
  if (!isChainLink(n)) return false;
  const parent = n.parent;
  return !(isChainLink(parent) && (parent as TsTypes.PropertyAccessExpression).expression === n);
}

/** An optional chain that may be absent, which only a comparison, a condition or `??` can use. */
export function isAbsentable(node: Node): boolean {
  const n = stripParens(node);
  return isChainRoot(n) && mayBeAbsent(n);
}

/** Whether TypeScript's type of `node` includes `undefined` or `null`: an optional chain that can be absent. */
export function mayBeAbsent(node: Node): boolean {
  const t = node.getType();
  return t.isUndefined() || t.isNull() || (t.isUnion() && t.getUnionTypes().some((u) => u.isUndefined() || u.isNull()));
}

/**
 * The object of a chain link `x?.f` (or `x?.[i]`), lowered: where `x` may be null, its test
 * branches to the chain's absent block, and what follows is built where it is present. `x` that
 * TypeScript knows is not null (`s?.f` of a local struct, or a view narrowed by an earlier test)
 * is read as `x.f`, as the compiler reads every narrowed reference.
 */
export function presentObject(f: FunctionLowerer, object: Val, objectNode: Node): Val {
  if (!f.chain || !mayBeAbsent(objectNode)) return object;
  if (!((object.kind === "ref" && object.nullable) || (object.kind === "map" && object.p))) return object;
  const present = f.block("chain.present");
  C.LLVMBuildCondBr(f.b, f.isPresent(object), present, f.chain.absent);
  f.positionAt(present);
  return object.kind === "ref" ? { ...object, nullable: false } : object;
}

/**
 * Where lowering meets an optional chain outside the uses below: one that cannot be absent is its
 * plain value; one in a condition (`if (ip?.ttl)`, `!a?.f`, an operand of `&&`/`||` there) is
 * its truth, false when absent. Anything else has no value the subset can hold: an error.
 */
export function lowerChainUse(f: FunctionLowerer, node: Node): Val {
  if (!mayBeAbsent(node)) return guarded(f, node, node, (v) => v);
  if (!inCondition(node))
    throw new CompileError(
      node,
      `\`${node.getText()}\` is absent when what precedes \`?.\` is null: compare it (\`=== v\`), test it (\`if (${node.getText()})\`) or give it a default (\`?? 0\`); other uses are not supported`,
    );
  return guarded(
    f,
    node,
    node,
    (v) => ({ kind: "bool", v: f.toBool(f.rvalue(v, node), node) }),
    () => FALSE(f),
  );
}

const FALSE = (f: FunctionLowerer): Val => ({ kind: "bool", v: C.LLVMConstInt(f.i1, 0, 0) });

/** Whether `node` is used only for its truth: an if, for or `?:` condition, the operand of `!`, or an operand of `&&`/`||` that is. */
export function inCondition(node: Node): boolean {
  let n: Node = node;
  for (;;) {
    const parent = n.getParentOrThrow();
    if (Node.isParenthesizedExpression(parent)) n = parent;
    else if (Node.isIfStatement(parent)) return parent.getExpression() === n;
    else if (Node.isConditionalExpression(parent)) return parent.getCondition() === n;
    else if (Node.isForStatement(parent)) return parent.getCondition() === n;
    else if (Node.isPrefixUnaryExpression(parent)) return parent.getOperatorToken() === SyntaxKind.ExclamationToken;
    else if (Node.isBinaryExpression(parent)) {
      const op = parent.getOperatorToken().getKind();
      if (op !== SyntaxKind.AmpersandAmpersandToken && op !== SyntaxKind.BarBarToken) return false;
      n = parent;
    } else return false;
  }
}

/**
 * `a?.f === v`, `v !== a?.f` (`==`, `!=` too): the comparison where the chain is present, and
 * where it is absent, unequal (`undefined` equals no value). The other operand runs in its turn:
 * before the chain when it is on the left, after it otherwise, and then on both paths.
 */
export function chainComparison(f: FunctionLowerer, op: SyntaxKind, left: Node, right: Node, expr: Node): Val {
  const eq = op === SyntaxKind.EqualsEqualsEqualsToken || op === SyntaxKind.EqualsEqualsToken;
  const leftChain = isChainRoot(stripParens(left));
  const chain = leftChain ? left : right;
  const other = leftChain ? right : left;
  if (f.m.subset.isRejected(stripParens(chain))) throw f.m.subset.reported(stripParens(chain));
  if (isChainRoot(stripParens(other)) && mayBeAbsent(other))
    throw new CompileError(
      expr,
      "comparing two optional chains is not supported (they are equal when both are absent); compare each with a value",
    );
  if (stripParens(other).getKind() === SyntaxKind.NullKeyword)
    throw new CompileError(
      expr,
      `\`${chain.getText()}\` is undefined, never null, when it is absent; compare what precedes \`?.\` with null`,
    );
  const unequal = (): Val => ({ kind: "bool", v: C.LLVMConstInt(f.i1, eq ? 0 : 1, 0) });
  if (!leftChain) {
    const a = lowerValue(f, other);
    return guarded(f, expr, chain, (v) => compare(f, op, a, f.rvalue(v, chain), expr), unequal);
  }
  const runsOther = hasEffects(other);
  return guarded(
    f,
    expr,
    chain,
    (v) => {
      const a = f.rvalue(v, chain);
      return compare(f, op, a, lowerValue(f, other), expr);
    },
    () => {
      if (runsOther) lowerValue(f, other);
      return unequal();
    },
  );
}

function compare(f: FunctionLowerer, op: SyntaxKind, a: Val, b: Val, expr: Node): Val {
  f.at(expr);
  const r = comparison(f, op, a, b, expr);
  if (!r) throw new CompileError(expr, "expected a comparison");
  return r;
}

/** Whether evaluating `node` may change something: an assignment, `++`/`--` or a call in it. */
export function hasEffects(node: Node): boolean {
  if (Node.isCallExpression(node) || Node.isPostfixUnaryExpression(node)) return true;
  if (Node.isPrefixUnaryExpression(node)) {
    const op = node.getOperatorToken();
    if (op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken) return true;
  }
  if (Node.isBinaryExpression(node)) {
    const k = node.getOperatorToken().getKind();
    if (k >= SyntaxKind.FirstAssignment && k <= SyntaxKind.LastAssignment) return true;
  }
  return node.forEachChild((c) => (hasEffects(c) ? true : undefined)) ?? false;
}

/**
 * `v ?? d`: `v` where it is present, else `d`, which runs only then. `v` is an optional chain
 * (`a?.f ?? 0`), a reference to a scalar that may be null (`counts.lookup(k) ?? 0n`, a map
 * whose value is an integer), or a value that is never absent (then `d` does not run).
 */
export function nullish(f: FunctionLowerer, left: Node, right: Node, expr: Node): Val {
  const inner = stripParens(left);
  if (isChainRoot(inner))
    return guarded(
      f,
      expr,
      left,
      (v) => f.rvalue(v, left),
      () => lowerValue(f, right),
    );
  const value = lowerExpr(f, left);
  if (value.kind === "null") return lowerValue(f, right);
  if (value.kind === "ref" && value.nullable) {
    if (value.type.kind !== "int" && value.type.kind !== "bool")
      throw new CompileError(
        expr,
        `\`??\` after a reference to a ${describe(value)} is not supported: test it for null with an if, or read a field (\`v?.f ?? 0\`)`,
      );
    return valueOr(f, value, left, expr, () => lowerValue(f, right));
  }
  if (value.kind === "ref" || value.kind === "int" || value.kind === "const" || value.kind === "bool")
    return f.rvalue(value, left);
  throw new CompileError(expr, `\`??\` gives a default to a number or a bool, not to ${describe(value)}`);
}

/** `ref ?? otherwise()` for a reference to a number or bool that may be null: its value where it is present. */
export function valueOr(
  f: FunctionLowerer,
  ref: Extract<Val, { kind: "ref" }>,
  node: Node,
  expr: Node,
  otherwise: () => Val,
): Val {
  const absent = f.block("nullish.absent");
  const present = f.block("nullish.present");
  C.LLVMBuildCondBr(f.b, f.isPresent(ref), present, absent);
  f.positionAt(present);
  return join(f, expr, f.load({ ...ref, nullable: false }, node), absent, otherwise);
}

/**
 * Lowers the chain `chain` with its presence tests branching to a new absent block, then `use` of
 * its value where it is present; `absent` (omitted: the chain cannot be absent) in the absent block.
 */
function guarded(f: FunctionLowerer, expr: Node, chain: Node, use: (value: Val) => Val, absent?: () => Val): Val {
  const absentBlock = f.block("chain.absent");
  const outer = f.chain;
  f.chain = { root: stripParens(chain).compilerNode, absent: absentBlock };
  let value: Val;
  try {
    value = lowerExpr(f, chain);
  } finally {
    f.chain = outer;
  }
  const used = use(value);
  if (!absent) {
    if (C.LLVMGetFirstUse(C.LLVMBasicBlockAsValue(absentBlock)))
      throw internalError(expr, new Error("an optional chain TypeScript types as never absent was tested"));
    const here = f.current;
    f.positionAt(absentBlock);
    C.LLVMBuildUnreachable(f.b); // no branch comes here
    f.positionAt(here);
    return used;
  }
  return join(f, expr, used, absentBlock, absent);
}

/** `a`, built in the current block, and `absent()`, built in `absentBlock`, merged by a phi. */
function join(f: FunctionLowerer, expr: Node, a: Val, absentBlock: BasicBlockRef, absent: () => Val): Val {
  const presentEnd = f.current;
  f.positionAt(absentBlock);
  const b = absent();
  const bothBool = a.kind === "bool" && b.kind === "bool";
  if (!bothBool && (a.kind === "ref" || b.kind === "ref" || a.kind === "bool" || b.kind === "bool"))
    throw new CompileError(expr, `\`??\` merges two numbers or two bools, not ${describe(a)} and ${describe(b)}`);
  const arm2 = { value: b, end: f.current };
  return mergeArms(f, expr, { value: a, end: presentEnd }, arm2, f.block("chain.done"));
}
