// tsbpf disasm: what a program became — BPF instructions under the TypeScript lines they come from,
// the optimized LLVM IR per line, or the kernel's translated code of a loaded program.
import fs from "node:fs";
import { Command } from "commander";
import {
  annotateIr,
  disassemble,
  formatListing,
  type Listing,
  listingStats,
  programCodeOf,
  xlatedCode,
} from "../../runtime/disasm/index.ts";

import { parseObject } from "../../runtime/object/parse.ts";
import { action, CliError, EXIT, toJson } from "./common.ts";
import { compileOrReport } from "./compile.ts";

function sourceLines(): (file: string, line: number) => string | undefined {
  const cache = new Map<string, string[] | undefined>();
  return (file, line) => {
    if (!cache.has(file)) {
      try {
        cache.set(file, fs.readFileSync(file, "utf8").split("\n"));
      } catch {
        cache.set(file, undefined);
      }
    }
    return cache.get(file)?.[line - 1];
  };
}

function print(listings: Listing[], opts: { json?: boolean; raw?: boolean }): void {
  if (opts.json) return void console.log(toJson(listings, 2));
  const blocks = listings.map((l) => {
    const s = listingStats(l);
    const footer = [
      `; ${l.instructions} instructions`,
      s.helpers.length ? `helpers: ${s.helpers.join(", ")}` : "",
      s.maps.length ? `maps: ${s.maps.join(", ")}` : "",
      s.calls ? `${s.calls} BPF-to-BPF calls` : "",
    ]
      .filter(Boolean)
      .join("; ");
    return `${formatListing(l, { raw: opts.raw, base: process.cwd() })}\n${footer}`;
  });
  console.log(blocks.join("\n\n"));
}

export function disasmCommand(): Command {
  return new Command("disasm")
    .description(
      "BPF instructions interleaved with the source lines they come from; or the LLVM IR; or a loaded program's translated code",
    )
    .argument("[input]", "BPF ELF object (.o) or TypeScript program (.ts, compiled first)")
    .option("--prog <name>", "only this program of the object")
    .option("--ir", "the optimized LLVM IR, each source line's instructions under it (needs a .ts input)")
    .option("--xlated <id|pin>", "the kernel's translated code of a loaded program (id, or path of a pinned program)")
    .option("--raw", "also print each instruction's bytes")
    .option("-j, --json", "machine-readable output (listing lines with instruction index, text, bytes, source)")
    .addHelpText(
      "after",
      "\nExamples:\n  tsbpf disasm examples/count.ts\n  tsbpf disasm bpf-out/lb.o --prog lb\n  tsbpf disasm examples/count.ts --ir\n  tsbpf disasm --xlated 42\n  tsbpf disasm --xlated /sys/fs/bpf/count/count\n\nJump targets are labelled L1, L2, … in program order; helper calls and map loads print by name.\nExit codes: 0 ok, 2 usage, 3 compile error, 5 no privilege (--xlated), 6 no such program, 7 malformed object.",
    )
    .action(
      action(
        async (
          input: string | undefined,
          opts: { prog?: string; ir?: boolean; xlated?: string; raw?: boolean; json?: boolean },
        ) => {
          if (opts.xlated !== undefined) {
            if (input !== undefined || opts.ir)
              throw new CliError("--xlated reads a loaded program: give no input file and no --ir");
            print([disassemble(xlatedCode(opts.xlated))], opts);
            return;
          }
          if (input === undefined) throw new CliError("give an object (.o) or a program (.ts), or --xlated ID|PIN");
          if (!fs.existsSync(input)) throw new CliError(`${input}: no such file`);
          const isSource = /\.[cm]?ts$/.test(input);
          if (opts.ir && !isSource)
            throw new CliError("--ir needs the TypeScript program (.ts): an object keeps no IR");
          let object: Uint8Array;
          if (isSource) {
            const result = await compileOrReport(input, { emitLlvm: opts.ir });
            if (!result) return;
            if (opts.ir) {
              console.log(annotateIr(result.irAfter ?? "", sourceLines(), process.cwd()));
              return;
            }
            object = result.object;
          } else object = fs.readFileSync(input);
          const spec = parseObject(object);
          const programs = spec.programs.filter((p) => opts.prog === undefined || p.name === opts.prog);
          if (programs.length === 0)
            throw new CliError(
              opts.prog
                ? `no program "${opts.prog}" in ${input} (it has: ${spec.programs.map((p) => p.name).join(", ") || "none"})`
                : `${input} has no programs`,
              EXIT.NOT_FOUND,
            );
          print(
            programs.map((p) => disassemble(programCodeOf(p, spec.btf))),
            opts,
          );
        },
      ),
    );
}
