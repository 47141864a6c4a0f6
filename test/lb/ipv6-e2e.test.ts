// IPv6 end to end, issue 16 item 2: real TCP and UDP from the client to two IPv6 VIPs, one
// served by DNAT with reverse NAT through the LB, one by IPv6-in-IPv6 encapsulation with
// backends that decapsulate (lb/lab/decap.ts) and answer directly. The Linux stacks
// on both ends check every checksum (the lab's veths compute them in full, no offload).
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../../compiler/index.ts";
import { runLoad } from "../../lb/lab/http.ts";
import { CT_CLOSING } from "../../lb/maps.ts";
import { startLoadBalancedLab, type LoadBalancedLab } from "../../lb/lab/load-balanced.ts";
import { ENCAP_VIP6, enableIpv6, hostAddr6, VIP6, type Ipv6Vips } from "../../lb/lab/ipv6.ts";
import { formatIpv6 } from "../../lb/ipv6.ts";
import { ROOT } from "../runtime/helpers.ts";
import { scratchDir } from "../support/scratch.ts";
import { startCapture } from "../support/capture.ts";

describeKernel("LB IPv6 end to end (DNAT and IPv6-in-IPv6, 3 backends)", () => {
  let env: LoadBalancedLab;
  let vips: Ipv6Vips;

  beforeAll(async () => {
    const result = compile(join(ROOT, "lb/lb.ts"));
    expect(result.diagnostics).toEqual([]);
    const object = join(scratchDir(), "lb-ipv6-e2e.o");
    writeFileSync(object, result.object!);
    env = await startLoadBalancedLab({ object, backends: 3 });
    vips = await enableIpv6(env);
  }, 120_000);
  afterAll(() => env?.destroy());

  const udp = async (host: string, port: number, count: number) => {
    const { stdout } = await env.lab.exec(
      "client",
      [process.execPath, "--import", "tsx", join(ROOT, "lb/lab/udp-client.ts"), host, String(port), String(count)],
      { timeoutMs: 60_000, cwd: ROOT },
    );
    return JSON.parse(stdout) as { ok: number; failed: number; byBackend: Record<string, number> };
  };

  it("DNAT: 300 HTTP connections over IPv6, spread over the backends, replies reverse-NATed", async () => {
    // From fixed client ports (below the ephemeral range): the same 300 flows every run, so the
    // spread is a fact of the hash and the table, not a draw (from ephemeral ports a run outside
    // ±30% is a 3.7σ event, about one run in 1,400).
    const report = await runLoad(env.lab, { host: VIP6, requests: 300, concurrency: 8, localPortBase: 20_000 });
    expect(report.errors).toEqual({});
    expect(report.ok).toBe(300);
    for (const b of env.lab.backends) {
      const n = report.byBackend[b.name] ?? 0;
      expect(n, `${b.name} got ${n}`).toBeGreaterThanOrEqual(100 * 0.7);
      expect(n, `${b.name} got ${n}`).toBeLessThanOrEqual(100 * 1.3);
    }
    const tracked = [...env.lb.maps.conntrack6.entries()].filter(([k]) => formatIpv6(k.daddr) === VIP6);
    expect(tracked.length).toBeGreaterThan(100);
    const backends6 = env.lab.backends.map((b) => hostAddr6(b.addr));
    const rnat = [...env.lb.maps.rnat6.entries()].map(([k]) => formatIpv6(k.backendAddr));
    expect(rnat.length).toBeGreaterThan(100);
    for (const a of rnat) expect(backends6).toContain(a);
    const stats = env.lb.stats().find((s) => s.vip === `[${VIP6}]:80/tcp`)!;
    expect(stats.forwarding).toBe("dnat");
    expect(Number(stats.packets)).toBeGreaterThanOrEqual(300 * 3);
  }, 120_000);

  it("DNAT: UDP datagrams over IPv6 answered from the VIP", async () => {
    const report = await udp(VIP6, 53, 150);
    expect(report.failed).toBe(0);
    expect(report.ok).toBe(150);
    expect(Object.keys(report.byBackend).sort()).toEqual(env.lab.backends.map((b) => b.name).sort());
  }, 60_000);

  it("encapsulation: 300 HTTP connections over IPv6 answered directly by the backends", async () => {
    const rnatBefore = [...env.lb.maps.rnat6.entries()].length;
    const capture = await startCapture(env.lab, "client", [
      "-i",
      "eth0",
      "-nn",
      "-e",
      "ip6",
      "and",
      "src",
      "host",
      ENCAP_VIP6,
    ]);
    const report = await runLoad(env.lab, { host: ENCAP_VIP6, requests: 300, concurrency: 8 });
    const captured = await capture.stop();
    expect(report.errors).toEqual({});
    expect(report.ok).toBe(300);
    expect(Object.keys(report.byBackend).sort()).toEqual(env.lab.backends.map((b) => b.name).sort());
    // Every reply came from a backend's MAC, none from the LB's: direct server return.
    const sources = new Set(
      captured
        .split("\n")
        .filter((l) => l.includes(`${ENCAP_VIP6}.80 >`))
        .map((l) => l.split(" ")[1]),
    );
    expect(sources.size).toBeGreaterThan(0);
    for (const mac of sources) expect(env.lab.backends.map((b) => b.mac)).toContain(mac);
    const tracked = () =>
      [...env.lb.maps.conntrack6.entries()].filter(([k]) => formatIpv6(k.daddr) === ENCAP_VIP6 && k.dport === 80);
    expect(tracked().length).toBeGreaterThan(100);
    // The last connections' FINs may still be on their way through the veths when the load's
    // process has ended (a busy machine leaves softirq work to ksoftirqd): a few seconds for them.
    const open = () => tracked().filter(([, v]) => v.state !== CT_CLOSING);
    await expect.poll(open, { timeout: 5000 }).toEqual([]);
    expect([...env.lb.maps.rnat6.entries()].length).toBe(rnatBefore);
    expect(env.lb.stats().find((s) => s.vip === `[${ENCAP_VIP6}]:80/tcp`)!.forwarding).toBe("encap");
  }, 120_000);

  it("encapsulation: UDP datagrams over IPv6 answered directly from the VIP", async () => {
    const report = await udp(ENCAP_VIP6, vips.encapUdp.port, 150);
    expect(report.failed).toBe(0);
    expect(report.ok).toBe(150);
    expect(Object.keys(report.byBackend).sort()).toEqual(env.lab.backends.map((b) => b.name).sort());
  }, 60_000);

  it("leaves the IPv4 DNAT VIP working beside them", async () => {
    const report = await runLoad(env.lab, { requests: 100, concurrency: 8 });
    expect(report.errors).toEqual({});
    expect(report.ok).toBe(100);
  }, 60_000);
});
