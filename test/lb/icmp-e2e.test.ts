// ICMP end to end (docs/lb-abi.md, "ICMP"; issue 16 item 3), in the lab's namespaces with the
// Linux stacks on every side:
//  - ping to a VIP: unanswered by default, answered by the LB once a VIP at that address has
//    `echo` (IPv4 and IPv6), unanswered again after the VIP is removed;
//  - path MTU discovery through the LB: a client behind a router whose link to it has a
//    1400-byte MTU fetches a 200 kB response through a DNAT VIP. The backend sends 1500-byte
//    segments with DF; the router answers "fragmentation needed" to the VIP. Without `pmtu` the
//    error dies at the LB and the transfer stalls (a PMTU black hole); with `pmtu` the LB sends
//    it to the flow's backend, translated back, and the backend's stack lowers its path MTU.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../../compiler/index.ts";
import { startLoadBalancedLab, type LoadBalancedLab } from "../../lb/lab/load-balanced.ts";
import { enableIpv6, hostAddr6 } from "../../lb/lab/ipv6.ts";
import { labScript, startServer } from "../../lb/lab/servers.ts";
import { ipv4ToU32 } from "../../lb/flowhash.ts";
import { ipv6ToWords } from "../../lb/ipv6.ts";
import type { VipSpec } from "../../lb/control.ts";
import { ROOT } from "../runtime/helpers.ts";
import { scratchDir } from "../support/scratch.ts";

