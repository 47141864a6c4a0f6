// `tsbpf` command line: composes the compiler (build) and the runtime (load, run, attach…).
import fs from "node:fs";
import path from "node:path";
import { Command, CommanderError } from "commander";
import { EXIT, exitCodesHelp, usageErrorsToMain } from "./commands/common.ts";
import { mapCommand } from "./commands/map.ts";
import { ringbufCommand } from "./commands/ringbuf.ts";
import { progCommands } from "./commands/prog.ts";
import { xdpCommands } from "./commands/xdp.ts";
import { lbCommand } from "./commands/lb.ts";
import { checkCommand } from "./commands/check.ts";
import { buildOrReport, warmCompiler } from "./commands/compile.ts";
import { initCommand } from "./commands/init.ts";
import { watch } from "./commands/watch.ts";
import { decodeCommand } from "./commands/decode.ts";
import { traceCommand } from "./commands/trace.ts";
import { disasmCommand } from "./commands/disasm.ts";
import { benchCommand } from "./commands/bench.ts";
import { lessonCommand } from "./commands/lesson.ts";

/** Exit codes scripts can rely on (defined with the commands that return them). */
export { EXIT };

function defaultOutput(input: string): string {
  return path.join("bpf-out", path.basename(input).replace(/\.[cm]?tsx?$/, "") + ".o");
}

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
      const build = async () => {
        const started = performance.now();
        const result = await buildOrReport(compiler);
        if (!result) return;
        if (opts.timings) {
          const width = Math.max(...Object.keys(result.timings).map((k) => k.length));
          for (const [name, ms] of Object.entries(result.timings))
            console.log(`${name.padEnd(width)}  ${ms.toFixed(0).padStart(5)} ms`);
          console.log(
            `${"since start of the process".padEnd(width)}  ${performance.now().toFixed(0).padStart(5)} ms (compile ${(performance.now() - started).toFixed(0)} ms)`,
          );
        }
        const out = opts.output ?? defaultOutput(file);
        fs.mkdirSync(path.dirname(out), { recursive: true });
        writeWhole(out, result.object);
        if (opts.emitLlvm && result.irAfter) writeWhole(out.replace(/\.o$/, "") + ".ll", result.irAfter);
        const took = opts.watch ? ` in ${(performance.now() - started).toFixed(0)} ms` : "";
        console.log(`wrote ${out} (${result.object.length} bytes)${took}`);
      };
      if (opts.watch) await watch(file, build);
      else await build();
    });
}

/** Written aside and renamed: a loader (or a watching test) never reads half an object. */
function writeWhole(file: string, data: Uint8Array | string): void {
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, data);
  fs.renameSync(partial, file);
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
