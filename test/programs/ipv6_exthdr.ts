// IPv6 with extension headers: a bounded loop walks hop-by-hop, routing, destination-options and
// fragment headers (variable offsets) to the UDP header; drops UDP to a blocked port and records
// where the transport header was found.
import { xdp, XdpAction, ArrayMap, struct, u32 } from "tsbpf";
import {
  Eth,
  Ipv6,
  Ipv6OptHdr,
  Ipv6FragHdr,
  Udp,
  ETH_P_IPV6,
  IPPROTO_UDP,
  IPPROTO_HOPOPTS,
  IPPROTO_ROUTING,
  IPPROTO_DSTOPTS,
  IPPROTO_FRAGMENT,
} from "tsbpf/net";

const MAX_EXT_HEADERS = 6;
const BLOCKED_PORT = 9;

export const Seen = struct({ l4Offset: u32, extHeaders: u32, port: u32 });
export const last_seen = new ArrayMap(Seen, { maxEntries: 1 });

export const ipv6_exthdr = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  if (eth.proto !== ETH_P_IPV6) return XdpAction.PASS;
  const ip6 = ctx.header(Ipv6, Eth.size);
  if (ip6 === null) return XdpAction.DROP;
  let next: u32 = ip6.nexthdr;
  let off: u32 = Eth.size + Ipv6.size;
  let count: u32 = 0;
  for (let i = 0; i < MAX_EXT_HEADERS; i++) {
    if (next === IPPROTO_HOPOPTS || next === IPPROTO_ROUTING || next === IPPROTO_DSTOPTS) {
      const opt = ctx.header(Ipv6OptHdr, off);
      if (opt === null) return XdpAction.DROP;
      next = opt.nexthdr;
      off += (opt.hdrlen + 1) * 8;
    } else if (next === IPPROTO_FRAGMENT) {
      const frag = ctx.header(Ipv6FragHdr, off);
      if (frag === null) return XdpAction.DROP;
      next = frag.nexthdr;
      off += Ipv6FragHdr.size;
    } else {
      break;
    }
    count++;
  }
  if (next !== IPPROTO_UDP) return XdpAction.PASS;
  const udp = ctx.header(Udp, off);
  if (udp === null) return XdpAction.DROP;
  const seen = last_seen.lookup(0);
  if (seen !== null) {
    seen.l4Offset = off;
    seen.extHeaders = count;
    seen.port = udp.dest;
  }
  return udp.dest === BLOCKED_PORT ? XdpAction.DROP : XdpAction.PASS;
});
