// `tsbpf lb` in a lab: start from a config file, drain and weight backends, stats, stop.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLab, type Lab } from "../../lb/lab/topology.ts";
import { runLoad, startBackendServers } from "../../lb/lab/http.ts";
import { openStickyConnections } from "../../lb/lab/load-balanced.ts";
import { ROOT } from "../runtime/helpers.ts";
import { tsbpfCli, writeLbConfig } from "../support/lb-running.ts";
import { labScript, startServer } from "../../lb/lab/servers.ts";
import { scratchDir } from "../support/scratch.ts";
import { openRunningLb } from "../../bin/commands/lb.ts";
import { lbPaths } from "../../lb/persist.ts";

const PIN_DIR = `/sys/fs/bpf/tsbpf-lb-test-${process.pid}`;

/** Tracked flows of the running LB: 5-tuple → backend id. */
function trackedFlows(): Map<string, number> {
  const lb = openRunningLb(PIN_DIR);
  try {
    return new Map(
      lb.maps.conntrack
        .entries()
        .map(([k, v]) => [`${k.saddr}:${k.sport}>${k.daddr}:${k.dport}/${k.proto}`, v.backend]),
    );
  } finally {
    lb.close();
  }
}

function backendId(addr: string): number {
  const lb = openRunningLb(PIN_DIR);
  try {
    return lb.backends().find((b) => b.addr === addr)!.id;
  } finally {
    lb.close();
  }
}

