// Corpus: filters (pass all, drop a UDP port), per-protocol counters, MAC swap with XDP_TX, ICMP echo responder.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { setup, expectLoaded, run, key32, u64At, type Corpus } from "./harness.ts";
import { XdpAction } from "../../runtime/index.ts";
import { bytes, checksum, eth, icmpEcho, ipv4, udp, tcp, ETH_IP, ETH_ARP, MAC_A, MAC_B, ip4, pad } from "./packets.ts";

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
