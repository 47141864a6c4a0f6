// Connection state with real connections (issue 13): a client that closes and reuses its source
// port keeps its backend within the grace period and gets a fresh Maglev choice after it; a
// backend id freed by one VIP and reused by another never captures the first VIP's flows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../../compiler/index.ts";
import {
  fetchFromPort,
  openStickyUdpFlows,
  startLoadBalancedLab,
  type LoadBalancedLab,
} from "../../lb/lab/load-balanced.ts";
import { flowSlot, ipv4ToU32 } from "../../lb/flowhash.ts";
import { MAGLEV_M } from "../../lb/maps.ts";
import type { VipSpec } from "../../lb/control.ts";
import { ROOT } from "../runtime/helpers.ts";
import { scratchDir } from "../support/scratch.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("LB connection state with real traffic", () => {
  let env: LoadBalancedLab;

  beforeAll(async () => {
    const result = compile(join(ROOT, "lb/lb.ts"));
    expect(result.diagnostics).toEqual([]);
    const object = join(scratchDir(), "lb.o");
    writeFileSync(object, result.object!);
    env = await startLoadBalancedLab({ object, backends: 3 });
  }, 120_000);
  afterAll(() => env?.destroy());

  /** The backend (host name) Maglev picks now for the client's port `port` to `vip`. */
  function maglevChoice(vip: VipSpec, port: number): string {
    const proto = vip.proto === "tcp" ? 6 : 17;
    const slot = flowSlot(ipv4ToU32(env.lab.client.addr), ipv4ToU32(vip.addr), port, vip.port, proto);
    const index = env.lb.stats().find((s) => s.vip === `${vip.addr}:${vip.port}/${vip.proto}`)!.index;
    const id = env.lb.maps.maglev.lookup(index * MAGLEV_M + slot)!;
    const addr = env.lb.backends().find((b) => b.id === id)!.addr;
    return env.lab.backends.find((b) => b.addr === addr)!.name;
  }

  it("a client reusing its source port: same backend within the grace period, a fresh Maglev choice after it", async () => {
    const GRACE_S = 8;
    env.lb.setTimeouts({ tcpClosing: GRACE_S });
    const port = 40000 + (process.pid % 20000);
    const first = await fetchFromPort(env.lab, port);
    expect(first).toBe(maglevChoice(env.http, port));
    // The server closed the connection: the flow is CLOSING. Drain its backend, so that
    // Maglev now sends this 5-tuple elsewhere.
    env.lb.drain(env.http, env.lab.hosts[first]!.addr);
    const fresh = maglevChoice(env.http, port);
    expect(fresh).not.toBe(first);
    const t0 = Date.now();
    const within = await fetchFromPort(env.lab, port);
    expect(Date.now() - t0, "the second request came too late for this test").toBeLessThan(GRACE_S * 1000);
    expect(within).toBe(first);
    await sleep(GRACE_S * 1000 + 1500);
    const after = await fetchFromPort(env.lab, port);
    expect(after).toBe(fresh);
  }, 120_000);

  it("a backend id freed by one VIP and reused by another does not capture the first VIP's idle flows", async () => {
    const flows = await openStickyUdpFlows(env.lab, 30);
    const names = env.lab.backends.map((b) => b.name);
    for (const a of flows.before) expect(names).toContain(a);
    const removed = env.lab.backends[1]!;
    expect(flows.before).toContain(removed.name);
    const freedId = env.lb.backends().find((b) => b.vip.endsWith(":53/udp") && b.addr === removed.addr)!.id;
    env.lb.removeBackend(env.udp, removed.addr);
    // Another VIP's new backend gets the freed id (the lowest free one).
    const other: VipSpec = { addr: env.lab.vip, port: 5353, proto: "udp" };
    env.lb.addVip(other);
    const taker = env.lab.backends[2]!;
    expect(env.lb.addBackend(other, { addr: taker.addr, mac: taker.mac })).toBe(freedId);
    const after = await flows.askAgain();
    flows.before.forEach((was, i) => {
      if (was === removed.name) {
        expect(after[i], `flow ${i} of the removed backend`).not.toMatch(/^error/);
        expect(after[i]).not.toBe(removed.name);
      } else expect(after[i], `flow ${i}`).toBe(was);
    });
  }, 120_000);
});
