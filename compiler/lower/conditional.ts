// `c ? a : b`: both arms brought to one representation (reference, bool, network- or
// host-order integer) and merged by a phi.
import type { Node } from "../frontend/ts-morph.ts";
import { type BasicBlockRef, C, type TypeRef, type ValueRef } from "../llvm/capi.ts";
import { CompileError } from "../diagnostics.ts";
import { valueType, type BType } from "../types.ts";
import type { FunctionLowerer } from "./function.ts";
import type { Val } from "./values.ts";
import { lowerExpr } from "./expressions.ts";
import { commonType } from "./arithmetic.ts";
import { isNullableScalar } from "./nullable-scalar.ts";

type RefVal = Extract<Val, { kind: "ref" }>;
export function lowerConditional(
  f: FunctionLowerer,
  expr: Node & { getCondition(): Node; getWhenTrue(): Node; getWhenFalse(): Node },
  expected?: BType,
): Val {
  const cond = f.toBool(lowerExpr(f, expr.getCondition()), expr.getCondition());
  const yes = f.block("cond.true"),
    no = f.block("cond.false"),
    done = f.block("cond.done");
  C.LLVMBuildCondBr(f.b, cond, yes, no);
  // An arm that is a number that may be null (`c ? m.lookup(k) : null`) stays a reference, tested where it is used.
  const arm = (node: Node): Val => {
    const v = lowerExpr(f, node, expected);
    return isNullableScalar(v) ? v : f.rvalue(v, node);
  };
  f.positionAt(yes);
  const a = arm(expr.getWhenTrue());
  const aBlock = f.current;
  f.positionAt(no);
  const b = arm(expr.getWhenFalse());
  return mergeArms(f, expr, { value: a, end: aBlock }, { value: b, end: f.current }, done, expected);
}

/** An arm of a branch: its value and the block it ends in. */
export interface Arm {
  value: Val;
  end: BasicBlockRef;
}

/**
 * Two arms brought to one representation, each in its own block, both branching to `done`, where
 * a phi merges them (also `??`'s and `?.`'s present and absent arms, lower/optional.ts).
 */
export function mergeArms(
  f: FunctionLowerer,
  expr: Node,
  arm1: Arm,
  arm2: Arm,
  done: BasicBlockRef,
  expected?: BType,
): Val {
  const { value: a, end: aBlock } = arm1;
  const { value: b, end: bBlock } = arm2;
  let type: TypeRef, va: ValueRef, vb: ValueRef, result: (v: ValueRef) => Val;
  if (a.kind === "ref" || b.kind === "ref" || a.kind === "null" || b.kind === "null") {
    if (
      (isNullableScalar(a) && b.kind !== "ref" && b.kind !== "null") ||
      (isNullableScalar(b) && a.kind !== "ref" && a.kind !== "null")
    )
      throw new CompileError(
        expr,
        "one arm is a number that may be null and the other a number: give the first a default (`?? 0`) or test it for null first",
      );
    const ref = (a.kind === "ref" ? a : b) as RefVal;
    if (ref.kind !== "ref") throw new CompileError(expr, "both arms are null");
    f.positionAt(aBlock);
    va = a.kind === "ref" ? f.pointerOrNull(a) : f.nullPtr();
    f.positionAt(bBlock);
    vb = b.kind === "ref" ? f.pointerOrNull(b) : f.nullPtr();
    type = f.i8p;
    const memory =
      a.kind === "ref" && b.kind === "ref" && a.memory === b.memory
        ? a.memory
        : a.kind === "null" || b.kind === "null"
          ? ref.memory
          : undefined;
    result = (v) => ({
      ...ref,
      memory,
      present: undefined,
      p: v,
      nullable:
        a.kind === "null" || b.kind === "null" || (a.kind === "ref" && a.nullable) || (b.kind === "ref" && b.nullable),
    });
  } else if (a.kind === "bool" || b.kind === "bool") {
    f.positionAt(aBlock);
    va = f.toBool(a, expr);
    f.positionAt(bBlock);
    vb = f.toBool(b, expr);
    type = f.i1;
    result = (v) => ({ kind: "bool", v });
  } else if (expected?.kind === "int" && expected.bigEndian) {
    // Going to a big-endian field: merge the arms in network byte order.
    const t = valueType(expected);
    f.positionAt(aBlock);
    va = f.toRaw(a, t, expr);
    f.positionAt(bBlock);
    vb = f.toRaw(b, t, expr);
    type = f.int(t.bits);
    result = (v) => ({ kind: "int", type: t, v, swapped: true });
  } else {
    const t = expected?.kind === "int" ? valueType(expected) : commonType(f, a, b, expr);
    f.positionAt(aBlock);
    va = f.toInt(a, t, expr).v;
    f.positionAt(bBlock);
    vb = f.toInt(b, t, expr).v;
    type = f.int(t.bits);
    result = (v) => ({ kind: "int", type: t, v });
  }
  f.positionAt(aBlock);
  C.LLVMBuildBr(f.b, done);
  f.positionAt(bBlock);
  C.LLVMBuildBr(f.b, done);
  f.positionAt(done);
  const phi = C.LLVMBuildPhi(f.b, type, "");
  C.LLVMAddIncoming(phi, [va, vb], [aBlock, bBlock], 2);
  return result(phi);
}
