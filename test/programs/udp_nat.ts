// Destination NAT for UDP: rewrites the destination address and port from a hash map, updating
// the IPv4 header checksum with bpf_csum_diff and the UDP checksum incrementally (RFC 1624,
// including the pseudo-header address change); a zero UDP checksum stays zero.
import { xdp, XdpAction, HashMap, struct, csumDiff, htons, htonl, u16, u32, type Value } from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP } from "tsbpf/net";

export const Target = struct({ addr: u32, port: u16, pad: u16 });
export const Words = struct({ w: u32 });
export const nat = new HashMap(u16, Target, { maxEntries: 64 });

function fold(sum: u32): u16 {
  sum = (sum & 0xffff) + (sum >> 16);
  return u16(sum + (sum >> 16));
}

/** Incremental update of a checksum (host order) for a 32-bit value that changed. */
function replace32(check: u16, old: u32, now: u32): u16 {
  let sum: u32 = ~check & 0xffff;
  sum += (~old >> 16) & 0xffff;
  sum += ~old & 0xffff;
  sum += now >> 16;
  sum += now & 0xffff;
  return u16(~fold(sum));
}

function replace16(check: u16, old: u16, now: u16): u16 {
  return u16(~fold((~check & 0xffff) + (~old & 0xffff) + now));
}

export const udp_nat = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null || ip.protocol !== IPPROTO_UDP || (ip.verIhl & 0xf) !== 5) return XdpAction.PASS;
  const udp = ctx.header(Udp, Eth.size + Ipv4.size);
  if (udp === null) return XdpAction.PASS;
  const t = nat.lookup(udp.dest);
  if (t === null) return XdpAction.PASS;
  const oldAddr = ip.daddr,
    oldPort = udp.dest;
  // IPv4 header: checksum over the rewritten header, via csum_diff of the old and new words.
  const before: Value<typeof Words> = { w: htonl(oldAddr) };
  const after: Value<typeof Words> = { w: htonl(t.addr) };
  ip.daddr = t.addr;
  ip.check = htons(u16(~fold(csumDiff(before, after, ~htons(ip.check) & 0xffff))));
  // UDP: the pseudo-header's address and the port changed.
  if (udp.check !== 0) udp.check = replace16(replace32(udp.check, oldAddr, t.addr), oldPort, t.port);
  udp.dest = t.port;
  return XdpAction.TX;
});
