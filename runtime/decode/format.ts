/** decode's text form: one line per field (offset, length, name, raw, value, meaning, verdict). */
import { ISSUES } from "./issues.ts";
import type { DecodedPacket, Field, Layer } from "./types.ts";

function verdictText(f: Field): string {
  if (f.verdict === "ok") return "  ✓";
  if (f.verdict === "bad")
    return `  ✗ BAD${f.expected !== undefined && !String(f.meaning ?? "").includes("correct is") ? ` (expected ${f.expected})` : ""}`;
  if (f.verdict === "warn") return "  ⚠";
  return "";
}

/** One field as decode prints it (trace's packet diff uses the same line). */
export function fieldLine(f: Field, indent: string): string {
  const where = f.mask !== undefined ? `${f.offset}` : `${f.offset}`;
  const size = f.mask !== undefined ? `${f.length}/${f.mask.toString(16)}` : `${f.length}`;
  const raw = f.raw.length > 26 ? `${f.raw.slice(0, 24)}…` : f.raw;
  const value = typeof f.value === "boolean" ? (f.value ? "set" : "clear") : String(f.value);
  const meaning = f.meaning !== undefined && f.meaning !== value ? `  (${f.meaning})` : "";
  return `${indent}${where.padStart(5)} ${size.padEnd(7)} ${f.name.padEnd(22)} ${raw.padEnd(26)} ${value}${meaning}${verdictText(f)}`;
}

/** The stack of protocols, inner packets in brackets: "Ethernet / IPv4 / UDP / VXLAN [Ethernet / IPv4 / ICMP]". */
export function protocolStack(layers: Layer[]): string {
  let out = "";
  let depth = 0;
  for (const l of layers) {
    if (out === "") out = l.protocol;
    else if (l.depth > depth) out += ` [${l.protocol}`;
    else out += ` / ${l.protocol}`;
    if (l.depth > depth) depth = l.depth;
  }
  return out + "]".repeat(depth);
}

export function formatPacket(p: DecodedPacket, title = "packet"): string {
  const out: string[] = [];
  out.push(
    `${title}: ${p.length} bytes${p.wireLength > p.length ? ` (of ${p.wireLength} on the wire)` : ""}  ${protocolStack(p.layers)}`,
  );
  for (const l of p.layers) {
    const indent = "  ".repeat(l.depth + 1);
    out.push(`${indent}${l.protocol} @${l.offset}+${l.length}${l.summary ? `  ${l.summary}` : ""}`);
    for (const f of l.fields) out.push(fieldLine(f, indent));
  }
  if (p.payload.length > 0) out.push(`  payload @${p.payload.offset}: ${p.payload.length} bytes`);
  const errors = p.issues.filter((i) => i.severity === "error").length;
  if (p.issues.length === 0) out.push("  no problems found");
  else {
    out.push(
      `  ${errors} error${errors === 1 ? "" : "s"}, ${p.issues.length - errors} warning${p.issues.length - errors === 1 ? "" : "s"}:`,
    );
    for (const i of p.issues)
      out.push(
        `    ${i.severity === "error" ? "error" : "warning"} ${i.code} at byte ${i.offset} (${i.protocol}): ${i.message}`,
      );
  }
  return out.join("\n");
}

/** The catalog of issue codes as text (for --help and docs). */
export function issueCatalog(): string {
  return Object.entries(ISSUES)
    .map(([code, k]) => `  ${code.padEnd(24)} ${k.severity.padEnd(8)} ${k.description}`)
    .join("\n");
}
