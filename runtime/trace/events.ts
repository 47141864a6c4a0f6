/**
 * What a trace records, in execution order, separate from how it is printed: the text printer
 * (format.ts) and `--json` read the same stream.
 */

export interface SourcePosition {
  file: string;
  line: number;
  col: number;
  text: string;
}

export type TraceEvent =
  /** Execution reached another source line (from BTF line info). */
  | ({ kind: "line"; insn: number; function: string } & SourcePosition)
  | { kind: "branch"; insn: number; condition: string; taken: boolean; target: number }
  /** Bytes of the packet read or written; `offset` is from the packet's current start (ctx->data). */
  | { kind: "packet-read"; insn: number; offset: number; bytes: string }
  | { kind: "packet-write"; insn: number; offset: number; bytes: string; before: string }
  | {
      kind: "map";
      insn: number;
      /** "write": the program stored into a value through a lookup's pointer (`value` is the whole value after). */
      op: "lookup" | "update" | "delete" | "push" | "pop" | "peek" | "output" | "write";
      map: string;
      key?: string;
      /** The value found (lookup) or given (update). */
      value?: string;
      /** "found", "not found", "ok", "-ENOENT", … */
      result: string;
    }
  | {
      kind: "helper";
      insn: number;
      helper: string;
      args: string[];
      result: string;
      note?: string;
      /** Lines under the call (bpf_fib_lookup: its parameters going in and coming out). */
      details?: string[];
    }
  | { kind: "call"; insn: number; function: string; depth: number }
  | { kind: "return"; insn: number; function: string; value: string; depth: number }
  | { kind: "tail-call"; insn: number; map: string; index: number; program?: string }
  | { kind: "fault"; insn: number; message: string }
  | { kind: "exit"; insn: number; value: number };

export type TraceOutcome =
  /** The program returned. */
  | "exit"
  /** It made an access the kernel would not allow (the verifier should have refused it). */
  | "fault"
  /** It called a helper the interpreter does not model; the trace stops there. */
  | "not-modelled"
  /** It ran more instructions than the limit. */
  | "limit";
