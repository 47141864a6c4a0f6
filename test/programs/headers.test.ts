// Corpus: header walking: IPv6 extension headers, VLAN pop/push (xdp_adjust_head), IPv4 options loop, redirects.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { setup, expectLoaded, run, key32, u32At, u64At, type Corpus } from "./harness.ts";
import { XdpAction } from "../../runtime/index.ts";
import {
  bytes,
  eth,
  ipv4,
  ipv6,
  udp,
  tcp,
  vlan,
  pad,
  icmpEcho,
  ETH_IP,
  ETH_IPV6,
  ETH_ARP,
  ETH_VLAN,
  MAC_A,
  MAC_B,
} from "./packets.ts";
import { scapyBuild, scapyCheck, type PacketSpec } from "../support/scapy.ts";
import { clamped, config } from "./mss_clamp.ts";

describeKernel("ipv6_exthdr", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("ipv6_exthdr");
  });
  afterAll(() => c?.close());
  const seen = () => {
    const v = c.obj.map("last_seen").lookup(key32(0));
    return [u32At(v, 0), u32At(v, 4), u32At(v, 8)];
  };
  it("finds UDP behind hop-by-hop, routing, fragment and destination options", () => {
    expectLoaded(c, "ipv6_exthdr");
    const u = udp(5, 9, [1, 2, 3, 4]);
    expect(run(c, "ipv6_exthdr", bytes(eth(ETH_IPV6, ipv6(17, u)))).ret).toBe(XdpAction.DROP);
    expect(seen()).toEqual([54, 0, 9]);
    // hop-by-hop (8 bytes) → routing (24 bytes: hdrlen 2) → fragment (8) → dstopts (16: hdrlen 1) → UDP
    const ext = [
      43,
      0,
      1,
      4,
      0,
      0,
      0,
      0,
      44,
      2,
      0,
      0,
      0,
      0,
      0,
      0,
      ...Array(16).fill(0),
      60,
      0,
      0,
      0,
      0,
      0,
      0,
      1,
      17,
      1,
      ...Array(14).fill(0),
    ];
    const r = run(c, "ipv6_exthdr", bytes(eth(ETH_IPV6, ipv6(0, [...ext, ...udp(5, 53, [7])]))));
    expect(r.ret).toBe(XdpAction.PASS);
    expect(seen()).toEqual([54 + 56, 4, 53]);
  });
  it("drops truncated extension headers and passes other protocols", () => {
    expect(run(c, "ipv6_exthdr", bytes(eth(ETH_IPV6, ipv6(0, [17, 4, 0, 0, 0, 0, 0, 0])))).ret).toBe(XdpAction.DROP);
    expect(run(c, "ipv6_exthdr", bytes(eth(ETH_IPV6, ipv6(6, tcp(1, 9, 2))))).ret).toBe(XdpAction.PASS);
    expect(run(c, "ipv6_exthdr", bytes(eth(ETH_IP, ipv4({ proto: 17 }, udp(1, 9, []))))).ret).toBe(XdpAction.PASS);
    // Seven hop-by-hop headers: the loop gives up after six and the packet passes.
    const chain = Array.from({ length: 7 }, () => [0, 0, 0, 0, 0, 0, 0, 0]).flat();
    expect(run(c, "ipv6_exthdr", bytes(eth(ETH_IPV6, ipv6(0, [...chain, ...udp(1, 9, [])])))).ret).toBe(XdpAction.PASS);
  });
});

describeKernel("vlan_pop", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("vlan_pop");
  });
  afterAll(() => c?.close());
  it("removes the tag, keeps the payload, counts per VLAN", () => {
    expectLoaded(c, "vlan_pop");
    const inner = ipv4({ proto: 17 }, udp(1, 2, [0xde, 0xad]));
    const tagged = eth(ETH_VLAN, vlan((3 << 13) | 42, ETH_IP, inner));
    for (let i = 0; i < 2; i++) {
      const r = run(c, "vlan_pop", bytes(tagged));
      expect(r.ret).toBe(XdpAction.PASS);
      expect(r.data).toEqual(Buffer.from(eth(ETH_IP, inner)));
    }
    const k = Buffer.alloc(2);
    k.writeUInt16LE(42);
    expect(u64At(c.obj.map("per_vlan").lookup(k))).toBe(2n);
    const plain = bytes(eth(ETH_IP, inner));
    expect(run(c, "vlan_pop", plain).data).toEqual(Buffer.from(plain));
  });
});

