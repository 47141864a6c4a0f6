// After default<O2>: an index or offset added to a pointer must not carry a large linked
// constant. The verifier (Linux 6.10 and later) links a register to the one it was copied from
// when a constant is added to it (`w2 = w1; w2 += 0x7fffffff`: r2 is "r1 + 0x7fffffff", shown
// as id=1+2147483647), so that a bound learned on one is known of the other. It keeps that
// constant in the register's state, and check_reg_sane_offset() refuses a register whose constant
// is 2^29 or more in pointer arithmetic, whatever bounds a clamp gave its value since: "map_value
// pointer offset 2147483647 is not allowed" for `s.b[i + 0x7fffffff]` (fuzzer seed 50001255,
// test/fuzz/regressions/linked_index.ts). Any other arithmetic ends the link, so an index
// computed by adding such a constant gets an `&= -1` just before it is added to the pointer
// (IRBuilder.unlinked): one instruction, only where the optimized IR shows such a sum (none in
// the LB).
import { Opcode, TypeKind } from "../llvm/enums.ts";
import { addressOf, C, type ValueRef } from "../llvm/capi.ts";
import { instructionsOf, IRBuilder, type IRModule } from "./irbuilder.ts";

/** The verifier's BPF_MAX_VAR_OFF: a linked constant this large or larger is refused. */
const MAX_LINKED_CONSTANT = 1n << 29n;

export function unlinkPointerOffsets(m: IRModule): void {
  const b = new IRBuilder(m);
  try {
    for (let fn = C.LLVMGetFirstFunction(m.module); fn; fn = C.LLVMGetNextFunction(fn)) {
      for (const i of instructionsOf(fn)) {
        if (C.LLVMGetInstructionOpcode(i) !== Opcode.GetElementPtr) continue;
        for (let k = 1; k < C.LLVMGetNumOperands(i); k++) {
          const index = C.LLVMGetOperand(i, k);
          if (!addsLargeConstant(index, new Set(), 0)) continue;
          C.LLVMPositionBuilderBefore(b.b, i);
          C.LLVMSetCurrentDebugLocation2(b.b, C.LLVMInstructionGetDebugLoc(i));
          C.LLVMSetOperand(i, k, b.unlinked(index));
        }
      }
    }
  } finally {
    b.dispose();
  }
}

/**
 * Whether `v` may reach the pointer addition as a register the verifier linked with a large
 * constant: a sum with such a constant, seen through what code generation makes a copy or
 * nothing (casts, the empty asm of IRBuilder.opaque) and through branches (select, phi). Other
 * arithmetic (a shift, a multiplication, an `&`) ends the link, and so does a load.
 */
function addsLargeConstant(v: ValueRef, seen: Set<bigint>, depth: number): boolean {
  const key = addressOf(v);
  if (depth > 16 || seen.has(key) || C.LLVMIsAConstantInt(v)) return false;
  seen.add(key);
  const operand = (k: number) => addsLargeConstant(C.LLVMGetOperand(v, k), seen, depth + 1);
  switch (C.LLVMGetInstructionOpcode(v)) {
    case Opcode.Add:
    case Opcode.Sub:
      return [0, 1].some((k) => isLarge(C.LLVMGetOperand(v, k)));
    case Opcode.ZExt:
    case Opcode.SExt:
    case Opcode.Trunc:
    case Opcode.Freeze:
      return operand(0);
    case Opcode.Select:
      return operand(1) || operand(2);
    case Opcode.PHI: {
      for (let k = 0; k < C.LLVMCountIncoming(v); k++) if (operand(k)) return true;
      return false;
    }
    case Opcode.Call: {
      // An opaque copy (an inline asm of one operand) is the same register.
      const callee = C.LLVMGetCalledValue(v);
      return C.LLVMIsAInlineAsm(callee) !== null && C.LLVMGetNumOperands(v) === 2 && operand(0);
    }
    default:
      return false;
  }
}

/** A constant integer whose signed value is at least 2^29 from zero. */
function isLarge(v: ValueRef): boolean {
  const c = C.LLVMIsAConstantInt(v);
  if (!c || C.LLVMGetTypeKind(C.LLVMTypeOf(c)) !== TypeKind.Integer) return false;
  const bits = BigInt(C.LLVMGetIntTypeWidth(C.LLVMTypeOf(c)));
  const signed = BigInt.asIntN(Number(bits), BigInt(C.LLVMConstIntGetZExtValue(c)));
  return signed >= MAX_LINKED_CONSTANT || signed <= -MAX_LINKED_CONSTANT;
}
