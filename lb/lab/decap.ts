// A backend's decapsulation for the LB's encapsulation mode (docs/lb-abi.md): what a Linux
// `tunl0` (IPv4-in-IPv4) or `ip6tnl` (IPv6-in-IPv6) device does, for kernels built without
// CONFIG_NET_IPIP / CONFIG_IPV6_TUNNEL (as the test machine's is). An IPv4 packet carrying
// IPv4 (protocol 4, outer header without options, not a fragment) or an IPv6 packet whose next
// header is IPv6 (41) loses its outer header and goes up the stack as the inner packet;
// everything else passes untouched. Built by tsbpf, attached by iproute2 (encap-backends.ts).
import { xdp, XdpAction, bytes, type Value, type XdpContext, type u32, type be16 } from "tsbpf";
import { Eth, Ipv4, Ipv6, ETH_P_IP, ETH_P_IPV6, IPPROTO_IPIP, IPPROTO_IPV6 } from "tsbpf/net";

const Mac = bytes(6);

/** Removes `outerSize` bytes after the Ethernet header, keeping its addresses; the inner packet is `proto`. */
function stripOuter(ctx: XdpContext, outerSize: u32, proto: be16): XdpAction {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  const dst: Value<typeof Mac> = eth.dst;
  const src: Value<typeof Mac> = eth.src;
  if (!ctx.adjustHead(outerSize)) return XdpAction.DROP;
  const out = ctx.header(Eth, 0);
  if (out === null) return XdpAction.DROP;
  out.dst = dst;
  out.src = src;
  out.proto = proto;
  return XdpAction.PASS;
}

export const decap = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.PASS;
  if (eth.proto === ETH_P_IP) {
    const outer = ctx.header(Ipv4, Eth.size);
    if (outer === null || outer.protocol !== IPPROTO_IPIP || outer.verIhl !== 0x45) return XdpAction.PASS;
    if ((outer.fragOff & 0x3fff) !== 0) return XdpAction.PASS; // a fragment: the stack reassembles
    return stripOuter(ctx, Ipv4.size, ETH_P_IP);
  }
  if (eth.proto === ETH_P_IPV6) {
    const outer = ctx.header(Ipv6, Eth.size);
    if (outer === null || outer.nexthdr !== IPPROTO_IPV6) return XdpAction.PASS;
    return stripOuter(ctx, Ipv6.size, ETH_P_IPV6);
  }
  return XdpAction.PASS;
});
