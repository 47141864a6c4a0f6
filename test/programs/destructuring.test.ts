// Corpus: destructuring.ts, `const { saddr: src, protocol } = ip` and friends in the kernel: each
// name holds its field's value as read at the declaration (a copy for a struct or array field; a
// `let` is a local), checked byte for byte in what the program records and in the packet it returns.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { setup, expectLoaded, run, type Corpus } from "./harness.ts";
import { XdpAction } from "../../runtime/index.ts";
import { bytes, eth, ipv4, udp, ip4, ETH_IP, ETH_ARP, pad } from "./packets.ts";

const NAME = "destructuring";

describeKernel(NAME, () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup(NAME);
  });
  afterAll(() => c?.close());

  /** A Flow value: ports (host order), packets, bytes, tag. */
  const flow = (sport: number, dport: number, packets: bigint, tag: number[]) => {
    const b = Buffer.alloc(32);
    b.writeUInt16LE(sport, 0);
    b.writeUInt16LE(dport, 2);
    b.writeBigUInt64LE(packets, 8);
    Buffer.from(tag).copy(b, 24);
    return b;
  };
  const seen = () => {
    const b = Buffer.from(c.obj.map("seen").lookup(Buffer.alloc(4))!);
    return {
      src: [...b.subarray(0, 4)],
      hops: b.readUInt32LE(4),
      ttl: b[8],
      tag0: b[9],
      sport: b.readUInt16LE(10),
      dport: b.readUInt16LE(12),
      udpDest: b.readUInt16LE(14),
      sum: b.readUInt32LE(16),
      packets: b.readBigUInt64LE(24),
    };
  };
  const packet = (src: string, ttl: number) =>
    bytes(eth(ETH_IP, ipv4({ proto: 17, src, ttl }, udp(1000, 53, [1, 2, 3]))));

  it("binds fields of views, of a map value, nested, renamed, and of a struct parameter", () => {
    expectLoaded(c, NAME);
    c.obj.map("flows").update(Buffer.from(ip4("10.1.2.3")), flow(1000, 2000, 5n, [7, 8, 9, 10]));
    const sent = packet("10.1.2.3", 5);
    const r = run(c, NAME, sent);
    expect(r.ret).toBe(XdpAction.TX);
    // `let { ttl: hops } = ip; hops -= 1` changed the local, not the packet.
    expect(r.data).toEqual(Buffer.from(sent));
    expect(seen()).toEqual({
      src: [10, 1, 2, 3],
      hops: 4,
      ttl: 5,
      tag0: 7,
      sport: 1000,
      dport: 2000,
      udpDest: 53,
      sum: 3000,
      packets: 6n,
    });
    // The program wrote the map value after copying its fields.
    expect(Buffer.from(c.obj.map("flows").lookup(Buffer.from(ip4("10.1.2.3")))!)).toEqual(
      flow(1000, 1, 6n, [0xee, 8, 9, 10]),
    );
  });

  it("reads each field again at the next packet, and drops at TTL 1", () => {
    c.obj.map("flows").update(Buffer.from(ip4("10.1.2.4")), flow(1, 2, 0n, [3, 0, 0, 0]));
    expect(run(c, NAME, packet("10.1.2.4", 64)).ret).toBe(XdpAction.TX);
    expect(seen()).toMatchObject({ src: [10, 1, 2, 4], hops: 63, ttl: 64, tag0: 3, sum: 3, packets: 1n });
    expect(run(c, NAME, packet("10.1.2.4", 1)).ret).toBe(XdpAction.DROP);
    expect(seen()).toMatchObject({ hops: 0, ttl: 1, tag0: 0xee, sport: 1, dport: 1, sum: 2, packets: 2n });
  });

  it("passes what is not IPv4 or not a known flow", () => {
    const before = seen();
    expect(run(c, NAME, bytes(pad(eth(ETH_ARP, []), 60))).ret).toBe(XdpAction.PASS);
    expect(run(c, NAME, packet("10.9.9.9", 5)).ret).toBe(XdpAction.PASS);
    expect(seen()).toEqual(before);
  });
});
