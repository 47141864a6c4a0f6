/**
 * A program's instructions interleaved with the source lines they come from (line info), jump
 * targets labelled, calls and map loads by name: the same listing for an object's program (before
 * loading) and for the kernel's translated code (after the verifier's rewrites).
 */
import { helperName } from "./helpers.ts";
import { formatInstruction, type Instruction, jumpTarget, readInstruction } from "./instruction.ts";

export interface SourceLine {
  /** First instruction index the line covers. */
  insn: number;
  file: string;
  line: number;
  col: number;
  text: string;
}

/** What an ld_imm64 loads: a map (by name) or an address inside a global-data map. */
export type LoadReference =
  | { insn: number; kind: "map"; map: string }
  | { insn: number; kind: "value"; section: string; offset: number };

export interface ProgramCode {
  name: string;
  insns: Uint8Array;
  lineInfo: readonly SourceLine[];
  /** Functions by first instruction (the entry at 0, BPF-to-BPF callees after it). */
  functions: ReadonlyArray<{ insn: number; name: string }>;
  references: readonly LoadReference[];
  /** Name of a helper call's imm (the kernel's translated code calls addresses, not ids). */
  helperName?: (imm: number) => string;
}

export type ListingLine =
  | { kind: "function"; insn: number; name: string }
  | { kind: "source"; insn: number; file: string; line: number; col: number; text: string }
  | { kind: "label"; insn: number; label: string }
  | {
      kind: "insn";
      insn: number;
      text: string;
      /** The instruction bytes as hex (16 bytes for ld_imm64). */
      raw: string;
      /** The source line covering this instruction (the last line info at or before it). */
      source?: { file: string; line: number };
    };

export interface Listing {
  name: string;
  instructions: number;
  lines: ListingLine[];
}

export function disassemble(code: ProgramCode): Listing {
  const insns: Instruction[] = [];
  for (let i = 0; ; ) {
    const insn = readInstruction(code.insns, i);
    if (!insn) break;
    insns.push(insn);
    i += insn.slots;
  }
  const functionAt = new Map(code.functions.map((f) => [f.insn, f.name]));
  // Labels for jump targets, numbered in program order.
  const targets = [...new Set(insns.map(jumpTarget).filter((t): t is number => t !== undefined))].sort((a, b) => a - b);
  const labels = new Map(targets.map((t, n) => [t, `L${n + 1}`]));
  const refs = new Map(code.references.map((r) => [r.insn, r]));
  const lineAt = new Map<number, SourceLine>();
  for (const l of code.lineInfo) lineAt.set(l.insn, l);
  const ctx = {
    label: (i: number) => labels.get(i),
    helper: code.helperName ?? helperName,
    callee: (i: number) => functionAt.get(i),
    load: (insn: Instruction) => {
      const r = refs.get(insn.index);
      if (!r) return undefined;
      return r.kind === "map" ? `map[${r.map}]` : `map[${r.section}]${r.offset ? ` + ${r.offset}` : ""}`;
    },
  };
  const lines: ListingLine[] = [];
  let current: SourceLine | undefined;
  let shown: SourceLine | undefined;
  for (const insn of insns) {
    const fn = functionAt.get(insn.index);
    if (fn !== undefined) {
      lines.push({ kind: "function", insn: insn.index, name: fn });
      shown = undefined;
    }
    const label = labels.get(insn.index);
    if (label) {
      lines.push({ kind: "label", insn: insn.index, label });
      shown = undefined;
    }
    const src = lineAt.get(insn.index);
    if (src) {
      current = src;
      if (!shown || shown.file !== src.file || shown.line !== src.line) {
        lines.push({ kind: "source", insn: insn.index, file: src.file, line: src.line, col: src.col, text: src.text });
        shown = src;
      }
    }
    const raw = Buffer.from(code.insns.subarray(insn.index * 8, (insn.index + insn.slots) * 8)).toString("hex");
    lines.push({
      kind: "insn",
      insn: insn.index,
      text: formatInstruction(insn, ctx),
      raw,
      ...(current ? { source: { file: current.file, line: current.line } } : {}),
    });
  }
  return { name: code.name, instructions: code.insns.length / 8, lines };
}

/** The file name as shown: relative to `base` when inside it. */
function shortFile(file: string, base?: string): string {
  if (base && file.startsWith(`${base}/`)) return file.slice(base.length + 1);
  return file;
}

export interface ListingFormat {
  /** Print the raw bytes of each instruction. */
  raw?: boolean;
  /** Show file names relative to this directory. */
  base?: string;
}

export function formatListing(listing: Listing, options: ListingFormat = {}): string {
  const width = String(Math.max(0, listing.instructions - 1)).length;
  const out: string[] = [];
  for (const l of listing.lines) {
    switch (l.kind) {
      case "function":
        out.push(`${out.length ? "\n" : ""}${l.name}:`);
        break;
      case "label":
        out.push(`${l.label}:`);
        break;
      case "source":
        out.push(
          l.line === 0
            ? "  ; (no source line: code the compiler added)"
            : `  ; ${l.text.trim()}  @ ${shortFile(l.file, options.base)}:${l.line}${l.col ? `:${l.col}` : ""}`,
        );
        break;
      case "insn":
        out.push(
          `    ${String(l.insn).padStart(width)}: ${options.raw ? `${l.raw.replace(/(..)/g, "$1 ").trim().padEnd(47)}  ` : ""}${l.text}`,
        );
        break;
    }
  }
  return out.join("\n");
}

/** Helper calls and maps used, for a summary under the listing. */
export function listingStats(listing: Listing): { helpers: string[]; maps: string[]; calls: number; jumps: number } {
  const helpers = new Set<string>();
  const maps = new Set<string>();
  let calls = 0;
  let jumps = 0;
  for (const l of listing.lines) {
    if (l.kind !== "insn") continue;
    const call = /^call (bpf_\w+|helper#\d+)/.exec(l.text);
    if (call) helpers.add(call[1]!);
    else if (l.text.startsWith("call ")) calls++;
    for (const m of l.text.matchAll(/map\[([^\]]+)\]/g)) maps.add(m[1]!);
    if (/goto/.test(l.text)) jumps++;
  }
  return { helpers: [...helpers], maps: [...maps], calls, jumps };
}
