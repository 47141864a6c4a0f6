// tsbpf's compiler: TypeScript program → (ts-morph) → LLVM IR → default<O2> → BPF ELF object.
import { parseProgram, typeErrors } from "./frontend/project.ts";
import { SubsetCheck } from "./frontend/subset.ts";
import { ModuleLowerer } from "./lower/module.ts";
import { checkStack } from "./lower/stack.ts";
import { fixPacketShapes } from "./lower/verifier-shapes.ts";
import { emitObject, optimize, printModule, verifyModule } from "./llvm/target.ts";
import { C } from "./llvm/capi.ts";
import { AlreadyReported, CompileError, diagnosticAt, internalError, type Diagnostic } from "./diagnostics.ts";

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
  /** Milliseconds spent in each phase (`tsbpf build --timings`). */
  timings: Record<string, number>;
}

export function compile(file: string, options: CompileOptions = {}): CompileResult {
  const timings: Record<string, number> = {};
  let last = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    timings[name] = now - last;
    last = now;
  };
  const parsed = parseProgram(file);
  phase("parse");
  const diagnostics: Diagnostic[] = options.skipTypeCheck ? [] : typeErrors(parsed);
  phase("type check");
  const subset = new SubsetCheck();
  subset.checkModule(parsed.source);
  phase("subset check");
  const lowerer = new ModuleLowerer(parsed.source, subset);
  try {
    lowerer.lowerModule();
    // The subset check's, and those of imported functions it checked while lowering.
    diagnostics.push(...subset.diagnostics, ...lowerer.diagnostics);
    lowerer.di.finalize();
    phase("lower to LLVM IR");
    if (diagnostics.length) return { diagnostics: sortDiagnostics(diagnostics), timings };
    const irBefore = options.emitLlvm ? printModule(lowerer.module) : undefined;
    verifyModule(lowerer.module);
    optimize(lowerer.module);
    fixPacketShapes(lowerer);
    phase("optimize (default<O2>)");
    const stack = checkStack(lowerer);
    if (stack.length) return { diagnostics: stack, timings };
    const irAfter = options.emitLlvm ? printModule(lowerer.module) : undefined;
    const object = emitObject(lowerer.module);
    phase("BPF code generation");
    return { object, diagnostics, irBefore, irAfter, timings };
  } catch (e) {
    // Statements report their own internal errors at their place; this is the rest (a bug).
    const error = e instanceof CompileError ? e : internalError(parsed.source, e);
    const all = [...diagnostics, ...subset.diagnostics, ...lowerer.diagnostics];
    if (!(error instanceof AlreadyReported)) all.push(diagnosticAt(error.node, error.message));
    return { diagnostics: sortDiagnostics(all), timings };
  } finally {
    C.LLVMDisposeModule(lowerer.module);
    C.LLVMContextDispose(lowerer.ctx);
  }
}

function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds
    .filter((d) => {
      const k = `${d.file}:${d.line}:${d.column}:${d.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}
