// Diagnostics in tsc's format: `file:line:col - error: message`.
import path from "node:path";
import type { Node } from "ts-morph";
import { startOf } from "./frontend/positions.ts";

export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
  /** TypeScript's own error code, for type errors found by the checker. */
  tsCode?: number;
}

/** Thrown while lowering a construct the subset does not support; caught per statement. */
export class CompileError extends Error {
  constructor(
    readonly node: Node,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An unexpected exception while compiling `node` (a bug in tsbpf, not in the program): reported
 * at the statement being compiled like any other error, never as a crash without a place.
 */
export function internalError(node: Node, e: unknown): CompileError {
  const message = e instanceof Error ? e.message : String(e);
  return new CompileError(
    node,
    `internal compiler error: ${message} (a bug in tsbpf; please report it with this program)`,
  );
}

export function diagnosticAt(node: Node, message: string): Diagnostic {
  const sf = node.getSourceFile();
  const { line, column } = startOf(node);
  return { file: sf.getFilePath(), line, column, message };
}

export function formatDiagnostic(d: Diagnostic, cwd = process.cwd()): string {
  const file = path.relative(cwd, d.file) || d.file;
  const code = d.tsCode ? ` TS${d.tsCode}` : "";
  return `${file}:${d.line}:${d.column} - error${code}: ${d.message}`;
}

/** A use of a variable whose declaration already failed: not reported again. */
export class AlreadyReported extends CompileError {
  constructor(node: Node) {
    super(node, "already reported");
  }
}

/** All diagnostics of a failed compile, as one error for callers that throw. */
export class CompileFailed extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => formatDiagnostic(d)).join("\n"));
  }
}
