/** The kernel verifier rejected a program; carries the full log and where in the source it stopped. */
import { explainRejection, type Explanation } from "../explain/index.ts";
import { ENOTSUPP, SyscallError } from "../sys/index.ts";
import type { LineInfo } from "./assemble.ts";
import { formatSourceLocation, INSN_LINE, stoppedAt, verifierReason, type SourceLocation } from "./source-map.ts";

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
 * Whether the verifier accepted the program: its log has the closing statistics and no message
 * after its last instruction. A load that still fails with ENOTSUPP failed after the verifier: on
 * a kernel built with CONFIG_BPF_JIT_ALWAYS_ON (no interpreter), the JIT could not compile the
 * program (Linux 6.18's x86-64 JIT when its passes do not converge: "bpf_jit: fatal error" in the
 * kernel's log, fuzzer seeds 50020669 and 82000654; `bpftool prog load` fails alike).
 */
export function verifierAccepted(log: string): boolean {
  const lines = log.trimEnd().split("\n");
  const lastOf = (re: RegExp) => lines.reduce((at, l, i) => (re.test(l) ? i : at), -1);
  const stats = lastOf(STATISTICS);
  if (stats < 0) return false;
  return lines.slice(lastOf(INSN_LINE) + 1, stats).every((l) => l.trim() === "" || AFTER_LAST_INSN.test(l));
}

const STATISTICS = /^processed \d+ insns/;
/** What an accepted program's log has between its last instruction and the statistics. */
const AFTER_LAST_INSN = /^(verification time|stack depth|mark_precise|propagating|\s)/;

/** The reason for an ENOTSUPP after the verifier accepted the program. */
function jitFailureReason(errno: number, log: string): string | undefined {
  if (errno !== ENOTSUPP || !verifierAccepted(log)) return undefined;
  return (
    "the verifier accepted the program, but the kernel's JIT could not compile it (ENOTSUPP; `dmesg` shows the JIT's " +
    'words, e.g. "bpf_jit: fatal error"): a limitation of the kernel, not a fault in the program; another kernel ' +
    "version may load it, and a small change to the program's code usually avoids it"
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
    const reason = complexityReason(log) ?? kernelBugReason(log) ?? jitFailureReason(errno, log) ?? verifierReason(log);
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
