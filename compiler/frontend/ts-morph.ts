// ts-morph's runtime values, loaded with require(). Importing a CommonJS package from an ES
// module makes Node scan its source for export names (cjs-module-lexer) and read it twice:
// a few hundred milliseconds of every `tsbpf build`. Types still come from "ts-morph".
import { createRequire } from "node:module";
import type * as TsMorph from "ts-morph";

const tsMorph = createRequire(import.meta.url)("ts-morph") as typeof TsMorph;

export const { Project, Node, SyntaxKind, ts } = tsMorph;
export type Node = TsMorph.Node;
export type SyntaxKind = TsMorph.SyntaxKind;
export type Project = TsMorph.Project;
// The TypeScript compiler API's types, as a namespace: `ts.DiagnosticMessageChain`.
export type { ts as TsTypes } from "ts-morph";
