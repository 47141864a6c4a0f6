// Lesson 6: send it back. XdpAction.TX transmits the (rewritten) frame out of the interface it
// came in on: an answer that never reaches the network stack. An ICMP echo reply is the request
// with source and destination swapped (MAC and IP), type 0 instead of 8, and its checksum
// updated: `csumReplace2(icmp.check, old, now)` for the word holding type and code
// (`(icmp.type << 8) | icmp.code`). Copy a field before overwriting it:
// `const mac: Value<typeof Mac> = eth.src` is a copy (see docs/language.md).
//
// Exercise: answer ICMP echo requests (type 8) over IPv4 with XDP_TX and the reply; pass
//           everything else unchanged.
// Check:    npx tsbpf lesson check 6 src/06-redirect.ts
import { xdp, XdpAction, bytes, csumReplace2, type Value } from "tsbpf";
import { Eth, Ipv4, Icmp, ETH_P_IP, IPPROTO_ICMP, ICMP_ECHO } from "tsbpf/net";

const Mac = bytes(6);

export const echo = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null || ip.protocol !== IPPROTO_ICMP) return XdpAction.PASS;
  const icmp = ctx.header(Icmp, Eth.size + (ip.verIhl & 0xf) * 4);
  if (icmp === null || icmp.type !== ICMP_ECHO) return XdpAction.PASS;
  // TODO: swap the MACs and the IP addresses, make it a reply, fix the checksum, send it back.
  return XdpAction.PASS;
});
