// Fixed vectors for the flow hash. They were computed by an independent
// Python implementation of the spec; bench/lb.c must produce the same slots.
import { describe, expect, it } from "vitest";
import { FLOW_SLOTS, flowHash, flowHash6, flowSlot, flowSlot6, ipv4ToU32 } from "../../lb/flowhash.ts";
import { formatIpv6, ipv6ToWords, wordsList } from "../../lb/ipv6.ts";

const vectors: Array<[number, number, number, number, number, number, number]> = [
  // saddr, daddr, sport, dport, proto, hash, slot
  [0, 0, 0, 0, 0, 0x176842cd, 11109],
  [0x0a000001, 0x0a000064, 12345, 80, 6, 0x36e6edaa, 46788],
  [0xc0a80101, 0x0a000064, 40000, 53, 17, 0x6ef60b9e, 40105],
  [0xffffffff, 0xffffffff, 65535, 65535, 255, 0xc25a0e89, 19504],
  [0x01020304, 0x05060708, 1, 2, 6, 0x0731054c, 65052],
];

describe("flowHash", () => {
  it.each(vectors)("%i %i %i %i %i", (s, d, sp, dp, p, hash, slot) => {
    expect(flowHash(s, d, sp, dp, p)).toBe(hash);
    expect(flowSlot(s, d, sp, dp, p)).toBe(slot);
  });

  it("returns an unsigned 32-bit integer", () => {
    for (let i = 0; i < 1000; i++) {
      const h = flowHash(0x0a000000 + i, 0x0a000064, 1024 + i, 443, 6);
      expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
    }
  });

  it("depends on every field, including direction", () => {
    const base = flowHash(0x0a000001, 0x0a000064, 12345, 80, 6);
    expect(flowHash(0x0a000002, 0x0a000064, 12345, 80, 6)).not.toBe(base);
    expect(flowHash(0x0a000001, 0x0a000065, 12345, 80, 6)).not.toBe(base);
    expect(flowHash(0x0a000001, 0x0a000064, 12346, 80, 6)).not.toBe(base);
    expect(flowHash(0x0a000001, 0x0a000064, 12345, 81, 6)).not.toBe(base);
    expect(flowHash(0x0a000001, 0x0a000064, 12345, 80, 17)).not.toBe(base);
    expect(flowHash(0x0a000064, 0x0a000001, 80, 12345, 6)).not.toBe(base);
  });

  it("spreads client ports evenly over the slots", () => {
    // 65536 source ports of one client: each eighth of the table gets ~1/8.
    const buckets = new Array<number>(8).fill(0);
    for (let port = 0; port < 65536; port++) {
      buckets[Math.floor((flowSlot(0x0a000001, 0x0a000064, port, 80, 6) * 8) / FLOW_SLOTS)]!++;
    }
    for (const b of buckets) expect(Math.abs(b - 8192)).toBeLessThan(8192 * 0.05);
  });

  it("parses dotted quads to host order", () => {
    expect(ipv4ToU32("10.0.0.1")).toBe(0x0a000001);
    expect(ipv4ToU32("255.255.255.255")).toBe(0xffffffff);
    expect(() => ipv4ToU32("10.0.0")).toThrow(RangeError);
    expect(() => ipv4ToU32("10.0.0.256")).toThrow(RangeError);
  });
});

// IPv6 vectors from an independent Python implementation (socket.inet_pton for the words);
// bench/lb.c and lb/lb.ts must give the same slots (test/lb/conformance.py checks them).
const vectors6: Array<[string, string, number, number, number, number, number]> = [
  ["::", "::", 0, 0, 0, 0x5570050f, 44960],
  ["fd00:9::1", "fd00::100", 12345, 80, 6, 0xfbd737b7, 15329],
  ["2001:db8::1", "2001:db8::ffff:10.0.0.1", 40000, 53, 17, 0x72ddf2cf, 32754],
  [
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    65535,
    65535,
    255,
    0x2b042754,
    64593,
  ],
];

describe("flowHash6", () => {
  it.each(vectors6)("%s %s %i %i %i", (s, d, sp, dp, p, hash, slot) => {
    const sw = wordsList(ipv6ToWords(s));
    const dw = wordsList(ipv6ToWords(d));
    expect(flowHash6(sw, dw, sp, dp, p)).toBe(hash);
    expect(flowSlot6(sw, dw, sp, dp, p)).toBe(slot);
  });

  it("parses and prints IPv6 addresses (RFC 5952)", () => {
    expect(ipv6ToWords("fd00::1")).toEqual({ w0: 0xfd000000, w1: 0, w2: 0, w3: 1 });
    expect(ipv6ToWords("::ffff:10.0.0.1")).toEqual({ w0: 0, w1: 0, w2: 0xffff, w3: 0x0a000001 });
    expect(formatIpv6(ipv6ToWords("FD00:0:0:1:0:0:2:3"))).toBe("fd00::1:0:0:2:3");
    expect(formatIpv6(ipv6ToWords("2001:db8:0:0:1:0:0:1"))).toBe("2001:db8::1:0:0:1");
    expect(formatIpv6(ipv6ToWords("::"))).toBe("::");
    expect(() => ipv6ToWords("fd00::1::2")).toThrow(RangeError);
  });
});
