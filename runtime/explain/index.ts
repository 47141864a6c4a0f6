/**
 * Verifier rejections explained: the verifier's message matched against a catalog of common
 * rejections, each saying which value the verifier objected to, which bound or rule it could not
 * establish, and what to change in the TypeScript program. One file per concept in catalog/.
 */
import type { CatalogEntry, Finding } from "./entry.ts";
import { logFacts, type LoggedLine } from "./log-facts.ts";
import { CONTEXT_ACCESS } from "./catalog/context.ts";
import { CALL_STACK_TOO_DEEP, COMPLEXITY_LIMIT, UNBOUNDED_LOOP } from "./catalog/control-flow.ts";
import { HELPER_ARGUMENT_TYPE, HELPER_NOT_ALLOWED } from "./catalog/helpers.ts";
import { MAP_VALUE_OUT_OF_RANGE, NEGATIVE_INDEX } from "./catalog/map-values.ts";
import { NULL_NOT_CHECKED, POINTER_ARITHMETIC_ON_NULLABLE } from "./catalog/maybe-null.ts";
import { PACKET_OUT_OF_RANGE, PACKET_POINTER_UNBOUNDED, VIEW_AFTER_ADJUST } from "./catalog/packet.ts";
import { UNRELEASED_RESERVATION } from "./catalog/references.ts";
import { NOT_A_POINTER, UNINITIALIZED_REGISTER } from "./catalog/registers.ts";
import { MISALIGNED_ACCESS, STACK_TOO_BIG, UNINITIALIZED_STACK, VARIABLE_STACK_OFFSET } from "./catalog/stack.ts";

export type { CatalogEntry, Finding } from "./entry.ts";

/** Every known rejection; the first entry whose message (and condition) matches explains it. */
export const REJECTIONS: readonly CatalogEntry[] = [
  COMPLEXITY_LIMIT,
  UNBOUNDED_LOOP,
  CALL_STACK_TOO_DEEP,
  STACK_TOO_BIG,
  PACKET_OUT_OF_RANGE,
  PACKET_POINTER_UNBOUNDED,
  VIEW_AFTER_ADJUST, // before the two below: the same messages, after an adjust call
  NULL_NOT_CHECKED,
  POINTER_ARITHMETIC_ON_NULLABLE,
  UNRELEASED_RESERVATION,
  MAP_VALUE_OUT_OF_RANGE,
  NEGATIVE_INDEX,
  MISALIGNED_ACCESS,
  VARIABLE_STACK_OFFSET,
  UNINITIALIZED_STACK,
  HELPER_ARGUMENT_TYPE,
  HELPER_NOT_ALLOWED,
  CONTEXT_ACCESS,
  UNINITIALIZED_REGISTER,
  NOT_A_POINTER,
];

export interface Explanation extends Finding {
  id: string;
  title: string;
  /** The verifier's message line the entry matched. */
  message: string;
  /** The source line nearest the rejection, as the log printed it. */
  line?: LoggedLine;
  /** Set when tsbpf's compiler does not produce this from TypeScript it accepts (see CatalogEntry). */
  compilerPrevents?: string;
}

/** The catalog's explanation of a verifier log, or undefined when no entry knows its message. */
export function explainRejection(log: string): Explanation | undefined {
  const facts = logFacts(log);
  // The complexity message comes before the statistics; other messages follow the last instruction.
  const text = `${facts.message}\n${log.slice(-2000)}`;
  for (const entry of REJECTIONS) {
    const m = entry.message.exec(text);
    if (!m || (entry.when && !entry.when(facts, m))) continue;
    return {
      id: entry.id,
      title: entry.title,
      message: m[0],
      line: facts.lines.at(-1),
      ...entry.explain(m, facts),
      ...(entry.compilerPrevents ? { compilerPrevents: entry.compilerPrevents } : {}),
    };
  }
  return undefined;
}

/** The explanation as text, lines indented by `indent`. */
export function formatExplanation(x: Explanation, indent = "  "): string {
  const out = [`why (${x.id}, ${x.title}):`, `value: ${x.value}`, `bound: ${x.bound}`, `fix:   ${x.fix}`];
  if (x.compilerPrevents)
    out.push(
      `note:  tsbpf's compiler does not emit this for a program it accepts (${x.compilerPrevents}): if the object came from a .ts file, it is a compiler bug; please report it with the program.`,
    );
  return out.map((l, i) => (i === 0 ? l : indent + l)).join("\n");
}
