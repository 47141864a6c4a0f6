// Corpus: filters (pass all, drop a UDP port, port knocking, IPv4 header checksums), per-protocol counters, MAC swap with XDP_TX, ICMP echo responder.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { setup, expectLoaded, run, key32, u64At, type Corpus } from "./harness.ts";
import { XdpAction } from "../../runtime/index.ts";
import { bytes, checksum, eth, icmpEcho, ipv4, udp, tcp, ETH_IP, ETH_ARP, MAC_A, MAC_B, ip4, pad } from "./packets.ts";
import { buckets, limits, verdicts } from "./syn_token_bucket.ts";
import { admitted, knocks } from "./port_knock.ts";
import { Verdict as HeaderVerdict, verdicts as headerVerdicts } from "./ipv4_header_check.ts";
import { scapyBuild } from "../support/scapy.ts";

describeKernel("pass_all", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("pass_all");
  });
  afterAll(() => c?.close());
  it("loads and passes everything unchanged", () => {
    expectLoaded(c, "pass_all");
    const p = bytes(pad(eth(ETH_ARP, []), 60));
    const r = run(c, "pass_all", p);
    expect(r.ret).toBe(XdpAction.PASS);
    expect(r.data).toEqual(Buffer.from(p));
  });
});

describeKernel("drop_udp_port", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("drop_udp_port");
  });
  afterAll(() => c?.close());
  it("drops UDP to port 9 only, also behind IPv4 options", () => {
    expectLoaded(c, "drop_udp_port");
    const frame = (dport: number, options: number[] = []) =>
      bytes(eth(ETH_IP, ipv4({ proto: 17, options }, udp(1234, dport, [1, 2, 3, 4]))));
    expect(run(c, "drop_udp_port", frame(9)).ret).toBe(XdpAction.DROP);
    expect(run(c, "drop_udp_port", frame(9, [1, 1, 1, 1, 1, 1, 1, 0])).ret).toBe(XdpAction.DROP);
    expect(run(c, "drop_udp_port", frame(53)).ret).toBe(XdpAction.PASS);
    expect(run(c, "drop_udp_port", bytes(eth(ETH_IP, ipv4({ proto: 6 }, tcp(1, 9, 2))))).ret).toBe(XdpAction.PASS);
    // Truncated UDP header: the view is null, the packet passes.
    expect(run(c, "drop_udp_port", bytes(eth(ETH_IP, ipv4({ proto: 17 }, [0, 1])))).ret).toBe(XdpAction.PASS);
    const r = run(c, "drop_udp_port", frame(53));
    expect(r.data).toEqual(Buffer.from(frame(53)));
  });
});

describeKernel("count_proto", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("count_proto");
  });
  afterAll(() => c?.close());
  it("counts packets and bytes per IP protocol", () => {
    expectLoaded(c, "count_proto");
    const sent = [
      bytes(eth(ETH_IP, ipv4({ proto: 17 }, udp(1, 2, [])))),
      bytes(eth(ETH_IP, ipv4({ proto: 17 }, udp(1, 2, Array(30).fill(7))))),
      bytes(eth(ETH_IP, ipv4({ proto: 6 }, tcp(1, 2, 0x02)))),
      bytes(eth(ETH_IP, ipv4({ proto: 1 }, icmpEcho(8, 1, 1, [])))),
    ];
    for (const p of sent) expect(run(c, "count_proto", p).ret).toBe(XdpAction.PASS);
    expect(run(c, "count_proto", bytes(pad(eth(ETH_ARP, []), 42))).ret).toBe(XdpAction.PASS);
    expect(run(c, "count_proto", bytes(eth(ETH_IP, [0x45, 0, 0]))).ret).toBe(XdpAction.DROP);
    const m = c.obj.map("proto_stats");
    const stat = (proto: number) => {
      const v = m.lookup(key32(proto));
      return [u64At(v, 0), u64At(v, 8)];
    };
    expect(stat(17)).toEqual([2n, BigInt(sent[0]!.length + sent[1]!.length)]);
    expect(stat(6)).toEqual([1n, BigInt(sent[2]!.length)]);
    expect(stat(1)).toEqual([1n, BigInt(sent[3]!.length)]);
    expect(stat(0)).toEqual([0n, 0n]);
  });
});

