// An XDP program: counts packets per protocol and drops UDP datagrams sent to a blocked port.
// `npm run build` compiles it to bpf-out/xdp.o; src/load.ts and test/xdp.test.ts import this
// same module for its declarations (the struct and the maps), so both sides agree on the layout.
import { ArrayMap, HashMap, struct, u8, type u32, u64, XdpAction, xdp, be16 } from "tsbpf";
import { Eth, ETH_P_IP, IPPROTO_TCP, IPPROTO_UDP, Ipv4, Udp } from "tsbpf/net";

/** Slots of `stats`. */
export const enum Proto {
  TCP = 0,
  UDP = 1,
  OTHER_IPV4 = 2,
  NOT_IPV4 = 3,
}

export const Counter = struct({ packets: u64, bytes: u64 });
/** Packets and bytes per protocol (Proto). */
export const stats = new ArrayMap(Counter, { maxEntries: 4 });
/** UDP destination ports to drop (host-order numbers in userspace, network order on the wire). */
export const blockedPorts = new HashMap(be16, u8, { maxEntries: 64 });
/** The datagrams dropped (one slot). */
export const drops = new ArrayMap(Counter, { maxEntries: 1 });

function count(slot: u32, len: u32): void {
  const counter = stats.lookup(slot);
  if (counter !== null) {
    counter.packets += 1n;
    counter.bytes += u64(len);
  }
}

export const firewall = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  if (eth.proto !== ETH_P_IP) {
    count(Proto.NOT_IPV4, ctx.len);
    return XdpAction.PASS;
  }
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  if (ip.protocol === IPPROTO_TCP) {
    count(Proto.TCP, ctx.len);
    return XdpAction.PASS;
  }
  if (ip.protocol !== IPPROTO_UDP) {
    count(Proto.OTHER_IPV4, ctx.len);
    return XdpAction.PASS;
  }
  count(Proto.UDP, ctx.len);
  const udp = ctx.header(Udp, Eth.size + (ip.verIhl & 0xf) * 4);
  if (udp === null) return XdpAction.PASS;
  if (blockedPorts.lookup(udp.dest) === null) return XdpAction.PASS;
  const dropped = drops.lookup(0);
  if (dropped !== null) {
    dropped.packets += 1n;
    dropped.bytes += u64(ctx.len);
  }
  return XdpAction.DROP;
});
