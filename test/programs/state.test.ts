// Corpus: state outside the stack: globals (.rodata overrides, .data/.bss), tail calls, ring buffer, per-CPU maps.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { setup, expectLoaded, run, key32, u32At, u64At, type Corpus } from "./harness.ts";
import { XdpAction } from "../../runtime/index.ts";
import { bytes, eth, ipv4, ipv6, udp, tcp, pad, ip4, ETH_IP, ETH_IPV6, ETH_ARP } from "./packets.ts";
import { drainRingBuf } from "./ringbuf.ts";
import { Config } from "./rodata_config.ts";

const udpFrame = (dport: number) => bytes(eth(ETH_IP, ipv4({ proto: 17 }, udp(1000, dport, [1, 2, 3]))));

describeKernel("rodata_config", () => {
  it("uses the compiled-in configuration", async () => {
    const c = await setup("rodata_config");
    try {
      expectLoaded(c, "rodata_config");
      expect(run(c, "rodata_config", udpFrame(53)).ret).toBe(XdpAction.DROP);
      expect(run(c, "rodata_config", udpFrame(54)).ret).toBe(XdpAction.PASS);
      expect(c.obj.globals(".rodata")).toMatchObject({
        config: { port: 53, enabled: true, verdict: XdpAction.DROP },
        fallback: XdpAction.PASS,
      });
    } finally {
      c.close();
    }
  });
  it("takes configuration replaced by the loader before load", async () => {
    const fallback = Buffer.alloc(4);
    fallback.writeUInt32LE(XdpAction.ABORTED);
    const c = await setup("rodata_config", {
      rodata: { config: Config.encode({ port: 7777, enabled: true, verdict: XdpAction.TX }), fallback },
    });
    try {
      expect(run(c, "rodata_config", udpFrame(7777)).ret).toBe(XdpAction.TX);
      expect(run(c, "rodata_config", udpFrame(53)).ret).toBe(XdpAction.ABORTED);
      expect(run(c, "rodata_config", bytes(pad(eth(ETH_ARP, []), 42))).ret).toBe(XdpAction.ABORTED);
    } finally {
      c.close();
    }
    const off = await setup("rodata_config", {
      rodata: { config: Config.encode({ port: 53, enabled: false, verdict: XdpAction.TX }) },
    });
    try {
      expect(run(off, "rodata_config", udpFrame(53)).ret).toBe(XdpAction.PASS);
    } finally {
      off.close();
    }
  });
});

describeKernel("globals_data", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("globals_data");
  });
  afterAll(() => c?.close());
  it("updates .data and .bss variables", () => {
    expectLoaded(c, "globals_data");
    const lens = [60, 98, 150, 300, 64];
    for (const len of lens) expect(run(c, "globals_data", bytes(pad(eth(ETH_ARP, []), len))).ret).toBe(XdpAction.PASS);
    const bss = c.obj.globals(".bss");
    expect(bss.packets).toBe(5n);
    expect(bss.lastLen).toBe(64);
    expect(bss.totals).toEqual({ bytes: BigInt(lens.reduce((a, b) => a + b)), small: 3, large: 2 });
    const data = c.obj.globals(".data");
    expect(data.generation).toBe(12);
    // len >> 6: 60→0, 98→1, 150→2, 300→3 (clamped), 64→1; bucket 3 started at 100.
    expect(data.sizeHist).toEqual([1n, 2n, 1n, 101n]);
  });
});

