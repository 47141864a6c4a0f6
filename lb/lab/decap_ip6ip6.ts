// A backend's IPv6-in-IPv6 decapsulation for the LB's encapsulation mode (docs/lb-abi.md,
// "IPv6"): what a Linux `ip6tnl` device does, for kernels built without CONFIG_IPV6_TUNNEL (as
// the test machine's is). An IPv6 packet whose next header is 41 (IPv6) loses its outer 40
// bytes and goes up the stack as the inner packet; everything else passes untouched.
// Built by tsbpf, attached by iproute2 (lb/lab/ipv6.ts).
import { xdp, XdpAction, bytes, type Value } from "tsbpf";
import { Eth, Ipv6, ETH_P_IPV6, IPPROTO_IPV6 } from "tsbpf/net";

const Mac = bytes(6);

export const decap6 = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IPV6) return XdpAction.PASS;
  const outer = ctx.header(Ipv6, Eth.size);
  if (outer === null || outer.nexthdr !== IPPROTO_IPV6) return XdpAction.PASS;
  const dst: Value<typeof Mac> = eth.dst;
  const src: Value<typeof Mac> = eth.src;
  if (!ctx.adjustHead(Ipv6.size)) return XdpAction.DROP;
  const out = ctx.header(Eth, 0);
  if (out === null) return XdpAction.DROP;
  out.dst = dst;
  out.src = src;
  out.proto = ETH_P_IPV6;
  return XdpAction.PASS;
});
