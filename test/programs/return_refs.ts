// Functions that return a header view, a map-value reference or a struct (or null), the way
// C programs factor parsing and backend choice: the returned view keeps its bounds proof, and
// the caller's `=== null` test is what the verifier needs. A UDP service NAT: the service
// (daddr, dport, proto) picks a backend, whose address and port replace the destination.
import {
  xdp,
  XdpAction,
  HashMap,
  ArrayMap,
  struct,
  u8,
  u16,
  u32,
  u64,
  be16,
  be32,
  csumReplace4,
  type Value,
  type XdpContext,
} from "tsbpf";
import { Eth, Vlan, Ipv4, Udp, ETH_P_IP, ETH_P_8021Q, IPPROTO_UDP } from "tsbpf/net";

export const Service = struct({ addr: be32, port: be16, proto: u8, pad: u8 });
export const Backend = struct({ addr: be32, port: be16, pad: u16 });
export const Hits = struct({ packets: u64, lastLen: u32, pad: u32 });

export const services = new HashMap(Service, u32, { maxEntries: 16 });
export const backends = new ArrayMap(Backend, { maxEntries: 8 });
export const hits = new ArrayMap(Hits, { maxEntries: 8 });

/** Where the IPv4 header starts: after the Ethernet header and at most one VLAN tag (0: not IPv4). */
function l3Offset(ctx: XdpContext): u32 {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return 0;
  if (eth.proto === ETH_P_IP) return Eth.size;
  if (eth.proto !== ETH_P_8021Q) return 0;
  const vlan = vlanTag(ctx);
  if (vlan === null || vlan.proto !== ETH_P_IP) return 0;
  return Eth.size + Vlan.size;
}

/** A header view returned through two functions. */
function vlanTag(ctx: XdpContext): Value<typeof Vlan> | null {
  return ctx.header(Vlan, Eth.size);
}

/** The IPv4 header at a computed offset, if it is one without options carrying UDP. */
function udpIpv4At(ctx: XdpContext, off: u32): Value<typeof Ipv4> | null {
  const ip = ctx.header(Ipv4, off);
  if (ip === null) return null;
  return ip.verIhl === 0x45 && ip.protocol === IPPROTO_UDP ? ip : null;
}

/** A struct returned by value: a fresh key the caller owns. */
function serviceKey(ip: Value<typeof Ipv4>, udp: Value<typeof Udp>): Value<typeof Service> {
  return { addr: ip.daddr, port: udp.dest, proto: ip.protocol, pad: 0 };
}

/** A map-value reference, or null: the backend of a service, if it has a live one. */
function pickBackend(key: Value<typeof Service>): Value<typeof Backend> | null {
  const id = services.lookup(key);
  if (id === null) return null;
  const be = backends.lookup(id);
  if (be === null || be.addr === 0) return null;
  return be;
}

/** A map-value reference that cannot be null (an array index below maxEntries). */
function hitsOf(id: u32): Value<typeof Hits> | null {
  return hits.lookup(id & 7);
}

export const return_refs = xdp((ctx) => {
  const off = l3Offset(ctx);
  if (off === 0) return XdpAction.PASS;
  const ip = udpIpv4At(ctx, off);
  if (ip === null) return XdpAction.PASS;
  const udp = ctx.header(Udp, off + Ipv4.size);
  if (udp === null) return XdpAction.DROP;
  const key = serviceKey(ip, udp);
  key.pad = 0; // a copy: writing it changes nothing in the packet
  const be = pickBackend(key);
  if (be === null) return XdpAction.PASS;
  const h = hitsOf(be.port);
  if (h !== null) {
    h.packets += 1n;
    h.lastLen = ctx.len;
  }
  const from = ip.daddr;
  ip.daddr = be.addr;
  ip.check = csumReplace4(ip.check, from, be.addr);
  udp.dest = be.port;
  udp.check = 0;
  return XdpAction.TX;
});