describeKernel("tail_call", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("tail_call");
  });
  afterAll(() => c?.close());
  it("falls through while the program array is empty, jumps once it is filled", () => {
    expectLoaded(c, "dispatch", "handle_ipv4", "handle_ipv6");
    const v4 = (ttl: number) => bytes(eth(ETH_IP, ipv4({ proto: 17, ttl }, udp(1, 2, []))));
    const v6 = bytes(eth(ETH_IPV6, ipv6(17, udp(1, 2, []))));
    expect(run(c, "dispatch", v4(64)).ret).toBe(XdpAction.PASS);
    expect(run(c, "dispatch", v6).ret).toBe(XdpAction.PASS);
    const jumps = c.obj.map("jumps");
    const fd = (name: string) => key32(c.obj.program(name).fd);
    jumps.update(key32(0), fd("handle_ipv4"));
    expect(run(c, "dispatch", v4(64)).ret).toBe(XdpAction.TX);
    expect(run(c, "dispatch", v4(1)).ret).toBe(XdpAction.DROP);
    expect(run(c, "dispatch", v6).ret).toBe(XdpAction.PASS);
    jumps.update(key32(1), fd("handle_ipv6"));
    expect(run(c, "dispatch", v6).ret).toBe(XdpAction.DROP);
    expect(run(c, "dispatch", bytes(pad(eth(ETH_ARP, []), 42))).ret).toBe(XdpAction.PASS);
    expect(u64At(c.obj.map("misses").lookup(key32(0)))).toBe(4n);
  });
});

describeKernel("ringbuf_events", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("ringbuf_events");
  });
  afterAll(() => c?.close());
  it("publishes reserved events and output() copies, drops discarded ones", () => {
    expectLoaded(c, "ringbuf_events");
    const p1 = bytes(eth(ETH_IP, ipv4({ proto: 6, src: "1.2.3.4", dst: "5.6.7.8" }, tcp(1, 2, 2))));
    const p2 = bytes(eth(ETH_IP, ipv4({ proto: 0xff }, [])));
    const p3 = bytes(pad(eth(ETH_ARP, []), 42));
    for (const p of [p1, p2, p3]) expect(run(c, "ringbuf_events", p).ret).toBe(XdpAction.PASS);
    const recs = drainRingBuf(c.obj.map("events").fd, 16384).map((r) => Buffer.from(r));
    expect(recs.length).toBe(2);
    const [a, b] = recs as [Buffer, Buffer];
    expect(a.length).toBe(24);
    expect([a[0], a[1], a.readUInt16LE(2)]).toEqual([1, 6, p1.length]);
    expect([...a.subarray(4, 8)]).toEqual(ip4("1.2.3.4").reverse()); // host-order u32 of a be32 field
    expect(a.readUInt32LE(8)).toBe(0x05060708);
    expect(a.readBigUInt64LE(16)).toBeGreaterThan(0n);
    expect([b[0], b.readUInt16LE(2), b.readUInt32LE(8), b.readBigUInt64LE(16)]).toEqual([2, 42, ETH_ARP, 0n]);
    expect(drainRingBuf(c.obj.map("events").fd, 16384)).toEqual([]);
  });
});

describeKernel("percpu_count", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("percpu_count");
  });
  afterAll(() => c?.close());
  it("counts in per-CPU slots whose sum is the total", () => {
    expectLoaded(c, "percpu_count");
    const frames = [bytes(pad(eth(ETH_ARP, []), 42)), bytes(pad(eth(ETH_ARP, []), 60)), udpFrame(1)];
    for (const f of frames) expect(run(c, "percpu_count", f).ret).toBe(XdpAction.PASS);
    const per = c.obj.map("totals").lookupPerCpu(key32(0))!;
    const sum = (i: number) => per.reduce((a, v) => a + u64At(v, i), 0n);
    expect(sum(0)).toBe(3n);
    expect(sum(8)).toBe(BigInt(42 + 60 + frames[2]!.length));
    const busy = per.filter((v) => u64At(v, 0) > 0n);
    for (const v of busy) expect(u64At(v, 16)).toBe(BigInt(per.indexOf(v)));
    const key = (t: number) => {
      const b = Buffer.alloc(2);
      b.writeUInt16LE(t);
      return b;
    };
    const count = (t: number) =>
      c.obj
        .map("by_type")
        .lookupPerCpu(key(t))!
        .reduce((a, v) => a + u64At(v), 0n);
    expect(count(ETH_ARP)).toBe(2n);
    expect(count(ETH_IP)).toBe(1n);
    void u32At;
  });
});
