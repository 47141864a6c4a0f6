// Swaps source and destination MAC addresses and bounces the frame back out (XDP_TX).
import { xdp, XdpAction } from "tsbpf";
import { Eth } from "tsbpf/net";

export const swap_mac_tx = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  const src = eth.src; // a copy, as in JavaScript: it keeps the old address when the field is overwritten
  eth.src = eth.dst;
  eth.dst = src;
  return XdpAction.TX;
});