describeKernel("swap_mac_tx", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("swap_mac_tx");
  });
  afterAll(() => c?.close());
  it("swaps the MAC addresses and transmits", () => {
    expectLoaded(c, "swap_mac_tx");
    const body = ipv4({ proto: 17 }, udp(5, 6, [9, 9]));
    const r = run(c, "swap_mac_tx", bytes(eth(ETH_IP, body, MAC_B, MAC_A)));
    expect(r.ret).toBe(XdpAction.TX);
    expect(r.data).toEqual(Buffer.from(eth(ETH_IP, body, MAC_A, MAC_B)));
  });
});

describeKernel("icmp_echo", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("icmp_echo");
  });
  afterAll(() => c?.close());
  it("answers echo requests with a valid checksum", () => {
    expectLoaded(c, "icmp_echo");
    const data = Array.from({ length: 37 }, (_, i) => (i * 7 + 3) & 0xff);
    const req = eth(
      ETH_IP,
      ipv4({ proto: 1, src: "192.168.1.10", dst: "192.168.1.1" }, icmpEcho(8, 0x4242, 7, data)),
      MAC_B,
      MAC_A,
    );
    const r = run(c, "icmp_echo", bytes(req));
    expect(r.ret).toBe(XdpAction.TX);
    const expected = eth(
      ETH_IP,
      ipv4({ proto: 1, src: "192.168.1.1", dst: "192.168.1.10" }, icmpEcho(0, 0x4242, 7, data)),
      MAC_A,
      MAC_B,
    );
    expect(r.data).toEqual(Buffer.from(expected));
    // Independent check: the reply's ICMP and IP checksums verify to zero.
    expect(checksum(r.data.subarray(34))).toBe(0);
    expect(checksum(r.data.subarray(14, 34))).toBe(0);
    expect([...r.data.subarray(26, 30)]).toEqual(ip4("192.168.1.1"));
  });
  it("passes other ICMP and non-ICMP", () => {
    expect(run(c, "icmp_echo", bytes(eth(ETH_IP, ipv4({ proto: 1 }, icmpEcho(0, 1, 1, []))))).ret).toBe(XdpAction.PASS);
    expect(run(c, "icmp_echo", bytes(eth(ETH_IP, ipv4({ proto: 17 }, udp(1, 2, []))))).ret).toBe(XdpAction.PASS);
  });
});

