// `tsbpf lb run` probing encapsulation VIPs through the tunnel (issue 17, item 1; docs/
// lb-operations.md "Probes through the tunnel"), real servers in network namespaces. The
// backends decapsulate IP-in-IP, hold the VIP on lo, and run their HTTP (:80), line (:81) and
// UDP (:54) servers bound to the VIP only: a probe to a backend's own address is refused, so
// a backend is up only while probes reach it through the tunnel, as clients' packets do — and
// a capture on a backend's link shows the probes inside IP-in-IP from the LB. One backend's
// servers are killed under HTTP load through the LB: HTTP, TCP and UDP probes take it out of
// the three VIPs within the configured time, only its own Maglev slots move, and no request
// whose flow hashes to a healthy backend fails; its servers come back and the probes restore
// it. SIGTERM ends the prober and detaches the tunnel program; the LB keeps forwarding.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createLab, type Lab } from "../../lb/lab/topology.ts";
import { DSR_VIP, setUpDsrBackends } from "../../lb/lab/dsr.ts";
import { ENCAP_VIP6, hostAddr6 } from "../../lb/lab/ipv6.ts";
import { runLoad } from "../../lb/lab/http.ts";
import { flowSlot, ipv4ToU32 } from "../../lb/flowhash.ts";
import { MAGLEV_M } from "../../lb/maps.ts";
import { LbRunProcess, tsbpfCli, vipTable, writeLbConfig } from "../support/lb-running.ts";
import { labScript, startServer } from "../../lb/lab/servers.ts";
import { scratchDir } from "../support/scratch.ts";
import { openRunningLb } from "../../bin/commands/lb.ts";

const PIN_DIR = `/sys/fs/bpf/tsbpf-lb-hctun-${process.pid}`;
const INTERVAL_MS = 500;
const TIMEOUT_MS = 500;
const RISE = 2;
const FALL = 3;
/** Slack for applying a change (a Maglev table rebuilt and written, each VIP in turn) on two
 *  cores shared by eight test runs; as in health-e2e.test.ts. */
const SLACK_MS = 8000;
const NOTICE_MS = FALL * INTERVAL_MS + TIMEOUT_MS + SLACK_MS;
/** The checked VIPs as the prober's log names them: IPv4 HTTP, TCP, UDP; IPv6 TCP, UDP. */
const VIPS = [
  `${DSR_VIP}:80/tcp`,
  `${DSR_VIP}:81/tcp`,
  `${DSR_VIP}:54/udp`,
  `[${ENCAP_VIP6}]:81/tcp`,
  `[${ENCAP_VIP6}]:54/udp`,
];
const reEscape = (text: string) => text.replace(/[.[\]]/g, "\\$&");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The name of the program a BPF link runs, or undefined if there is no such link. */
function linkProgram(id: number): string | undefined {
  const link = spawnSync("bpftool", ["-j", "link", "show", "id", String(id)], { encoding: "utf8" });
  if (link.status !== 0) return undefined;
  const progId = (JSON.parse(link.stdout) as { prog_id: number }).prog_id;
  const prog = spawnSync("bpftool", ["-j", "prog", "show", "id", String(progId)], { encoding: "utf8" });
  return (JSON.parse(prog.stdout) as { name: string }).name;
}

