// Regression tests for programs that compiled to wrong results, were rejected by the verifier
// although valid, or crashed the compiler (issue 10). Each runs in the kernel with packets and
// is compared with what docs/language.md (and JavaScript) say.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setup, expectLoaded, run, key32, u64At, XDP, type Corpus } from "./harness.ts";
import { bytes, eth, ipv4, udp, ETH_IP } from "./packets.ts";

/** Runs `program` on an Ethernet frame (type 0x88b5) carrying `payload`; returns results[0..n). */
function results(c: Corpus, program: string, payload: number[], n: number): bigint[] {
  expect(run(c, program, bytes([...eth(0x88b5, []), ...payload])).ret).toBe(XDP.PASS);
  return Array.from({ length: n }, (_, i) => u64At(c.obj.map("results").lookup(key32(i))));
}

/** Loads test/programs/<name>.ts for the tests of one describe block. */
function corpus(name: string): () => Corpus {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup(name);
  });
  afterAll(() => c?.close());
  return () => c;
}

const M64 = (x: bigint) => BigInt.asUintN(64, x);

describe("const_shifts", () => {
  const c = corpus("const_shifts");
  it("folds shifts of constants with the run-time count masking; >>> is unsigned", () => {
    expectLoaded(c(), "const_shifts");
    expect(results(c(), "const_shifts", [33, 0], 8)).toEqual([2n, 57n, 70n, 2n, 2n, 0xfffffff0n, 66n, 0xffffffffn]);
  });
});

describe("eval_order", () => {
  const c = corpus("eval_order");
  it("reads the left operand before the right one assigns to it", () => {
    expectLoaded(c(), "eval_order");
    expect(results(c(), "eval_order", [9, 3], 7)).toEqual([14n, 9n, 1n, 0n, 90n, 0n, 10n]);
  });
});

describe("switch_equality", () => {
  const c = corpus("switch_equality");
  it("matches a case label exactly when === is true", () => {
    expectLoaded(c(), "switch_equality");
    // d = 0xffffffff, w = 0xffff, b = 0xff
    expect(results(c(), "switch_equality", [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0], 6)).toEqual([
      1n,
      1n,
      0n,
      2n,
      1n,
      2n,
    ]);
  });
});

describe("mixed_logic", () => {
  const c = corpus("mixed_logic");
  it("&& and || with an integer and a boolean operand", () => {
    expectLoaded(c(), "mixed_logic");
    expect(results(c(), "mixed_logic", [5, 7, 0, 0], 7)).toEqual([1n, 1n, 1n, 0n, 0n, 0n, 1n]);
  });
});

describe("numeric_separators", () => {
  const c = corpus("numeric_separators");
  it("reads number and bigint literals with separators", () => {
    expectLoaded(c(), "numeric_separators");
    expect(results(c(), "numeric_separators", [3, 0], 3)).toEqual([3_000_000_000n, 0xffffffffn, 0x1_0000_000an]);
  });
});

describe("let_types", () => {
  const c = corpus("let_types");
  it("gives an unannotated let at least 32 bits; an annotated one wraps at its width", () => {
    expectLoaded(c(), "let_types");
    expect(results(c(), "let_types", [0xff, 0xff, 0xff, 0xff, 0x12, 0x34], 6)).toEqual([
      256n,
      M64(-2n),
      0x10000n,
      0x11234n,
      294n,
      0n,
    ]);
  });
});

describe("computed_index", () => {
  const c = corpus("computed_index");
  it("indexes arrays of map values and local structs at computed, shifted and signed indexes", () => {
    expectLoaded(c(), "computed_index");
    expect(results(c(), "computed_index", [6, 0xff], 6)).toEqual([7n, 7n, 3n, 5n, 70n, 30n]);
    const v = Buffer.from(c().obj.map("store").lookup(key32(0))!);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => v.readUInt32LE(4 * i))).toEqual([0, 0, 0, 3, 0, 0, 0, 11]);
  });
});

describe("loop_counter_index", () => {
  const c = corpus("loop_counter_index");
  it("indexes arrays with loop counters, unclamped where they stay in range and clamped where not", () => {
    expectLoaded(c(), "loop_counter_index");
    const a = [1, 2, 3, 4, 5, 6],
      b = [11, 12, 13, 14, 15, 16];
    const r = run(c(), "loop_counter_index", bytes([...eth(0x88b5, []), 10, 0, ...a, ...b]));
    expect(r.ret).toBe(XDP.PASS);
    expect([...r.data.subarray(16, 28)]).toEqual([...b, ...a]);
    const got = [0, 1, 2, 3, 4, 5].map((i) => u64At(c().obj.map("results").lookup(key32(i))));
    // down: ma[7] … ma[0] of [10 … 17]; neg: ma[7], ma[7], ma[0], ma[1]; past: ma[0], ma[4], ma[7];
    // body, cond: ma[7] once (i = 10); shadow: ma[7] twice (the inner i = 12).
    expect(got).toEqual([4088n, 17171011n, 101417n, 17n, 17n, 1717n]);
    const v = Buffer.from(c().obj.map("store").lookup(key32(0))!);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => v.readUInt32LE(4 * i))).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
  });
});

