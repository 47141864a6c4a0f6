// tsbpf's compiler: TypeScript program → (ts-morph) → LLVM IR → default<O2> → BPF ELF object.
import fs from "node:fs";
import { parseProgram, refreshProgram, typeErrors, type ParsedProgram } from "./frontend/project.ts";
import { SubsetCheck } from "./frontend/subset.ts";
import { ModuleLowerer } from "./lower/module.ts";
import { oversizedLocals, stackLimitDiagnostic } from "./lower/stack.ts";
import { markFrames, patchFrameMarkers } from "./lower/frame-marker.ts";
import { unlinkPointerOffsets } from "./lower/verifier-links.ts";
import { accessThroughNullArms } from "./lower/verifier-null-arms.ts";
import { fixPacketShapes } from "./lower/verifier-shapes.ts";
import { emitObject, optimize, optimizeAsync, printModule, verifyModule } from "./llvm/target.ts";
import { C, onLlvmDiagnostics, type LlvmDiagnostic, type ModuleRef } from "./llvm/capi.ts";
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
  /** Milliseconds spent in each phase, wall clock (`tsbpf build --timings`). */
  timings: Record<string, number>;
  /** CPU milliseconds (user + system, all threads of the process) in each phase. */
  cpu: Record<string, number>;
}

/** What a build read (Compiler.inputs). */
export interface BuildInputs {
  /** Each file of the program (not TypeScript's lib) → the text the build compiled. */
  texts: Map<string, string>;
  /** Paths module resolution tried and found nothing at. */
  absent: string[];
  /** Files module resolution read (package.json files), as they are on disk. */
  affecting: string[];
}

/** TypeScript's "Cannot find module" errors. */
const UNRESOLVED_IMPORT = new Set([2307, 2792]);

/** Compiles one program: `new Compiler(file, options).build()`. */
export function compile(file: string, options: CompileOptions = {}): CompileResult {
  return new Compiler(file, options).build();
}

/**
 * A build paused where the lowered module is ready for `default<O2>`: LLVM's optimization needs
 * only the module and TypeScript's type check only the program, so the driver runs them one after
 * the other (build) or at the same time (buildAsync). It resumes the build with the type errors.
 */
interface Midpoint {
  module: ModuleRef;
  typeCheck: () => Diagnostic[];
}

/**
 * A compiler for one program that stays warm between builds (`tsbpf build --watch`): TypeScript's
 * program is kept, and each build parses again only the files that changed on disk, so a rebuild
 * costs the type check, the lowering and LLVM, not the parse of TypeScript's lib and tsbpf's
 * declarations (`parsedFiles` says which files a build parsed). LLVM's library, target machine
 * and bound functions are per process anyway; each build gets its own LLVM context (creating one
 * costs microseconds), so a rebuild's object is byte for byte the one a fresh process writes.
 */
export class Compiler {
  private parsed: ParsedProgram | undefined;
  private lastDiagnostics: Diagnostic[] = [];
  /** The TypeScript source files of the last build's program, to tell reused ones from parsed ones. */
  private lastSourceFiles = new WeakSet<object>();
  /**
   * The files (TypeScript's lib, tsbpf's declarations, the program's) that the last build parsed,
   * as opposed to reusing them from the build before: all of them on a first build, only the
   * edited ones on a rebuild (a test checks that a watching compiler keeps its program).
   */
  parsedFiles: string[] = [];

  constructor(
    readonly file: string,
    readonly options: CompileOptions = {},
  ) {}

  /** Builds; TypeScript's type check and LLVM's optimization run one after the other. */
  build(): CompileResult {
    const unchanged = this.unchanged();
    if (unchanged) return unchanged;
    const stages = this.stages();
    try {
      let step = stages.next();
      if (!step.done) {
        const { module, typeCheck } = step.value;
        const diagnostics = typeCheck();
        this.phase("type check");
        optimize(module);
        step = stages.next(diagnostics);
      }
      return this.finish(step.value as CompileResult);
    } finally {
      stages.return(undefined as never); // disposes of the LLVM context if the build did not end
    }
  }

