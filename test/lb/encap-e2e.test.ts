// Encapsulation mode (direct server return) end to end, issue 16: real TCP and UDP from the
// client to an encapsulation VIP; the LB sends each packet IP-in-IP to a backend, which
// decapsulates it (lb/lab/decap.ts), holds the VIP on lo and answers the client
// directly. The Linux stacks on both ends check every checksum of the inner packets.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../../compiler/index.ts";
import { runLoad } from "../../lb/lab/http.ts";
import { CT_CLOSING } from "../../lb/maps.ts";
import { startLoadBalancedLab, type LoadBalancedLab } from "../../lb/lab/load-balanced.ts";
import { DSR_UDP_PORT, DSR_VIP, enableDirectServerReturn, type DsrVips } from "../../lb/lab/dsr.ts";
import { ROOT } from "../runtime/helpers.ts";
import { scratchDir } from "../support/scratch.ts";
import { startCapture } from "../support/capture.ts";

describeKernel("LB encapsulation mode end to end (direct server return, 3 backends)", () => {
  let env: LoadBalancedLab;
  let dsr: DsrVips;

  beforeAll(async () => {
    const result = compile(join(ROOT, "lb/lb.ts"));
    expect(result.diagnostics).toEqual([]);
    const object = join(scratchDir(), "lb-encap-e2e.o");
    writeFileSync(object, result.object!);
    env = await startLoadBalancedLab({ object, backends: 3 });
    dsr = await enableDirectServerReturn(env);
  }, 120_000);
  afterAll(() => env?.destroy());

  it("carries 600 HTTP connections, spread within ±20% of even, answered directly by the backends", async () => {
    const rnatBefore = [...env.lb.maps.rnat.entries()].length;
    // Capture what reaches the client from the VIP: the backends' replies.
    const capture = await startCapture(env.lab, "client", ["-i", "eth0", "-nn", "-e", "src", "host", DSR_VIP]);
    // From fixed client ports (below the ephemeral range): the same 600 flows every run, so the
    // spread is a fact of the hash and the table, not a draw. From ephemeral ports, a run outside
    // ±20% is a 3.5σ event, about one run in 600.
    const report = await runLoad(env.lab, { host: DSR_VIP, requests: 600, concurrency: 16, localPortBase: 20_000 });
    const captured = await capture.stop();
    expect(report.errors).toEqual({});
    expect(report.ok).toBe(600);
    for (const b of env.lab.backends) {
      const n = report.byBackend[b.name] ?? 0;
      expect(n, `${b.name} got ${n}`).toBeGreaterThanOrEqual(200 * 0.8);
      expect(n, `${b.name} got ${n}`).toBeLessThanOrEqual(200 * 1.2);
    }
    // Every reply came from a backend's MAC, none from the LB's: direct server return.
    const sources = new Set(
      captured
        .split("\n")
        .filter((l) => l.includes(`${DSR_VIP}.80 >`))
        .map((l) => l.split(" ")[1]),
    );
    expect(sources.size).toBeGreaterThan(0);
    const backendMacs = env.lab.backends.map((b) => b.mac);
    for (const mac of sources) expect(backendMacs).toContain(mac);
    // The flows are tracked (a client port reused after its connection closed is the same
    // flow), each closed (CLOSING: the client's FIN), with no reverse-NAT state.
    const tracked = () =>
      [...env.lb.maps.conntrack.entries()].filter(([k]) => k.daddr === 0x0a640002 && k.dport === 80);
    expect(tracked().length).toBeGreaterThan(300);
    // The last connections' FINs may still be on their way through the veths when the load's
    // process has ended (a busy machine leaves softirq work to ksoftirqd): a few seconds for them.
    const open = () => tracked().filter(([, v]) => v.state !== CT_CLOSING);
    await expect.poll(open, { timeout: 5000 }).toEqual([]);
    expect([...env.lb.maps.rnat.entries()].length).toBe(rnatBefore);
    const stats = env.lb.stats().find((s) => s.vip === `${DSR_VIP}:80/tcp`)!;
    expect(stats.forwarding).toBe("encap");
    expect(Number(stats.packets)).toBeGreaterThanOrEqual(600 * 3);
  }, 120_000);

  it("answers UDP datagrams from the VIP, directly", async () => {
    const { stdout } = await env.lab.exec(
      "client",
      [process.execPath, "--import", "tsx", join(ROOT, "lb/lab/udp-client.ts"), DSR_VIP, String(DSR_UDP_PORT), "300"],
      { timeoutMs: 60_000, cwd: ROOT },
    );
    const report = JSON.parse(stdout) as { ok: number; failed: number; byBackend: Record<string, number> };
    expect(report.failed).toBe(0);
    expect(report.ok).toBe(300);
    expect(Object.keys(report.byBackend).sort()).toEqual(env.lab.backends.map((b) => b.name).sort());
    expect(dsr.udp.port).toBe(DSR_UDP_PORT);
  }, 60_000);

  it("leaves the DNAT VIP working beside it", async () => {
    const report = await runLoad(env.lab, { requests: 200, concurrency: 8 });
    expect(report.errors).toEqual({});
    expect(report.ok).toBe(200);
  }, 60_000);
});