describe("packet_array_index", () => {
  const c = corpus("packet_array_index");
  it("reads and writes packet array fields at computed indexes", () => {
    expectLoaded(c(), "packet_array_index");
    const input = [
      2, 9, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
    ];
    const r = run(c(), "packet_array_index", bytes([...eth(0x88b5, []), ...input]));
    expect(r.ret).toBe(XDP.PASS);
    const got = [0, 1, 2].map((i) => u64At(c().obj.map("results").lookup(key32(i))));
    expect(got).toEqual([0xa2n, 0xb7b6n, 0xa7n]);
    const want = [...input];
    want[2 + 3] = 0xee; // bytes[i + 1]
    want[10 + 4] = 0x34; // words[i], little-endian u16
    want[10 + 5] = 0x12;
    expect([...r.data.subarray(14)]).toEqual(want);
  });
});

describe("ctx_len_arith", () => {
  const c = corpus("ctx_len_arith");
  it("subtracts from ctx.len as a number", () => {
    expectLoaded(c(), "ctx_len_arith", "ctx_len_mixed");
    const packet = bytes(eth(ETH_IP, ipv4({ proto: 17, src: "10.0.0.1", dst: "10.0.0.2" }, udp(1, 2, [1, 2, 3]))));
    const padded = bytes([...packet, 0, 0, 0, 0, 0, 0]); // 6 bytes beyond the IP datagram
    expect(run(c(), "ctx_len_arith", padded).ret).toBe(XDP.PASS);
    expect(u64At(c().obj.map("results").lookup(key32(0)))).toBe(14n + 6n);
    const frame = bytes([...eth(0x88b5, []), 5, 0, 0, 0]);
    expect(run(c(), "ctx_len_mixed", frame).ret).toBe(XDP.PASS);
    const got = [1, 2, 3, 4].map((i) => u64At(c().obj.map("results").lookup(key32(i))));
    const n = frame.length;
    expect(got).toEqual([BigInt(n - 5), BigInt((5 - n) >>> 0), BigInt(n + 5), BigInt(n - 6)]);
  });
});

describe("header_offsets", () => {
  const c = corpus("header_offsets");
  const ABSENT = 0xffffffffffn;
  /** An Ethernet frame whose bytes from 23 on are their own offset; Input at 14. */
  function frame(off: number, m: number, s: number): Uint8Array {
    const input = Buffer.alloc(9);
    input.writeUInt8(off, 0);
    input.writeUInt32LE(m, 1);
    input.writeInt32LE(s, 5);
    return bytes([...eth(0x88b5, []), ...input, ...Array.from({ length: 41 }, (_, i) => 23 + i)]);
  }
  const le32 = (f: Uint8Array, o: number) => BigInt(Buffer.from(f).readUInt32LE(o));
  const result = (i: number) => u64At(c().obj.map("results").lookup(key32(i)));

  it("views at computed offsets from a signed field, % and /, and a map value load and read the right bytes", () => {
    expectLoaded(c(), "offset_signed", "offset_division", "offset_map");
    let f = frame(40, 0x11223344, 30);
    const r = run(c(), "offset_signed", f);
    expect(r.ret).toBe(XDP.PASS);
    expect([result(0), result(1)]).toEqual([le32(f, 40), 0x11223344n]);
    expect(Buffer.from(r.data).readUInt32LE(30)).toBe(0x11223344); // written through the view
    f = frame(62, 0, -1); // a negative offset and one past the end: both null
    expect(run(c(), "offset_signed", f).ret).toBe(XDP.PASS);
    expect([result(0), result(1)]).toEqual([ABSENT, ABSENT]);

    f = frame(0, 1037, 0); // 1037 % 40 = 37, 1037 / 20 = 51
    expect(run(c(), "offset_division", f).ret).toBe(XDP.PASS);
    expect([result(2), result(3)]).toEqual([le32(f, 37), le32(f, 51)]);
    f = frame(0, 0x10000 + 1220, 0); // u16(m) / 20 = 61: past the end
    expect(run(c(), "offset_division", f).ret).toBe(XDP.PASS);
    expect([result(2), result(3)]).toEqual([le32(f, (0x10000 + 1220) % 40), ABSENT]);

    const cfg = Buffer.alloc(4);
    cfg.writeUInt32LE(50, 0); // 50 % 24 = 2
    c().obj.map("cfg").update(key32(0), cfg);
    f = frame(0, 0, 0);
    expect(run(c(), "offset_map", f).ret).toBe(XDP.PASS);
    expect(result(4)).toBe(le32(f, 2));
  });
});
