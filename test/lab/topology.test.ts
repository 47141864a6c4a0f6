// The lab builds the documented topology, its hosts reach each other, and
// destroy() / sweepStaleLabs() leave no namespace behind.
import { execFileSync, spawnSync } from "node:child_process";
import { afterAll, beforeAll, expect, test } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { createLab, listNamespaces, sweepStaleLabs, type Lab } from "../../lb/lab/topology.ts";

// A ping without iputils-ping (not on every machine): a TCP SYN to a closed
// port is answered with a RST, so ECONNREFUSED proves the round trip; no
// answer or an ICMP error (EHOSTUNREACH, ENETUNREACH) means unreachable.
const PROBE = `
const s = require("net").connect({ host: process.argv[1], port: 9 });
s.setTimeout(2000, () => process.exit(3));
s.on("connect", () => process.exit(0));
s.on("error", (e) => process.exit(e.code === "ECONNREFUSED" ? 0 : 2));
`;
const ping = (lab: Lab, from: string, to: string) =>
  lab.exec(from, [process.execPath, "-e", PROBE, to], { timeoutMs: 5000 });

describeKernel("lab topology", () => {
  let lab: Lab;
  beforeAll(async () => {
    sweepStaleLabs();
    lab = await createLab({ backends: 3 });
  });
  afterAll(() => lab?.destroy());

  test("the bridge is a plain wire: no netfilter on bridged frames (bridge-nf-call-* = 0)", () => {
    for (const family of ["iptables", "ip6tables", "arptables"]) {
      const r = spawnSync(
        "ip",
        ["netns", "exec", lab.bridgeNs, "sysctl", "-n", `net.bridge.bridge-nf-call-${family}`],
        {
          encoding: "utf8",
        },
      );
      // Without br_netfilter the sysctl does not exist, and bridged frames skip netfilter anyway.
      if (r.status === 0) expect(r.stdout.trim(), family).toBe("0");
    }
  });

  test("creates one namespace per host plus the bridge, all prefixed", () => {
    expect(lab.namespaces).toEqual([
      `${lab.prefix}-br`,
      `${lab.prefix}-client`,
      `${lab.prefix}-lb`,
      `${lab.prefix}-be1`,
      `${lab.prefix}-be2`,
      `${lab.prefix}-be3`,
    ]);
    expect(lab.prefix).toMatch(new RegExp(`^tsbpf-${process.pid}-\\d+$`));
    const present = listNamespaces();
    for (const ns of lab.namespaces) expect(present).toContain(ns);
  });

  test("hosts have the advertised addresses and MACs", async () => {
    for (const h of Object.values(lab.hosts)) {
      const [link] = JSON.parse((await lab.exec(h.name, ["ip", "-j", "addr", "show", h.ifname])).stdout);
      expect(link.address).toBe(h.mac);
      expect(link.addr_info.map((a: { local: string }) => a.local)).toContain(h.addr);
    }
  });

  test("LB reaches every backend; client and backends reach the LB", async () => {
    await Promise.all([
      ...lab.backends.map((be) => ping(lab, "lb", be.addr)),
      ...lab.backends.map((be) => ping(lab, be.name, lab.lb.addr)),
      ping(lab, "client", lab.lb.addr),
    ]);
  });

  test("client routes the VIP via the LB; backends route the client via the LB", async () => {
    const via = async (ns: string, dst: string) =>
      JSON.parse((await lab.exec(ns, ["ip", "-j", "route", "get", dst])).stdout)[0].gateway;
    expect(await via("client", lab.vip)).toBe(lab.lb.addr);
    for (const be of lab.backends) expect(await via(be.name, lab.client.addr)).toBe(lab.lb.addr);
  });

  test("client reaches a backend directly, and the backend's reply comes back through the LB", async () => {
    await ping(lab, "client", lab.backends[1]!.addr);
  });

  test("with no XDP program on the LB, the VIP is unreachable (nothing else answers for it)", async () => {
    await expect(ping(lab, "client", lab.vip)).rejects.toThrow();
  });

  test("the LB's bridge port carries the XDP_PASS program that native XDP_TX needs", () => {
    const [link] = JSON.parse(
      execFileSync("ip", ["-n", lab.bridgeNs, "-j", "link", "show", lab.lb.bridgePort], { encoding: "utf8" }),
    );
    expect(link.xdp?.mode).toBe(1); // XDP_ATTACHED_DRV
  });

  test("destroy() removes every namespace and is idempotent", () => {
    const names = lab.namespaces;
    lab.destroy();
    lab.destroy();
    const left = listNamespaces();
    for (const ns of names) expect(left).not.toContain(ns);
  });
});

test("sweepStaleLabs() removes namespaces of a process that is gone, not of live ones", async () => {
  const dead = spawnSync("true").pid!; // a pid that has just exited
  const stale = `tsbpf-${dead}-0-client`;
  execFileSync("ip", ["netns", "add", stale]);
  const live = await createLab({ backends: 1 });
  try {
    expect(sweepStaleLabs()).toContain(stale);
    const left = listNamespaces();
    expect(left).not.toContain(stale);
    for (const ns of live.namespaces) expect(left).toContain(ns);
  } finally {
    live.destroy();
    spawnSync("ip", ["netns", "del", stale]);
  }
});

test("createLab rejects a bad backend count before touching the system", async () => {
  await expect(createLab({ backends: 0 })).rejects.toThrow(/backends must be/);
});