describeKernel("vlan_push", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("vlan_push");
  });
  afterAll(() => c?.close());
  it("inserts a tag with the configured id and priority", () => {
    expectLoaded(c, "vlan_push");
    const inner = ipv4({ proto: 1 }, icmpEcho(8, 1, 2, [1, 2, 3]));
    const r = run(c, "vlan_push", bytes(eth(ETH_IP, inner, MAC_B, MAC_A)));
    expect(r.ret).toBe(XdpAction.TX);
    expect(r.data).toEqual(Buffer.from(eth(ETH_VLAN, vlan((5 << 13) | 100, ETH_IP, inner), MAC_B, MAC_A)));
    const tagged = bytes(eth(ETH_VLAN, vlan(7, ETH_IP, inner)));
    expect(run(c, "vlan_push", tagged).ret).toBe(XdpAction.PASS);
  });
});

describeKernel("ipv4_options", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("ipv4_options");
  });
  afterAll(() => c?.close());
  const count = (kind: number) =>
    c.obj
      .map("option_counts")
      .lookupPerCpu(key32(kind))!
      .reduce((a, v) => a + u64At(v), 0n);
  it("walks NOPs, router alert and timestamps; drops source routing and malformed options", () => {
    expectLoaded(c, "ipv4_options");
    const frame = (options: number[]) => bytes(eth(ETH_IP, ipv4({ proto: 17, options }, udp(1, 2, [1]))));
    // NOP, NOP, router alert (148, len 4), timestamp (68, len 8), END
    expect(run(c, "ipv4_options", frame([1, 1, 148, 4, 0, 0, 68, 8, 5, 0, 0, 0, 0, 0, 0]))).toMatchObject({
      ret: XdpAction.PASS,
    });
    expect([count(1), count(148), count(68), count(0)]).toEqual([2n, 1n, 1n, 0n]);
    expect(run(c, "ipv4_options", frame([1, 131, 7, 4, 10, 0, 0, 1])).ret).toBe(XdpAction.DROP); // LSRR
    expect(run(c, "ipv4_options", frame([137, 3, 4, 0])).ret).toBe(XdpAction.DROP); // SSRR
    expect(run(c, "ipv4_options", frame([148, 1, 0, 0])).ret).toBe(XdpAction.DROP); // length < 2
    expect(run(c, "ipv4_options", frame([])).ret).toBe(XdpAction.PASS);
    // 40 bytes of NOPs: the longest option area, walked to its end.
    expect(run(c, "ipv4_options", frame(Array(40).fill(1))).ret).toBe(XdpAction.PASS);
    expect(count(1)).toBe(2n + 1n + 40n);
  });
});

