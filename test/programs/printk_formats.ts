// printk as users write it: the format a module-level string constant, `%u` of a big-endian
// field (printed in host order), `%pI4` of an address field (printed from the packet's memory)
// and `%x` of a be16 port, with a nonce from the payload that makes each test run's line unique.
import { xdp, XdpAction, printk, struct, be32 } from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP } from "tsbpf/net";

export const Nonce = struct({ id: be32 });
const FORMAT = "tsbpf printk_formats id=%u src=%pI4 port=%x\n";

export const printk_formats = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null || ip.verIhl !== 0x45 || ip.protocol !== IPPROTO_UDP) return XdpAction.PASS;
  const udp = ctx.header(Udp, Eth.size + Ipv4.size);
  const nonce = ctx.header(Nonce, Eth.size + Ipv4.size + Udp.size);
  if (udp === null || nonce === null) return XdpAction.DROP;
  printk(FORMAT, nonce.id, ip.saddr, udp.dest);
  return XdpAction.TX;
});
