// Corpus: port_allowlist.ts, a per-port allowlist `HashMap(u16, u8)` tested with `if (!allow)`:
// a port with no entry and a port whose entry holds 0 are both closed, as in TypeScript.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { setup, expectLoaded, run, u64At, type Corpus } from "./harness.ts";
import { XdpAction } from "../../runtime/index.ts";
import { bytes, eth, ipv4, tcp, udp, ETH_IP, ETH_ARP, pad } from "./packets.ts";

const NAME = "port_allowlist";

describeKernel(NAME, () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup(NAME);
  });
  afterAll(() => c?.close());

  const stats = () => {
    const v = c.obj.map("stats").lookup(Buffer.alloc(4))!;
    return { dropped: u64At(v, 0), watched: u64At(v, 8) };
  };
  const verdict = (packet: number[]) => run(c, NAME, bytes(packet)).ret;
  const port = (n: number) => Buffer.from([n & 0xff, n >> 8]);

  it("passes ports whose entry is nonzero and drops ports with no entry or an entry holding 0", () => {
    expectLoaded(c, NAME);
    const allowed = c.obj.map("allowed");
    allowed.update(port(53), Buffer.from([1]));
    allowed.update(port(443), Buffer.from([2]));
    allowed.update(port(8080), Buffer.from([0]));
    expect(verdict(eth(ETH_IP, ipv4({ proto: 17 }, udp(4000, 53, []))))).toBe(XdpAction.PASS);
    expect(verdict(eth(ETH_IP, ipv4({ proto: 6 }, tcp(4000, 443, 0x02))))).toBe(XdpAction.PASS);
    expect(verdict(eth(ETH_IP, ipv4({ proto: 6 }, tcp(4000, 8080, 0x02))))).toBe(XdpAction.DROP); // holds 0
    expect(verdict(eth(ETH_IP, ipv4({ proto: 17 }, udp(4000, 22, []))))).toBe(XdpAction.DROP); // no entry
    expect(verdict(eth(ETH_IP, ipv4({ proto: 17, options: [1, 1, 1, 0] }, udp(4000, 53, []))))).toBe(XdpAction.PASS);
    expect(verdict(eth(ETH_IP, ipv4({ proto: 17 }, [0, 53])))).toBe(XdpAction.DROP); // ports cut short
    expect(verdict(eth(ETH_IP, ipv4({ proto: 1 }, [8, 0, 0, 0])))).toBe(XdpAction.PASS); // ICMP
    expect(verdict(pad(eth(ETH_ARP, []), 60))).toBe(XdpAction.PASS);
    expect(stats()).toEqual({ dropped: 2n, watched: 1n }); // a cut-short header is dropped uncounted
  });
});
