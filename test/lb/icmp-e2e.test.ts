// ICMP end to end (docs/lb-abi.md, "ICMP"; issue 16 item 3), in the lab's namespaces with the
// Linux stacks on every side:
//  - ping to a VIP: unanswered by default, answered by the LB once a VIP at that address has
//    `echo` (IPv4 and IPv6), unanswered again after the VIP is removed;
//  - path MTU discovery through the LB, in both modes and both families: a client behind a
//    router whose link to it has a 1400-byte MTU (lb/lab/narrow-link.ts) fetches a 200 kB
//    response. The backend sends 1500-byte segments (IPv4 with DF); the router answers
//    "fragmentation needed" / "packet too big" to the VIP. Without `pmtu` the error dies at the
//    LB and the transfer stalls (a PMTU black hole); with `pmtu` the LB sends it to the flow's
//    backend (translated back for DNAT, encapsulated for direct server return) and the
//    backend's stack lowers its path MTU;
//  - the LB's own "too big" answers: a client uploads 200 kB to an encapsulation VIP whose
//    backends' link MTU is configured as 1400: its 1500-byte packets would not fit once
//    encapsulated, the LB answers them, the client's stack lowers its path MTU and the upload
//    completes; an IPv4 datagram without DF that would not fit is dropped and counted;
//  - the counters (`icmpStats`, `tsbpf lb stats`) after each of these, exactly where the
//    packets are known (pings, datagrams), at least one where TCP decides how many.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../../compiler/index.ts";
import { startLoadBalancedLab, type LoadBalancedLab } from "../../lb/lab/load-balanced.ts";
import { enableIpv6, ENCAP_VIP6, hostAddr6, VIP6 } from "../../lb/lab/ipv6.ts";
import { DSR_VIP, enableDirectServerReturn } from "../../lb/lab/dsr.ts";
import { addFarClient, FAR_ADDR, FAR_ADDR6, type FarClient } from "../../lb/lab/narrow-link.ts";
import { labScript, startServer } from "../../lb/lab/servers.ts";
import { VIP } from "../../lb/lab/topology.ts";
import { ipv4ToU32 } from "../../lb/flowhash.ts";
import { ipv6ToWords } from "../../lb/ipv6.ts";
import type { IcmpStatsReport, LoadBalancer, VipSpec } from "../../lb/control.ts";
import { ROOT } from "../runtime/helpers.ts";
import { scratchDir } from "../support/scratch.ts";

/** One family's ICMP counters (docs/lb-abi.md, "ICMP", `icmpStats`). */
const family = (lb: LoadBalancer, v6: boolean): Omit<IcmpStatsReport, "family"> => {
  const { family: _, ...counts } = lb.icmpStats().find((s) => s.family === (v6 ? 6 : 4))!;
  return counts;
};

