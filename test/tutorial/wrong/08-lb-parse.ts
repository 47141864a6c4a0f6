// Lesson 8, wrong: forwards IPv4 fragments (a fragment after the first has no TCP or UDP header).
import { xdp, XdpAction, HashMap, struct, u8, u32, be16, be32 } from "tsbpf";
import { Eth, Ipv4, Tcp, Udp, ETH_P_IP, IPPROTO_TCP, IPPROTO_UDP } from "tsbpf/net";

export const VipKey = struct({ addr: be32, port: be16, proto: u8, pad: u8 });
export const VipInfo = struct({ index: u32, flags: u32 });
export const vips = new HashMap(VipKey, VipInfo, { maxEntries: 64 });

export const lb = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  if (eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  const ihl = ip.verIhl & 0xf;
  if (ip.verIhl >> 4 !== 4 || ihl < 5) return XdpAction.DROP;
  const l4 = Eth.size + ihl * 4;
  let dport = 0;
  if (ip.protocol === IPPROTO_TCP) {
    const tcp = ctx.header(Tcp, l4);
    if (tcp === null) return XdpAction.DROP;
    dport = tcp.dest;
  } else if (ip.protocol === IPPROTO_UDP) {
    const udp = ctx.header(Udp, l4);
    if (udp === null) return XdpAction.DROP;
    dport = udp.dest;
  } else return XdpAction.PASS;
  const vip = vips.lookup({ addr: ip.daddr, port: dport, proto: ip.protocol, pad: 0 });
  if (vip === null) return XdpAction.PASS;
  return XdpAction.TX; // lessons 9-13 pick a backend and rewrite the packet for it
});
