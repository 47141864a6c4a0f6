// ICMP echo responder (xdp-tutorial packet03): turns an echo request into a reply in place —
// swaps MACs and IP addresses, sets the type, and updates the checksum with bpf_csum_diff.
import { xdp, XdpAction, csumDiff, htons, bytes, u16, type Value, type u32 } from "tsbpf";
import { Eth, Ipv4, Icmp, ETH_P_IP, IPPROTO_ICMP, ICMP_ECHO, ICMP_ECHO_REPLY } from "tsbpf/net";

const Mac = bytes(6);

/** Folds a 32-bit one's-complement sum to 16 bits and complements it. */
function csumFold(sum: u32): u16 {
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return u16(~sum);
}

export const icmp_echo = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null || ip.protocol !== IPPROTO_ICMP) return XdpAction.PASS;
  const icmp = ctx.header(Icmp, Eth.size + (ip.verIhl & 0xf) * 4);
  if (icmp === null || icmp.type !== ICMP_ECHO) return XdpAction.PASS;

  const mac: Value<typeof Mac> = eth.src;
  eth.src = eth.dst;
  eth.dst = mac;
  const saddr = ip.saddr;
  ip.saddr = ip.daddr;
  ip.daddr = saddr;

  // The checksum as it sits in memory (network order), then the header without it.
  const oldCheck = htons(icmp.check);
  icmp.check = 0;
  const old: Value<typeof Icmp> = icmp;
  icmp.type = ICMP_ECHO_REPLY;
  icmp.check = htons(csumFold(csumDiff(old, icmp, ~oldCheck & 0xffff)));
  return XdpAction.TX;
});
