// Corpus programs whose results are checked against a model: integer semantics (docs/language.md),
// a flow hash against JavaScript, ICMPv6 echo, FIB lookup, sampling, literal ranges, logic values.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { setup, expectLoaded, run, key32, u32At, u64At, type Corpus } from "./harness.ts";
import { XdpAction } from "../../runtime/index.ts";
import {
  bytes,
  checksum,
  eth,
  ipv4,
  ipv6,
  udp,
  pad,
  ip4,
  ip6,
  icmpv6Echo,
  ETH_IP,
  ETH_IPV6,
  ETH_ARP,
  MAC_A,
  MAC_B,
} from "./packets.ts";
import { Input } from "./int_semantics.ts";

describeKernel("int_semantics", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("int_semantics");
  });
  afterAll(() => c?.close());
  it("follows the documented integer rules", () => {
    expectLoaded(c, "int_semantics");
    const input = {
      a: 200,
      b: 100,
      n: 33,
      pad: 0,
      w: 65535,
      w2: 0x1000,
      d: 0xfffffff0,
      z: 0,
      big: 0x1_0000_0000_0000n,
    };
    const r = run(c, "int_semantics", bytes([...eth(0x88b5, []), ...Input.encode(input)]));
    expect(r.ret).toBe(XdpAction.PASS);
    const got = Array.from({ length: 16 }, (_, i) => u64At(c.obj.map("results").lookup(key32(i))));
    const M64 = (x: bigint) => BigInt.asUintN(64, x);
    const want = [
      BigInt((200 + 100) & 0xff), // 0: u8 200 + 100 wraps to 44
      BigInt((200 - 100) >>> 0), // 1: u8 − u8 is computed in u32: 100
      M64(BigInt((200 << 24) >> 24)), // 2: i8(200) = -56, sign-extended to 64 bits
      0n, // 3: x / 0 = 0
      0xfffffff0n, // 4: x % 0 = x
      2n, // 5: 1 << 33, the count masked to 33 & 31 = 1
      0n, // 6: i32(200) − 200 = 0, which is not < 0
      0n, // 7: u32(200) − 200 = 0, not < 0 (unsigned is never)
      0n, // 8: u16 65535 + 1 wraps to 0
      BigInt(~0xfffffff0 >>> 0), // 9: ~ at 32 bits: 0xf
      M64(BigInt(0xfffffff0 | 0) >> 2n), // 10: i32(-16) >> 2 = -4 (arithmetic shift)
      BigInt(Math.imul(Math.imul(0x1000, 0x1000), 0x1000) >>> 0), // 11: 0x1000³ wraps at 32 bits to 0
      0x1_0000_0000_0000n + 0xfffffff0n, // 12: 64-bit add
      0x1_0000_0000_0000n >> 33n, // 13: 64-bit shift, count 33 (within 63, not masked)
      0n, // 14: i8(100) < i8(200) is 100 < -56: false
      0xfff0n, // 15: u16 truncation of 0xfffffff0
    ];
    expect(got).toEqual(want);
    // a = 10: i32(10) − 200 is negative (6 = 1); u32(10) − 200 wraps to a large number (7 = 0).
    run(c, "int_semantics", bytes([...eth(0x88b5, []), ...Input.encode({ ...input, a: 10 })]));
    expect(u64At(c.obj.map("results").lookup(key32(6)))).toBe(1n);
    expect(u64At(c.obj.map("results").lookup(key32(7)))).toBe(0n);
  });
});

