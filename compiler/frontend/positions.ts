// Line and column of a position in a source file, as ts-morph's getLineAndColumnAtPos gives them
// (1-based; lines end at "\n", a column counts from the last "\n" or "\r"), but from the file's
// line starts, found once per file: ts-morph counts the newlines from the start of the file on
// every call, which made debug locations quadratic in the file's length (~10 % of a build).
import type { Node, SourceFile } from "ts-morph";

/** Positions just after each "\n" of a file's text (TypeScript's SourceFile, one per version). */
const lineStartsOf = new WeakMap<object, number[]>();

function lineStarts(file: SourceFile): number[] {
  let starts = lineStartsOf.get(file.compilerNode);
  if (!starts) {
    const text = file.compilerNode.text;
    starts = [0];
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
    lineStartsOf.set(file.compilerNode, starts);
  }
  return starts;
}

export function lineAndColumnAt(file: SourceFile, pos: number): { line: number; column: number } {
  const text = file.compilerNode.text;
  const starts = lineStarts(file);
  // The last line start at or before pos.
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= pos) lo = mid;
    else hi = mid - 1;
  }
  let start = pos;
  while (start > starts[lo]! && text.charCodeAt(start - 1) !== 13 /* \r */) start--;
  return { line: lo + 1, column: pos - start + 1 };
}

/** Where `node` starts (its first token, after comments): file line and column. */
export function startOf(node: Node): { line: number; column: number } {
  return lineAndColumnAt(node.getSourceFile(), node.getStart());
}
