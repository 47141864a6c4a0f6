// XDP and tc interact through metadata (the xdp-tutorial's lesson), with real traffic: on the
// host end of a veth pair, XDP (native) writes a mark into the metadata before each packet, a
// tcx ingress program reads it from __sk_buff's data_meta and sets skb->mark, and a second
// tcx program, run next, counts packets by skb->mark. Pings from the namespace must be counted
// once at each stage, under the same mark.
import { execFileSync, spawnSync } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { vethToNamespace } from "../runtime/helpers.ts";
import { setup, expectLoaded, type Corpus } from "./harness.ts";
import { missing, seen, Stage } from "./xdp_tc_meta.ts";
import type { TcxLink, XdpLink } from "../../runtime/index.ts";

const tag = `${process.pid % 100000}`;
const NS = `tsbpfmeta-${tag}`;
const HOST_IF = `mt${tag}h`;
const PEER_IF = `mt${tag}p`;
const ICMP_MARK = 0x100 + 1;

describeKernel("xdp_tc_meta", () => {
  let c: Corpus;
  let removeVeth: (() => void) | undefined;
  const links: (XdpLink | TcxLink)[] = [];
  beforeAll(async () => {
    removeVeth = vethToNamespace(NS, HOST_IF, PEER_IF, "10.215.0.1/24", "10.215.0.2/24");
    c = await setup("xdp_tc_meta");
  });
  afterAll(() => {
    for (const l of links) l.close();
    c?.close();
    removeVeth?.();
  });

  it("loads with bpftool and the runtime", () => {
    expectLoaded(c, "xdp_mark", "tc_read_meta", "tc_count_mark");
  });

  it("a mark XDP writes into the metadata reaches tc, and through it skb->mark", () => {
    // Order on the tcx hook: read the metadata first, then count by skb->mark.
    links.push(c.obj.program("tc_read_meta").attachTcx(HOST_IF, "ingress"));
    links.push(c.obj.program("tc_count_mark").attachTcx(HOST_IF, "ingress"));
    links.push(c.obj.program("xdp_mark").attachXdp(HOST_IF, { mode: "native" }));
    const ping = spawnSync("ip", ["netns", "exec", NS, "ping", "-c", "4", "-i", "0.2", "-W", "1", "10.215.0.1"], {
      encoding: "utf8",
    });
    expect(ping.stdout).toMatch(/4 received/);
    // XDP is attached last and detached first, so every packet it marks meets both tc programs.
    // Packets outside that window (IPv6 neighbour discovery of the new link) reach tc unmarked.
    for (const l of links.splice(0).reverse()) l.close();

    const counts = c.obj.typedMap(seen, "seen");
    const at = (stage: Stage, mark: number) => counts.lookup({ stage, mark })?.packets ?? 0n;
    expect(at(Stage.XDP, ICMP_MARK)).toBe(4n);
    expect(at(Stage.TC_META, ICMP_MARK)).toBe(4n);
    expect(at(Stage.SKB_MARK, ICMP_MARK)).toBe(4n);
    // Every packet XDP marked (ARP too, IPv6 neighbour discovery…) reached tc with its mark.
    const byStage = new Map<number, Map<number, bigint>>();
    for (const [key, value] of counts.entries()) {
      const m = byStage.get(key.stage) ?? new Map<number, bigint>();
      m.set(key.mark, value.packets);
      byStage.set(key.stage, m);
    }
    expect(byStage.get(Stage.TC_META)).toEqual(byStage.get(Stage.XDP));
    // skb->mark is XDP's mark for every packet XDP saw, and 0 for each tc saw without metadata.
    const miss = c.obj.typedMap(missing, "missing");
    const unmarked = miss.lookup(0)?.packets ?? 0n;
    const expected = new Map(byStage.get(Stage.XDP));
    if (unmarked > 0n) expected.set(0, unmarked);
    expect(byStage.get(Stage.SKB_MARK)).toEqual(expected);
    expect(miss.lookup(1)?.packets).toBe(0n);
    expect(execFileSync("ip", ["link", "show", HOST_IF], { encoding: "utf8" })).not.toMatch(/xdp/);
  });
});