/** The same hash in JavaScript. */
function flowHash(saddr: number, daddr: number, sport: number, dport: number, proto: number): number {
  const rotl = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;
  const mix = (h: number, v: number) => (Math.imul(rotl((h ^ v) >>> 0, 13), 5) + 0xe6546b64) >>> 0;
  let h = 0x9747b28c;
  h = mix(h, saddr);
  h = mix(h, daddr);
  h = mix(h, ((sport << 16) | dport) >>> 0);
  h = (h ^ proto) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

describeKernel("flow_hash", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("flow_hash");
  });
  afterAll(() => c?.close());
  it("computes the same hash and backend as a JavaScript model", () => {
    expectLoaded(c, "flow_hash");
    const flows: [string, string, number, number][] = [
      ["10.0.0.1", "10.0.0.2", 1234, 80],
      ["192.168.1.77", "8.8.8.8", 65535, 53],
      ["1.1.1.1", "2.2.2.2", 0, 1],
    ];
    for (const [s, d, sp, dp] of flows) {
      expect(run(c, "flow_hash", bytes(eth(ETH_IP, ipv4({ proto: 17, src: s, dst: d }, udp(sp, dp, []))))).ret).toBe(
        XdpAction.PASS,
      );
      const v = c.obj.map("picks").lookup(key32(0));
      const h = flowHash(Buffer.from(ip4(s)).readUInt32BE(0), Buffer.from(ip4(d)).readUInt32BE(0), sp, dp, 17);
      expect([u32At(v, 0), u32At(v, 4)]).toEqual([h, h % 7]);
    }
  });
});

describeKernel("icmpv6_echo", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("icmpv6_echo");
  });
  afterAll(() => c?.close());
  it("answers echo requests with a valid ICMPv6 checksum", () => {
    expectLoaded(c, "icmpv6_echo");
    const data = Array.from({ length: 19 }, (_, i) => i + 1);
    const req = eth(
      ETH_IPV6,
      ipv6(58, icmpv6Echo(128, 0x77, 3, data, "fd00::10", "fd00::1"), "fd00::10", "fd00::1", 12),
      MAC_B,
      MAC_A,
    );
    const r = run(c, "icmpv6_echo", bytes(req));
    expect(r.ret).toBe(XdpAction.TX);
    const reply = eth(
      ETH_IPV6,
      ipv6(58, icmpv6Echo(129, 0x77, 3, data, "fd00::1", "fd00::10"), "fd00::1", "fd00::10", 64),
      MAC_A,
      MAC_B,
    );
    expect(r.data).toEqual(Buffer.from(reply));
    const m = r.data.subarray(54);
    expect(checksum([...ip6("fd00::1"), ...ip6("fd00::10"), 0, 0, 0, m.length, 0, 0, 0, 58, ...m])).toBe(0);
    expect(run(c, "icmpv6_echo", bytes(eth(ETH_IPV6, ipv6(58, icmpv6Echo(129, 1, 1, []))))).ret).toBe(XdpAction.PASS);
  });
});

describeKernel("fib_route", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("fib_route");
  });
  afterAll(() => c?.close());
  it("asks the kernel's FIB and records its answer", () => {
    expectLoaded(c, "fib_route");
    // Test runs arrive on lo: with forwarding off there the kernel answers FWD_DISABLED (5),
    // otherwise a local destination is NOT_FWDED (4). Either way the packet passes.
    const forwarding = readFileSync("/proc/sys/net/ipv4/conf/lo/forwarding", "utf8").trim() === "1";
    const r = run(
      c,
      "fib_route",
      bytes(eth(ETH_IP, ipv4({ proto: 17, src: "127.0.0.2", dst: "127.0.0.1" }, udp(1, 2, [])))),
    );
    expect(r.ret).toBe(XdpAction.PASS);
    const v = c.obj.map("answers").lookup(key32(0));
    expect(Buffer.from(v!).readInt32LE(0)).toBe(forwarding ? 4 : 5);
    expect(run(c, "fib_route", bytes(pad(eth(ETH_ARP, []), 42))).ret).toBe(XdpAction.PASS);
  });
});

describeKernel("sample_printk", () => {
  it("samples every packet at 100% and none at 0%", async () => {
    for (const [rate, want] of [
      [100, 3],
      [0, 0],
    ] as const) {
      const r = Buffer.alloc(4);
      r.writeUInt32LE(rate);
      const c = await setup("sample_printk", { rodata: { ratePercent: r } });
      try {
        expectLoaded(c, "sample_printk");
        for (let i = 0; i < 3; i++)
          expect(run(c, "sample_printk", bytes(pad(eth(ETH_ARP, []), 42))).ret).toBe(XdpAction.PASS);
        expect(c.obj.globals(".bss")).toEqual({ sampled: want, seen: 3 });
      } finally {
        c.close();
      }
    }
  });
});

