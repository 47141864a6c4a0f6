// Packets built and checked by scapy (test/support/packets.py), an implementation that shares
// no code with tsbpf: tests describe frames as JSON specs and compare a program's output with
// frames scapy builds for the expected result.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../runtime/helpers.ts";

/** A frame spec as packets.py reads it (see its docstring). */
export type PacketSpec = Record<string, unknown>;

export interface Checked {
  len: number;
  eth: { dst: string; src: string; type: number } | null;
  ip: Record<string, number | string> | null;
  l4: Record<string, number | string> | null;
  checksums: { ip: { ok: boolean } | null; l4: { ok: boolean } | null };
}

function packetsPy(cases: unknown[]): unknown[] {
  const r = spawnSync("/usr/bin/python3", [join(ROOT, "test/support/packets.py")], {
    input: JSON.stringify(cases),
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`packets.py failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { error?: string }[];
  for (const o of out) if (o.error) throw new Error(`packets.py: ${o.error}`);
  return out;
}

/** Builds frames from specs, in one scapy run. */
export function scapyBuild(...specs: PacketSpec[]): Buffer[] {
  return (packetsPy(specs.map((packet) => ({ op: "build", packet }))) as { hex: string }[]).map((r) =>
    Buffer.from(r.hex, "hex"),
  );
}

/** Decodes frames and recomputes their checksums from scratch, in one scapy run. */
export function scapyCheck(...frames: Uint8Array[]): Checked[] {
  return packetsPy(frames.map((f) => ({ op: "check", hex: Buffer.from(f).toString("hex") }))) as Checked[];
}
