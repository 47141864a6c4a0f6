// Answers ARP requests for a configured IPv4 address (rodata) with a configured MAC: the request
// becomes a reply in place (packed ARP view, 6-byte arrays) and goes back out.
import { xdp, XdpAction, rodata, struct, bytes, u32, type Value } from "tsbpf";
import { Eth, Arp, ETH_P_ARP } from "tsbpf/net";

const Mac = bytes(6);
export const Identity = struct({ ip: u32, mac: bytes(6) });
export const me = rodata(Identity, { ip: 0x0a000001, mac: [0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee] });
const ARP_REQUEST = 1,
  ARP_REPLY = 2;

export const arp_responder = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  if (eth.proto !== ETH_P_ARP) return XdpAction.PASS;
  const arp = ctx.header(Arp, Eth.size);
  if (arp === null) return XdpAction.DROP;
  if (arp.op !== ARP_REQUEST || arp.tpa !== me.ip || arp.ptype !== 0x0800) return XdpAction.PASS;
  const asker: Value<typeof Mac> = arp.sha;
  const askerIp = arp.spa;
  arp.op = ARP_REPLY;
  arp.tha = asker;
  arp.tpa = askerIp;
  arp.sha = me.mac;
  arp.spa = me.ip;
  eth.dst = asker;
  eth.src = me.mac;
  return XdpAction.TX;
});
