// Issue 13's table-pressure scenario with real traffic in the lab: long-lived idle TCP
// connections through the LB, then a SYN flood of more new flows than the flow tables hold
// (every SYN answered by a backend's SYN-ACK, which the LB reverse-NATs), new HTTP
// connections during and after it, and then every idle connection asked again.
//
//   node --import tsx lb/lab/flood.ts [flows] [pps]     (root; defaults 70000, 20000)
//
// builds lb/lb.ts, runs the scenario with the default table sizes and prints the report as
// JSON (docs/lb-state.md quotes a run). test/lb/flood-e2e.test.ts runs it and checks it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runLoad, type LoadReport } from "./http.ts";
import { openStickyConnections, startLoadBalancedLab, type LoadBalancedLab } from "./load-balanced.ts";
import type { Lab } from "./topology.ts";

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, "../..");

/** Where the flood's flows come from (lb/lab/syn-flood.py): 10.1.0.0 + (i >> 14). */
export const FLOOD_SOURCES = "10.1.0.0/16";

export interface FloodOptions {
  /** New SYN flows in the flood. */
  flows: number;
  /** Flood rate, packets a second. */
  pps: number;
  /** Idle connections open (to VIP:81) across the flood. */
  idle: number;
  /** New HTTP connections to VIP:80 made while the flood runs, and again after it. */
  requests: number;
}

export interface FloodReport {
  options: FloodOptions;
  flood: { sent: number; seconds: number };
  /** Entries in the LB's tables right after the flood (of their max_entries). */
  conntrackEntries: number;
  rnatEntries: number;
  /** Of the idle connections' flows (client port of a VIP:81 connection): how many still
   *  had their conntrack entry and their rnat entry right after the flood. */
  idleWithConntrack: number;
  idleWithRnat: number;
  /** Packets the LB forwarded to VIP:80 (the flood's SYNs and the HTTP runs'). */
  vip80Packets: number;
  /** Idle connections that answered from the same backend as before the flood. */
  idleSameBackend: number;
  /** Idle connections' answers that were not the first answer (errors, other backend). */
  idleBroken: string[];
  during: LoadReport;
  after: LoadReport;
}

/** Sends `flows` SYNs from the client to VIP:`port` (lb/lab/syn-flood.py), paced at `pps`. */
export async function synFlood(
  lab: Lab,
  flows: number,
  pps: number,
  port = 80,
): Promise<{ sent: number; seconds: number }> {
  const { stdout } = await lab.exec(
    "client",
    [
      "/usr/bin/python3",
      join(here, "syn-flood.py"),
      lab.client.ifname,
      lab.client.mac,
      lab.lb.mac,
      lab.vip,
      String(port),
      String(flows),
      String(pps),
    ],
    { timeoutMs: Math.ceil((flows / pps) * 1000) * 3 + 30_000 },
  );
  return JSON.parse(stdout) as { sent: number; seconds: number };
}

/** Runs the scenario in a started lab (startLoadBalancedLab with at least VIP:80 and VIP:81). */
export async function runFloodScenario(env: LoadBalancedLab, options: FloodOptions): Promise<FloodReport> {
  const { lab, lb } = env;
  // The backends answer the flood's sources through the LB, as they answer the client.
  for (const be of lab.backends) await lab.exec(be.name, ["ip", "route", "add", FLOOD_SOURCES, "via", lab.lb.addr]);
  const idle = await openStickyConnections(lab, options.idle);
  const before = lb.stats().find((s) => s.vip.endsWith(":80/tcp"))!.packets;

  const [flood, during] = await Promise.all([
    synFlood(lab, options.flows, options.pps),
    runLoad(lab, { requests: options.requests, concurrency: 8, deadlineMs: 120_000 }),
  ]);

  let conntrackEntries = 0,
    rnatEntries = 0,
    idleWithConntrack = 0,
    idleWithRnat = 0;
  for (const [k] of lb.maps.conntrack.entries()) {
    conntrackEntries++;
    if (k.dport === 81) idleWithConntrack++;
  }
  for (const [k] of lb.maps.rnat.entries()) {
    rnatEntries++;
    if (k.vipPort === 81) idleWithRnat++;
  }
  const vip80Packets = Number(lb.stats().find((s) => s.vip.endsWith(":80/tcp"))!.packets - before);

  const again = await idle.askAgain();
  const idleBroken = again.flatMap((a, i) => (a === idle.before[i] ? [] : [`${i}: ${idle.before[i]} → ${a}`]));
  const after = await runLoad(lab, { requests: options.requests, concurrency: 8 });
  return {
    options,
    flood,
    conntrackEntries,
    rnatEntries,
    idleWithConntrack,
    idleWithRnat,
    vip80Packets,
    idleSameBackend: options.idle - idleBroken.length,
    idleBroken,
    during,
    after,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const flows = Number(process.argv[2] ?? 70_000);
  const pps = Number(process.argv[3] ?? 20_000);
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-flood-"));
  const object = join(dir, "lb.o");
  execFileSync(process.execPath, [join(ROOT, "bin/tsbpf.js"), "build", join(ROOT, "lb/lb.ts"), "-o", object], {
    stdio: "inherit",
  });
  const env = await startLoadBalancedLab({ object, backends: 3 });
  try {
    const t0 = Date.now();
    const report = await runFloodScenario(env, { flows, pps, idle: 300, requests: 2000 });
    console.log(JSON.stringify({ ...report, wallSeconds: (Date.now() - t0) / 1000 }, null, 2));
  } finally {
    env.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
