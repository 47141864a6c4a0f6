// ICMPv6 echo responder: swaps MACs and the 16-byte IPv6 addresses, sets the type to echo reply
// and updates the checksum incrementally (the pseudo-header sum is unchanged by the swap).
import { xdp, XdpAction, bytes, u16, type u32, type Value } from "tsbpf";
import { Eth, Ipv6, Icmpv6, ETH_P_IPV6, IPPROTO_ICMPV6, ICMPV6_ECHO_REQUEST, ICMPV6_ECHO_REPLY } from "tsbpf/net";

const Mac = bytes(6);
const Addr = bytes(16);

function csumReplace(check: u16, old: u16, now: u16): u16 {
  let sum: u32 = (~check & 0xffff) + (~old & 0xffff) + now;
  sum = (sum & 0xffff) + (sum >> 16);
  return u16(~(sum + (sum >> 16)));
}

export const icmpv6_echo = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IPV6) return XdpAction.PASS;
  const ip6 = ctx.header(Ipv6, Eth.size);
  if (ip6 === null || ip6.nexthdr !== IPPROTO_ICMPV6) return XdpAction.PASS;
  const icmp = ctx.header(Icmpv6, Eth.size + Ipv6.size);
  if (icmp === null || icmp.type !== ICMPV6_ECHO_REQUEST || icmp.code !== 0) return XdpAction.PASS;
  const mac: Value<typeof Mac> = eth.src;
  eth.src = eth.dst;
  eth.dst = mac;
  const addr: Value<typeof Addr> = ip6.saddr;
  ip6.saddr = ip6.daddr;
  ip6.daddr = addr;
  ip6.hopLimit = 64;
  icmp.type = ICMPV6_ECHO_REPLY;
  icmp.check = csumReplace(icmp.check, ICMPV6_ECHO_REQUEST << 8, ICMPV6_ECHO_REPLY << 8);
  return XdpAction.TX;
});
