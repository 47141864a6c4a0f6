// The runtime's perf event array reader: samples of test/programs/perf_events.ts, written by
// bpf_perf_event_output to the current CPU's ring, decoded by the program's declaration.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { setup, run, expectLoaded, type Corpus } from "../programs/harness.ts";
import { PerfEventReader, XdpAction } from "../../runtime/index.ts";
import { bytes, eth, pad, ETH_ARP, ETH_IP } from "../programs/packets.ts";
import { samples } from "../programs/perf_events.ts";

describeKernel("PerfEventReader", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("perf_events");
  });
  afterAll(() => c?.close());

  it("reads every CPU's samples, decoded by the declaration", async () => {
    expectLoaded(c, "perf_events");
    const reader = c.obj.typedMap(samples, "samples");
    try {
      expect(reader).toBeInstanceOf(PerfEventReader);
      expect(reader.poll()).toEqual([]);
      expect(run(c, "perf_events", bytes(pad(eth(ETH_ARP, []), 42))).ret).toBe(XdpAction.PASS);
      expect(run(c, "perf_events", bytes(pad(eth(ETH_IP, []), 61))).ret).toBe(XdpAction.PASS);
      const got = reader.poll().sort((a, b) => a.len - b.len);
      expect(got).toEqual([
        { len: 42, proto: ETH_ARP, pad: 0 },
        { len: 61, proto: ETH_IP, pad: 0 },
      ]);
      const producer = setTimeout(() => run(c, "perf_events", bytes(pad(eth(ETH_ARP, []), 77))), 50);
      const started = Date.now();
      for await (const s of reader) {
        expect(s).toEqual({ len: 77, proto: ETH_ARP, pad: 0 });
        break;
      }
      clearTimeout(producer);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(reader.lost).toBe(0n);
    } finally {
      reader.close();
    }
  });
});
