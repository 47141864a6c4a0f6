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
  const result = compiler.build();
  if (!result.object) {
    for (const d of result.diagnostics) console.error(formatDiagnostic(d));
    console.error(`\nFound ${result.diagnostics.length} error${result.diagnostics.length === 1 ? "" : "s"}.`);
    process.exitCode = EXIT.COMPILE_ERROR;
    return undefined;
  }
  return result as CompileResult & { object: Uint8Array };
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
