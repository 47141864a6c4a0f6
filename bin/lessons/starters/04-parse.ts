// Lesson 4: parse headers. `ctx.header(View, offset)` gives a typed view of the packet at
// `offset`, or null when the packet is too short for it: testing for null is the bounds check
// the verifier needs. Views (tsbpf/net): Eth, Ipv4, Udp, Tcp, … Fields read as numbers in host
// order (`udp.dest === 9`). IPv4's header is `(ip.verIhl & 0xf) * 4` bytes long: 20, or more
// with options, so the UDP header is not always at 34.
//
// Exercise: drop UDP datagrams over IPv4 to port 9 (discard); pass everything else (other ports,
//           TCP, IPv6, ARP, frames too short to parse).
// Check:    npx tsbpf lesson check 4 src/04-parse.ts
import { xdp, XdpAction } from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP } from "tsbpf/net";

export const drop_discard = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  // TODO: the IPv4 header at Eth.size; if it carries UDP, the UDP header after it; drop port 9.
  return XdpAction.PASS;
});
