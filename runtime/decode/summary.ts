/** decode --summary: what a capture holds — protocols, flows, problems — over many decoded packets. */
import { protocolStack } from "./format.ts";
import type { DecodedPacket, Flow } from "./types.ts";

export interface FlowStats extends Flow {
  packets: number;
  bytes: number;
}

export interface CaptureSummary {
  packets: number;
  bytes: number;
  /** Packets containing each protocol (a packet with two IPv4 headers counts once). */
  protocols: Record<string, number>;
  /** Packets per protocol stack ("Ethernet / IPv4 / TCP"). */
  stacks: Record<string, number>;
  flows: FlowStats[];
  /** Occurrences of each issue code, and the packets (1-based) where each first appeared. */
  issues: Array<{ code: string; severity: string; count: number; packets: number[] }>;
  /** Packets without any error. */
  clean: number;
}

function flowKey(f: Flow): string {
  return `${f.protocol} ${f.src} ${f.sport ?? ""} ${f.dst} ${f.dport ?? ""}`;
}

export function summarize(packets: DecodedPacket[]): CaptureSummary {
  const protocols: Record<string, number> = {};
  const stacks: Record<string, number> = {};
  const flows = new Map<string, FlowStats>();
  const issues = new Map<string, { code: string; severity: string; count: number; packets: number[] }>();
  let bytes = 0;
  let clean = 0;
  packets.forEach((p, i) => {
    bytes += p.wireLength;
    for (const name of new Set(p.layers.map((l) => l.protocol))) protocols[name] = (protocols[name] ?? 0) + 1;
    const stack = protocolStack(p.layers);
    stacks[stack] = (stacks[stack] ?? 0) + 1;
    if (p.flow) {
      const key = flowKey(p.flow);
      const s = flows.get(key) ?? { ...p.flow, packets: 0, bytes: 0 };
      s.packets++;
      s.bytes += p.wireLength;
      flows.set(key, s);
    }
    for (const issue of p.issues) {
      const s = issues.get(issue.code) ?? { code: issue.code, severity: issue.severity, count: 0, packets: [] };
      s.count++;
      if (!s.packets.includes(i + 1) && s.packets.length < 10) s.packets.push(i + 1);
      issues.set(issue.code, s);
    }
    if (!p.issues.some((x) => x.severity === "error")) clean++;
  });
  return {
    packets: packets.length,
    bytes,
    protocols,
    stacks,
    flows: [...flows.values()].sort((a, b) => b.packets - a.packets || b.bytes - a.bytes),
    issues: [...issues.values()].sort((a, b) => b.count - a.count),
    clean,
  };
}

function endpoint(addr: string, port?: number): string {
  if (port === undefined) return addr;
  return addr.includes(":") ? `[${addr}]:${port}` : `${addr}:${port}`;
}

export function formatSummary(s: CaptureSummary, maxFlows = 20): string {
  const out: string[] = [
    `${s.packets} packets, ${s.bytes} bytes; ${s.clean} without errors`,
    "",
    "protocols (packets):",
  ];
  const width = Math.max(0, ...Object.keys(s.protocols).map((k) => k.length));
  for (const [name, n] of Object.entries(s.protocols).sort((a, b) => b[1] - a[1]))
    out.push(`  ${name.padEnd(width)}  ${n}`);
  out.push("", "stacks (packets):");
  for (const [name, n] of Object.entries(s.stacks).sort((a, b) => b[1] - a[1]))
    out.push(`  ${String(n).padStart(5)}  ${name}`);
  out.push("", `flows (${s.flows.length}${s.flows.length > maxFlows ? `, the ${maxFlows} largest` : ""}):`);
  for (const f of s.flows.slice(0, maxFlows))
    out.push(
      `  ${f.protocol.padEnd(6)} ${endpoint(f.src, f.sport)} → ${endpoint(f.dst, f.dport)}  ${f.packets} packet${f.packets === 1 ? "" : "s"}, ${f.bytes} bytes`,
    );
  out.push("", s.issues.length ? "problems:" : "problems: none");
  for (const i of s.issues)
    out.push(
      `  ${i.code.padEnd(24)} ${i.severity.padEnd(8)} ${String(i.count).padStart(5)}×  packets ${i.packets.join(", ")}${i.count > i.packets.length ? ", …" : ""}`,
    );
  return out.join("\n");
}
