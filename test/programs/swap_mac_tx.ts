// Swaps source and destination MAC addresses and bounces the frame back out (XDP_TX).
import { xdp, XdpAction, bytes, type Value } from "tsbpf";
import { Eth } from "tsbpf/net";

const Mac = bytes(6);

export const swap_mac_tx = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  const src: Value<typeof Mac> = eth.src; // a copy: the field is overwritten next
  eth.src = eth.dst;
  eth.dst = src;
  return XdpAction.TX;
});
