// What the startup snapshot of an installed package holds and runs (bin/snapshot.cjs): `tsbpf build
// <file> [-o <output>]`, with the compiler loaded and TypeScript's lib and the declarations module
// already parsed and bound. Bundled to dist/snapshot.cjs: a snapshot is built from CommonJS only.
import { parseProgram, prepareProject, typeErrors } from "../compiler/frontend/project.ts";
import { SubsetCheck } from "../compiler/frontend/subset.ts";
import { buildToFile, warmCompiler } from "./commands/compile.ts";
import { EXIT } from "./commands/exit-codes.ts";

export { prepareProject };

/**
 * Checks `file` (types and subset) once, so that the snapshot holds TypeScript's checker and the
 * subset check compiled, not only loaded (a snapshot keeps the bytecode of functions that ran).
 */
export function warmUp(file: string): void {
  const parsed = parseProgram(file);
  typeErrors(parsed);
  new SubsetCheck().checkModule(parsed.source);
}

/** `tsbpf build <file> [-o <output>]` as bin/cli.ts runs it; returns the exit code. */
export async function build(file: string, output: string | undefined): Promise<number> {
  try {
    const compiler = await warmCompiler(file);
    if (compiler) await buildToFile(compiler, file, { output });
  } catch (e) {
    console.error(`tsbpf: ${(e as Error).message}`);
    return EXIT.FAILURE;
  }
  return Number(process.exitCode ?? 0);
}