describeKernel("tsbpf lb run: encapsulation VIPs are health-checked through the tunnel", () => {
  let lab: Lab;
  let prober: LbRunProcess | undefined;
  /** The prober's tcx link (lb/healthcheck.ts on the LB's eth0 egress). */
  let linkId = 0;
  /** Per backend name: its three servers, bound to the VIP. */
  const servers = new Map<string, ChildProcess[]>();

  async function startServers(name: string) {
    const children = await Promise.all(
      [
        labScript("http-server.ts", name, "80", DSR_VIP),
        labScript("line-server.ts", name, "81", DSR_VIP),
        labScript("udp-echo.ts", name, "54", DSR_VIP),
        labScript("line-server.ts", name, "81", ENCAP_VIP6),
        labScript("udp-echo.ts", name, "54", ENCAP_VIP6),
      ].map((argv) => startServer(lab, name, argv)),
    );
    servers.set(name, children);
  }

  beforeAll(async () => {
    const object = join(scratchDir(), "lb.o");
    const hcObject = join(scratchDir(), "healthcheck.o");
    for (const [src, out] of [
      ["lb/lb.ts", object],
      ["lb/healthcheck.ts", hcObject],
    ] as const) {
      const built = tsbpfCli("build", src, "-o", out);
      expect(built.status, built.out).toBe(0);
    }
    lab = await createLab({ backends: 3 });
    await setUpDsrBackends(lab);
    // The LB's route to the VIPs leaves by eth0, as a default route to its gateway does (the
    // client's side stands for the rest of the network). Probes follow it to the tc program.
    await lab.exec("lb", ["ip", "route", "add", "default", "via", lab.client.addr]);
    // IPv6: addresses on the LB, the client (the LB's gateway) and the backends, which hold
    // ENCAP_VIP6 on lo (their decapsulation takes IPv6-in-IPv6 too).
    for (const h of [lab.client, lab.lb, ...lab.backends]) {
      await lab.exec(h.name, [
        "sysctl",
        "-qw",
        "net.ipv6.conf.all.disable_ipv6=0",
        "net.ipv6.conf.eth0.disable_ipv6=0",
      ]);
      await lab.exec(h.name, ["ip", "-6", "addr", "add", `${hostAddr6(h.addr)}/64`, "dev", "eth0", "nodad"]);
    }
    for (const b of lab.backends) {
      await lab.exec(b.name, ["sysctl", "-qw", "net.ipv6.conf.lo.disable_ipv6=0"]);
      await lab.exec(b.name, ["ip", "-6", "addr", "add", `${ENCAP_VIP6}/128`, "dev", "lo"]);
    }
    await lab.exec("lb", ["ip", "-6", "route", "add", "default", "via", hostAddr6(lab.client.addr)]);
    for (const b of lab.backends) await startServers(b.name);
    const backends = lab.backends.map((b) => ({ addr: b.addr, mac: b.mac }));
    const backends6 = lab.backends.map((b) => ({ addr: hostAddr6(b.addr), mac: b.mac }));
    const timing = { intervalMs: INTERVAL_MS, timeoutMs: TIMEOUT_MS, rise: RISE, fall: FALL };
    const config = writeLbConfig(join(scratchDir(), "lb-tunnel.json"), lab, {
      encapSource: lab.lb.addr,
      encapSource6: hostAddr6(lab.lb.addr),
      vips: [
        { vip: `${DSR_VIP}:80/tcp`, encap: true, backends, healthCheck: { type: "http", path: "/", ...timing } },
        { vip: `${DSR_VIP}:81/tcp`, encap: true, backends, healthCheck: { type: "tcp", ...timing } },
        {
          vip: `${DSR_VIP}:54/udp`,
          encap: true,
          backends,
          healthCheck: { type: "udp", payload: "ping", ...timing },
        },
        { vip: `[${ENCAP_VIP6}]:81/tcp`, encap: true, backends: backends6, healthCheck: { type: "tcp", ...timing } },
        {
          vip: `[${ENCAP_VIP6}]:54/udp`,
          encap: true,
          backends: backends6,
          healthCheck: { type: "udp", payload: "ping", ...timing },
        },
      ],
    });
    prober = new LbRunProcess(["--config", config, "--pin-dir", PIN_DIR, "--object", object, "--hc-object", hcObject]);
    await prober.waitFor(/probes of encapsulation VIPs go through the tunnel/, 0, 60_000);
    linkId = Number(/tcx link (\d+)/.exec(prober.lines(/tcx link/)[0]!)![1]);
    // Probing for a while: every backend stays up, though its servers listen on the VIP only.
    await sleep(FALL * INTERVAL_MS * 3);
    expect(prober.lines(/ down /)).toEqual([]);
  }, 180_000);

  afterAll(() => {
    prober?.dispose();
    if (existsSync(join(PIN_DIR, "link"))) tsbpfCli("lb", "stop", "--pin-dir", PIN_DIR);
    rmSync(PIN_DIR, { recursive: true, force: true });
    rmSync(`${PIN_DIR}-hc_stats`, { force: true });
    lab?.destroy();
  });

  it("the probes reach the backends inside IP-in-IP from the LB, addressed to the VIP; direct ones are refused", async () => {
    expect(linkProgram(linkId)).toBe("healthcheck");
    const be = lab.backends[0]!;
    // On the backend's link (before its XDP decapsulation): IP-in-IP from the LB whose inner
    // packet goes from the LB to the VIP — a probe (clients' packets come from the client).
    const hex = (a: string) => `0x${ipv4ToU32(a).toString(16).padStart(8, "0")}`;
    const filter = `ip proto 4 and ip src ${lab.lb.addr} and ip dst ${be.addr} and ip[32:4] = ${hex(lab.lb.addr)} and ip[36:4] = ${hex(DSR_VIP)}`;
    const capture = await lab.exec(
      lab.bridgeNs,
      ["timeout", "10", "tcpdump", "-n", "-c", "3", "-i", be.bridgePort, filter],
      { timeoutMs: 15_000 },
    );
    const lines = capture.stdout.trim().split("\n");
    expect(lines.length, capture.stdout + capture.stderr).toBe(3);
    for (const l of lines)
      expect(l).toMatch(
        new RegExp(
          `${lab.lb.addr} > ${be.addr}: IP ${lab.lb.addr}\\.\\d+ > ${DSR_VIP.replace(/\./g, "\\.")}\\.(80|81|54): `,
        ),
      );
    // IPv6: IPv6-in-IPv6 from the LB, inner from the LB to ENCAP_VIP6.
    const lb6 = hostAddr6(lab.lb.addr);
    const capture6 = await lab.exec(
      lab.bridgeNs,
      ["timeout", "10", "tcpdump", "-n", "-c", "2", "-i", be.bridgePort, `ip6 and ip6[6] = 41 and ip6 src ${lb6}`],
      { timeoutMs: 15_000 },
    );
    const lines6 = capture6.stdout.trim().split("\n");
    expect(lines6.length, capture6.stdout + capture6.stderr).toBe(2);
    for (const l of lines6)
      expect(l).toMatch(new RegExp(`${lb6} > ${hostAddr6(be.addr)}: IP6 ${lb6}\\.\\d+ > ${ENCAP_VIP6}\\.(81|54): `));
    // The same service asked at the backend's own address, from the LB: refused (bound to the VIP).
    const direct = await lab.exec("lb", ["timeout", "3", "bash", "-c", `exec 3<>/dev/tcp/${be.addr}/81`]).then(
      () => "connected",
      (e: Error) => e.message,
    );
    expect(direct).toMatch(/refused/i);
    // `lb stats` shows the tunnel's counters (hc_stats, which the prober pins beside the LB's pins):
    // at least the five probe packets captured above, none dropped.
    const stats = tsbpfCli("lb", "stats", "--pin-dir", PIN_DIR).out;
    const probes = /probe tunnel \(lb run\): (\d+) packets encapsulated, (\d+) dropped/.exec(stats);
    expect(probes, stats).not.toBeNull();
    expect(Number(probes![1])).toBeGreaterThanOrEqual(5);
    expect(probes![2]).toBe("0");
  }, 60_000);

  it("a backend whose servers stop is drained within the configured time and restored; no healthy flow fails", async () => {
    const vip80 = `${DSR_VIP}:80/tcp`;
    const victim = lab.backends[1]!;
    const victimId = (() => {
      const lb = openRunningLb(PIN_DIR);
      try {
        return lb.backends().find((b) => b.vip === vip80 && b.addr === victim.addr)!.id;
      } finally {
        lb.close();
      }
    })();
    const before = vipTable(PIN_DIR, vip80);
    const load = runLoad(lab, {
      host: DSR_VIP,
      requests: 20_000,
      concurrency: 4,
      durationMs: 20_000,
      deadlineMs: 40_000,
      timeoutMs: 2000,
      localPortBase: 10_000,
    });
    await sleep(1000);

    const mark = prober!.log.length;
    const killedAt = Date.now();
    for (const c of servers.get(victim.name)!) c.kill("SIGKILL");
    const downAt: number[] = [];
    for (const [i, vip] of VIPS.entries()) {
      const addr = i < 3 ? victim.addr : hostAddr6(victim.addr);
      downAt.push(
        await prober!.waitFor(new RegExp(`${reEscape(vip)} backend ${reEscape(addr)} down`), mark, NOTICE_MS + 10_000),
      );
    }
    for (const t of downAt) expect(t - killedAt).toBeLessThan(NOTICE_MS);
    const during = vipTable(PIN_DIR, vip80);
    let moved = 0;
    for (let s = 0; s < MAGLEV_M; s++) {
      if (before[s] === victimId) {
        expect(during[s]).not.toBe(victimId);
        moved++;
      } else if (during[s] !== before[s]) throw new Error(`slot ${s} of a healthy backend changed`);
    }
    expect(moved).toBeGreaterThan(MAGLEV_M / 5);
    const stats = tsbpfCli("lb", "stats", "--pin-dir", PIN_DIR).out;
    const victimRows = stats
      .split("\n")
      .filter((l) => l.includes(` ${victim.addr} `) || l.includes(` ${hostAddr6(victim.addr)} `));
    expect(victimRows.length, stats).toBe(5);
    for (const row of victimRows) expect(row).toMatch(/\sdown\s+0\s/);

    await sleep(1500);
    const mark2 = prober!.log.length;
    await startServers(victim.name);
    const restartedAt = Date.now();
    const upAt: number[] = [];
    for (const [i, vip] of VIPS.entries()) {
      const addr = i < 3 ? victim.addr : hostAddr6(victim.addr);
      upAt.push(
        await prober!.waitFor(new RegExp(`${reEscape(vip)} backend ${reEscape(addr)} up`), mark2, NOTICE_MS + 10_000),
      );
    }
    for (const t of upAt) expect(t - restartedAt).toBeLessThan(RISE * INTERVAL_MS + TIMEOUT_MS + SLACK_MS);
    expect(vipTable(PIN_DIR, vip80)).toEqual(before);

    const report = await load;
    const client = ipv4ToU32(lab.client.addr);
    const vip = ipv4ToU32(DSR_VIP);
    for (const f of report.failures ?? [])
      expect(before[flowSlot(client, vip, f.port, 80, 6)], `failed request from port ${f.port}: ${f.code}`).toBe(
        victimId,
      );
    expect(report.ok).toBeGreaterThan(200);
    for (const b of lab.backends) if (b !== victim) expect(report.byBackend[b.name] ?? 0).toBeGreaterThan(0);
    const after = await runLoad(lab, { host: DSR_VIP, requests: 300, concurrency: 8, localPortBase: 40_000 });
    expect(after.errors).toEqual({});
    for (const b of lab.backends) expect(after.byBackend[b.name] ?? 0).toBeGreaterThan(50);
    console.log(
      `tunnel health cycle: down after ${downAt.map((t) => t - killedAt).join("/")} ms, up after ${upAt
        .map((t) => t - restartedAt)
        .join("/")} ms (http/tcp/udp, IPv6 tcp/udp); load ${report.ok} ok, ${report.failed} failed ${JSON.stringify(
        report.errors,
      )}; ${moved} slots moved`,
    );
  }, 180_000);

  it("SIGTERM stops the prober, detaches the tunnel program and leaves the LB forwarding", async () => {
    expect(await prober!.stop()).toBe(0);
    expect(linkProgram(linkId)).toBeUndefined();
    expect(existsSync(`${PIN_DIR}-hc_stats`)).toBe(false);
    expect(tsbpfCli("lb", "stats", "--pin-dir", PIN_DIR).out).not.toMatch(/probe tunnel/);
    const report = await runLoad(lab, { host: DSR_VIP, requests: 150, concurrency: 8 });
    expect(report.errors).toEqual({});
    expect(Object.keys(report.byBackend).sort()).toEqual(["be1", "be2", "be3"]);
  }, 60_000);
});
