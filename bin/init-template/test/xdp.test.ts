// Runs frames through the firewall in the kernel (BPF_PROG_TEST_RUN): no interface, no traffic.
// Needs root (or CAP_BPF); `npm test` builds bpf-out/xdp.o first.
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BpfObject, loadObject, XdpAction } from "tsbpf/runtime";
import { blockedPorts, drops, Proto, stats } from "../src/xdp.ts";

/** Ethernet + IPv4 (20 bytes) + a UDP or TCP header, to port `dport`; checksums are not checked here. */
function frame(protocol: number, dport: number): Uint8Array {
  const f = new Uint8Array(64);
  const v = new DataView(f.buffer);
  f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]); // destination and source MAC
  v.setUint16(12, 0x0800); // EtherType IPv4
  f[14] = 0x45; // version 4, header of 5 words
  v.setUint16(16, 50); // total length
  f[22] = 64; // TTL
  f[23] = protocol;
  f.set([10, 0, 0, 1, 10, 0, 0, 2], 26); // source and destination address
  v.setUint16(34, 40000); // source port
  v.setUint16(36, dport); // destination port
  return f;
}

let obj: BpfObject;
beforeAll(async () => {
  obj = await loadObject("bpf-out/xdp.o");
});
afterAll(() => obj?.close());

it("passes TCP and unblocked UDP, drops UDP to a blocked port, and counts them", () => {
  obj.typedMap(blockedPorts, "blockedPorts").update(53, 1);
  const run = (f: Uint8Array) => obj.program("firewall").testRun({ data: f }).retval;

  expect(run(frame(6, 53))).toBe(XdpAction.PASS); // TCP to 53: not a datagram
  expect(run(frame(17, 80))).toBe(XdpAction.PASS);
  expect(run(frame(17, 53))).toBe(XdpAction.DROP);
  const arp = frame(0, 0);
  new DataView(arp.buffer).setUint16(12, 0x0806); // EtherType ARP
  expect(run(arp)).toBe(XdpAction.PASS);

  const counters = obj.typedMap(stats, "stats");
  expect(counters.lookup(Proto.TCP)).toEqual({ packets: 1n, bytes: 64n });
  expect(counters.lookup(Proto.UDP)).toEqual({ packets: 2n, bytes: 128n });
  expect(counters.lookup(Proto.NOT_IPV4)).toEqual({ packets: 1n, bytes: 64n });
  expect(obj.typedMap(drops, "drops").lookup(0)).toEqual({ packets: 1n, bytes: 64n });
});