describeKernel("tsbpf lb (CLI and control plane)", () => {
  let lab: Lab;
  let vip80: string, vip81: string;

  beforeAll(async () => {
    const object = join(scratchDir(), "lb.o");
    execFileSync(process.execPath, [join(ROOT, "bin/tsbpf.js"), "build", "lb/lb.ts", "-o", object], { cwd: ROOT });
    lab = await createLab({ backends: 3 });
    await startBackendServers(lab, { port: 80 });
    for (const b of lab.backends) await startServer(lab, b.name, labScript("line-server.ts", b.name, "81"));
    vip80 = `${lab.vip}:80/tcp`;
    vip81 = `${lab.vip}:81/tcp`;
    const config = join(mkdtempSync(join(tmpdir(), "tsbpf-lb-")), "lb.json");
    const backends = lab.backends.map((b) => ({ addr: b.addr, mac: b.mac }));
    writeLbConfig(config, lab, {
      vips: [
        { vip: vip80, backends },
        { vip: vip81, backends },
      ],
    });
    const r = tsbpfCli("lb", "start", "--config", config, "--pin-dir", PIN_DIR, "--object", object);
    expect(r.out).toContain("LB attached");
    expect(r.status).toBe(0);
  }, 120_000);

  afterAll(() => {
    if (existsSync(join(PIN_DIR, "link"))) tsbpfCli("lb", "stop", "--pin-dir", PIN_DIR);
    lab?.destroy();
  });

  it("balances real HTTP after `lb start` exits, and reports stats", async () => {
    const report = await runLoad(lab, { requests: 300, concurrency: 16 });
    expect(report.errors).toEqual({});
    expect(Object.keys(report.byBackend).sort()).toEqual(["be1", "be2", "be3"]);
    const stats = tsbpfCli("lb", "stats", "--pin-dir", PIN_DIR);
    expect(stats.status).toBe(0);
    const line = stats.out.split("\n").find((l) => l.startsWith(vip80))!;
    expect(Number(line.split(/\s+/)[1])).toBeGreaterThanOrEqual(1200); // ≥ 4 packets per connection
  }, 120_000);

  it("`lb stats` counts what the ICMP paths did: three pings to a VIP with --echo, three echo replies", async () => {
    const echoVip = `${lab.vip}:7/udp`;
    const icmpRow = (family: 4 | 6) =>
      new RegExp(`^IPv${family}\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)$`, "m")
        .exec(tsbpfCli("lb", "stats", "--pin-dir", PIN_DIR).out)
        ?.slice(1)
        .map(Number);
    const before = icmpRow(4);
    expect(before).toHaveLength(4);
    expect(tsbpfCli("lb", "vip", "add", echoVip, "--echo", "--pin-dir", PIN_DIR).status).toBe(0);
    try {
      const ping = await lab.exec("client", ["ping", "-c", "3", "-i", "0.2", "-W", "1", lab.vip], {
        timeoutMs: 10_000,
      });
      expect(ping.stdout).toMatch(/3 received/);
      expect(icmpRow(4)).toEqual([before![0]! + 3, ...before!.slice(1)]);
      expect(icmpRow(6)).toEqual([0, 0, 0, 0]);
    } finally {
      tsbpfCli("lb", "vip", "remove", echoVip, "--pin-dir", PIN_DIR);
    }
  }, 60_000);

  it("a drained backend keeps its tracked flows and gets no new ones", async () => {
    const sticky = await openStickyConnections(lab, 24);
    const drained = sticky.before[0]!;
    const addr = lab.hosts[drained]!.addr;
    const trackedBefore = trackedFlows();
    for (const v of [vip80, vip81])
      expect(tsbpfCli("lb", "backend", "drain", v, addr, "--pin-dir", PIN_DIR).status).toBe(0);
    expect(await sticky.askAgain()).toEqual(sticky.before);
    const report = await runLoad(lab, { requests: 200, concurrency: 16 });
    expect(report.errors).toEqual({});
    // Entries are never deleted (LB_ABI), so a new connection that happens to reuse an old
    // connection's source port is that tracked flow again: the only flows the drained backend
    // may get are ones it was tracked for before the drain.
    const drainedId = backendId(addr);
    for (const [flow, id] of trackedFlows())
      if (id === drainedId) expect(trackedBefore.get(flow), flow).toBe(drainedId);
    expect(report.byBackend[drained] ?? 0).toBeLessThanOrEqual(report.ok * 0.1);
    const stats = tsbpfCli("lb", "stats", "--pin-dir", PIN_DIR).out;
    expect(stats).toMatch(
      new RegExp(`${vip80.replace(/[./]/g, "\\$&")}\\s+${addr.replace(/\./g, "\\.")}\\s+\\d+\\s+1\\s+drained\\s+0\\s`),
    );
  }, 120_000);

  it("weights shift new flows in proportion", async () => {
    const [a, b, c] = lab.backends;
    // Undo the drain by removing and re-adding with weights 3:1:0-ish.
    for (const host of [a!, b!, c!]) tsbpfCli("lb", "backend", "remove", vip80, host.addr, "--pin-dir", PIN_DIR);
    expect(
      tsbpfCli("lb", "backend", "add", vip80, a!.addr, "--mac", a!.mac, "--weight", "3", "--pin-dir", PIN_DIR).status,
    ).toBe(0);
    expect(
      tsbpfCli("lb", "backend", "add", vip80, b!.addr, "--mac", b!.mac, "--weight", "1", "--pin-dir", PIN_DIR).status,
    ).toBe(0);
    const report = await runLoad(lab, { requests: 400, concurrency: 16 });
    expect(report.errors).toEqual({});
    const share = (report.byBackend[a!.name] ?? 0) / report.ok;
    expect(share).toBeGreaterThan(0.65);
    expect(share).toBeLessThan(0.85);
    expect(report.byBackend[c!.name] ?? 0).toBe(0);
  }, 120_000);

  it("IPv6 VIPs and backends: added, shown by `lb stats` in their maps, removed (docs/lb-abi.md, IPv6)", () => {
    const pin = ["--pin-dir", PIN_DIR];
    const vip6 = "[fd00:100::9]:80/tcp";
    const [a, b] = lab.backends;
    expect(tsbpfCli("lb", "vip", "add", vip6, ...pin).out).toMatch(/has index \d+/);
    expect(tsbpfCli("lb", "backend", "add", vip6, "FD00::B", "--mac", a!.mac, ...pin).out).toMatch(
      /fd00::b has id \d+/i,
    );
    expect(tsbpfCli("lb", "backend", "add", vip6, "fd00::c", "--mac", b!.mac, "--weight", "2", ...pin).status).toBe(0);
    // The families stay apart: no IPv4 backend for an IPv6 VIP; an encapsulation VIP needs its source.
    const mixed = tsbpfCli("lb", "backend", "add", vip6, a!.addr, "--mac", a!.mac, ...pin);
    expect(mixed.status).not.toBe(0);
    expect(mixed.out).toContain("the LB does not translate between them");
    const encap = tsbpfCli("lb", "vip", "add", "[fd00:100::a]:80/tcp", "--encap", ...pin);
    expect(encap.status).not.toBe(0);
    expect(encap.out).toContain("encapSource6");
    expect(tsbpfCli("lb", "encap-source", "fd00::1", ...pin).out).toContain("fd00::1");
    expect(tsbpfCli("lb", "vip", "add", "[fd00:100::a]:80/tcp", "--encap", ...pin).status).toBe(0);
    const stats = tsbpfCli("lb", "stats", ...pin).out;
    expect(stats).toMatch(/\[fd00:100::9\]:80\/tcp\s+0\s+0\s+dnat/);
    expect(stats).toMatch(/\[fd00:100::a\]:80\/tcp\s+0\s+0\s+encap/);
    expect(stats).toMatch(/\[fd00:100::9\]:80\/tcp\s+fd00::b\s+\d+\s+1\s+active\s+\d+\s+0/);
    expect(stats).toMatch(/\[fd00:100::9\]:80\/tcp\s+fd00::c\s+\d+\s+2\s+active\s+\d+\s+0/);
    const lb = openRunningLb(PIN_DIR);
    try {
      expect([...lb.maps.vips6.entries()].length).toBe(2);
      const live = [...lb.maps.backends6.entries()].filter(([, v]) => v.addr.w0 !== 0);
      expect(live.map(([, v]) => v.addr)).toEqual([
        { w0: 0xfd000000, w1: 0, w2: 0, w3: 0xb },
        { w0: 0xfd000000, w1: 0, w2: 0, w3: 0xc },
      ]);
      expect(lb.maps.encap6.lookup(0)!.saddr).toEqual({ w0: 0xfd000000, w1: 0, w2: 0, w3: 1 });
    } finally {
      lb.close();
    }
    expect(tsbpfCli("lb", "backend", "remove", vip6, "fd00:0::b", ...pin).status).toBe(0);
    for (const v of [vip6, "[fd00:100::a]:80/tcp"]) expect(tsbpfCli("lb", "vip", "remove", v, ...pin).status).toBe(0);
    const after = openRunningLb(PIN_DIR);
    try {
      expect([...after.maps.vips6.entries()]).toEqual([]);
      expect([...after.maps.backends6.entries()].filter(([, v]) => v.addr.w0 !== 0)).toEqual([]);
    } finally {
      after.close();
    }
  });

  it("ICMP options (docs/lb-abi.md, ICMP): `vip add --echo` makes pings answered, `--pmtu` flags the VIP, `lb mtu`", async () => {
    const pin = ["--pin-dir", PIN_DIR];
    const ping = async () =>
      lab
        .exec("client", ["ping", "-c", "2", "-i", "0.2", "-W", "1", lab.vip], { timeoutMs: 10_000 })
        .then((r) => Number(/(\d+) received/.exec(r.stdout)?.[1]))
        .catch(() => 0);
    expect(tsbpfCli("lb", "mtu", ...pin).out).toContain("not set");
    const small = tsbpfCli("lb", "mtu", "1000", ...pin);
    expect(small.status).not.toBe(0);
    expect(small.out).toContain('<bytes>: expected a whole number 1320..65535 (bytes), got "1000"');
    expect(tsbpfCli("lb", "mtu", "1500", ...pin).out).toContain("1500");
    expect(await ping()).toBe(0);
    expect(tsbpfCli("lb", "vip", "add", `${lab.vip}:7/udp`, "--echo", ...pin).status).toBe(0);
    expect(tsbpfCli("lb", "vip", "add", `${lab.vip}:9/udp`, "--pmtu", ...pin).status).toBe(0);
    expect(await ping()).toBe(2);
    const lb = openRunningLb(PIN_DIR);
    try {
      const flags = new Map([...lb.maps.vips.entries()].map(([k, v]) => [`${k.port}/${k.proto}`, v.flags]));
      expect(flags.get("0/1")).toBe(2); // the address's ICMP entry: VIP_F_ECHO
      expect(flags.get("7/17")).toBe(0);
      expect(flags.get("9/17")).toBe(4); // VIP_F_PMTU
      expect(lb.maps.pmtu.lookup(0)).toEqual({ mtu: 1500 });
      expect(lb.mtu()).toBe(1500);
    } finally {
      lb.close();
    }
    for (const port of [7, 9]) expect(tsbpfCli("lb", "vip", "remove", `${lab.vip}:${port}/udp`, ...pin).status).toBe(0);
    expect(await ping()).toBe(0);
  }, 60_000);

  it("`lb stop` detaches and removes pins, state and lock; commands then say no LB runs", () => {
    expect(tsbpfCli("lb", "stop", "--pin-dir", PIN_DIR).status).toBe(0);
    expect(existsSync(PIN_DIR)).toBe(false);
    const r = tsbpfCli("lb", "stats", "--pin-dir", PIN_DIR);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain("no LB running");
    expect(r.out).not.toMatch(/\n\s+at /); // no stack trace
    // Nothing left in /run/tsbpf-lb either: the lock goes with the LB.
    expect(existsSync(lbPaths(PIN_DIR).state)).toBe(false);
    expect(existsSync(lbPaths(PIN_DIR).lock)).toBe(false);
  });
});