  /**
   * Builds as build() does, with the same result, but runs LLVM's `default<O2>` on a thread of
   * its own while TypeScript type-checks the program (the two largest parts of a build after
   * lowering), so a build takes the longer of the two rather than their sum on a machine with a
   * core to spare. What `tsbpf build` and `build --watch` run.
   */
  async buildAsync(): Promise<CompileResult> {
    const unchanged = this.unchanged();
    if (unchanged) return unchanged;
    const stages = this.stages();
    try {
      let step = stages.next();
      if (!step.done) {
        const { module, typeCheck } = step.value;
        const optimized = optimizeAsync(module);
        let diagnostics: Diagnostic[];
        try {
          diagnostics = typeCheck();
          // The CPU time of this phase includes LLVM's on its thread.
          this.phase("type check ‖ default<O2>");
        } finally {
          // Never dispose of a module LLVM is still working on.
          await optimized.catch(() => undefined);
        }
        await optimized;
        step = stages.next(diagnostics);
      }
      return this.finish(step.value as CompileResult);
    } finally {
      stages.return(undefined as never);
    }
  }

  private timings: Record<string, number> = {};
  private cpu: Record<string, number> = {};
  private wallMark = 0;
  private cpuMark: NodeJS.CpuUsage = { user: 0, system: 0 };

  /** Ends the phase `name` (which began where the last one ended). */
  private phase(name: string): void {
    const now = performance.now();
    const cpu = process.cpuUsage();
    this.timings[name] = (this.timings[name] ?? 0) + now - this.wallMark;
    this.cpu[name] = (this.cpu[name] ?? 0) + (cpu.user - this.cpuMark.user + cpu.system - this.cpuMark.system) / 1000;
    this.wallMark = now;
    this.cpuMark = cpu;
  }

  private finish(result: CompileResult): CompileResult {
    this.lastDiagnostics = result.diagnostics;
    const done = { ...result, timings: this.timings, cpu: this.cpu };
    // TypeScript's program, not ts-morph's list of files, which can lack an imported file that
    // TypeScript read again from disk (see refreshProgram).
    const program = this.parsed!.project.getProgram().compilerObject;
    const files = program.getSourceFiles().filter((f) => !program.isSourceFileDefaultLibrary(f));
    const texts = new Map(files.map((f) => [f.fileName, f.text]));
    this.last = { texts, result: done };
    return done;
  }

  /** The last build's result and the text it had of each file of its program (not the lib's). */
  private last: { texts: Map<string, string>; result: CompileResult } | undefined;

  /**
   * What the last build read besides TypeScript's lib (which comes with the compiler): the text of
   * each file of its program, tsbpf's declarations included; the paths module resolution looked
   * for and did not find (a file created at one can change what an import resolves to); and the
   * files it read to resolve (package.json). A build cache that outlives the process (the
   * installed package's, bin/build-cache.cjs) reuses the object only while all are as they were.
   */
  inputs(): BuildInputs | undefined {
    if (!this.last || !this.parsed) return undefined;
    // Not in TypeScript's public declarations, but in every TypeScript since 5.3.
    const program = this.parsed.project.getProgram().compilerObject as unknown as {
      forEachResolvedModule(
        visit: (r: { failedLookupLocations?: readonly string[]; affectingLocations?: readonly string[] }) => void,
      ): void;
    };
    const absent = new Set<string>();
    const affecting = new Set<string>();
    program.forEachResolvedModule((r) => {
      for (const f of r.failedLookupLocations ?? []) absent.add(f);
      for (const f of r.affectingLocations ?? []) affecting.add(f);
    });
    return { texts: this.last.texts, absent: [...absent].sort(), affecting: [...affecting].sort() };
  }

  /**
   * The last build's result again when no file of its program changed since (a save that changed
   * nothing, or of a file the program does not import: the watcher rebuilds on any .ts file of the
   * directory), as a new build would give it. Not after a build that missed an import, whose file
   * may have appeared since.
   */
  private unchanged(): CompileResult | undefined {
    if (!this.last || this.lastDiagnostics.some((d) => d.tsCode !== undefined && UNRESOLVED_IMPORT.has(d.tsCode)))
      return undefined;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (const [file, text] of this.last.texts) {
      try {
        if (fs.readFileSync(file, "utf8") !== text) return undefined;
      } catch {
        return undefined;
      }
    }
    this.parsedFiles = [];
    const cpu = process.cpuUsage(c0);
    const what = "nothing changed: the last build's result";
    return {
      ...this.last.result,
      timings: { [what]: performance.now() - t0 },
      cpu: { [what]: (cpu.user + cpu.system) / 1000 },
    };
  }