describeKernel("syn_token_bucket", () => {
  let c: Corpus;
  const SRC = "10.0.0.1";
  const src = 0x0a000001; // SRC, a be32 key in host order as the typed map API reads it
  beforeAll(async () => {
    c = await setup("syn_token_bucket");
  });
  afterAll(() => c?.close());
  const syn = (flags = 0x02) => bytes(eth(ETH_IP, ipv4({ proto: 6, src: SRC }, tcp(4000, 80, flags))));
  const udpFrom = () => bytes(eth(ETH_IP, ipv4({ proto: 17, src: SRC }, udp(4000, 53, [1, 2]))));
  const bucket = () => c.obj.typedMap(buckets, "buckets").lookup(src);
  const setBucket = (tokens: number, lastNs: bigint) =>
    c.obj.typedMap(buckets, "buckets").update(src, { tokens, lastNs });
  const counts = () =>
    [0, 1, 2, 3, 4].map((v) =>
      (c.obj.typedMap(verdicts, "verdicts").lookupPerCpu(v) ?? []).reduce((a, b) => a + b, 0n),
    );

  it("passes everything while it has no limits, and counts nothing", () => {
    expectLoaded(c, "syn_token_bucket");
    expect(run(c, "syn_token_bucket", syn()).ret).toBe(XdpAction.PASS);
    expect(bucket()).toBeUndefined();
    expect(counts()).toEqual([0n, 0n, 0n, 0n, 0n]);
  });

  it("gives a new source its burst, takes a token per SYN and drops when the bucket is empty", () => {
    c.obj.typedMap(limits, "limits").update(0, { tokensPerSec: 1, burst: 3, udpCost: 2 });
    const t0 = process.hrtime.bigint(); // CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns
    expect(run(c, "syn_token_bucket", syn()).ret).toBe(XdpAction.PASS);
    const t1 = process.hrtime.bigint();
    const b = bucket()!;
    expect(b.tokens).toBe(2);
    expect(b.lastNs >= t0 && b.lastNs <= t1).toBe(true);
    // A last refill in the future: no tokens are earned while the test runs.
    setBucket(2, 1n << 62n);
    expect(run(c, "syn_token_bucket", syn()).ret).toBe(XdpAction.PASS);
    // UDP costs 2 and there is 1 token left: dropped, and the token stays.
    expect(run(c, "syn_token_bucket", udpFrom()).ret).toBe(XdpAction.DROP);
    expect(bucket()!.tokens).toBe(1);
    expect(run(c, "syn_token_bucket", syn()).ret).toBe(XdpAction.PASS);
    expect(run(c, "syn_token_bucket", syn()).ret).toBe(XdpAction.DROP);
    // An established connection's segment (ACK) and SYN-ACK cost nothing.
    expect(run(c, "syn_token_bucket", syn(0x10)).ret).toBe(XdpAction.PASS);
    expect(run(c, "syn_token_bucket", syn(0x12)).ret).toBe(XdpAction.PASS);
    expect(bucket()).toEqual({ tokens: 0, lastNs: 1n << 62n });
    // NOT_LIMITED, ALLOWED, DROPPED, NEW_SOURCE, MALFORMED
    expect(counts()).toEqual([2n, 3n, 2n, 1n, 0n]);
  });

  it("refills at the configured rate, up to the burst", () => {
    c.obj.typedMap(limits, "limits").update(0, { tokensPerSec: 2, burst: 100, udpCost: 1 });
    // Last refill 4.2 s ago at 2 tokens/s: 8 tokens earned (9 if the run came 0.3 s later).
    const t0 = process.hrtime.bigint();
    setBucket(0, t0 - 4_200_000_000n);
    expect(run(c, "syn_token_bucket", syn()).ret).toBe(XdpAction.PASS);
    const t1 = process.hrtime.bigint();
    const earned = (t: bigint) => Number(((t - (t0 - 4_200_000_000n)) * 2n) / 1_000_000_000n);
    const b = bucket()!;
    expect(b.tokens).toBeGreaterThanOrEqual(earned(t0) - 1);
    expect(b.tokens).toBeLessThanOrEqual(earned(t1) - 1);
    expect(b.lastNs >= t0 && b.lastNs <= t1).toBe(true);
    // A bucket idle for an hour holds the burst, not 7,200 tokens.
    setBucket(0, process.hrtime.bigint() - 3_600_000_000_000n);
    expect(run(c, "syn_token_bucket", udpFrom()).ret).toBe(XdpAction.PASS);
    expect(bucket()!.tokens).toBe(99);
  });

  it("drops malformed IPv4 and truncated TCP and UDP headers", () => {
    const before = counts();
    const bad = ipv4({ proto: 6, src: SRC }, tcp(1, 2, 0x02));
    bad[0] = 0x44; // IHL 4
    expect(run(c, "syn_token_bucket", bytes(eth(ETH_IP, bad))).ret).toBe(XdpAction.DROP);
    const cut = ipv4({ proto: 6, src: SRC }, tcp(1, 2, 0x02)).slice(0, 20 + 10);
    expect(run(c, "syn_token_bucket", bytes(eth(ETH_IP, cut))).ret).toBe(XdpAction.DROP);
    const cutUdp = ipv4({ proto: 17, src: SRC }, udp(1, 2, [])).slice(0, 20 + 4);
    expect(run(c, "syn_token_bucket", bytes(eth(ETH_IP, cutUdp))).ret).toBe(XdpAction.DROP);
    expect(counts()[4]! - before[4]!).toBe(3n);
  });
});