describeKernel("literal_ranges", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("literal_ranges");
  });
  afterAll(() => c?.close());
  it("compares, switches and merges literals that do not fit the other operand's type by their value", () => {
    expectLoaded(c, "literal_ranges");
    const input = Buffer.from([1, 0xff, 1, 0, 0xff, 0xff, 0xff, 0xff]); // a=1 s8=-1 one=1 d=0xffffffff
    expect(run(c, "literal_ranges", bytes([...eth(0x88b5, []), ...input])).ret).toBe(XdpAction.PASS);
    const got = Array.from({ length: 7 }, (_, i) => u64At(c.obj.map("results").lookup(key32(i))));
    expect(got).toEqual([1n, 1n, 0n, 2n, 2n, 0x100000000n, 0xffffffffffffffffn]);
  });
});

describeKernel("assign_value", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("assign_value");
  });
  afterAll(() => c?.close());
  it("gives assignments the value stored", () => {
    expectLoaded(c, "assign_value");
    const r = run(c, "assign_value", bytes([...eth(0x88b5, []), 1, 2, 0x12, 0x34]));
    expect(r.ret).toBe(XdpAction.PASS);
    expect([...r.data.subarray(14, 18)]).toEqual([0, 5, 0x12, 0x35]);
    const got = Array.from({ length: 5 }, (_, i) => u64At(c.obj.map("results").lookup(key32(i))));
    expect(got).toEqual([5n, 0n, 7n, 0x1235n, 1n]);
  });
});

describeKernel("logic_values", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("logic_values");
  });
  afterAll(() => c?.close());
  it("gives && and || on integers the deciding operand", () => {
    expectLoaded(c, "logic_values");
    expect(run(c, "logic_values", bytes([...eth(0x88b5, []), 5, 7, 0, 0])).ret).toBe(XdpAction.PASS);
    const got = Array.from({ length: 4 }, (_, i) => u64At(c.obj.map("results").lookup(key32(i))));
    expect(got).toEqual([7n, 7n, 0n, 0n]);
  });
});

describeKernel("block_lifetimes", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("block_lifetimes");
  });
  afterAll(() => c?.close());
  const words = (i: number) => {
    const b = Buffer.from(c.obj.map("words").lookup(key32(i))!);
    return Array.from({ length: 8 }, (_, k) => b.readUInt32LE(4 * k));
  };
  const bigs = (i: number) => {
    const b = Buffer.from(c.obj.map("bigs").lookup(key32(i))!);
    return Array.from({ length: 40 }, (_, k) => b.readBigUInt64LE(8 * k));
  };
  const results = () => Array.from({ length: 6 }, (_, i) => u64At(c.obj.map("results").lookup(key32(i))));
  it("keeps each block-scoped local's value for exactly its block, with slots shared between blocks", () => {
    expectLoaded(c, "block_lifetimes");
    expect(run(c, "block_lifetimes", bytes([...eth(0x88b5, []), 3, 5, 9, 2])).ret).toBe(XdpAction.PASS);
    expect(words(0)).toEqual([8, 9, 10, 11, 12, 13, 14, 15]); // inner + outer, both live
    expect(words(1)).toEqual([3, 4, 5, 6, 7, 8, 9, 16]); // outer after the inner block
    expect(words(2)).toEqual([9, 9, 9, 9, 9, 9, 9, 9]);
    expect(words(3)).toEqual([2, 0, 0, 0, 0, 0, 0, 2]);
    // 3 + 16; first[3]; second's 2 + 0 + 2; Σ (i + 3) for i < 4; later[0]; the kept local's 9 + 100
    expect(results()).toEqual([19n, 9n, 4n, 18n, 7n, 109n]);
    expect(bigs(0)).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(2 + i)));
    expect(run(c, "block_lifetimes", bytes([...eth(0x88b5, []), 0, 0, 9, 0])).ret).toBe(XdpAction.PASS);
    expect(results()).toEqual([19n, 9n, 0n, 6n, 7n, 109n]);
    expect(bigs(1)).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(9 * i)));
  });
});
