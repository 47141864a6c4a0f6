// Corpus: hash maps and packet rewrites: atomics on hash values, blocklists, TCP SYN filter, adjust_tail, ARP
// responder, TTL decrement, UDP NAT.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { setup, expectLoaded, run, key32, u32At, u64At, type Corpus } from "./harness.ts";
import { XdpAction } from "../../runtime/index.ts";
import { bytes, checksum, eth, ipv4, udp, tcp, pad, ip4, ETH_IP, ETH_ARP, MAC_A, MAC_B } from "./packets.ts";
import { Counter } from "./atomic_hash.ts";
import { Target } from "./udp_nat.ts";

const hostKey = (addr: string) => key32(Buffer.from(ip4(addr)).readUInt32BE(0));

describeKernel("atomic_hash", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("atomic_hash");
  });
  afterAll(() => c?.close());
  it("creates, atomically updates and deletes per-source entries", () => {
    expectLoaded(c, "atomic_hash");
    const p = (src: string, dport = 80, n = 0) =>
      bytes(eth(ETH_IP, ipv4({ proto: 17, src }, udp(1, dport, Array(n).fill(1)))));
    for (const n of [0, 10, 20]) expect(run(c, "atomic_hash", p("10.0.0.1", 80, n)).ret).toBe(XdpAction.PASS);
    expect(run(c, "atomic_hash", p("10.0.0.9")).ret).toBe(XdpAction.PASS);
    const m = c.obj.map("by_source");
    const total = p("10.0.0.1").length * 3 + 30;
    expect(Counter.decode(m.lookup(hostKey("10.0.0.1"))!)).toEqual({
      packets: 3n,
      bytes: BigInt(total),
      hits: 3,
      pad: 0,
    });
    expect(run(c, "atomic_hash", p("10.0.0.1", 7)).ret).toBe(XdpAction.DROP);
    expect(m.lookup(hostKey("10.0.0.1"))).toBeUndefined();
    expect(run(c, "atomic_hash", p("10.0.0.1", 7)).ret).toBe(XdpAction.ABORTED); // -ENOENT
    expect(Counter.decode(m.lookup(hostKey("10.0.0.9"))!).packets).toBe(1n);
  });
});

describeKernel("hash_blocklist", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("hash_blocklist");
  });
  afterAll(() => c?.close());
  it("drops blocked hosts and /24s and counts them", () => {
    expectLoaded(c, "hash_blocklist");
    const p = (src: string) => bytes(eth(ETH_IP, ipv4({ proto: 17, src }, udp(1, 2, []))));
    expect(run(c, "hash_blocklist", p("192.0.2.7")).ret).toBe(XdpAction.PASS);
    c.obj.map("blocked_hosts").update(hostKey("192.0.2.7"), Buffer.alloc(8));
    c.obj.map("blocked_nets").update(hostKey("198.51.100.0"), Buffer.alloc(8));
    expect(run(c, "hash_blocklist", p("192.0.2.7")).ret).toBe(XdpAction.DROP);
    expect(run(c, "hash_blocklist", p("192.0.2.8")).ret).toBe(XdpAction.PASS);
    expect(run(c, "hash_blocklist", p("198.51.100.200")).ret).toBe(XdpAction.DROP);
    expect(run(c, "hash_blocklist", p("198.51.100.1")).ret).toBe(XdpAction.DROP);
    expect(run(c, "hash_blocklist", bytes(pad(eth(ETH_ARP, []), 42))).ret).toBe(XdpAction.PASS);
    expect(u64At(c.obj.map("blocked_hosts").lookup(hostKey("192.0.2.7")))).toBe(1n);
    expect(u64At(c.obj.map("blocked_nets").lookup(hostKey("198.51.100.0")))).toBe(2n);
  });
});

describeKernel("tcp_syn_filter", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("tcp_syn_filter");
  });
  afterAll(() => c?.close());
  it("finds the MSS among TCP options and filters SYNs", () => {
    expectLoaded(c, "tcp_syn_filter");
    const syn = (opts: number[], flags = 0x02) => bytes(eth(ETH_IP, ipv4({ proto: 6 }, tcp(1234, 80, flags, opts))));
    const mss = () => u32At(c.obj.map("seen").lookup(key32(0)), 0);
    expect(run(c, "tcp_syn_filter", syn([2, 4, 0x05, 0xb4, 1, 1, 4, 2])).ret).toBe(XdpAction.PASS);
    expect(mss()).toBe(1460);
    expect(run(c, "tcp_syn_filter", syn([1, 3, 3, 7, 2, 4, 0x02, 0x18])).ret).toBe(XdpAction.PASS);
    expect(mss()).toBe(536);
    expect(run(c, "tcp_syn_filter", syn([])).ret).toBe(XdpAction.DROP);
    expect(run(c, "tcp_syn_filter", syn([2, 4, 0, 100])).ret).toBe(XdpAction.DROP);
    expect(run(c, "tcp_syn_filter", syn([8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 2, 4, 0x05, 0xdc])).ret).toBe(XdpAction.PASS);
    expect(mss()).toBe(1500);
    expect(run(c, "tcp_syn_filter", syn([], 0x10)).ret).toBe(XdpAction.PASS); // not a SYN
    expect(run(c, "tcp_syn_filter", syn([], 0x12)).ret).toBe(XdpAction.PASS); // SYN-ACK
    expect(u32At(c.obj.map("seen").lookup(key32(0)), 4)).toBe(5);
  });
});

