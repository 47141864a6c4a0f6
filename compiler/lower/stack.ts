// BPF programs have a 512-byte stack. After optimization, the stack slots LLVM could not promote
// to registers are what remains of the locals; more than 512 bytes of them is reported at the
// biggest local, naming the biggest ones (LLVM would otherwise stop with a fatal error).
import { Opcode } from "../llvm/enums.ts";
import { C } from "../llvm/capi.ts";
import { targetMachine } from "../llvm/target.ts";
import { diagnosticAt, type Diagnostic } from "../diagnostics.ts";
import type { ModuleLowerer } from "./module.ts";

export const STACK_LIMIT = 512;

export function checkStack(m: ModuleLowerer): Diagnostic[] {
  const out: Diagnostic[] = [];
  const td = C.LLVMCreateTargetDataLayout(targetMachine());
  for (let fn = C.LLVMGetFirstFunction(m.module); fn; fn = C.LLVMGetNextFunction(fn)) {
    const slots: { name: string; size: number; node: (typeof m.stackSlots)[number]["node"] }[] = [];
    for (let bb = C.LLVMGetFirstBasicBlock(fn); bb; bb = C.LLVMGetNextBasicBlock(bb)) {
      for (let i = C.LLVMGetFirstInstruction(bb); i; i = C.LLVMGetNextInstruction(i)) {
        if (C.LLVMGetInstructionOpcode(i) !== Opcode.Alloca) continue;
        const size = Number(C.LLVMStoreSizeOfType(td, C.LLVMGetAllocatedType(i)));
        const llvmName = String(C.LLVMGetValueName2(i, [0]) ?? "");
        const id = /\.s(\d+)\./.exec(llvmName);
        const slot = id ? m.stackSlots[Number(id[1])] : undefined;
        slots.push({ name: slot?.name ?? llvmName, size, node: slot?.node });
      }
    }
    const total = slots.reduce((a, s) => a + s.size, 0);
    if (total <= STACK_LIMIT) continue;
    slots.sort((a, b) => b.size - a.size);
    const where = slots.find((s) => s.node)?.node;
    const biggest = slots
      .slice(0, 3)
      .map((s) => `'${s.name}' (${s.size} bytes${s.node ? `, line ${s.node.getStartLineNumber()}` : ""})`)
      .join(", ");
    const fnName = String(C.LLVMGetValueName2(fn, [0]) ?? "");
    const message =
      `program '${fnName}' needs ${total} bytes of stack, over BPF's ${STACK_LIMIT}-byte limit; biggest locals: ${biggest}. ` +
      "Keep large buffers in a map value instead (e.g. a PerCpuArrayMap with one entry)";
    if (where) out.push(diagnosticAt(where, message));
    else out.push({ file: "", line: 0, column: 0, message });
  }
  return out;
}
