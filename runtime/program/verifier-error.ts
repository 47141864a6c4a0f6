/** The kernel verifier rejected a program; carries the full log and where in the source it stopped. */
import { SyscallError } from "../sys/index.ts";
import type { LineInfo } from "./assemble.ts";
import {
  failingInstruction,
  formatSourceLocation,
  sourceLocationOf,
  verifierReason,
  type SourceLocation,
} from "./source-map.ts";

export class VerifierError extends SyscallError {
  readonly program: string;
  readonly log: string;
  /** The verifier's own words (last lines of the log, statistics removed). */
  readonly reason: string;
  /** Source location of the instruction the verifier rejected, when line info allows. */
  readonly source?: SourceLocation;

  constructor(program: string, errno: number, log: string, lineInfo: readonly LineInfo[]) {
    const reason = verifierReason(log);
    const insn = failingInstruction(log);
    const source = insn === undefined ? undefined : sourceLocationOf(insn, lineInfo);
    const detail = [`verifier said: ${reason || "(empty log)"}`];
    if (source) detail.push(`at ${formatSourceLocation(source)}`);
    super(`BPF_PROG_LOAD (program "${program}")`, errno, detail.join("\n  "));
    this.program = program;
    this.log = log;
    this.reason = reason;
    this.source = source;
  }
}
