// `tsbpf` command line: composes the compiler (build) and the runtime (load, run, attach…).
import { Command, CommanderError } from "commander";
import { EXIT, exitCodesHelp, usageErrorsToMain } from "./commands/common.ts";
import { mapCommand } from "./commands/map.ts";
import { perfCommand, ringbufCommand } from "./commands/events.ts";
import { progCommands } from "./commands/prog.ts";
import { xdpCommands } from "./commands/xdp.ts";
import { lbCommand } from "./commands/lb.ts";
import { checkCommand } from "./commands/check.ts";
import { buildToFile, warmCompiler } from "./commands/compile.ts";
import { initCommand } from "./commands/init.ts";
import { watch } from "./commands/watch.ts";
import { decodeCommand } from "./commands/decode.ts";
import { traceCommand } from "./commands/trace.ts";
import { disasmCommand } from "./commands/disasm.ts";
import { benchCommand } from "./commands/bench.ts";
import { lessonCommand } from "./commands/lesson.ts";

/** Exit codes scripts can rely on (defined with the commands that return them). */
export { EXIT };

export function buildCommand(): Command {
  return new Command("build")
    .description("compile a TypeScript XDP program to a BPF ELF object")
    .argument("<file>", "program source (.ts)")
    .option("-o, --output <file>", "object file to write (default: bpf-out/<name>.o)")
    .option("--emit-llvm", "also write the optimized LLVM IR next to the object (.ll)")
    .option("--timings", "print the time each compiler phase took")
    .option("-w, --watch", "rebuild on every change to a .ts file in the program's directory")
    .action(async (file: string, opts: { output?: string; emitLlvm?: boolean; timings?: boolean; watch?: boolean }) => {
      // One compiler for every build of a watch: TypeScript's program stays parsed between saves.
      const compiler = await warmCompiler(file, { emitLlvm: opts.emitLlvm });
      if (!compiler) return;
      const build = () => buildToFile(compiler, file, opts);
      if (opts.watch) await watch(file, build);
      else await build();
    });
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command("tsbpf")
    .description("compile TypeScript to eBPF/XDP and load it into the kernel")
    .exitOverride()
    .showHelpAfterError();
  for (const command of [
    buildCommand(),
    checkCommand(),
    initCommand(),
    ...progCommands(),
    ...xdpCommands(),
    mapCommand(),
    ringbufCommand(),
    perfCommand(),
    decodeCommand(),
    disasmCommand(),
    traceCommand(),
    benchCommand(),
    lessonCommand(),
  ])
    program.addCommand(usageErrorsToMain(command));
  program.addCommand(usageErrorsToMain(lbCommand()));
  program.addHelpText("after", exitCodesHelp());
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT.USAGE;
    console.error(`tsbpf: ${(e as Error).message}`);
    return EXIT.FAILURE;
  }
  return Number(process.exitCode ?? 0);
}
