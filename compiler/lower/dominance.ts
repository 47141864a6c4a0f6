// Dominance for the passes that run after default<O2> and reuse a value somewhere else than
// where LLVM put it: a value can be used at a place only if it is computed on every path there.
// Functions are small (the LB's largest has a few hundred blocks), so a walk per question is
// enough; LLVM's C API has no dominator tree.
import { addressOf, type BasicBlockRef, C, type ValueRef } from "../llvm/capi.ts";

/** Whether every path from the function's entry to `to` passes through `from` (or `from` is `to`). */
export function blockDominates(from: BasicBlockRef, to: BasicBlockRef): boolean {
  if (addressOf(from) === addressOf(to)) return true;
  const entry = C.LLVMGetFirstBasicBlock(C.LLVMGetBasicBlockParent(from))!;
  const seen = new Set<bigint>([addressOf(from)]);
  const work: BasicBlockRef[] = [entry];
  while (work.length) {
    const bb = work.pop()!;
    if (seen.has(addressOf(bb))) continue;
    if (addressOf(bb) === addressOf(to)) return false;
    seen.add(addressOf(bb));
    const term = C.LLVMGetBasicBlockTerminator(bb);
    if (term) for (let k = 0; k < C.LLVMGetNumSuccessors(term); k++) work.push(C.LLVMGetSuccessor(term, k));
  }
  return true;
}

/** Whether `v` is computed by the end of `block` on every path (arguments and constants are). */
export function availableAtEnd(v: ValueRef, block: BasicBlockRef): boolean {
  if (C.LLVMGetInstructionOpcode(v) === 0) return true;
  return blockDominates(C.LLVMGetInstructionParent(v), block);
}

/** Whether `def` is computed on every path to the instruction `use`, before it. */
export function dominates(def: ValueRef, use: ValueRef): boolean {
  if (C.LLVMGetInstructionOpcode(def) === 0) return true;
  const from = C.LLVMGetInstructionParent(def);
  const to = C.LLVMGetInstructionParent(use);
  if (addressOf(from) !== addressOf(to)) return blockDominates(from, to);
  for (let i: ValueRef | null = C.LLVMGetNextInstruction(def); i; i = C.LLVMGetNextInstruction(i))
    if (addressOf(i) === addressOf(use)) return true;
  return false;
}