// A program written the way users write one (not for a compiler feature): TCP MSS clamping,
// a bounded walk over TCP options at a header-length offset and an incremental checksum.
// Expected frames are scapy's, checksums its own.
describeKernel("mss_clamp", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("mss_clamp");
    c.obj.typedMap(config, "config").update(0, { maxMss: 1400 });
  });
  afterAll(() => c?.close());
  const syn = (options: unknown[][], more: { ip?: object; flags?: string } = {}): PacketSpec => ({
    ip: more.ip ?? {},
    tcp: { flags: more.flags ?? "S", options },
  });
  const linux = [
    ["MSS", 1460],
    ["SAckOK", ""],
    ["Timestamp", [7, 0]],
    ["NOP", null],
    ["WScale", 7],
  ];
  const clampedCount = () =>
    c.obj
      .typedMap(clamped, "clamped")
      .lookupPerCpu(0)!
      .reduce((a, v) => a + v, 0n);

  it("lowers an MSS above the limit, wherever the option is, with the checksum scapy computes", () => {
    expectLoaded(c, "mss_clamp");
    const cases: [PacketSpec, PacketSpec][] = [
      // Linux's SYN options; the same SYN-ACK; the MSS after the others; after 36 NOPs (the last
      // 4 of the 40 option bytes); behind 8 bytes of IPv4 options.
      [syn(linux), syn([["MSS", 1400], ...linux.slice(1)])],
      [syn(linux, { flags: "SA" }), syn([["MSS", 1400], ...linux.slice(1)], { flags: "SA" })],
      [syn([...linux.slice(1), ["MSS", 9000]]), syn([...linux.slice(1), ["MSS", 1400]])],
      [syn([...Array(36).fill(["NOP", null]), ["MSS", 1460]]), syn([...Array(36).fill(["NOP", null]), ["MSS", 1400]])],
      [syn(linux, { ip: { options: 8 } }), syn([["MSS", 1400], ...linux.slice(1)], { ip: { options: 8 } })],
    ];
    const frames = scapyBuild(...cases.flat());
    const before = clampedCount();
    for (let i = 0; i < cases.length; i++) {
      const out = run(c, "mss_clamp", frames[2 * i]!);
      expect(out.ret, `case ${i}`).toBe(XdpAction.PASS);
      expect(out.data.toString("hex"), `case ${i}`).toBe(frames[2 * i + 1]!.toString("hex"));
    }
    for (const checked of scapyCheck(...frames.filter((_, i) => i % 2 === 1)))
      expect(checked.checksums.l4?.ok).toBe(true);
    expect(clampedCount() - before).toBe(BigInt(cases.length));
  });

  it("leaves alone what it must not touch", () => {
    const untouched = scapyBuild(
      syn([
        ["MSS", 1300],
        ["NOP", null],
        ["NOP", null],
      ]), // below the limit
      syn(linux, { flags: "A" }), // not a SYN
      syn([
        ["NOP", null],
        ["SAckOK", ""],
        ["Timestamp", [1, 0]],
      ]), // no MSS
      syn([]), // no options
    );
    // An option of length 0 before the MSS: the walk stops there (it cannot advance).
    const [bad] = scapyBuild(
      syn([
        ["NOP", null],
        ["MSS", 1460],
      ]),
    );
    const malformed = Buffer.from(bad!);
    const opts = 14 + 20 + 20;
    malformed[opts + 1] = 0x08; // kind 8 (timestamps) …
    malformed[opts + 2] = 0x00; // … of length 0, where the MSS option began
    const before = clampedCount();
    for (const frame of [...untouched, malformed]) {
      const out = run(c, "mss_clamp", frame);
      expect(out.ret).toBe(XdpAction.PASS);
      expect(out.data.toString("hex")).toBe(Buffer.from(frame).toString("hex"));
    }
    expect(clampedCount()).toBe(before);
  });
});

describeKernel("devmap_redirect", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("devmap_redirect");
  });
  afterAll(() => c?.close());
  it("redirects through devmap slots, bpf_redirect and the cpumap", () => {
    expectLoaded(c, "devmap_redirect");
    const u = (dport: number) => bytes(eth(ETH_IP, ipv4({ proto: 17 }, udp(1, dport, []))));
    expect(run(c, "devmap_redirect", u(2)).ret).toBe(XdpAction.PASS); // empty slot: fallback action
    const ifindex = Buffer.alloc(4);
    ifindex.writeUInt32LE(1); // lo
    c.obj.map("tx_ports").update(key32(0), ifindex);
    expect(run(c, "devmap_redirect", u(2)).ret).toBe(XdpAction.REDIRECT);
    expect(run(c, "devmap_redirect", u(3)).ret).toBe(XdpAction.PASS);
    expect(run(c, "devmap_redirect", bytes(eth(ETH_IP, ipv4({ proto: 6 }, tcp(1, 2, 2))))).ret).toBe(
      XdpAction.REDIRECT,
    );
    const icmp = bytes(eth(ETH_IP, ipv4({ proto: 1 }, icmpEcho(8, 1, 1, []))));
    expect(run(c, "devmap_redirect", icmp).ret).toBe(XdpAction.DROP); // cpumap slot empty
    const qsize = Buffer.alloc(8);
    qsize.writeUInt32LE(192);
    c.obj.map("cpus").update(key32(0), qsize.subarray(0, 4));
    expect(run(c, "devmap_redirect", icmp).ret).toBe(XdpAction.REDIRECT);
    expect(run(c, "devmap_redirect", bytes(pad(eth(ETH_ARP, []), 42))).ret).toBe(XdpAction.PASS);
  });
});
