/**
 * From a verifier log back to source: the instruction the verifier was
 * looking at when it gave up is the last "N: (op) …" line of the log; the
 * line_info record covering N names the file, line, column and source text.
 */
import type { LineInfo } from "./assemble.ts";

export interface SourceLocation {
  insn: number;
  file: string;
  line: number;
  col: number;
  /** The source line as recorded in BTF (may be trimmed by the compiler). */
  text: string;
}

export const INSN_LINE = /^(\d+): \([0-9a-f]{2}\)/;

/** Index of the last instruction mentioned in the log, if any. */
export function failingInstruction(log: string): number | undefined {
  const lines = log.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = INSN_LINE.exec(lines[i]!);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/**
 * Where the verifier was when it stopped: the line of the failing instruction, or, when that
 * one has no line (line 0: code LLVM shares between lines), the line (column 0: no column) of
 * the last instruction before it in the log that has one.
 */
export function stoppedAt(log: string, lineInfo: readonly LineInfo[]): SourceLocation | undefined {
  const lines = log.split("\n");
  let first: SourceLocation | undefined;
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = INSN_LINE.exec(lines[i]!);
    if (!m) continue;
    const loc = sourceLocationOf(Number(m[1]), lineInfo);
    first ??= loc;
    if (loc && loc.line > 0) return loc === first ? loc : { ...loc, col: 0 }; // the line, not a column in it
  }
  return first;
}

/** The verifier's reason: the lines after the last instruction, minus the statistics footer. */
export function verifierReason(log: string): string {
  const lines = log.trimEnd().split("\n");
  let last = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (INSN_LINE.test(lines[i]!)) {
      last = i;
      break;
    }
  }
  const footer =
    /^(processed \d+ insns|verification time|stack depth|max_states_per_insn|-- END PROG LOAD LOG --|cur state:|old state:)/;
  const tail = lines.slice(last + 1).filter((l) => l.trim() !== "" && !footer.test(l));
  if (tail.length > 0) return tail.join("\n");
  const meaningful = lines.filter((l) => l.trim() !== "" && !footer.test(l));
  return meaningful.at(-1) ?? "";
}

/** Line info covering instruction `insn`: the record with the greatest start ≤ insn. */
export function sourceLocationOf(insn: number, lineInfo: readonly LineInfo[]): SourceLocation | undefined {
  let best: LineInfo | undefined;
  for (const rec of lineInfo) {
    if (rec.insnOff <= insn && (best === undefined || rec.insnOff >= best.insnOff)) best = rec;
  }
  if (best === undefined) return undefined;
  return { insn, file: best.fileName, line: best.line, col: best.col, text: best.lineText };
}

export function formatSourceLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}${loc.col ? `:${loc.col}` : ""}: ${loc.text.trim()}`;
}