describeKernel("LB ICMP end to end (ping to a VIP, path MTU discovery through DNAT)", () => {
  let env: LoadBalancedLab;

  beforeAll(async () => {
    const result = compile(join(ROOT, "lb/lb.ts"));
    expect(result.diagnostics).toEqual([]);
    const object = join(scratchDir(), "lb-icmp-e2e.o");
    writeFileSync(object, result.object!);
    env = await startLoadBalancedLab({ object, backends: 2 });
  }, 120_000);
  afterAll(() => env?.destroy());

  /** `ping -c 3` from the client: the replies received, and the address they came from. */
  const ping = async (addr: string, v6 = false) => {
    try {
      const { stdout } = await env.lab.exec(
        "client",
        ["ping", ...(v6 ? ["-6"] : []), "-c", "3", "-i", "0.2", "-W", "1", addr],
        {
          timeoutMs: 10_000,
        },
      );
      return {
        received: Number(/(\d+) received/.exec(stdout)?.[1] ?? 0),
        from: /bytes from (\S+): icmp_seq/.exec(stdout)?.[1],
      };
    } catch {
      return { received: 0, from: undefined };
    }
  };

  it("IPv4: a ping to a VIP is answered only while a VIP at that address has echo", async () => {
    const vip = env.lab.vip;
    expect((await ping(vip)).received).toBe(0);
    const echo: VipSpec = { addr: vip, port: 7, proto: "udp" };
    env.lb.addVip(echo, { echo: true });
    const key = { addr: ipv4ToU32(vip), port: 0, proto: 1, pad: 0 };
    expect(env.lb.maps.vips.lookup(key)?.flags).toBe(2);
    expect(await ping(vip)).toEqual({ received: 3, from: vip });
    expect(env.lb.state().vips.find((v) => v.spec.port === 7)?.echo).toBe(true);
    env.lb.removeVip(echo);
    expect(env.lb.maps.vips.lookup(key) ?? null).toBeNull();
    expect((await ping(vip)).received).toBe(0);
  }, 60_000);

  it("IPv6: a ping to an IPv6 VIP with echo is answered by the LB", async () => {
    await enableIpv6(env);
    const vip6 = "fd00:100::3";
    expect((await ping(vip6, true)).received).toBe(0);
    env.lb.addVip({ addr: vip6, port: 7, proto: "udp" }, { echo: true });
    expect(env.lb.maps.vips6.lookup({ addr: ipv6ToWords(vip6), port: 0, proto: 58, pad: 0 })?.flags).toBe(2);
    expect(await ping(vip6, true)).toEqual({ received: 3, from: vip6 });
    // The LB's own address is still answered by its stack, not confused with a VIP.
    expect((await ping(hostAddr6(env.lab.lb.addr), true)).received).toBe(3);
  }, 90_000);

  it("a large response crosses a 1400-byte link: stalls without pmtu, completes with it", async () => {
    const { lab, lb } = env;
    const rt = `${lab.prefix}-rt`;
    const far = `${lab.prefix}-far`;
    const sh = (...argv: string[]) => execFileSync(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    const inNs = (ns: string, ...argv: string[]) => sh("ip", "netns", "exec", ns, ...argv);
    // far (10.0.1.2, MTU 1500) -- [1400] rt (10.0.1.1 / 10.0.0.3 on the bridge) -- LB, backends.
    for (const ns of [rt, far]) {
      sh("ip", "netns", "add", ns);
      lab.namespaces.push(ns);
      inNs(ns, "ip", "link", "set", "lo", "up");
      inNs(ns, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0");
    }
    sh("ip", "-n", lab.bridgeNs, "link", "add", "br-rt", "type", "veth", "peer", "name", "eth0", "netns", rt);
    sh("ip", "-n", lab.bridgeNs, "link", "set", "br-rt", "master", "br0", "up");
    sh("ip", "-n", rt, "link", "add", "rt-far", "type", "veth", "peer", "name", "eth0", "netns", far);
    sh("ip", "-n", rt, "link", "set", "rt-far", "mtu", "1400", "up");
    sh("ip", "-n", rt, "link", "set", "eth0", "up");
    sh("ip", "-n", far, "link", "set", "eth0", "up");
    sh("ip", "-n", rt, "addr", "add", "10.0.0.3/24", "dev", "eth0");
    sh("ip", "-n", rt, "addr", "add", "10.0.1.1/24", "dev", "rt-far");
    sh("ip", "-n", far, "addr", "add", "10.0.1.2/24", "dev", "eth0");
    for (const [ns, dev] of [
      [rt, "eth0"],
      [rt, "rt-far"],
      [far, "eth0"],
    ] as const)
      inNs(ns, "ethtool", "-K", dev, "tx", "off", "tso", "off", "gso", "off");
    inNs(rt, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.icmp_ratelimit=0");
    sh("ip", "-n", rt, "route", "add", `${lab.vip}/32`, "via", lab.lb.addr);
    sh("ip", "-n", far, "route", "add", "default", "via", "10.0.1.1");
    for (const be of lab.backends) sh("ip", "-n", be.ns, "route", "add", "10.0.1.0/24", "via", lab.lb.addr);
    await Promise.all(
      lab.backends.flatMap((be) =>
        [90, 91].map((port) =>
          startServer(lab, be.name, labScript("big-response.ts", "serve", String(port), "200000")),
        ),
      ),
    );
    const plain: VipSpec = { addr: lab.vip, port: 90, proto: "tcp" };
    const pmtu: VipSpec = { addr: lab.vip, port: 91, proto: "tcp" };
    lb.addVip(plain);
    lb.addVip(pmtu, { pmtu: true });
    for (const vip of [plain, pmtu]) for (const b of lab.backends) lb.addBackend(vip, { addr: b.addr, mac: b.mac });
    const fetch = async (port: number, ms: number) => {
      const { stdout } = await lab.exec(far, labScript("big-response.ts", "fetch", lab.vip, String(port), String(ms)), {
        timeoutMs: ms + 10_000,
        cwd: ROOT,
      });
      return JSON.parse(stdout) as { bytes: number; complete: boolean };
    };
    const pmtuOf = (be: string) => /mtu (\d+)/.exec(String(inNs(be, "ip", "route", "get", "10.0.1.2")))?.[1];

    const stalled = await fetch(90, 4000);
    expect(stalled.complete).toBe(false);
    expect(stalled.bytes).toBeLessThan(200_000);
    for (const be of lab.backends) expect(pmtuOf(be.ns)).toBeUndefined();

    const through = await fetch(91, 15_000);
    expect(through).toEqual({ bytes: 200_000, complete: true });
    // The backend that served it learnt the path's MTU from the router's error, via the LB.
    expect(lab.backends.map((be) => pmtuOf(be.ns))).toContain("1400");
  }, 120_000);
});
