// A backend's IP-in-IP decapsulation for the LB's encapsulation mode (docs/lb-abi.md): what a
// Linux `tunl0` device does, for kernels built without CONFIG_NET_IPIP (as the test machine's
// is). An IPv4 packet carrying IPv4 (protocol 4, outer header without options) loses its
// outer header and goes up the stack as the inner packet; everything else passes untouched.
// Built by tsbpf, attached by iproute2 (lb/lab/dsr.ts).
import { xdp, XdpAction, bytes, type Value } from "tsbpf";
import { Eth, Ipv4, ETH_P_IP, IPPROTO_IPIP } from "tsbpf/net";

const Mac = bytes(6);

export const decap = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const outer = ctx.header(Ipv4, Eth.size);
  if (outer === null || outer.protocol !== IPPROTO_IPIP || outer.verIhl !== 0x45) return XdpAction.PASS;
  if ((outer.fragOff & 0x3fff) !== 0) return XdpAction.PASS; // a fragment: the stack reassembles
  const dst: Value<typeof Mac> = eth.dst;
  const src: Value<typeof Mac> = eth.src;
  if (!ctx.adjustHead(Ipv4.size)) return XdpAction.DROP;
  const out = ctx.header(Eth, 0);
  if (out === null) return XdpAction.DROP;
  out.dst = dst;
  out.src = src;
  out.proto = ETH_P_IP;
  return XdpAction.PASS;
});
