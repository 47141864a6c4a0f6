// Redirects UDP by destination port through a DEVMAP_HASH: the port itself is the key (sparse
// keys, no slot numbering); a port with no entry passes.
import { xdp, XdpAction, DevMapHash } from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP } from "tsbpf/net";

export const by_port = new DevMapHash({ maxEntries: 64 });

export const devmap_hash = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null || ip.protocol !== IPPROTO_UDP) return XdpAction.PASS;
  const udp = ctx.header(Udp, Eth.size + (ip.verIhl & 0xf) * 4);
  if (udp === null) return XdpAction.DROP;
  return by_port.redirect(udp.dest, XdpAction.PASS);
});
