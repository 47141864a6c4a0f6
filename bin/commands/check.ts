// `tsbpf check <file.ts>`: compile, then load every program to run the kernel verifier. On
// rejection: the verifier's message at the TypeScript line it points at, with a caret, with
// --explain the rejection in plain words (which value, which bound, the TypeScript fix: the
// runtime's catalog, runtime/explain), and the tail of the verifier log. Exit codes: 3 compile
// errors, 4 verifier rejection.
import fs from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { loadObjectSync } from "../../runtime/object/index.ts";
import { formatExplanation } from "../../runtime/explain/index.ts";
import { VerifierError } from "../../runtime/program/verifier-error.ts";
import { compileOrReport } from "./compile.ts";

const EXIT_VERIFIER_REJECTED = 4;
const LOG_TAIL = 20;

export function checkCommand(): Command {
  return new Command("check")
    .description("compile a TypeScript XDP program and run the kernel verifier on it (needs root or CAP_BPF)")
    .argument("<file>", "program source (.ts)")
    .option("--log-tail <lines>", "lines of the verifier log to show on rejection (0: none)", parseLineCount, LOG_TAIL)
    .option("--explain", "explain a rejection: which value, which bound the verifier lost, what to change")
    .action(async (file: string, opts: { logTail: number; explain?: boolean }) => {
      const result = await compileOrReport(file);
      if (!result) return;
      try {
        const obj = loadObjectSync(result.object, { logLevel: 0 });
        const programs = [...obj.programs.values()].map((p) => `${p.name} (${p.insnCount} insns)`);
        obj.close();
        console.log(
          `${file}: the verifier accepted ${programs.length} program${programs.length === 1 ? "" : "s"}: ${programs.join(", ")}`,
        );
      } catch (e) {
        if (!(e instanceof VerifierError)) throw e;
        console.error(formatRejection(file, e, opts.logTail, opts.explain));
        process.exitCode = EXIT_VERIFIER_REJECTED;
      }
    });
}

/** `--log-tail`: a whole number of lines; 0 leaves the log out (it used to fall back to 20). */
function parseLineCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("expected a whole number of lines (0 for none)");
  return Number(value);
}

/**
 * The failing instruction may carry no line (LLVM merges the returns of several lines into one
 * block): fall back to the last source line the verifier's log printed (`; text @ file.ts:N`).
 */
function lastLoggedLine(log: string, file: string): { line: number; col: number; text: string } | undefined {
  const lines = log.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^; (.*) @ (\S+):(\d+)$/.exec(lines[i]!);
    if (!m || Number(m[3]) === 0 || path.basename(file) !== m[2]) continue;
    const text = fs.readFileSync(file, "utf8").split("\n")[Number(m[3]) - 1] ?? m[1]!;
    return { line: Number(m[3]), col: text.search(/\S/) + 1, text };
  }
  return undefined;
}

/** `file:line:col - error: …`, the source line with a caret under the column, and the log's tail. */
export function formatRejection(file: string, e: VerifierError, tail = LOG_TAIL, explain = false): string {
  const out: string[] = [];
  const reason =
    e.reason
      .split("\n")
      .filter((l) => l.trim())
      .at(-1) ?? "(no reason in the log)";
  const where = e.source && e.source.line > 0 ? e.source : lastLoggedLine(e.log, file);
  const rel = path.relative(process.cwd(), file) || file;
  if (where && where.line > 0) {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const text = lines[where.line - 1] ?? where.text;
    const col = where.col || text.search(/\S/) + 1; // no column: the statement's first character
    out.push(`${rel}:${where.line}:${col} - error: the verifier rejected program '${e.program}': ${reason}`);
    const gutter = String(where.line);
    out.push("", `${gutter} | ${text}`, `${" ".repeat(gutter.length)} | ${" ".repeat(Math.max(0, col - 1))}^`);
  } else {
    out.push(`${rel} - error: the verifier rejected program '${e.program}': ${reason}`);
  }
  if (e.explanation && explain) out.push("", formatExplanation(e.explanation));
  else if (e.explanation)
    out.push("", `(${e.explanation.title}: \`tsbpf check --explain\` says why and what to change)`);
  if (tail === 0) return out.join("\n");
  const log = e.log.trimEnd().split("\n");
  out.push(
    "",
    `verifier log (last ${Math.min(tail, log.length)} of ${log.length} lines):`,
    ...log.slice(-tail).map((l) => `  ${l}`),
  );
  return out.join("\n");
}