  /** One build, paused once at the Midpoint (see build and buildAsync). */
  private *stages(): Generator<Midpoint, Omit<CompileResult, "timings" | "cpu">, Diagnostic[]> {
    this.timings = {};
    this.cpu = {};
    this.wallMark = performance.now();
    this.cpuMark = process.cpuUsage();
    // A program that imported a file that was not there is parsed afresh, as after a deletion
    // (see refreshProgram): TypeScript's module resolution remembers what it did not find.
    const unresolved = this.lastDiagnostics.some((d) => d.tsCode !== undefined && UNRESOLVED_IMPORT.has(d.tsCode));
    if (!this.parsed || unresolved || !refreshProgram(this.parsed)) this.parsed = parseProgram(this.file);
    const parsed = this.parsed;
    this.noteParsedFiles(parsed);
    this.phase("parse");
    let typeDiagnostics: Diagnostic[] | undefined;
    const typeCheck = () => (typeDiagnostics ??= this.options.skipTypeCheck ? [] : typeErrors(parsed));
    const subset = new SubsetCheck();
    subset.checkModule(parsed.source);
    this.phase("subset check");
    const lowerer = new ModuleLowerer(parsed.source, subset);
    // LLVM's own errors (the BPF backend's stack limit) come here, instead of ending the process.
    const llvmErrors: LlvmDiagnostic[] = [];
    const stopLlvmDiagnostics = onLlvmDiagnostics(lowerer.ctx, (d) => {
      if (d.severity === DiagnosticSeverity.Error) llvmErrors.push(d);
    });
    try {
      lowerer.lowerModule();
      // The subset check's, and those of imported functions it checked while lowering.
      const diagnostics = [...subset.diagnostics, ...lowerer.diagnostics];
      lowerer.di.finalize();
      this.phase("lower to LLVM IR");
      if (diagnostics.length) {
        diagnostics.unshift(...typeCheck());
        this.phase("type check");
        return { diagnostics: sortDiagnostics(diagnostics) };
      }
      const irBefore = this.options.emitLlvm ? printModule(lowerer.module) : undefined;
      verifyModule(lowerer.module);
      // The driver type-checks and runs default<O2>.
      typeDiagnostics = yield { module: lowerer.module, typeCheck };
      if (typeDiagnostics.length) return { diagnostics: sortDiagnostics(typeDiagnostics) };
      accessThroughNullArms(lowerer);
      fixPacketShapes(lowerer);
      unlinkPointerOffsets(lowerer);
      this.phase("optimize (default<O2>)");
      const oversized = oversizedLocals(lowerer);
      if (oversized.length) return { diagnostics: oversized };
      const irAfter = this.options.emitLlvm ? printModule(lowerer.module) : undefined;
      markFrames(lowerer);
      const object = emitObject(lowerer.module);
      patchFrameMarkers(object);
      this.phase("BPF code generation");
      if (llvmErrors.length) return { diagnostics: backendDiagnostics(llvmErrors, object, lowerer, parsed.source) };
      return { object, diagnostics: [], irBefore, irAfter };
    } catch (e) {
      // Statements report their own internal errors at their place; this is the rest (a bug).
      const error = e instanceof CompileError ? e : internalError(parsed.source, e);
      const all = [...typeCheck(), ...subset.diagnostics, ...lowerer.diagnostics];
      if (!(error instanceof AlreadyReported)) all.push(diagnosticAt(error.node, error.message));
      return { diagnostics: sortDiagnostics(all) };
    } finally {
      stopLlvmDiagnostics();
      C.LLVMDisposeModule(lowerer.module);
      C.LLVMContextDispose(lowerer.ctx);
    }
  }

  /** Which of the program's source files are new since the last build (see parsedFiles). */
  private noteParsedFiles(parsed: ParsedProgram): void {
    const files = parsed.project.getProgram().compilerObject.getSourceFiles();
    this.parsedFiles = files.filter((f) => !this.lastSourceFiles.has(f)).map((f) => f.fileName);
    this.lastSourceFiles = new WeakSet(files);
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
      stackLimitDiagnostic(e.description, object, m) ??
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