describeKernel("adjust_tail", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("adjust_tail");
  });
  afterAll(() => c?.close());
  it("truncates to the snap length and pads runts", () => {
    expectLoaded(c, "adjust_tail");
    const big = bytes(
      eth(
        ETH_IP,
        ipv4(
          { proto: 17 },
          udp(
            1,
            2,
            Array.from({ length: 100 }, (_, i) => i),
          ),
        ),
      ),
    );
    const r = run(c, "adjust_tail", big);
    expect(r.ret).toBe(XdpAction.TX);
    expect(r.data).toEqual(Buffer.from(big.subarray(0, 64)));
    const runt = bytes(eth(ETH_ARP, Array(28).fill(0xab)));
    const g = run(c, "adjust_tail", runt);
    expect(g.ret).toBe(XdpAction.TX);
    expect(g.data).toEqual(Buffer.from(pad([...runt], 60)));
    const ok = bytes(pad(eth(ETH_ARP, []), 64));
    expect(run(c, "adjust_tail", ok).ret).toBe(XdpAction.PASS);
  });
});

describeKernel("arp_responder", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("arp_responder");
  });
  afterAll(() => c?.close());
  const arp = (op: number, sha: number[], spa: string, tha: number[], tpa: string) => [
    0,
    1,
    8,
    0,
    6,
    4,
    0,
    op,
    ...sha,
    ...ip4(spa),
    ...tha,
    ...ip4(tpa),
  ];
  it("answers requests for its address", () => {
    expectLoaded(c, "arp_responder");
    const me = [0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee];
    const req = eth(
      ETH_ARP,
      arp(1, MAC_A, "10.0.0.7", [0, 0, 0, 0, 0, 0], "10.0.0.1"),
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
      MAC_A,
    );
    const r = run(c, "arp_responder", bytes(req));
    expect(r.ret).toBe(XdpAction.TX);
    expect(r.data).toEqual(Buffer.from(eth(ETH_ARP, arp(2, me, "10.0.0.1", MAC_A, "10.0.0.7"), MAC_A, me)));
    const other = eth(ETH_ARP, arp(1, MAC_A, "10.0.0.7", [0, 0, 0, 0, 0, 0], "10.0.0.2"));
    expect(run(c, "arp_responder", bytes(other)).ret).toBe(XdpAction.PASS);
    expect(run(c, "arp_responder", bytes(eth(ETH_ARP, arp(2, MAC_A, "10.0.0.7", MAC_B, "10.0.0.1")))).ret).toBe(
      XdpAction.PASS,
    );
  });
});

describeKernel("ttl_decrement", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("ttl_decrement");
  });
  afterAll(() => c?.close());
  it("forwards with TTL − 1 and a valid checksum, drops expiring packets", () => {
    expectLoaded(c, "ttl_decrement");
    for (const ttl of [64, 2, 255, 128]) {
      const body = (t: number) =>
        ipv4({ proto: 6, ttl: t, id: 0xbeef, src: "172.16.0.1", dst: "172.16.5.9" }, tcp(1, 2, 0x10));
      const r = run(c, "ttl_decrement", bytes(eth(ETH_IP, body(ttl), MAC_B, MAC_A)));
      expect(r.ret).toBe(XdpAction.TX);
      expect(r.data).toEqual(Buffer.from(eth(ETH_IP, body(ttl - 1), MAC_A, MAC_B)));
      expect(checksum(r.data.subarray(14, 34))).toBe(0);
    }
    for (const ttl of [1, 0])
      expect(run(c, "ttl_decrement", bytes(eth(ETH_IP, ipv4({ proto: 6, ttl }, tcp(1, 2, 0))))).ret).toBe(
        XdpAction.DROP,
      );
    expect(u64At(c.obj.map("expired").lookup(key32(0)))).toBe(2n);
  });
});

describeKernel("udp_nat", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("udp_nat");
  });
  afterAll(() => c?.close());
  it("rewrites destination address and port with valid IPv4 and UDP checksums", () => {
    expectLoaded(c, "udp_nat");
    const k = Buffer.alloc(2);
    k.writeUInt16LE(5353);
    c.obj
      .map("nat")
      .update(k, Target.encode({ addr: Buffer.from(ip4("192.168.77.200")).readUInt32BE(0), port: 53, pad: 0 }));
    const data = Array.from({ length: 21 }, (_, i) => (i * 13) & 0xff);
    const before = eth(
      ETH_IP,
      ipv4(
        { proto: 17, src: "10.0.0.1", dst: "203.0.113.5", id: 77 },
        udp(40000, 5353, data, { src: "10.0.0.1", dst: "203.0.113.5" }),
      ),
    );
    const r = run(c, "udp_nat", bytes(before));
    expect(r.ret).toBe(XdpAction.TX);
    const after = eth(
      ETH_IP,
      ipv4(
        { proto: 17, src: "10.0.0.1", dst: "192.168.77.200", id: 77 },
        udp(40000, 53, data, { src: "10.0.0.1", dst: "192.168.77.200" }),
      ),
    );
    expect(r.data).toEqual(Buffer.from(after));
    expect(checksum(r.data.subarray(14, 34))).toBe(0);
    // Independent: the UDP checksum over the pseudo-header verifies to zero.
    const u = r.data.subarray(34);
    expect(checksum([...r.data.subarray(26, 34), 0, 17, u.length >> 8, u.length & 0xff, ...u])).toBe(0);
    expect(run(c, "udp_nat", bytes(eth(ETH_IP, ipv4({ proto: 17 }, udp(1, 5354, []))))).ret).toBe(XdpAction.PASS);
  });
});
