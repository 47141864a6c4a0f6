// `npm run demo:fleet`: three LBs behind a router's ECMP route (lb/lab/fleet.ts), programmed by
// one `tsbpf lb fleet start`, backends in direct server return. Long-lived connections are
// opened and HTTP load runs; one LB is withdrawn (its nexthop removed, as a BGP withdrawal
// would) and later added back; every connection is asked again after each step. Prints the
// figures; everything is removed on exit, failure or Ctrl-C. The e2e test runs the same
// scenario (fleetScenario) and asserts on its figures.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { openRunningLb } from "../bin/commands/lb.ts";
import { createFleetLab, type FleetLab } from "./lab/fleet.ts";
import type { LoadReport } from "./lab/http-load.ts";

const ROOT = join(fileURLToPath(import.meta.url), "../..");
const tsbpf = (...args: string[]) =>
  execFileSync(process.execPath, [join(ROOT, "bin/tsbpf.js"), ...args], { cwd: ROOT, encoding: "utf8" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nodeTs = (file: string, ...args: string[]) => [
  process.execPath,
  "--import",
  "tsx",
  join(ROOT, "lb/lab", file),
  ...args,
];

export interface FleetFigures {
  route: { before: string; withdrawn: string; readded: string };
  /** Long-lived connections, and how many each LB tracked before the withdrawal. */
  connections: number;
  trackedBy: Record<string, number>;
  withdrawn: string;
  /** Connections answered by the same backend as before, after the withdrawal and after the re-add. */
  sameAfterWithdrawal: number;
  sameAfterReadd: number;
  broken: string[];
  /** The withdrawn LB's connections now tracked by the others too. */
  takenOver: number;
  load: LoadReport;
  /** Packets to VIP:80 per LB over the whole run. */
  packetsBy: Record<string, number>;
}

/** Starts a process in the lab and resolves with its first stdout line that `ready` accepts. */
async function startReady(lab: FleetLab, ns: string, argv: string[], ready: (l: string) => boolean) {
  const child = lab.spawn(ns, argv);
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  for (;;) {
    const next = await lines.next();
    if (next.done) throw new Error(`${argv.join(" ")} in ${ns} exited before it was ready`);
    if (ready(next.value)) return { child, lines, first: next.value as string };
  }
}

/** Per LB: the client ports of the flows to VIP:81 it tracks. */
function trackedPorts(lab: FleetLab, pinPrefix: string): Record<string, Set<number>> {
  const out: Record<string, Set<number>> = {};
  for (const l of lab.lbs) {
    const lb = openRunningLb(`${pinPrefix}-${l.name}`);
    try {
      out[l.name] = new Set(
        lb.maps.conntrack
          .entries()
          .filter(([k]) => k.dport === 81)
          .map(([k]) => k.sport),
      );
    } finally {
      lb.close();
    }
  }
  return out;
}

export async function fleetScenario(
  lab: FleetLab,
  options: { object: string; connections?: number; log?: (line: string) => void },
): Promise<FleetFigures> {
  const log = options.log ?? (() => {});
  const connections = options.connections ?? 60;
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-fleet-"));
  const pinPrefix = `/sys/fs/bpf/${lab.prefix}`;
  const config = join(dir, "fleet.json");
  writeFileSync(config, JSON.stringify(lab.fleetConfig(pinPrefix), null, 2));
  try {
    await Promise.all(
      lab.backends.flatMap((b) => [
        startReady(lab, b.ns, nodeTs("http-server.ts", b.name, "80"), (l) => l === "listening"),
        startReady(lab, b.ns, nodeTs("line-server.ts", b.name, "81"), (l) => l === "listening"),
      ]),
    );
    log(tsbpf("lb", "fleet", "start", "--config", config, "--object", options.object).trim());
    const route = { before: lab.showRoute(), withdrawn: "", readded: "" };
    log(`router: ${route.before.replace(/\s+/g, " ")}`);

    const sticky = await startReady(
      lab,
      lab.client.ns,
      nodeTs("sticky-client.ts", lab.vip, "81", String(connections)),
      (l) => l.startsWith("{"),
    );
    const before = (JSON.parse(sticky.first) as { answers: string[] }).answers;
    const askAgain = async () => {
      sticky.child.stdin!.write("go\n");
      const next = await sticky.lines.next();
      if (next.done) throw new Error("sticky client exited");
      return (JSON.parse(next.value as string) as { answers: string[] }).answers;
    };
    const tracked = trackedPorts(lab, pinPrefix);
    const trackedBy = Object.fromEntries(Object.entries(tracked).map(([n, s]) => [n, s.size]));
    log(`${connections} long-lived connections to ${lab.vip}:81, tracked per LB: ${JSON.stringify(trackedBy)}`);
    const withdrawn = Object.entries(trackedBy).sort((a, b) => b[1] - a[1])[0]![0];

    const loadRun = startReady(
      lab,
      lab.client.ns,
      nodeTs(
        "http-load.ts",
        JSON.stringify({
          host: lab.vip,
          port: 80,
          requests: 50_000,
          concurrency: 4,
          timeoutMs: 3000,
          deadlineMs: 60_000,
          durationMs: 14_000,
        }),
      ),
      (l) => l.startsWith("{"),
    );
    await sleep(3000);
    lab.route(lab.lbs.map((l) => l.name).filter((n) => n !== withdrawn));
    route.withdrawn = lab.showRoute();
    log(`withdrew ${withdrawn} under load: ${route.withdrawn.replace(/\s+/g, " ")}`);
    await sleep(500);
    const afterWithdrawal = await askAgain();
    const now = trackedPorts(lab, pinPrefix);
    const takenOver = [...tracked[withdrawn]!].filter((p) =>
      lab.lbs.some((l) => l.name !== withdrawn && now[l.name]!.has(p)),
    ).length;
    await sleep(3000);
    lab.route(lab.lbs.map((l) => l.name));
    route.readded = lab.showRoute();
    log(`added ${withdrawn} back: ${route.readded.replace(/\s+/g, " ")}`);
    await sleep(500);
    const afterReadd = await askAgain();
    const load = JSON.parse((await loadRun).first) as LoadReport;
    sticky.child.stdin!.end();

    const broken: string[] = [];
    before.forEach((b, i) => {
      if (afterWithdrawal[i] !== b) broken.push(`connection ${i}: ${b} → ${afterWithdrawal[i]} after the withdrawal`);
      if (afterReadd[i] !== b) broken.push(`connection ${i}: ${b} → ${afterReadd[i]} after the re-add`);
    });
    const packetsBy: Record<string, number> = {};
    for (const l of lab.lbs) {
      const lb = openRunningLb(`${pinPrefix}-${l.name}`);
      try {
        packetsBy[l.name] = Number(lb.stats().find((s) => s.vip === `${lab.vip}:80/tcp`)!.packets);
      } finally {
        lb.close();
      }
    }
    return {
      route,
      connections,
      trackedBy,
      withdrawn,
      sameAfterWithdrawal: afterWithdrawal.filter((a, i) => a === before[i]).length,
      sameAfterReadd: afterReadd.filter((a, i) => a === before[i]).length,
      broken,
      takenOver,
      load,
      packetsBy,
    };
  } finally {
    try {
      tsbpf("lb", "fleet", "stop", "--config", config);
    } catch {
      /* already stopped */
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  console.log("building lb/lb.ts …");
  const object = join(ROOT, "bpf-out/lb.o");
  tsbpf("build", join(ROOT, "lb/lb.ts"), "-o", object);
  const lab = createFleetLab({ lbs: 3, backends: 3 });
  try {
    console.log(
      `lab ${lab.prefix}: client ${lab.client.addr} → router → ${lab.lbs.map((l) => `${l.name}=${l.addr}`).join(" ")} → ${lab.backends.map((b) => `${b.name}=${b.addr}`).join(" ")}; VIP ${lab.vip} (encap, direct server return)`,
    );
    const f = await fleetScenario(lab, { object, log: (l) => console.log(l) });
    console.log(
      `\nHTTP load through the fleet (4 at a time, one connection per request), across the withdrawal and the re-add:`,
    );
    console.log(
      `  ${f.load.ok}/${f.load.requests} ok, ${f.load.failed} failed ${f.load.failed ? JSON.stringify(f.load.errors) : ""}, ${f.load.durationMs} ms`,
    );
    console.log(`  by backend: ${JSON.stringify(f.load.byBackend)}`);
    console.log(`  packets to ${lab.vip}:80 per LB: ${JSON.stringify(f.packetsBy)}`);
    console.log(
      `\n${f.connections} long-lived connections; ${f.withdrawn} tracked ${f.trackedBy[f.withdrawn]} of them before its withdrawal`,
    );
    console.log(
      `  after the withdrawal: ${f.sameAfterWithdrawal}/${f.connections} answered by the same backend (${f.takenOver} of ${f.withdrawn}'s now tracked by another LB)`,
    );
    console.log(`  after the re-add:     ${f.sameAfterReadd}/${f.connections} answered by the same backend`);
    console.log(`  broken: ${f.broken.length}`);
  } finally {
    lab.destroy();
    console.log("\nlab removed");
  }
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(`demo failed: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
