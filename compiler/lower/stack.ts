// BPF programs have a 512-byte stack. After optimization, the stack slots LLVM could not promote
// to registers are what remains of the locals. Their sizes added up are not what the program
// needs: slots of different blocks share bytes (lifetimes.ts, LLVM's stack colouring). So the
// BPF backend decides: when it reports that a frame is over 512 bytes, the diagnostic
// (`stackLimitDiagnostic`) names the biggest locals if they add up to more than 512 bytes
// (`checkStack`), else the registers it spilled, with the stack the generated code uses
// (`stackDepths`). Only a single
// slot that cannot fit, or locals too big for a BPF frame offset, are refused before code
// generation (`oversizedLocals`): LLVM would not generate code for them.
import { Opcode } from "../llvm/enums.ts";
import { instructionsOf } from "./irbuilder.ts";
import { C } from "../llvm/capi.ts";
import { targetMachine } from "../llvm/target.ts";
import { diagnosticAt, type Diagnostic } from "../diagnostics.ts";
import type { ModuleLowerer } from "./module.ts";

export const STACK_LIMIT = 512;
const KEEP_IN_MAP = "Keep large buffers in a map value instead (e.g. a PerCpuArrayMap with one entry)";
/** BPF's frame offsets are 16-bit: locals beyond this are refused before code generation. */
const FRAME_OFFSET_LIMIT = 32767;

/** The functions whose locals cannot fit whatever slots share: one over 512 bytes, or all of them
 *  over a frame offset's range. */
export function oversizedLocals(m: ModuleLowerer): Diagnostic[] {
  return checkStack(m, (total, biggest) => biggest > STACK_LIMIT || total > FRAME_OFFSET_LIMIT);
}

/**
 * The functions whose locals (the slots left after optimization) add up to more than 512 bytes,
 * and that `fails` says failed, at the biggest local, naming the biggest ones; `depth` gives the
 * stack the generated code uses, where it is known.
 */
export function checkStack(
  m: ModuleLowerer,
  fails: (total: number, biggest: number, fnName: string) => boolean,
  depth?: (fnName: string) => number | undefined,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const td = C.LLVMCreateTargetDataLayout(targetMachine());
  for (let fn = C.LLVMGetFirstFunction(m.module); fn; fn = C.LLVMGetNextFunction(fn)) {
    const slots: { name: string; size: number; node: (typeof m.stackSlots)[number]["node"] }[] = [];
    for (const i of instructionsOf(fn)) {
      if (C.LLVMGetInstructionOpcode(i) !== Opcode.Alloca) continue;
      const size = Number(C.LLVMStoreSizeOfType(td, C.LLVMGetAllocatedType(i)));
      const llvmName = String(C.LLVMGetValueName2(i, [0]) ?? "");
      const id = /\.s(\d+)\./.exec(llvmName);
      const slot = id ? m.stackSlots[Number(id[1])] : undefined;
      slots.push({ name: slot?.name ?? llvmName, size, node: slot?.node });
    }
    const total = slots.reduce((a, s) => a + s.size, 0);
    slots.sort((a, b) => b.size - a.size);
    const fnName = String(C.LLVMGetValueName2(fn, [0]) ?? "");
    if (total <= STACK_LIMIT || !fails(total, slots[0]!.size, fnName)) continue;
    const where = slots.find((s) => s.node)?.node;
    const biggest = slots
      .slice(0, 3)
      .map((s) => `'${s.name}' (${s.size} bytes${s.node ? `, line ${s.node.getStartLineNumber()}` : ""})`)
      .join(", ");
    const message =
      `program '${fnName}' needs ${depth?.(fnName) ?? total} bytes of stack, over BPF's ${STACK_LIMIT}-byte limit; biggest locals: ${biggest}. ` +
      KEEP_IN_MAP;
    if (where) out.push(diagnosticAt(where, message));
    else out.push({ file: "", line: 0, column: 0, message });
  }
  return out;
}

/** The BPF backend's error for a frame over 512 bytes (BPFRegisterInfo.cpp, WarnSize). */
const BACKEND_STACK_ERROR = /in function (\S+) .*BPF stack limit of 512 bytes is exceeded/s;

/**
 * The diagnostic for an error the BPF backend reported while generating `object`, if it is the
 * stack limit: at the program's biggest local if its locals add up to more than 512 bytes, else
 * at the program (`m.programNodes`, by function name) as registers spilled; with the bytes its
 * code uses.
 */