describeKernel("LB ICMP end to end (ping to a VIP, path MTU discovery through the LB, too big answers)", () => {
  let env: LoadBalancedLab;
  let far: FarClient;

  beforeAll(async () => {
    const result = compile(join(ROOT, "lb/lb.ts"));
    expect(result.diagnostics).toEqual([]);
    const object = join(scratchDir(), "lb-icmp-e2e.o");
    writeFileSync(object, result.object!);
    env = await startLoadBalancedLab({ object, backends: 2 });
    await enableIpv6(env);
    await enableDirectServerReturn(env);
    far = await addFarClient(env, { mtu: 1400, ipv6: true });
    const { lab } = env;
    await Promise.all(
      lab.backends.flatMap((be) => [
        ...[90, 91].map((port) =>
          startServer(lab, be.name, labScript("big-response.ts", "serve", String(port), "200000")),
        ),
        startServer(lab, be.name, labScript("big-response.ts", "sink", "92")),
        startServer(lab, be.name, labScript("udp-echo.ts", be.name, "55", DSR_VIP)),
      ]),
    );
  }, 180_000);
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
    const before = family(env.lb, false);
    expect((await ping(vip)).received).toBe(0);
    const echo: VipSpec = { addr: vip, port: 7, proto: "udp" };
    env.lb.addVip(echo, { echo: true });
    const key = { addr: ipv4ToU32(vip), port: 0, proto: 1, pad: 0 };
    expect(env.lb.maps.vips.lookup(key)?.flags).toBe(2);
    expect(await ping(vip)).toEqual({ received: 3, from: vip });
    expect(family(env.lb, false)).toEqual({ ...before, echoReplies: before.echoReplies + 3n });
    expect(env.lb.state().vips.find((v) => v.spec.port === 7)?.echo).toBe(true);
    env.lb.removeVip(echo);
    expect(env.lb.maps.vips.lookup(key) ?? null).toBeNull();
    expect((await ping(vip)).received).toBe(0);
    expect(family(env.lb, false)).toEqual({ ...before, echoReplies: before.echoReplies + 3n });
  }, 60_000);

  it("IPv6: a ping to an IPv6 VIP with echo is answered by the LB", async () => {
    const vip6 = "fd00:100::3";
    const before = family(env.lb, true);
    expect((await ping(vip6, true)).received).toBe(0);
    env.lb.addVip({ addr: vip6, port: 7, proto: "udp" }, { echo: true });
    expect(env.lb.maps.vips6.lookup({ addr: ipv6ToWords(vip6), port: 0, proto: 58, pad: 0 })?.flags).toBe(2);
    expect(await ping(vip6, true)).toEqual({ received: 3, from: vip6 });
    // The LB's own address is still answered by its stack, not confused with a VIP.
    expect((await ping(hostAddr6(env.lab.lb.addr), true)).received).toBe(3);
    expect(family(env.lb, true)).toEqual({ ...before, echoReplies: before.echoReplies + 3n });
  }, 90_000);

  it.each([
    { name: "IPv4 DNAT", vip: VIP, encap: false, v6: false },
    { name: "IPv4 encapsulation", vip: DSR_VIP, encap: true, v6: false },
    { name: "IPv6 DNAT", vip: VIP6, encap: false, v6: true },
    { name: "IPv6 encapsulation", vip: ENCAP_VIP6, encap: true, v6: true },
  ])(
    "$name: a large response crosses a 1400-byte link: stalls without pmtu, completes with it",
    async ({ vip, encap, v6 }) => {
      const { lab, lb } = env;
      const plain: VipSpec = { addr: vip, port: 90, proto: "tcp" };
      const pmtu: VipSpec = { addr: vip, port: 91, proto: "tcp" };
      lb.addVip(plain, { encap });
      lb.addVip(pmtu, { encap, pmtu: true });
      for (const spec of [plain, pmtu])
        for (const b of lab.backends) lb.addBackend(spec, { addr: v6 ? hostAddr6(b.addr) : b.addr, mac: b.mac });
      const fetch = async (port: number, ms: number) => {
        const { stdout } = await lab.exec(
          far.ns,
          labScript("big-response.ts", "fetch", vip, String(port), String(ms)),
          {
            timeoutMs: ms + 10_000,
            cwd: ROOT,
          },
        );
        return JSON.parse(stdout) as { bytes: number; complete: boolean };
      };
      // The path MTU a backend's stack holds for the far client, for what it sends as the VIP
      // (encapsulation: from the VIP, policy-routed) or from its own address (DNAT).
      const farAddr = v6 ? FAR_ADDR6 : FAR_ADDR;
      const pmtuOf = async (be: string) => {
        const argv = ["ip", ...(v6 ? ["-6"] : []), "route", "get", farAddr, ...(encap ? ["from", vip] : [])];
        return /mtu (\d+)/.exec((await lab.exec(be, argv)).stdout)?.[1];
      };
      const before = family(lb, v6);

      const stalled = await fetch(90, 4000);
      expect(stalled.complete).toBe(false);
      expect(stalled.bytes).toBeLessThan(200_000);
      for (const be of lab.backends) expect(await pmtuOf(be.name)).toBeUndefined();
      expect(family(lb, v6).tooBigForwarded).toBe(before.tooBigForwarded);

      const through = await fetch(91, 15_000);
      expect(through).toEqual({ bytes: 200_000, complete: true });
      // The backend that served it learnt the path's MTU from the router's error, via the LB.
      expect(await Promise.all(lab.backends.map((be) => pmtuOf(be.name)))).toContain("1400");
      const after = family(lb, v6);
      expect(after.tooBigForwarded).toBeGreaterThan(before.tooBigForwarded);
      expect([after.echoReplies, after.tooBigSent, after.tooBigDropped]).toEqual([
        before.echoReplies,
        before.tooBigSent,
        before.tooBigDropped,
      ]);
      for (const spec of [plain, pmtu]) lb.removeVip(spec); // 16 VIPs at most
    },
    120_000,
  );

  it("IPv4 without DF: a datagram too big once encapsulated is dropped and counted, a smaller one delivered", async () => {
    const { lab, lb } = env;
    lb.setMtu(1400);
    const udp: VipSpec = { addr: DSR_VIP, port: 55, proto: "udp" };
    lb.addVip(udp, { encap: true, pmtu: true });
    for (const b of lab.backends) lb.addBackend(udp, { addr: b.addr, mac: b.mac });
    const before = family(lb, false);
    // One datagram of each size, without DF (IP_PMTUDISC_DONT). Before the next tests: once the
    // client has learnt a path MTU from the LB's answers, its stack fragments such a datagram
    // itself, and step 4 drops fragments. The backends' echo answers with its name what reaches it.
    const send = (size: number) =>
      lab.exec("client", [
        "python3",
        "-c",
        `import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER, IP_PMTUDISC_DONT
s.settimeout(2)
s.sendto(b"x" * ${size}, ("${DSR_VIP}", 55))
try:
    print(s.recv(100).decode())
except socket.timeout:
    print("no answer")`,
      ]);
    // 1400 bytes of data: a 1428-byte packet, 1448 once encapsulated, over the 1400 configured.
    expect((await send(1400)).stdout.trim()).toBe("no answer");
    expect(family(lb, false)).toEqual({ ...before, tooBigDropped: before.tooBigDropped + 1n });
    expect((await send(1300)).stdout.trim()).toMatch(/^be\d$/);
    expect(family(lb, false)).toEqual({ ...before, tooBigDropped: before.tooBigDropped + 1n });
  }, 30_000);

  it.each([
    { name: "IPv4", vip: DSR_VIP, v6: false, announced: "1380" },
    { name: "IPv6", vip: ENCAP_VIP6, v6: true, announced: "1360" },
  ])(
    "$name: a client's packets too big once encapsulated are answered by the LB, and its upload completes",
    async ({ vip, v6, announced }) => {
      const { lab, lb } = env;
      lb.setMtu(1400);
      const sink: VipSpec = { addr: vip, port: 92, proto: "tcp" };
      lb.addVip(sink, { encap: true, pmtu: true });
      for (const b of lab.backends) lb.addBackend(sink, { addr: v6 ? hostAddr6(b.addr) : b.addr, mac: b.mac });
      const before = family(lb, v6);
      const { stdout } = await lab.exec(
        "client",
        labScript("big-response.ts", "upload", vip, "92", "200000", "15000"),
        {
          timeoutMs: 25_000,
          cwd: ROOT,
        },
      );
      expect(JSON.parse(stdout)).toEqual({ bytes: 200_000, complete: true });
      // The client's stack took the LB's answer: its path MTU to the VIP is the link's minus the
      // outer header.
      const route = await lab.exec("client", ["ip", ...(v6 ? ["-6"] : []), "route", "get", vip]);
      expect(/mtu (\d+)/.exec(route.stdout)?.[1]).toBe(announced);
      const after = family(lb, v6);
      expect(after.tooBigSent).toBeGreaterThan(before.tooBigSent);
      expect(after.tooBigDropped).toBe(before.tooBigDropped);
      lb.removeVip(sink);
    },
    60_000,
  );
});
