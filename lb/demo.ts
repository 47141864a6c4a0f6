// `npm run demo`: builds lb/lb.ts, runs it in a lab of network namespaces (a client, the
// LB, three backends on a bridge), sends real HTTP and UDP through the VIP, prints where it
// went and the LB's stats; then the same HTTP load through the other forwarding modes (direct
// server return by encapsulation, IPv6 in both modes), showing that only DNAT's replies come
// back through the LB; then removes a backend and shows that only its flows moved.
// Everything it creates is removed on exit, failure or Ctrl-C.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Lab } from "./lab/topology.ts";
import { runLoad, type LoadReport } from "./lab/http.ts";
import { openStickyConnections, runUdp, startLoadBalancedLab, type LoadBalancedLab } from "./lab/load-balanced.ts";
import { DSR_VIP, enableDirectServerReturn } from "./lab/dsr.ts";
import { ENCAP_VIP6, enableIpv6, hostAddr6, VIP6 } from "./lab/ipv6.ts";
import type { LoadBalancer } from "./control.ts";

const ROOT = join(fileURLToPath(import.meta.url), "../..");
const REQUESTS = Number(process.env.REQUESTS ?? 1000);
const STICKY_CONNECTIONS = 30;

function table(rows: (string | number | bigint)[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => ("  " + r.map((c, i) => String(c).padEnd(widths[i]!)).join("  ")).trimEnd()).join("\n");
}

function printLoad(title: string, report: LoadReport, names: string[]) {
  console.log(`\n${title}: ${report.ok}/${report.requests} ok, ${report.failed} failed, ${report.durationMs} ms`);
  const rows: (string | number)[][] = [["backend", "responses", "share"]];
  for (const name of names) {
    const n = report.byBackend[name] ?? 0;
    rows.push([name, n, `${((100 * n) / Math.max(report.ok, 1)).toFixed(1)}%`]);
  }
  console.log(table(rows));
  if (report.failed) console.log(`  errors: ${JSON.stringify(report.errors)}`);
}

function printLb(lb: LoadBalancer, lab: Lab) {
  const nameOf = new Map(
    lab.backends.flatMap((b) => [[b.addr, b.name] as const, [hostAddr6(b.addr), b.name] as const]),
  );
  console.log("\nLB stats (per VIP, summed over CPUs):");
  console.log(
    table([
      ["vip", "forwarding", "packets", "bytes"],
      ...lb.stats().map((s) => [s.vip, s.forwarding, s.packets, s.bytes]),
    ]),
  );
  console.log("\nbackends (Maglev slots of 65537, tracked flows):");
  console.log(
    table([
      ["vip", "backend", "addr", "slots", "flows"],
      ...lb.backends().map((b) => [b.vip, nameOf.get(b.addr) ?? "?", b.addr, b.slots, b.flows]),
    ]),
  );
}

/** Packets the LB's interface received (what XDP saw), from the kernel's counter. */
async function lbReceived(lab: Lab): Promise<number> {
  const { stdout } = await lab.exec("lb", ["cat", "/sys/class/net/eth0/statistics/rx_packets"]);
  return Number(stdout.trim());
}

/**
 * The same HTTP load through each forwarding mode. With DNAT the replies come back through
 * the LB (reverse NAT); with encapsulation the backends answer the client directly, so the LB
 * receives about half the packets per connection.
 */
