// The BPF target: data layout, the `default<O2>` pipeline, and object emission to memory.
import {
  C,
  takeMessage,
  readBytes,
  type CPointer,
  type MemoryBufferRef,
  type ModuleRef,
  type TargetMachineRef,
  type TargetRef,
} from "./capi.ts";
import { CodeGenFileType, CodeGenOptLevel, CodeModel, RelocMode, VerifierFailureAction } from "./enums.ts";

export const TRIPLE = "bpfel";
/** v3 adds 32-bit jumps and ALU ops; every kernel tsbpf targets (≥ 5.x) has it. */
export const CPU = "v3";

let machine: TargetMachineRef | undefined;

/** The BPF target machine, created once per process. */
export function targetMachine(): TargetMachineRef {
  if (machine) return machine;
  C.LLVMInitializeBPFTargetInfo();
  C.LLVMInitializeBPFTarget();
  C.LLVMInitializeBPFTargetMC();
  C.LLVMInitializeBPFAsmPrinter();
  // Inline asm with instructions in it (IRBuilder.unlinked, clampIndex) is parsed when the object is written.
  C.LLVMInitializeBPFAsmParser();
  // SimplifyCFG's sinking merges the same field load from two different packet views into one
  // block, recomputing `data + offset` from a phi: the verifier then sees a pointer whose range
  // was never checked. The BPF backend cannot undo it, so it is turned off (once per process).
  // Loop strength reduction, which llc runs after the compiler's verifier-shape passes, rewrites
  // `(data + k) + (i & 31)` in a loop whose counter starts at 0xfffffff7 as `data + i - c`: a
  // packet pointer plus a 32-bit constant the verifier refuses (fuzzer seed 90016101). Off too.
  // The default instruction scheduler (list-ilp) moves loads ahead within a block, all of an
  // unrolled loop's at once: the unaligned (byte-by-byte) loads of a packed view's be64 fields
  // then spilled 808 bytes of stack (seed 92023010). Source order keeps them where they are
  // used; the LB's code is 41 instructions shorter with it.
  C.LLVMParseCommandLineOptions(
    4,
    ["tsbpf", "-simplifycfg-sink-common=false", "-disable-lsr", "-pre-RA-sched=source"],
    null,
  );
  const target: [TargetRef | null] = [null];
  const error: [CPointer | null] = [null];
  if (C.LLVMGetTargetFromTriple(TRIPLE, target, error))
    throw new Error(`LLVM has no BPF target: ${takeMessage(error[0])}`);
  machine = C.LLVMCreateTargetMachine(
    target[0],
    TRIPLE,
    CPU,
    "",
    CodeGenOptLevel.Default,
    RelocMode.Default,
    CodeModel.Default,
  );
  return machine;
}

/** The data layout string of the BPF target, to set on every module. */
export function dataLayout(): string {
  const td = C.LLVMCreateTargetDataLayout(targetMachine());
  return takeMessage(C.LLVMCopyStringRepOfTargetData(td));
}

/** Runs LLVM's verifier; a failure here is a bug in tsbpf, not in the user's program. */
export function verifyModule(module: ModuleRef): void {
  const message: [CPointer | null] = [null];
  if (C.LLVMVerifyModule(module, VerifierFailureAction.ReturnStatus, message)) {
    throw new Error(`internal compiler error: invalid LLVM IR\n${takeMessage(message[0])}`);
  }
  takeMessage(message[0]);
}

/** Runs a new-pass-manager pipeline such as `default<O2>`. */
export function optimize(module: ModuleRef, pipeline = "default<O2>"): void {
  const options = C.LLVMCreatePassBuilderOptions();
  try {
    const error = C.LLVMRunPasses(module, pipeline, targetMachine(), options);
    if (error) {
      const text = C.LLVMGetErrorMessage(error);
      throw new Error(`LLVM pass pipeline failed: ${takeMessage(text)}`);
    }
  } finally {
    C.LLVMDisposePassBuilderOptions(options);
  }
}

/**
 * optimize() on one of koffi's worker threads: the promise settles when LLVM is done. Nothing may
 * touch the module's LLVM context until then (the caller type-checks meanwhile, which is
 * TypeScript's business only).
 */
export function optimizeAsync(module: ModuleRef, pipeline = "default<O2>"): Promise<void> {
  const machine = targetMachine();
  const options = C.LLVMCreatePassBuilderOptions();
  const runPasses = C.LLVMRunPasses as typeof C.LLVMRunPasses & {
    async: (
      ...args: [...Parameters<typeof C.LLVMRunPasses>, (e: unknown, r: ReturnType<typeof C.LLVMRunPasses>) => void]
    ) => void;
  };
  return new Promise((resolve, reject) => {
    runPasses.async(module, pipeline, machine, options, (failure, error) => {
      C.LLVMDisposePassBuilderOptions(options);
      if (failure) reject(failure);
      else if (error) reject(new Error(`LLVM pass pipeline failed: ${takeMessage(C.LLVMGetErrorMessage(error))}`));
      else resolve();
    });
  });
}

/** Emits the module as a BPF ELF relocatable object. */
export function emitObject(module: ModuleRef): Uint8Array {
  const error: [CPointer | null] = [null];
  const buffer: [MemoryBufferRef | null] = [null];
  if (C.LLVMTargetMachineEmitToMemoryBuffer(targetMachine(), module, CodeGenFileType.ObjectFile, error, buffer)) {
    throw new Error(`BPF code generation failed: ${takeMessage(error[0])}`);
  }
  try {
    return readBytes(C.LLVMGetBufferStart(buffer[0]), Number(C.LLVMGetBufferSize(buffer[0])));
  } finally {
    C.LLVMDisposeMemoryBuffer(buffer[0]);
  }
}

/** The module as LLVM IR text, for `tsbpf build --emit-llvm` and for reading what the compiler made. */
export function printModule(module: ModuleRef): string {
  return takeMessage(C.LLVMPrintModuleToString(module));
}
