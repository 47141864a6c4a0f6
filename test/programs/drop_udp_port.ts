// Drops UDP datagrams to a blocked port (xdp-tutorial "packet01"-style filter); passes the rest.
// A local function takes the packet views; the IPv4 header length is variable (IHL × 4).
import { xdp, XdpAction, type XdpContext, type Value, type u16, type bool } from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP } from "tsbpf/net";

const BLOCKED_PORT = 9;

function isBlocked(ctx: XdpContext, ip: Value<typeof Ipv4>): bool {
  if (ip.protocol !== IPPROTO_UDP) return false;
  const udp = ctx.header(Udp, Eth.size + (ip.verIhl & 0xf) * 4);
  if (udp === null) return false;
  return udp.dest === BLOCKED_PORT;
}

export const drop_udp_port = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.PASS;
  return isBlocked(ctx, ip) ? XdpAction.DROP : XdpAction.PASS;
});

export type Port = u16;
