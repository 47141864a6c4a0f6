// AF_XDP: UDP datagrams to port 4242 go to the AF_XDP socket of the rx queue they came in on
// (an XSKMAP filled from userspace); everything else, and those with no socket, pass.
import { xdp, XdpAction, XskMap } from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP } from "tsbpf/net";

export const xsks = new XskMap({ maxEntries: 4 });

export const xsk_redirect = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null || ip.protocol !== IPPROTO_UDP || ip.verIhl !== 0x45) return XdpAction.PASS;
  const udp = ctx.header(Udp, Eth.size + Ipv4.size);
  if (udp === null || udp.dest !== 4242) return XdpAction.PASS;
  return xsks.redirect(ctx.rxQueueIndex, XdpAction.PASS);
});
