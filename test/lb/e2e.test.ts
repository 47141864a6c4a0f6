// End to end: the TS load balancer in network namespaces, with real TCP through the VIP.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../../compiler/index.ts";
import { runLoad } from "../../lb/lab/http.ts";
import {
  openStickyConnections,
  runUdp,
  startLoadBalancedLab,
  type LoadBalancedLab,
} from "../../lb/lab/load-balanced.ts";
import { ROOT } from "../runtime/helpers.ts";
import { scratchDir } from "../support/scratch.ts";

describeKernel("LB end to end (native XDP on veth, 3 backends)", () => {
  let env: LoadBalancedLab;

  beforeAll(async () => {
    const result = compile(join(ROOT, "lb/lb.ts"));
    expect(result.diagnostics).toEqual([]);
    const object = join(scratchDir(), "lb-e2e.o");
    writeFileSync(object, result.object!);
    env = await startLoadBalancedLab({ object, backends: 3 });
    // A closed flow's entries go a grace period after its last packet; a loaded run lasts
    // longer than the default 10 s, and the flow count below counts closed flows too.
    env.lb.setTimeouts({ tcpClosing: 600 });
  }, 120_000);
  afterAll(() => env?.destroy());

  it("carries 1000 HTTP connections with no failure, spread within ±20% of even", async () => {
    const report = await runLoad(env.lab, { requests: 1000, concurrency: 16 });
    expect(report.errors).toEqual({});
    expect(report.ok).toBe(1000);
    const even = 1000 / 3;
    for (const b of env.lab.backends) {
      const n = report.byBackend[b.name] ?? 0;
      expect(n, `${b.name} got ${n}`).toBeGreaterThanOrEqual(even * 0.8);
      expect(n, `${b.name} got ${n}`).toBeLessThanOrEqual(even * 1.2);
    }
    const [http] = env.lb.stats();
    // At least SYN, ACK+request, ACK, FIN per connection went through the forward path.
    expect(http!.packets).toBeGreaterThanOrEqual(4000n);
    // One tracked flow per connection, except where the client reused a source port (same 5-tuple)
    // or a flow's last packet (a late RST) came after its grace period.
    const flows = env.lb
      .backends()
      .filter((b) => b.vip.endsWith(":80/tcp"))
      .reduce((a, b) => a + b.flows, 0);
    expect(flows).toBeLessThanOrEqual(1000);
    expect(flows).toBeGreaterThanOrEqual(900);
  }, 120_000);

  it("carries UDP both ways: replies come from the VIP with valid checksums (connected sockets accept nothing else)", async () => {
    const report = await runUdp(env.lab, 300);
    expect(report.errors).toEqual({});
    expect(report.ok).toBe(300);
    for (const b of env.lab.backends) expect(report.byBackend[b.name] ?? 0).toBeGreaterThanOrEqual((300 / 3) * 0.6);
    const udp = env.lb.stats().find((s) => s.vip.endsWith("/udp"))!;
    expect(udp.packets).toBe(300n);
  }, 120_000);

  it("keeps each flow on its backend, and after a backend is removed moves only that backend's flows", async () => {
    const sticky = await openStickyConnections(env.lab, 30);
    const names = env.lab.backends.map((b) => b.name);
    for (const answer of sticky.before) expect(names).toContain(answer);
    expect(await sticky.askAgain()).toEqual(sticky.before);

    const removed = env.lab.backends[1]!;
    env.lb.removeBackend(env.http, removed.addr);
    env.lb.removeBackend(env.line, removed.addr);
    const after = await sticky.askAgain();
    sticky.before.forEach((was, i) => {
      if (was === removed.name)
        expect(after[i]).toMatch(/^error: /); // re-hashed to a backend that resets it
      else expect(after[i]).toBe(was);
    });
    expect(sticky.before).toContain(removed.name);

    const report = await runLoad(env.lab, { requests: 300, concurrency: 16 });
    expect(report.errors).toEqual({});
    expect(report.ok).toBe(300);
    expect(report.byBackend[removed.name] ?? 0).toBe(0);
  }, 120_000);
});
