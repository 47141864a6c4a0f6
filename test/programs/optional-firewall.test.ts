// Corpus: optional_firewall.ts, a firewall written with `?.` on headers and map lookups and `??`
// for map defaults: each absent header, each empty map slot and each present one takes its path.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { setup, expectLoaded, run, u64At, type Corpus } from "./harness.ts";
import { XdpAction } from "../../runtime/index.ts";
import { bytes, eth, ipv4, tcp, udp, ip4, ETH_IP, ETH_ARP, pad } from "./packets.ts";

const NAME = "optional_firewall";

describeKernel(NAME, () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup(NAME);
  });
  afterAll(() => c?.close());

  const stats = () => {
    const v = c.obj.map("stats").lookup(Buffer.alloc(4))!;
    return { passed: u64At(v, 0), dropped: u64At(v, 8), blockedSeen: u64At(v, 16) };
  };
  const verdict = (packet: number[]) => run(c, NAME, bytes(packet)).ret;
  const port = (n: number) => Buffer.from([n & 0xff, n >> 8]);
  const block = (src: string, drop: number) => {
    const value = Buffer.alloc(16);
    value[0] = drop;
    c.obj.map("blocked").update(Buffer.from(ip4(src)), value);
  };
  const hits = (src: string) => u64At(c.obj.map("blocked").lookup(Buffer.from(ip4(src))), 8);

  it("passes what is not IPv4 and drops truncated IPv4 headers and TTL 0", () => {
    expectLoaded(c, NAME);
    expect(verdict(pad(eth(ETH_ARP, []), 60))).toBe(XdpAction.PASS);
    expect(verdict(eth(ETH_IP, [0x45, 0, 0, 20]))).toBe(XdpAction.DROP); // `!ip?.ttl`: absent
    expect(verdict(eth(ETH_IP, ipv4({ proto: 17, ttl: 0 }, udp(1, 2, []))))).toBe(XdpAction.DROP);
    expect(verdict(eth(ETH_IP, ipv4({ proto: 17, ttl: 1 }, udp(1, 2, []))))).toBe(XdpAction.PASS);
    expect(stats()).toEqual({ passed: 1n, dropped: 2n, blockedSeen: 0n });
  });

  it("reads the minimum TTL from its map", () => {
    c.obj.map("minTtl").update(Buffer.alloc(4), Buffer.from([10]));
    expect(verdict(eth(ETH_IP, ipv4({ proto: 17, ttl: 9 }, udp(1, 2, []))))).toBe(XdpAction.DROP);
    expect(verdict(eth(ETH_IP, ipv4({ proto: 17, ttl: 10 }, udp(1, 2, []))))).toBe(XdpAction.PASS);
    c.obj.map("minTtl").update(Buffer.alloc(4), Buffer.from([0]));
  });

  it("drops TCP SYNs to ports not open (a missing entry is closed), and passes the rest of TCP", () => {
    c.obj.map("openPorts").update(port(80), Buffer.from([1]));
    c.obj.map("openPorts").update(port(81), Buffer.from([0]));
    const syn = (dport: number, options: number[] = []) =>
      eth(ETH_IP, ipv4({ proto: 6, options }, tcp(4000, dport, 0x02)));
    expect(verdict(syn(80))).toBe(XdpAction.PASS);
    expect(verdict(syn(80, [1, 1, 1, 0]))).toBe(XdpAction.PASS); // behind IPv4 options
    expect(verdict(syn(81))).toBe(XdpAction.DROP); // open with 0: closed
    expect(verdict(syn(22))).toBe(XdpAction.DROP); // no entry: `?? 0`
    expect(verdict(eth(ETH_IP, ipv4({ proto: 6 }, tcp(4000, 22, 0x12))))).toBe(XdpAction.PASS); // SYN-ACK
    expect(verdict(eth(ETH_IP, ipv4({ proto: 6 }, tcp(4000, 22, 0x10))))).toBe(XdpAction.PASS); // ACK
    // A TCP header cut short: `tcp?.flags ?? 0` is 0, not an opening.
    expect(verdict(eth(ETH_IP, ipv4({ proto: 6 }, [0, 80, 0, 22])))).toBe(XdpAction.PASS);
    // UDP to a closed port: `tcp` is null.
    expect(verdict(eth(ETH_IP, ipv4({ proto: 17 }, udp(4000, 22, []))))).toBe(XdpAction.PASS);
  });

  it("drops blocked sources whose entry says so, counting every blocked source's packets", () => {
    block("10.9.0.1", 1);
    block("10.9.0.2", 0);
    const from = (src: string) => eth(ETH_IP, ipv4({ proto: 17, src }, udp(1, 2, [])));
    const before = stats();
    expect(verdict(from("10.9.0.1"))).toBe(XdpAction.DROP);
    expect(verdict(from("10.9.0.1"))).toBe(XdpAction.DROP);
    expect(verdict(from("10.9.0.2"))).toBe(XdpAction.PASS);
    expect(verdict(from("10.9.0.3"))).toBe(XdpAction.PASS);
    expect(hits("10.9.0.1")).toBe(2n);
    expect(hits("10.9.0.2")).toBe(1n);
    const after = stats();
    expect(after.blockedSeen - before.blockedSeen).toBe(3n);
    expect(after.dropped - before.dropped).toBe(2n);
    expect(after.passed - before.passed).toBe(2n);
  });
});