// Written the way users write them (not for a compiler feature): port knocking with per-source
// state in an LRU map and a constant tuple of ports; an IPv4 header checksum check.
describeKernel("port_knock", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("port_knock");
  });
  afterAll(() => c?.close());
  const knock = (port: number, src = "10.0.0.1") => bytes(eth(ETH_IP, ipv4({ proto: 17, src }, udp(4000, port, [1]))));
  const ssh = (src = "10.0.0.1", port = 22) => bytes(eth(ETH_IP, ipv4({ proto: 6, src }, tcp(4000, port, 0x02))));
  const verdict = (p: Uint8Array) => run(c, "port_knock", p).ret;
  const stateOf = (src: number) => c.obj.typedMap(knocks, "knocks").lookup(src);
  const admittedCount = () => c.obj.typedMap(admitted, "admitted").lookup(0);

  it("opens SSH only after the three knocks in order, and only for the source that knocked", () => {
    expectLoaded(c, "port_knock");
    expect(verdict(ssh())).toBe(XdpAction.DROP);
    expect(verdict(ssh("10.0.0.1", 80))).toBe(XdpAction.PASS); // other TCP ports are not guarded
    expect(verdict(knock(7000))).toBe(XdpAction.DROP); // knocks are dropped
    expect(stateOf(0x0a000001)?.stage).toBe(1);
    expect(verdict(knock(8000))).toBe(XdpAction.DROP);
    expect(verdict(ssh())).toBe(XdpAction.DROP); // two of three
    expect(verdict(knock(9000))).toBe(XdpAction.DROP);
    expect(stateOf(0x0a000001)?.stage).toBe(3);
    expect(verdict(ssh())).toBe(XdpAction.PASS);
    expect(verdict(ssh())).toBe(XdpAction.PASS);
    expect(admittedCount()).toBe(2n);
    expect(verdict(ssh("10.0.0.9"))).toBe(XdpAction.DROP);
  });

  it("starts again after a wrong knock, and closes after 30 s", () => {
    const src = "10.0.0.7";
    expect(verdict(knock(7000, src))).toBe(XdpAction.DROP);
    expect(verdict(knock(9000, src))).toBe(XdpAction.DROP); // out of order: forgotten
    expect(stateOf(0x0a000007)).toBeUndefined();
    expect(verdict(knock(8000, src))).toBe(XdpAction.DROP); // not the first knock
    expect(stateOf(0x0a000007)).toBeUndefined();
    for (const port of [7000, 8000, 9000]) verdict(knock(port, src));
    expect(verdict(ssh(src))).toBe(XdpAction.PASS);
    // Opened 31 s ago (bpf_ktime_get_ns is CLOCK_MONOTONIC, as process.hrtime is): closed.
    const past = process.hrtime.bigint() - 31_000_000_000n;
    c.obj.typedMap(knocks, "knocks").update(0x0a000007, { stage: 3, openedAt: past });
    expect(verdict(ssh(src))).toBe(XdpAction.DROP);
  });
});

describeKernel("ipv4_header_check", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("ipv4_header_check");
  });
  afterAll(() => c?.close());
  const counts = () =>
    [HeaderVerdict.Passed, HeaderVerdict.BadChecksum, HeaderVerdict.BadHeader, HeaderVerdict.Udp].map((v) =>
      (c.obj.typedMap(headerVerdicts, "verdicts").lookupPerCpu(v) ?? []).reduce((a, b) => a + b, 0n),
    );

  it("passes headers whose checksum scapy computed, options included, and drops wrong ones", () => {
    expectLoaded(c, "ipv4_header_check");
    const frames = scapyBuild(
      { udp: { dport: 53 }, payload: "0102" }, // correct, UDP
      { ip: { options: 8 }, tcp: { flags: "S" } }, // correct, with 8 bytes of options, TCP
      { ip: { options: 40 }, udp: {} }, // the longest header (60 bytes), UDP
      { ip: { chksum: 0x1234 }, udp: {} }, // a wrong checksum
      { ip: { options: 8, chksum: 0 }, tcp: {} }, // a wrong checksum behind options
      { ip: { ihl: 4 }, udp: {} }, // a header length below 5 words
      { ip: { options: 8 }, udp: {}, truncate: 14 + 24 }, // options cut off by the frame's end
    );
    const got = frames.map((f) => run(c, "ipv4_header_check", f).ret);
    const { PASS, DROP } = XdpAction;
    expect(got).toEqual([PASS, PASS, PASS, DROP, DROP, DROP, DROP]);
    expect(run(c, "ipv4_header_check", bytes(pad(eth(ETH_ARP, []), 42))).ret).toBe(PASS);
    expect(counts()).toEqual([1n, 2n, 2n, 2n]);
  });
});
