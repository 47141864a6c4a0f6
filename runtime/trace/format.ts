/**
 * A trace as text: per source line reached, what happened there (branches, packet bytes, map
 * operations, helper calls), then the action and the packet's fields that changed, printed as
 * `tsbpf decode` prints fields ("-" before, "+" after).
 */
import { decodePacket, fieldLine, protocolStack } from "../decode/index.ts";
import type { DecodedPacket, Field, Layer } from "../decode/types.ts";
import type { TraceEvent } from "./events.ts";
import type { TraceRun } from "./session.ts";

const ACTIONS = ["XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT"];

export function actionName(action: number | undefined): string {
  if (action === undefined) return "(none)";
  return ACTIONS[action] ?? `action ${action}`;
}

export interface TraceFormat {
  /** Show file names relative to this directory. */
  base?: string;
  /** Also list every packet byte read (they are many: off by default, counted per line instead). */
  reads?: boolean;
}

function shortFile(file: string, base?: string): string {
  return base && file.startsWith(`${base}/`) ? file.slice(base.length + 1) : file;
}

const spaced = (hexText: string) => hexText.replace(/(..)(?!$)/g, "$1 ");

function eventLine(e: TraceEvent): string | undefined {
  switch (e.kind) {
    case "branch":
      return `${e.taken ? "branch taken" : "not taken"}: ${e.condition}`;
    case "packet-read":
      return `read packet[${e.offset}..${e.offset + e.bytes.length / 2}] = ${spaced(e.bytes)}`;
    case "packet-write":
      return `write packet[${e.offset}..${e.offset + e.bytes.length / 2}] = ${spaced(e.bytes)} (was ${spaced(e.before)})`;
    case "map": {
      if (e.op === "write") return `${e.map}${e.map.startsWith(".") ? "" : `[${e.key}]`} ← ${e.value}  (${e.result})`;
      const key = e.key !== undefined ? ` ${e.key}` : "";
      const value = e.value !== undefined ? (e.op === "lookup" ? ` = ${e.value}` : ` ← ${e.value}`) : "";
      return `${e.map}.${e.op}${key} → ${e.result}${value}`;
    }
    case "helper":
      return [
        `bpf_${e.helper}(${e.args.join(", ")}) = ${e.result}${e.note ? `  (${e.note})` : ""}`,
        ...(e.details ?? []).map((d) => `    ${d}`),
      ].join("\n      ");
    case "call":
      return `call ${e.function}`;
    case "return":
      return `${e.function} returns ${e.value}`;
    case "tail-call":
      return `tail call ${e.map}[${e.index}] → ${e.program ?? "empty slot: falls through"}`;
    case "fault":
      return `stopped: ${e.message}`;
    case "exit":
      return undefined;
    case "line":
      return undefined;
  }
}

/** The events under the source lines they happened at. */
export function formatEvents(events: readonly TraceEvent[], options: TraceFormat = {}): string[] {
  const out: string[] = [];
  let reads: Array<{ offset: number; length: number }> = [];
  const flushReads = () => {
    if (options.reads || reads.length === 0) return;
    const ranges = reads.map((r) => `${r.offset}..${r.offset + r.length}`);
    out.push(`      read packet[${[...new Set(ranges)].join(", ")}]`);
    reads = [];
  };
  for (const e of events) {
    if (e.kind === "line") {
      flushReads();
      out.push(`  ${shortFile(e.file, options.base)}:${e.line}  ${e.text.trim()}`);
      continue;
    }
    if (e.kind === "packet-read" && !options.reads) {
      reads.push({ offset: e.offset, length: e.bytes.length / 2 });
      continue;
    }
    const text = eventLine(e);
    if (text !== undefined) {
      flushReads();
      out.push(`      ${text}`);
    }
  }
  flushReads();
  return out;
}

export function formatTrace(run: TraceRun, title = "packet", options: TraceFormat = {}): string {
  const before = decodePacket(run.before);
  const out = [`${title}: ${run.before.length} bytes  ${protocolStack(before.layers)}  → ${run.program}`];
  out.push(...formatEvents(run.events, options));
  if (run.outcome === "exit")
    out.push(`${actionName(run.action)} (${run.action}) after ${run.instructions} instructions`);
  else
    out.push(
      `no action: the trace ${run.outcome === "not-modelled" ? "reached what it does not model" : run.outcome === "limit" ? "hit its instruction limit" : "stopped at a fault"}: ${run.message}`,
    );
  out.push(...packetDiff(before, decodePacket(run.after), run.before.length, run.after.length));
  return out.join("\n");
}

/** Fields that differ between two decodings, layer by layer, in decode's field format. */
export function packetDiff(a: DecodedPacket, b: DecodedPacket, lenA: number, lenB: number): string[] {
  const keyed = (p: DecodedPacket) => {
    const seen = new Map<string, number>();
    return new Map(
      p.layers.map((l) => {
        const k = `${l.depth}:${l.protocol}`;
        const n = seen.get(k) ?? 0;
        seen.set(k, n + 1);
        return [`${k}#${n}`, l] as const;
      }),
    );
  };
  const la = keyed(a);
  const lb = keyed(b);
  const out: string[] = [];
  if (lenA !== lenB) out.push(`  length ${lenA} → ${lenB} bytes`);
  const keys = [...new Set([...la.keys(), ...lb.keys()])];
  for (const k of keys) {
    const x = la.get(k);
    const y = lb.get(k);
    const lines = layerDiff(x, y);
    if (lines.length === 0) continue;
    const indent = "  ".repeat((x ?? y)!.depth + 1);
    const head = (l: Layer) => `${l.protocol} @${l.offset}+${l.length}  ${l.summary}`;
    if (!x) out.push(`${indent}+ ${head(y!)}  (added)`);
    else if (!y) out.push(`${indent}- ${head(x)}  (removed)`);
    else out.push(`${indent}${head(y)}${x.summary !== y.summary ? `  (was ${x.summary})` : ""}`);
    out.push(...lines);
  }
  if (out.length === 0) return ["packet unchanged"];
  return [`packet changes (${protocolStack(a.layers)} → ${protocolStack(b.layers)}):`, ...out];
}

function layerDiff(x: Layer | undefined, y: Layer | undefined): string[] {
  const indent = "  ".repeat(((x ?? y)?.depth ?? 0) + 1);
  const fa = new Map((x?.fields ?? []).map((f) => [f.name, f]));
  const fb = new Map((y?.fields ?? []).map((f) => [f.name, f]));
  const out: string[] = [];
  const same = (p: Field, q: Field) =>
    p.raw === q.raw && String(p.value) === String(q.value) && p.verdict === q.verdict;
  for (const name of new Set([...fa.keys(), ...fb.keys()])) {
    const p = fa.get(name);
    const q = fb.get(name);
    if (p && q && same(p, q)) continue;
    if (p) out.push(`-${fieldLine(p, indent).slice(1)}`);
    if (q) out.push(`+${fieldLine(q, indent).slice(1)}`);
  }
  return out;
}