async function compareForwardingModes(env: LoadBalancedLab, requests: number) {
  const { lab } = env;
  console.log("\nenabling direct server return (IPv4-in-IPv4) and IPv6 (DNAT and IPv6-in-IPv6) …");
  await enableDirectServerReturn(env);
  await enableIpv6(env);
  const names = lab.backends.map((b) => b.name);
  const modes = [
    [lab.vip, "IPv4 DNAT"],
    [DSR_VIP, "IPv4-in-IPv4, direct server return"],
    [VIP6, "IPv6 DNAT"],
    [ENCAP_VIP6, "IPv6-in-IPv6, direct server return"],
  ] as const;
  const rows: (string | number)[][] = [["vip", "forwarding", "ok", "failed", "LB rx packets/conn", ...names]];
  for (const [host, mode] of modes) {
    const before = await lbReceived(lab);
    const report = await runLoad(lab, { host, requests, concurrency: 16 });
    const perConnection = ((await lbReceived(lab)) - before) / requests;
    rows.push([
      host,
      mode,
      report.ok,
      report.failed,
      perConnection.toFixed(1),
      ...names.map((n) => report.byBackend[n] ?? 0),
    ]);
  }
  console.log(`\n${requests} HTTP requests to port 80 of each VIP, one TCP connection each:`);
  console.log(table(rows));
}

async function main() {
  console.log("building lb/lb.ts …");
  execFileSync(
    process.execPath,
    [join(ROOT, "bin/tsbpf.js"), "build", join(ROOT, "lb/lb.ts"), "-o", join(ROOT, "bpf-out/lb.o")],
    { stdio: "inherit" },
  );

  const env = await startLoadBalancedLab({ object: join(ROOT, "bpf-out/lb.o"), backends: 3 });
  const { lab, lb, http, line, udp: udpVip } = env;
  try {
    console.log(
      `lab ${lab.prefix}: client ${lab.client.addr}, LB ${lab.lb.addr}, backends ${lab.backends.map((b) => `${b.name}=${b.addr}`).join(" ")}, VIP ${lab.vip}`,
    );
    console.log(
      `LB attached to ${lab.lb.ifname} in ${lab.lb.ns} (native XDP); VIPs ${lab.vip}:80/tcp, :81/tcp, :53/udp → ${lab.backends.length} backends`,
    );
    const names = lab.backends.map((b) => b.name);
    printLoad(
      `${REQUESTS} HTTP requests to ${lab.vip}:80, one TCP connection each`,
      await runLoad(lab, { requests: REQUESTS, concurrency: 16 }),
      names,
    );
    const udp = await runUdp(lab, 300);
    console.log(
      `\n300 UDP datagrams to ${lab.vip}:53, each from a socket connected to the VIP: ${udp.ok} answered, ${udp.failed} lost`,
    );
    console.log(table([["backend", "answers"], ...names.map((n) => [n, udp.byBackend[n] ?? 0])]));
    printLb(lb, lab);

    await compareForwardingModes(env, Math.round(REQUESTS / 3));

    // Long-lived flows, then a backend goes away.
    const sticky = await openStickyConnections(lab, STICKY_CONNECTIONS);
    const removed = lab.backends[1]!;
    lb.removeBackend(http, removed.addr);
    lb.removeBackend(line, removed.addr);
    lb.removeBackend(udpVip, removed.addr);
    console.log(`\nremoved ${removed.name} (${removed.addr}) from ${lab.vip}:80/tcp, :81/tcp and :53/udp`);
    const phase1 = sticky.before;
    const phase2 = { answers: await sticky.askAgain() };
    const moves: Record<string, number> = {};
    phase1.forEach((a, i) => {
      const b = phase2.answers[i]!;
      const key = a === b ? `${a}: stayed on ${a}` : `${a}: moved (${b})`;
      moves[key] = (moves[key] ?? 0) + 1;
    });
    console.log(`${STICKY_CONNECTIONS} open connections to ${lab.vip}:81, asked again after the removal:`);
    console.log(table([["connection was on → now", "count"], ...Object.entries(moves).sort()]));
    printLoad(
      `${Math.round(REQUESTS / 2)} new HTTP requests after removing ${removed.name}`,
      await runLoad(lab, { requests: Math.round(REQUESTS / 2), concurrency: 16 }),
      names,
    );
    printLb(lb, lab);
  } finally {
    lb.close();
    lab.destroy();
    console.log("\nlab removed");
  }
}

main().catch((e) => {
  console.error(`demo failed: ${(e as Error).message}`);
  process.exitCode = 1;
});