export function stackLimitDiagnostic(
  description: string,
  object: Uint8Array | undefined,
  m: ModuleLowerer,
): Diagnostic | undefined {
  const match = BACKEND_STACK_ERROR.exec(description);
  if (!match) return undefined;
  const fnName = match[1]!;
  const depth = object ? stackDepths(object).get(fnName) : undefined;
  const locals = checkStack(
    m,
    (_total, _biggest, name) => name === fnName,
    () => depth,
  );
  if (locals.length) return locals[0];
  const needs = depth ? `; this program needs ${depth}` : "";
  const message =
    `program '${fnName}' needs more stack than BPF allows: the BPF stack is ${STACK_LIMIT} bytes${needs}. ` +
    "Its locals fit, but it keeps more values alive at once than BPF's 10 registers hold, and LLVM " +
    "spills the rest to the stack. Keep fewer values alive across each statement (split long " +
    "expressions and struct literals, call fewer inlined functions in one expression), or keep them in a map value";
  const node = m.programNodes.get(fnName);
  return node ? diagnosticAt(node, message) : { file: "", line: 0, column: 0, message };
}

/**
 * How many bytes of stack each function of a BPF object uses: the deepest offset from r10 (the
 * frame pointer) that its instructions load, store or take the address of. Read from the ELF
 * object's symbol table and code, which the generated code alone tells.
 */
export function stackDepths(object: Uint8Array): Map<string, number> {
  const view = new DataView(object.buffer, object.byteOffset, object.byteLength);
  return new Map(functionsOfObject(object).map((f) => [f.name, frameDepth(view, f.start, f.end)]));
}

/** The functions of a BPF ELF object: name, and where their code starts and ends (bytes of the object). */
export function functionsOfObject(object: Uint8Array): { name: string; start: number; end: number }[] {
  const view = new DataView(object.buffer, object.byteOffset, object.byteLength);
  const u16 = (o: number) => view.getUint16(o, true);
  const u32 = (o: number) => view.getUint32(o, true);
  const u64 = (o: number) => Number(view.getBigUint64(o, true));
  const shoff = u64(0x28);
  const shentsize = u16(0x3a);
  const sections = Array.from({ length: u16(0x3c) }, (_, i) => {
    const h = shoff + i * shentsize;
    return { type: u32(h + 4), offset: u64(h + 24), size: u64(h + 32), link: u32(h + 40) };
  });
  const functions: { name: string; start: number; end: number }[] = [];
  for (const symtab of sections.filter((s) => s.type === 2 /* SHT_SYMTAB */)) {
    const strtab = sections[symtab.link]!;
    for (let o = symtab.offset; o + 24 <= symtab.offset + symtab.size; o += 24) {
      if ((object[o + 4]! & 0xf) !== 2 /* STT_FUNC */) continue;
      const nameAt = strtab.offset + u32(o);
      const name = Buffer.from(object.subarray(nameAt, object.indexOf(0, nameAt))).toString("utf8");
      const code = sections[u16(o + 6)]!;
      const start = code.offset + u64(o + 8);
      functions.push({ name, start, end: start + u64(o + 16) });
    }
  }
  return functions;
}

/** The deepest r10-relative offset in the instructions from `start` to `end` (bytes of the
 *  object), leaving out the one at `skip`. */
export function frameDepth(view: DataView, start: number, end: number, skip?: number): number {
  let depth = 0;
  const fromR10 = new Set<number>(); // registers holding r10 (before an add of an offset)
  for (let o = start; o + 8 <= end; o += 8) {
    if (o === skip) continue;
    const code = view.getUint8(o);
    const dst = view.getUint8(o + 1) & 0xf;
    const src = view.getUint8(o + 1) >> 4;
    const off = view.getInt16(o + 2, true);
    const imm = view.getInt32(o + 4, true);
    const cls = code & 7;
    if (cls === 1 /* LDX */ && src === 10) depth = Math.max(depth, -off);
    if ((cls === 2 /* ST */ || cls === 3) /* STX */ && dst === 10) depth = Math.max(depth, -off);
    if (code === 0xbf /* r = r */) {
      if (src === 10) fromR10.add(dst);
      else fromR10.delete(dst);
      continue;
    }
    if (code === 0x07 /* r += imm */ && fromR10.has(dst)) depth = Math.max(depth, -imm);
    if (cls === 0 || cls === 1 || cls === 4 || cls === 7) fromR10.delete(dst); // any other write of the register
  }
  return depth;
}
