/** One kind of verifier rejection the catalog knows, and how it is said in TypeScript terms. */
import type { LogFacts } from "./log-facts.ts";

/** What an entry says about one rejection. */
export interface Finding {
  /** Which value the verifier objected to: the register, what it holds, where it came from. */
  value: string;
  /** Which rule or bound the verifier could not establish for it. */
  bound: string;
  /** What to change in the TypeScript program. */
  fix: string;
}

export interface CatalogEntry {
  /** Stable name (`PACKET_OUT_OF_RANGE`), shown with the explanation and used by tests. */
  id: string;
  /** The kind of rejection in a few words. */
  title: string;
  /** The verifier's message this entry explains (matched against the message lines). */
  message: RegExp;
  /** Further conditions on the log, for messages several causes share. */
  when?: (facts: LogFacts, match: RegExpExecArray) => boolean;
  explain(match: RegExpExecArray, facts: LogFacts): Finding;
  /**
   * Set when tsbpf's compiler does not emit code that triggers this from a program it accepts:
   * what it does instead. The entry then explains objects built otherwise (C, hand-made), or a
   * compiler bug.
   */
  compilerPrevents?: string;
}
