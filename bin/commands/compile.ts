// Compiling from the CLI (build, check): the compiler is imported on use, since TypeScript and
// LLVM are not needed by the runtime commands; diagnostics are printed as tsc prints them.
import fs from "node:fs";
import type { CompileOptions, CompileResult, Compiler } from "../../compiler/index.ts";
import { BuildCache } from "../build-cache.ts";
import { EXIT } from "./exit-codes.ts";
import { defaultOutput, writeWhole } from "./output.ts";

/** The compiled object, or undefined after printing why not (and setting the exit code). */
export async function compileOrReport(
  file: string,
  options: CompileOptions = {},
): Promise<(CompileResult & { object: Uint8Array }) | undefined> {
  return buildOrReport(await warmCompiler(file, options));
}

/** A compiler that stays warm between builds (`build --watch`); undefined if `file` is no program. */
export async function warmCompiler(file: string, options: CompileOptions = {}): Promise<Compiler | undefined> {
  const problem = notAProgram(file);
  if (problem) {
    console.error(`tsbpf: ${file}: ${problem}`);
    process.exitCode = EXIT.USAGE;
    return undefined;
  }
  const { Compiler } = await import("../../compiler/index.ts");
  return new Compiler(file, options);
}

/** Builds with `compiler`; the object, or undefined after printing the diagnostics. */
export async function buildOrReport(
  compiler: Compiler | undefined,
): Promise<(CompileResult & { object: Uint8Array }) | undefined> {
  if (!compiler) return undefined;
  if (!fs.existsSync(compiler.file)) {
    console.error(`tsbpf: ${compiler.file}: no such file`);
    process.exitCode = EXIT.USAGE;
    return undefined;
  }
  const { formatDiagnostic } = await import("../../compiler/index.ts");
  const result = await compiler.buildAsync();
  if (!result.object) {
    for (const d of result.diagnostics) console.error(formatDiagnostic(d));
    console.error(`\nFound ${result.diagnostics.length} error${result.diagnostics.length === 1 ? "" : "s"}.`);
    process.exitCode = EXIT.COMPILE_ERROR;
    return undefined;
  }
  return result as CompileResult & { object: Uint8Array };
}

export interface BuildOptions {
  output?: string;
  emitLlvm?: boolean;
  timings?: boolean;
  watch?: boolean;
}

/**
 * `tsbpf build`: builds with `compiler` and writes the object (and the IR with --emit-llvm), or
 * prints the diagnostics. Also what an installed package's startup snapshot runs (bin/snapshot.cjs).
 */
export async function buildToFile(compiler: Compiler, file: string, opts: BuildOptions): Promise<void> {
  const started = performance.now();
  const result = await buildOrReport(compiler);
  if (!result) return;
  if (opts.timings) {
    const width = Math.max(...Object.keys(result.timings).map((k) => k.length));
    for (const [name, ms] of Object.entries(result.timings))
      console.log(
        `${name.padEnd(width)}  ${ms.toFixed(0).padStart(5)} ms (CPU ${(result.cpu[name] ?? 0).toFixed(0).padStart(5)} ms)`,
      );
    console.log(
      `${"since start of the process".padEnd(width)}  ${performance.now().toFixed(0).padStart(5)} ms (compile ${(performance.now() - started).toFixed(0)} ms)`,
    );
  }
  const out = opts.output ?? defaultOutput(file);
  writeWhole(out, result.object);
  // The next fresh build of an unchanged program writes this object again (an installed package's).
  const inputs = opts.watch || opts.emitLlvm ? undefined : compiler.inputs();
  if (inputs) BuildCache.installed()?.record(file, inputs, result.object);
  if (opts.emitLlvm && result.irAfter) writeWhole(out.replace(/\.o$/, "") + ".ll", result.irAfter);
  const took = opts.watch ? ` in ${(performance.now() - started).toFixed(0)} ms` : "";
  console.log(`wrote ${out} (${result.object.length} bytes)${took}`);
}

/** Why `file` cannot be a TypeScript program (missing, a directory, an object, another kind of file). */
function notAProgram(file: string): string | undefined {
  if (!fs.existsSync(file)) return "no such file";
  if (fs.statSync(file).isDirectory()) return "is a directory, expected a TypeScript program (.ts)";
  const head = Buffer.alloc(4);
  const fd = fs.openSync(file, "r");
  try {
    fs.readSync(fd, head, 0, 4, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])))
    return "is an ELF object, not a TypeScript program (`tsbpf load` runs the verifier on an object)";
  if (!/\.[mc]?ts$/.test(file)) return "not a TypeScript program: expected a .ts file";
  return undefined;
}
