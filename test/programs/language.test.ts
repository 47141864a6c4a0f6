// Corpus: language constructs: switch, ternaries, nested structs, local functions, bigint arithmetic.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { setup, expectLoaded, run, key32, u32At, u64At, type Corpus } from "./harness.ts";
import { XdpAction } from "../../runtime/index.ts";
import { bytes, checksum, eth, ipv4, ipv6, udp, tcp, pad, icmpEcho, ETH_IP, ETH_IPV6, ETH_ARP } from "./packets.ts";
import { FlowKey, FlowStats } from "./nested_structs.ts";
import { Conn } from "./local_funcs.ts";
import { Acc } from "./bigint_counters.ts";

describeKernel("switch_verdict", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("switch_verdict");
  });
  afterAll(() => c?.close());
  it("follows cases, fall-through and defaults", () => {
    expectLoaded(c, "switch_verdict");
    const v4 = (proto: number) => bytes(eth(ETH_IP, ipv4({ proto }, udp(1, 2, []))));
    expect(run(c, "switch_verdict", v4(6)).ret).toBe(XdpAction.PASS);
    expect(run(c, "switch_verdict", v4(17)).ret).toBe(XdpAction.PASS);
    expect(run(c, "switch_verdict", v4(1)).ret).toBe(XdpAction.DROP);
    expect(run(c, "switch_verdict", v4(47)).ret).toBe(XdpAction.PASS);
    expect(run(c, "switch_verdict", bytes(eth(ETH_IPV6, ipv6(59, [])))).ret).toBe(XdpAction.TX);
    expect(run(c, "switch_verdict", bytes(pad(eth(ETH_ARP, []), 42))).ret).toBe(XdpAction.PASS);
    expect(run(c, "switch_verdict", bytes(pad(eth(0x88cc, []), 42))).ret).toBe(XdpAction.PASS);
    const n = (r: number) => u64At(c.obj.map("reasons").lookup(key32(r)));
    expect([0, 1, 2, 3, 4, 5].map(n)).toEqual([2n, 1n, 1n, 1n, 1n, 2n]);
  });
});

describeKernel("ternary_classify", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("ternary_classify");
  });
  afterAll(() => c?.close());
  it("marks DSCP by port and keeps the IPv4 checksum valid", () => {
    expectLoaded(c, "ternary_classify");
    const cases: [number[], number][] = [
      [udp(1, 5060, [1]), 46],
      [udp(1, 20000, []), 46],
      [tcp(1, 443, 2), 34],
      [udp(1, 53, []), 0],
      [tcp(1, 8080, 2), 8],
      [udp(1, 32768, []), 8],
    ];
    for (const [l4, dscp] of cases) {
      const proto = l4.length >= 20 && l4[12] === 0x50 ? 6 : 17;
      const input = eth(ETH_IP, ipv4({ proto, tos: 2 }, l4));
      const r = run(c, "ternary_classify", bytes(input));
      expect(r.ret).toBe(XdpAction.PASS);
      expect(r.data[15]).toBe((dscp << 2) | 2);
      expect(checksum(r.data.subarray(14, 34))).toBe(0);
      const expected = eth(ETH_IP, ipv4({ proto, tos: (dscp << 2) | 2 }, l4));
      expect(r.data).toEqual(Buffer.from(expected));
    }
  });
});

describeKernel("nested_structs", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("nested_structs");
  });
  afterAll(() => c?.close());
  it("tracks flows keyed by nested structs and recognizes replies", () => {
    expectLoaded(c, "nested_structs");
    const fwd = (len: number, ttl = 64) =>
      bytes(
        eth(ETH_IP, ipv4({ proto: 17, src: "10.1.1.1", dst: "10.2.2.2", ttl }, udp(1111, 2222, Array(len).fill(0)))),
      );
    expect(run(c, "nested_structs", fwd(0)).ret).toBe(XdpAction.PASS);
    expect(run(c, "nested_structs", fwd(10, 33)).ret).toBe(XdpAction.PASS);
    const key = {
      src: { addr: 0x0a010101, port: 1111, pad: 0 },
      dst: { addr: 0x0a020202, port: 2222, pad: 0 },
      proto: 17,
      pad: [0, 0, 0],
    };
    const stats = FlowStats.decode(c.obj.map("flows").lookup(FlowKey.encode(key))!);
    const l0 = fwd(0).length,
      l1 = fwd(10).length;
    expect(stats).toEqual({
      packets: 2n,
      bytes: BigInt(l0 + l1),
      firstLen: l0,
      lastTtl: 33,
      pad: [0, 0, 0],
      lens: [l0, l1, 0, 0],
    });
    const back = bytes(eth(ETH_IP, ipv4({ proto: 17, src: "10.2.2.2", dst: "10.1.1.1" }, udp(2222, 1111, []))));
    expect(run(c, "nested_structs", back).ret).toBe(XdpAction.PASS); // first packet of the reverse flow: created
    expect(run(c, "nested_structs", back).ret).toBe(XdpAction.TX); // second: the forward flow exists
  });
});

describeKernel("local_funcs", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("local_funcs");
  });
  afterAll(() => c?.close());
  it("accounts connections through helper functions", () => {
    expectLoaded(c, "local_funcs");
    const t = (flags: number) => bytes(eth(ETH_IP, ipv4({ proto: 6 }, tcp(7, 80, flags))));
    for (const f of [0x02, 0x12, 0x10, 0x10]) expect(run(c, "local_funcs", t(f)).ret).toBe(XdpAction.PASS);
    const u = bytes(eth(ETH_IP, ipv4({ proto: 17 }, udp(7, 80, [1, 2]))));
    expect(run(c, "local_funcs", u).ret).toBe(XdpAction.PASS);
    expect(run(c, "local_funcs", bytes(eth(ETH_IP, ipv4({ proto: 17 }, udp(7, 0, []))))).ret).toBe(XdpAction.DROP);
    expect(run(c, "local_funcs", bytes(eth(ETH_IP, ipv4({ proto: 1 }, icmpEcho(8, 0, 0, []))))).ret).toBe(
      XdpAction.PASS,
    );
    const conn = Conn.decode(c.obj.map("conns").lookup(key32((7 << 16) | 80))!);
    expect(conn).toEqual({ syns: 2, acks: 3, bytes: BigInt(4 * t(0).length + u.length) });
  });
});

describeKernel("bigint_counters", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("bigint_counters");
  });
  afterAll(() => c?.close());
  it("computes 64-bit statistics like BigInt does", () => {
    expectLoaded(c, "bigint_counters");
    const lens = [60, 1000, 64, 1500, 90];
    let packets = 0n,
      total = 0n,
      max = 0n,
      delta = 0n;
    for (const len of lens) {
      packets++;
      total += BigInt(len);
      delta = BigInt(len) - max;
      if (BigInt(len) > max) max = BigInt(len);
      expect(run(c, "bigint_counters", bytes(pad(eth(ETH_ARP, []), len))).ret).toBe(
        packets % 3n === 0n ? XdpAction.DROP : XdpAction.PASS,
      );
    }
    const a = Acc.decode(c.obj.map("acc").lookup(key32(0))!);
    const mixed = BigInt.asUintN(64, ((total << 40n) | (packets & 0xffn)) ^ 0xffff000000000000n);
    expect(a).toMatchObject({ packets, bytes: total, avg: total / packets, maxLen: max, delta, mixed });
    expect(a.lastNs).toBeGreaterThanOrEqual(a.firstNs);
    expect(a.firstNs).toBeGreaterThan(0n);
    void u32At;
  });
});
