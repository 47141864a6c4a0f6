// tsbpf's compiler: TypeScript program → (ts-morph) → LLVM IR → default<O2> → BPF ELF object.
import { parseProgram, typeErrors } from "./frontend/project.ts";
import { ModuleLowerer } from "./lower/module.ts";
import { checkStack } from "./lower/stack.ts";
import { emitObject, optimize, printModule, verifyModule } from "./llvm/target.ts";
import { C } from "./llvm/capi.ts";
import type { Diagnostic } from "./diagnostics.ts";

export { formatDiagnostic, CompileFailed, type Diagnostic } from "./diagnostics.ts";

export interface CompileOptions {
  /** Also return the LLVM IR before and after optimization. */
  emitLlvm?: boolean;
  /** Skip TypeScript's type check (the subset checks still run). */
  skipTypeCheck?: boolean;
}

export interface CompileResult {
  /** The BPF ELF object; absent when there are diagnostics. */
  object?: Uint8Array;
  diagnostics: Diagnostic[];
  irBefore?: string;
  irAfter?: string;
}

export function compile(file: string, options: CompileOptions = {}): CompileResult {
  const parsed = parseProgram(file);
  const diagnostics: Diagnostic[] = options.skipTypeCheck ? [] : typeErrors(parsed);
  const lowerer = new ModuleLowerer(parsed.source);
  try {
    lowerer.lowerModule();
    diagnostics.push(...lowerer.diagnostics);
    lowerer.di.finalize();
    if (diagnostics.length) return { diagnostics: sortDiagnostics(diagnostics) };
    const irBefore = options.emitLlvm ? printModule(lowerer.module) : undefined;
    verifyModule(lowerer.module);
    optimize(lowerer.module);
    const stack = checkStack(lowerer);
    if (stack.length) return { diagnostics: stack };
    const irAfter = options.emitLlvm ? printModule(lowerer.module) : undefined;
    return { object: emitObject(lowerer.module), diagnostics, irBefore, irAfter };
  } finally {
    C.LLVMDisposeModule(lowerer.module);
    C.LLVMContextDispose(lowerer.ctx);
  }
}

function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds
    .filter((d) => { const k = `${d.file}:${d.line}:${d.column}:${d.message}`; if (seen.has(k)) return false; seen.add(k); return true; })
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}
