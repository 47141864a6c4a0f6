// A reference to a number (or bool) that may be null: `const n = counts.lookup(k)` on a map whose
// value is a number, which TypeScript types `number | null`. The verifier lets the program read
// it only after testing the pointer; TypeScript gives it the value's meaning: `if (n)` is false
// for an entry holding 0 as for no entry, `n === 5` is false when there is none, `n || 3` is 3 for
// both (docs/language.md, "A number that may be null"). Each use tests the pointer and reads the
// value only where it is present, in the shape of the test written by hand (`n !== null && n !== 0`),
// so that the two compile to the same instructions (test/compiler/optional-chaining.test.ts): the
// branch the verifier needs before the load, and nothing more. Where TypeScript has narrowed the
// reference (after `if (n !== null)`), it is read as a plain number (expressions.ts, lowerName).
import { type Node, SyntaxKind } from "../frontend/ts-morph.ts";
import { C, type ValueRef } from "../llvm/capi.ts";
import { CompileError } from "../diagnostics.ts";
import type { FunctionLowerer } from "./function.ts";
import type { Val } from "./values.ts";
import { comparison } from "./comparison.ts";

type RefVal = Extract<Val, { kind: "ref" }>;

/** Whether `v` is a reference to a number or bool not yet tested for null. */
export function isNullableScalar(v: Val): v is RefVal {
  return v.kind === "ref" && v.nullable && (v.type.kind === "int" || v.type.kind === "bool");
}

/**
 * `use` of the value where `ref` is present, `absent` where it is null: an i1 merged by a phi.
 * The shape of `ref !== null && use(ref)` (or `ref === null || use(ref)` when `absent` is true).
 */
function whenPresent(
  f: FunctionLowerer,
  ref: RefVal,
  node: Node,
  use: (value: Val) => ValueRef,
  absent: boolean,
): ValueRef {
  const present = f.block("nullable.present");
  const done = f.block("nullable.done");
  C.LLVMBuildCondBr(f.b, f.isPresent(ref), present, done);
  const from = f.current;
  f.positionAt(present);
  const v = use(f.load({ ...ref, nullable: false }, node));
  const end = f.current;
  C.LLVMBuildBr(f.b, done);
  f.positionAt(done);
  const phi = C.LLVMBuildPhi(f.b, f.i1, "");
  C.LLVMAddIncoming(phi, [C.LLVMConstInt(f.i1, absent ? 1 : 0, 0), v], [from, end], 2);
  return phi;
}

/** The truth of a number that may be null: present and not 0. */
export function nullableTruth(f: FunctionLowerer, ref: RefVal, node: Node): ValueRef {
  return whenPresent(f, ref, node, (v) => f.toBool(v, node), false);
}

/**
 * `n === x`, `x !== n` (`==`, `!=` too) where one side, `ref`, may be null: `other()` gives the
 * other side's value where `ref` is present (read before, or read there when reading it changes
 * nothing); where `ref` is null, unequal (null equals no number).
 */
export function nullableEquality(
  f: FunctionLowerer,
  op: SyntaxKind,
  ref: RefVal,
  other: () => Val,
  refOnLeft: boolean,
  expr: Node,
): Val {
  const eq = op === SyntaxKind.EqualsEqualsEqualsToken || op === SyntaxKind.EqualsEqualsToken;
  const v = whenPresent(
    f,
    ref,
    expr,
    (value) => {
      const o = other();
      f.at(expr);
      const r = refOnLeft ? comparison(f, op, value, o, expr) : comparison(f, op, o, value, expr);
      if (r?.kind !== "bool") throw new CompileError(expr, "expected a comparison");
      return r.v;
    },
    !eq,
  );
  return { kind: "bool", v };
}

/** The error for a use of a number that may be null which the subset gives no meaning. */
export function nullableUse(node: Node, what: string): CompileError {
  return new CompileError(
    node,
    `\`${node.getText()}\` may be null: ${what}; test it (\`if (${node.getText()} !== null)\`), compare it (\`=== v\`) or give it a default (\`?? 0\`)`,
  );
}
