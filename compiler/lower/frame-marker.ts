// A workaround for Linux 6.18's verifier bug "verifier bug: stack slot N, total slots M"
// (EFAULT from BPF_PROG_LOAD; fuzzer seeds 20000649 and 90002521, docs/fuzzing.md "The kernel's
// EFAULT"). LLVM's stack slots are first written on some paths only; when a pruned state has a
// precise scalar spilled in a slot that the current path's parents never allocated,
// `__mark_chain_precision()` fails its own check. A store to the frame's deepest slot before any
// other stack access makes every state of the function allocate the whole frame.
//
// The frame's size is known only after code generation, so it is done in two steps without a
// second code generation:
// - `markFrames` (IR, after the optimization passes): each function's entry gets an inline-asm
//   marker, `*(u64 *)(r10 - 8) = r10`, an encoding LLVM never emits (r10 itself stored). It is
//   not a stack object to LLVM, so the frame's layout is the same as without it;
// - `patchFrameMarkers` (the object): each marker becomes `*(u64 *)(r10 - N) = 0` (a store of an
//   immediate, which LLVM 14's BPF assembler cannot write), N the function's deepest r10 offset
//   rounded up to 8 bytes; where the function has no stack, or an instruction before the marker
//   already used r10 (a slot LLVM wrote must not be overwritten), it becomes `goto +0`, which the
//   verifier removes from the loaded program (opt_remove_nops). The instruction keeps its place,
//   so jumps, relocations, BTF and DWARF line info stay right.
import { C } from "../llvm/capi.ts";
import { InlineAsmDialect, Opcode } from "../llvm/enums.ts";
import { IRBuilder, type IRModule } from "./irbuilder.ts";
import { frameDepth, functionsOfObject } from "./stack.ts";

const MARKER_ASM = "*(u64 *)(r10 - 8) = r10";
/** The marker's encoding: BPF_STX | BPF_MEM | BPF_DW, dst r10, src r10, off -8, imm 0. */
const MARKER = Uint8Array.of(0x7b, 0xaa, 0xf8, 0xff, 0, 0, 0, 0);

/** Puts the marker at the entry of every function with a body, after its allocas. */
export function markFrames(m: IRModule): void {
  const b = new IRBuilder(m);
  try {
    const fnType = C.LLVMFunctionType(C.LLVMVoidTypeInContext(m.ctx), [], 0, 0);
    const asm = C.LLVMGetInlineAsm(fnType, MARKER_ASM, MARKER_ASM.length, "", 0, 1, 0, InlineAsmDialect.ATT, 0);
    for (let fn = C.LLVMGetFirstFunction(m.module); fn; fn = C.LLVMGetNextFunction(fn)) {
      const entry = C.LLVMGetFirstBasicBlock(fn);
      if (!entry) continue;
      let first = C.LLVMGetFirstInstruction(entry);
      while (first && C.LLVMGetInstructionOpcode(first) === Opcode.Alloca) first = C.LLVMGetNextInstruction(first);
      if (first) C.LLVMPositionBuilderBefore(b.b, first);
      else C.LLVMPositionBuilderAtEnd(b.b, entry);
      C.LLVMBuildCall2(b.b, fnType, asm, [], 0, "");
    }
  } finally {
    b.dispose();
  }
}

/** Rewrites every marker of `object` (in place) as the store to its function's deepest slot, or `goto +0`. */
export function patchFrameMarkers(object: Uint8Array): void {
  const view = new DataView(object.buffer, object.byteOffset, object.byteLength);
  for (const { name, start, end } of functionsOfObject(object)) {
    let marker: number | undefined;
    for (let o = start; o + 8 <= end; o += 8) {
      if (!MARKER.every((byte, k) => object[o + k] === byte)) continue;
      if (marker !== undefined) throw new Error(`internal compiler error: two frame markers in '${name}'`);
      marker = o;
    }
    if (marker === undefined) continue;
    const depth = frameDepth(view, start, end, marker);
    const slot = Math.ceil(depth / 8) * 8;
    object.fill(0, marker, marker + 8);
    if (slot === 0 || usesStackBefore(view, start, marker)) {
      object[marker] = 0x05; // BPF_JMP | BPF_JA: goto +0
    } else {
      object[marker] = 0x7a; // BPF_ST | BPF_MEM | BPF_DW
      object[marker + 1] = 10; // dst r10
      view.setInt16(marker + 2, -slot, true);
    }
  }
}

/** Whether an instruction from `start` to `end` reads or writes r10 (a store to the frame, or its address taken). */
function usesStackBefore(view: DataView, start: number, end: number): boolean {
  for (let o = start; o < end; o += 8) {
    const regs = view.getUint8(o + 1);
    if ((regs & 0xf) === 10 || regs >> 4 === 10) return true;
  }
  return false;
}
