/** The kernel verifier rejected a program; carries the full log and where in the source it stopped. */
import { explainRejection, type Explanation } from "../explain/index.ts";
import { SyscallError } from "../sys/index.ts";
import type { LineInfo } from "./assemble.ts";
import { formatSourceLocation, stoppedAt, verifierReason, type SourceLocation } from "./source-map.ts";

/** The verifier's complexity limit: it stopped after processing this many instructions. */
export const TOO_LARGE = /BPF program is too large\. Processed (\d+) insn/;
/** Too many nested BPF-to-BPF calls: also E2BIG, also the verifier's judgement. */
export const TOO_DEEP = /the call stack of \d+ frames is too deep/;

/** The verifier found its own state inconsistent (EFAULT): a bug of the kernel, not of the program. */
export const VERIFIER_BUG = /^verifier bug: .*|^BUG .*/m;

/** The reason for an EFAULT from the verifier's own bug, with its words. */
function kernelBugReason(log: string): string | undefined {
  const m = VERIFIER_BUG.exec(log);
  if (!m) return undefined;
  return (
    `the kernel's verifier stopped on a bug of its own ("${m[0].trim()}"), not on a fault in the program; ` +
    "another kernel version may load it, and changing the code around the place below may avoid the bug"
  );
}

/**
 * The reason for a complexity rejection, in words that say what happened and what to do: the
 * verifier walks every path (each loop iteration, each branch inside it) until its budget of
 * processed instructions is spent.
 */
function complexityReason(log: string): string | undefined {
  const m = TOO_LARGE.exec(log);
  if (!m) return undefined;
  return (
    `the verifier stopped after ${m[1]} instructions (its complexity limit): it checks every path separately, ` +
    "each loop iteration and each branch inside it; use fewer or shorter nested loops, fewer branches inside loop bodies, " +
    "or move loop bodies into separate programs (tail calls)"
  );
}

export class VerifierError extends SyscallError {
  readonly program: string;
  readonly log: string;
  /** The verifier's own words (last lines of the log, statistics removed). */
  readonly reason: string;
  /** Source location of the instruction the verifier rejected, when line info allows. */
  readonly source?: SourceLocation;
  /** The rejection in plain words (value, bound, fix) when the catalog knows its message. */
  readonly explanation?: Explanation;

  constructor(program: string, errno: number, log: string, lineInfo: readonly LineInfo[]) {
    const reason = complexityReason(log) ?? kernelBugReason(log) ?? verifierReason(log);
    const source = stoppedAt(log, lineInfo);
    const detail = [`verifier said: ${reason || "(empty log)"}`];
    if (source) detail.push(`at ${formatSourceLocation(source)}`);
    super(`BPF_PROG_LOAD (program "${program}")`, errno, detail.join("\n  "));
    this.program = program;
    this.log = log;
    this.reason = reason;
    this.source = source;
    this.explanation = explainRejection(log);
  }
}
