// Compiling from the CLI (build, check): the compiler is imported on use, since TypeScript and
// LLVM are not needed by the runtime commands; diagnostics are printed as tsc prints them.
import fs from "node:fs";
import type { CompileOptions, CompileResult, Compiler } from "../../compiler/index.ts";
import { EXIT } from "./common.ts";

/** The compiled object, or undefined after printing why not (and setting the exit code). */
export async function compileOrReport(
  file: string,
  options: CompileOptions = {},
): Promise<(CompileResult & { object: Uint8Array }) | undefined> {
  return buildOrReport(await warmCompiler(file, options));
}

/** A compiler that stays warm between builds (`build --watch`); undefined if `file` is missing. */
export async function warmCompiler(file: string, options: CompileOptions = {}): Promise<Compiler | undefined> {
  if (!fs.existsSync(file)) {
    console.error(`tsbpf: ${file}: no such file`);
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
  const result = compiler.build();
  if (!result.object) {
    for (const d of result.diagnostics) console.error(formatDiagnostic(d));
    console.error(`\nFound ${result.diagnostics.length} error${result.diagnostics.length === 1 ? "" : "s"}.`);
    process.exitCode = EXIT.COMPILE_ERROR;
    return undefined;
  }
  return result as CompileResult & { object: Uint8Array };
}
