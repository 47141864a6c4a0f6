// tsbpf's compiler: TypeScript program → (ts-morph) → LLVM IR → default<O2> → BPF ELF object.
import { parseProgram, refreshProgram, typeErrors, type ParsedProgram } from "./frontend/project.ts";
import { SubsetCheck } from "./frontend/subset.ts";
import { ModuleLowerer } from "./lower/module.ts";
import { checkStack, spillDiagnostic } from "./lower/stack.ts";
import { fixPacketShapes } from "./lower/verifier-shapes.ts";
import { emitObject, optimize, printModule, verifyModule } from "./llvm/target.ts";
import { C, onLlvmDiagnostics, type LlvmDiagnostic } from "./llvm/capi.ts";
import { DiagnosticSeverity } from "./llvm/enums.ts";
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

/** TypeScript's "Cannot find module" errors. */
const UNRESOLVED_IMPORT = new Set([2307, 2792]);

/** Compiles one program: `new Compiler(file, options).build()`. */
export function compile(file: string, options: CompileOptions = {}): CompileResult {
  return new Compiler(file, options).build();
}

/**
 * A compiler for one program that stays warm between builds (`tsbpf build --watch`): TypeScript's
 * program is kept, and each build parses again only the files that changed on disk, so a rebuild
 * costs the type check, the lowering and LLVM, not the parse of TypeScript's lib and tsbpf's
 * declarations. LLVM's library, target machine and bound functions are per process anyway; each
 * build gets its own LLVM context (creating one costs microseconds), so a rebuild's object is
 * byte for byte the one a fresh process writes.
 */
export class Compiler {
  private parsed: ParsedProgram | undefined;
  private lastDiagnostics: Diagnostic[] = [];

  constructor(
    readonly file: string,
    readonly options: CompileOptions = {},
  ) {}

  build(): CompileResult {
    const result = this.buildOnce();
    this.lastDiagnostics = result.diagnostics;
    return result;
  }

  private buildOnce(): CompileResult {
    const timings: Record<string, number> = {};
    let last = performance.now();
    const phase = (name: string) => {
      const now = performance.now();
      timings[name] = now - last;
      last = now;
    };
    // A program that imported a file that was not there is parsed afresh, as after a deletion
    // (see refreshProgram): TypeScript's module resolution remembers what it did not find.
    const unresolved = this.lastDiagnostics.some((d) => d.tsCode !== undefined && UNRESOLVED_IMPORT.has(d.tsCode));
    if (!this.parsed || unresolved || !refreshProgram(this.parsed)) this.parsed = parseProgram(this.file);
    const parsed = this.parsed;
    phase("parse");
    const diagnostics: Diagnostic[] = this.options.skipTypeCheck ? [] : typeErrors(parsed);
    phase("type check");
    const subset = new SubsetCheck();
    subset.checkModule(parsed.source);
    phase("subset check");
    const lowerer = new ModuleLowerer(parsed.source, subset);
    // LLVM's own errors (the BPF backend's stack limit) come here, instead of ending the process.
    const llvmErrors: LlvmDiagnostic[] = [];
    const stopLlvmDiagnostics = onLlvmDiagnostics(lowerer.ctx, (d) => {
      if (d.severity === DiagnosticSeverity.Error) llvmErrors.push(d);
    });
    try {
      lowerer.lowerModule();
      // The subset check's, and those of imported functions it checked while lowering.
      diagnostics.push(...subset.diagnostics, ...lowerer.diagnostics);
      lowerer.di.finalize();
      phase("lower to LLVM IR");
      if (diagnostics.length) return { diagnostics: sortDiagnostics(diagnostics), timings };
      const irBefore = this.options.emitLlvm ? printModule(lowerer.module) : undefined;
      verifyModule(lowerer.module);
      optimize(lowerer.module);
      fixPacketShapes(lowerer);
      phase("optimize (default<O2>)");
      const stack = checkStack(lowerer);
      if (stack.length) return { diagnostics: stack, timings };
      const irAfter = this.options.emitLlvm ? printModule(lowerer.module) : undefined;
      const object = emitObject(lowerer.module);
      phase("BPF code generation");
      if (llvmErrors.length)
        return { diagnostics: backendDiagnostics(llvmErrors, object, lowerer, parsed.source), timings };
      return { object, diagnostics, irBefore, irAfter, timings };
    } catch (e) {
      // Statements report their own internal errors at their place; this is the rest (a bug).
      const error = e instanceof CompileError ? e : internalError(parsed.source, e);
      const all = [...diagnostics, ...subset.diagnostics, ...lowerer.diagnostics];
      if (!(error instanceof AlreadyReported)) all.push(diagnosticAt(error.node, error.message));
      return { diagnostics: sortDiagnostics(all), timings };
    } finally {
      stopLlvmDiagnostics();
      C.LLVMDisposeModule(lowerer.module);
      C.LLVMContextDispose(lowerer.ctx);
    }
  }
}

/** Errors LLVM reported while generating code: the stack limit at its program, anything else as LLVM said it. */
function backendDiagnostics(
  errors: LlvmDiagnostic[],
  object: Uint8Array,
  m: ModuleLowerer,
  source: ParsedProgram["source"],
): Diagnostic[] {
  const out = errors.map(
    (e) =>
      spillDiagnostic(e.description, object, m.programNodes) ??
      diagnosticAt(source, `LLVM's BPF backend failed: ${e.description}`),
  );
  return sortDiagnostics(out);
}

/** Each diagnostic once, in source order. Where TypeScript reported an error, tsbpf's own at the
 *  same place is an echo of it (`u32` not imported: TypeScript says "Cannot find name", which
 *  is the cause; "not a BPF type" would only repeat it) and is left out. */
function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const typeScriptAt = new Set(ds.filter((d) => d.tsCode !== undefined).map((d) => `${d.file}:${d.line}:${d.column}`));
  return ds
    .filter((d) => {
      const at = `${d.file}:${d.line}:${d.column}`;
      if (d.tsCode === undefined && typeScriptAt.has(at)) return false;
      const k = `${at}:${d.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}
