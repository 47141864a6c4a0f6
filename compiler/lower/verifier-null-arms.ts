// After default<O2>: a memory access through `select(c, p, null)` goes through `p`.
// A view is `p` where its check held and null where it did not, and the program reads it only
// after testing it. LLVM sometimes loses that the test made it non-null (it merged the test
// with the next condition, `if (w !== null) { if (ctx.len && …) w.f0 … }`), keeps the view as
// `select(off <= 4095, data + off, null)` and code generation computes that select again
// where the view is read, testing `off` on a register the verifier never bounded. The verifier
// then walks the null side and refuses the load: "R3 invalid mem access 'scalar'" (fuzzer seed
// 50010436, test/fuzz/regressions/view_null_arm.ts). An access through null is undefined, so
// where the access runs the select chose `p`: using `p` changes no result and removes the
// branch. No instruction is added; the LB has no such access.
import { Opcode, TypeKind } from "../llvm/enums.ts";
import { addressOf, C, type ValueRef } from "../llvm/capi.ts";
import { dominates } from "./dominance.ts";
import { instructionsOf, IRBuilder, type IRModule } from "./irbuilder.ts";

export function accessThroughNullArms(m: IRModule): void {
  const b = new IRBuilder(m);
  try {
    for (let fn = C.LLVMGetFirstFunction(m.module); fn; fn = C.LLVMGetNextFunction(fn)) {
      for (const i of instructionsOf(fn)) {
        const k = addressOperand(i);
        if (k === undefined) continue;
        const p = nonNullArm(b, C.LLVMGetOperand(i, k), i, 0);
        if (p) C.LLVMSetOperand(i, k, p);
      }
      for (const i of instructionsOf(fn)) if (isPartAddress(i)) fieldOfNonNullArm(b, i);
      for (const i of instructionsOf(fn)) if (isPointerSelect(i)) selectOfNonNullArms(b, i);
    }
  } finally {
    b.dispose();
  }
}

/**
 * A field's or an element's address `gep(select(c, null, p), k)` whose uses do not all reach an
 * access as `nonNullArm` follows it: the address of an element at a computed index (`rv.f4[i]`,
 * whose own check against data_end selects between the element and the field, seeds 92022855,
 * 95006901). Its clones would be new pointers for the verifier, unchecked, so the address is
 * computed from `p` itself, in place: a part of null is never accessed, and only the view itself
 * is compared with null.
 */
function fieldOfNonNullArm(b: IRBuilder, gep: ValueRef): void {
  if (comparedWithNull(gep, 0)) return;
  // An element (a variable index) only where every use is an access or a bounds check: a merged
  // view passed on (returned, stored) keeps its null.
  if (!isFieldAddress(gep) && !onlyAccessed(gep, 0)) return;
  const p = nonNullArm(b, C.LLVMGetOperand(gep, 0), gep, 0);
  if (p) C.LLVMSetOperand(gep, 0, p);
}

/** A GEP not by constant zeros only: the address of a field or an element, not the view. */
function isPartAddress(i: ValueRef): boolean {
  if (C.LLVMGetInstructionOpcode(i) !== Opcode.GetElementPtr) return false;
  for (let k = 1; k < C.LLVMGetNumOperands(i); k++) {
    const c = C.LLVMIsAConstantInt(C.LLVMGetOperand(i, k));
    if (!c || C.LLVMConstIntGetZExtValue(c) !== 0n) return true;
  }
  return false;
}

/** A GEP by constants, not all zero: the address of a field. */
function isFieldAddress(i: ValueRef): boolean {
  for (let k = 1; k < C.LLVMGetNumOperands(i); k++) if (!C.LLVMIsAConstantInt(C.LLVMGetOperand(i, k))) return false;
  return isPartAddress(i);
}

function isPointerSelect(i: ValueRef): boolean {
  return C.LLVMGetInstructionOpcode(i) === Opcode.Select && C.LLVMGetTypeKind(C.LLVMTypeOf(i)) === TypeKind.Pointer;
}

/**
 * The check of an element at a computed index selects between the element and its array
 * (`select(outside, a, a + i)`); where the array is the view's `select(c, null, p)` itself (its
 * first field, seed 95006901), the arm is `p`, in place as above: code generation would
 * otherwise materialize the null arm, and the verifier walk a read of the number 0.
 */
function selectOfNonNullArms(b: IRBuilder, select: ValueRef): void {
  const operands = [1, 2];
  // A select with a null arm is a view, not a part of one.
  // Only where every use is an access or a bounds check: a merge of two views (`c ? v1 : v2`)
  // may be compared with null, returned or stored, and keeps its arms' nulls.
  if (operands.some((k) => C.LLVMIsNull(C.LLVMGetOperand(select, k))) || !onlyAccessed(select, 0)) return;
  for (const k of operands) {
    const p = nonNullArm(b, C.LLVMGetOperand(select, k), select, 0);
    if (p) C.LLVMSetOperand(select, k, p);
  }
}

