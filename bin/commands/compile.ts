// Compiling from the CLI (build, check): the compiler is imported on use, since TypeScript and
// LLVM are not needed by the runtime commands; diagnostics are printed as tsc prints them.
import fs from "node:fs";
import type { CompileOptions, CompileResult } from "../../compiler/index.ts";
import { EXIT } from "./common.ts";

/** The compiled object, or undefined after printing why not (and setting the exit code). */
export async function compileOrReport(
  file: string,
  options: CompileOptions = {},
): Promise<(CompileResult & { object: Uint8Array }) | undefined> {
  if (!fs.existsSync(file)) {
    console.error(`tsbpf: ${file}: no such file`);
    process.exitCode = EXIT.USAGE;
    return undefined;
  }
  const { compile, formatDiagnostic } = await import("../../compiler/index.ts");
  const result = compile(file, options);
  if (!result.object) {
    for (const d of result.diagnostics) console.error(formatDiagnostic(d));
    console.error(`\nFound ${result.diagnostics.length} error${result.diagnostics.length === 1 ? "" : "s"}.`);
    process.exitCode = EXIT.COMPILE_ERROR;
    return undefined;
  }
  return result as CompileResult & { object: Uint8Array };
}
