// Pushes an 802.1Q tag with xdp_adjust_head(-4): grows the headroom, rewrites the Ethernet
// header in front of a new tag. The VLAN id and priority come from .rodata configuration.
import { xdp, XdpAction, rodata, struct, bytes, u16, u8, type Value } from "tsbpf";
import { Eth, Vlan, ETH_P_8021Q } from "tsbpf/net";

const Mac = bytes(6);
export const Tag = struct({ vid: u16, pcp: u8 });
export const tag = rodata(Tag, { vid: 100, pcp: 5 });

export const vlan_push = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  if (eth.proto === ETH_P_8021Q) return XdpAction.PASS; // already tagged
  const dst: Value<typeof Mac> = eth.dst;
  const src: Value<typeof Mac> = eth.src;
  const proto = eth.proto;
  if (!ctx.adjustHead(-Vlan.size)) return XdpAction.ABORTED;
  const out = ctx.header(Eth, 0);
  const vlan = ctx.header(Vlan, Eth.size);
  if (out === null || vlan === null) return XdpAction.ABORTED;
  out.dst = dst;
  out.src = src;
  out.proto = ETH_P_8021Q;
  vlan.tci = (tag.pcp << 13) | (tag.vid & 0xfff);
  vlan.proto = proto;
  return XdpAction.TX;
});