/**
 * Whether `v`, and every address computed from it, is only accessed (loaded from, stored to) or
 * compared with a pointer that is not null (a bounds check).
 */
function onlyAccessed(v: ValueRef, depth: number): boolean {
  if (depth > 8) return false;
  for (let u = C.LLVMGetFirstUse(v); u; u = C.LLVMGetNextUse(u)) {
    const user = C.LLVMGetUser(u);
    switch (C.LLVMGetInstructionOpcode(user)) {
      case Opcode.Load:
        break;
      case Opcode.Store:
      case Opcode.AtomicRMW:
      case Opcode.AtomicCmpXchg:
        // The address, not the value stored.
        for (let k = 0; k < C.LLVMGetNumOperands(user); k++)
          if (k !== addressOperand(user) && addressOf(C.LLVMGetOperand(user, k)) === addressOf(v)) return false;
        break;
      case Opcode.ICmp:
        if (C.LLVMIsNull(C.LLVMGetOperand(user, 0)) || C.LLVMIsNull(C.LLVMGetOperand(user, 1))) return false;
        break;
      case Opcode.GetElementPtr:
      case Opcode.BitCast:
      case Opcode.Select:
      case Opcode.PHI:
        if (!onlyAccessed(user, depth + 1)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether `v`, or an address computed from it, is compared with null. */
function comparedWithNull(v: ValueRef, depth: number): boolean {
  if (depth > 8) return true;
  for (let u = C.LLVMGetFirstUse(v); u; u = C.LLVMGetNextUse(u)) {
    const user = C.LLVMGetUser(u);
    switch (C.LLVMGetInstructionOpcode(user)) {
      case Opcode.ICmp:
        if (C.LLVMIsNull(C.LLVMGetOperand(user, 0)) || C.LLVMIsNull(C.LLVMGetOperand(user, 1))) return true;
        break;
      case Opcode.GetElementPtr:
      case Opcode.BitCast:
      case Opcode.Select:
      case Opcode.PHI:
        if (comparedWithNull(user, depth + 1)) return true;
        break;
    }
  }
  return false;
}

/** The operand number of the address a load, store or atomic operation accesses. */
function addressOperand(i: ValueRef): number | undefined {
  switch (C.LLVMGetInstructionOpcode(i)) {
    case Opcode.Load:
    case Opcode.AtomicRMW:
    case Opcode.AtomicCmpXchg:
      return 0;
    case Opcode.Store:
      return 1;
    default:
      return undefined;
  }
}

/**
 * The address `v` without its null arm: the other arm of a `select` with a null arm, seen
 * through bitcasts and constant GEPs (copied before `access`, the originals keep their other
 * users); undefined if `v` has none.
 */
function nonNullArm(b: IRBuilder, v: ValueRef, access: ValueRef, depth: number): ValueRef | undefined {
  if (depth > 8 || C.LLVMGetTypeKind(C.LLVMTypeOf(v)) !== TypeKind.Pointer) return undefined;
  switch (C.LLVMGetInstructionOpcode(v)) {
    case Opcode.Select: {
      const [x, y] = [C.LLVMGetOperand(v, 1), C.LLVMGetOperand(v, 2)];
      if (C.LLVMIsNull(y)) return x;
      if (C.LLVMIsNull(x)) return y;
      return undefined;
    }
    case Opcode.PHI: {
      // The merge of a view with null (two inlined calls of a function returning a view, whose
      // tests LLVM made one: seed 70000942): the view itself, where it is computed on every path
      // to the access.
      let arm: ValueRef | undefined;
      for (let k = 0; k < C.LLVMCountIncoming(v); k++) {
        const x = C.LLVMGetOperand(v, k);
        if (C.LLVMIsNull(x)) continue;
        if (arm && addressOf(arm) !== addressOf(x)) return undefined;
        arm = x;
      }
      return arm && arm !== v && dominates(arm, access) ? arm : undefined;
    }
    case Opcode.BitCast:
    case Opcode.GetElementPtr: {
      for (let k = 1; k < C.LLVMGetNumOperands(v); k++)
        if (!C.LLVMIsAConstantInt(C.LLVMGetOperand(v, k))) return undefined;
      const base = nonNullArm(b, C.LLVMGetOperand(v, 0), access, depth + 1);
      if (!base) return undefined;
      const copy = C.LLVMInstructionClone(v);
      C.LLVMSetOperand(copy, 0, base);
      C.LLVMPositionBuilderBefore(b.b, access);
      C.LLVMInsertIntoBuilder(b.b, copy);
      return copy;
    }
    default:
      return undefined;
  }
}
