// Corpus: array of maps (inner maps chosen at run time, filled from userspace).
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { setup, expectLoaded, run, key32, type Corpus } from "./harness.ts";
import { XdpAction } from "../../runtime/index.ts";
import { bytes, eth, ipv4, udp, ETH_IP } from "./packets.ts";

describeKernel("array_of_maps", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("array_of_maps");
  });
  afterAll(() => c?.close());
  it("looks up the verdict in the inner map of the slot", () => {
    expectLoaded(c, "array_of_maps");
    const p = (dport: number) => bytes(eth(ETH_IP, ipv4({ proto: 17 }, udp(1, dport, []))));
    expect(run(c, "array_of_maps", p(2)).ret).toBe(XdpAction.ABORTED); // empty slot
    c.obj.map("verdicts_a").update(key32(0), key32(XdpAction.DROP));
    c.obj.map("verdicts_b").update(key32(0), key32(XdpAction.TX));
    const tables = c.obj.map("tables");
    tables.update(key32(0), key32(c.obj.map("verdicts_a").fd));
    tables.update(key32(1), key32(c.obj.map("verdicts_b").fd));
    expect(run(c, "array_of_maps", p(2)).ret).toBe(XdpAction.DROP);
    expect(run(c, "array_of_maps", p(3)).ret).toBe(XdpAction.TX);
    tables.update(key32(0), key32(c.obj.map("verdicts_b").fd)); // swap in another table
    expect(run(c, "array_of_maps", p(2)).ret).toBe(XdpAction.TX);
  });
});
