// Lesson 5: rewrite. Writing a view's field writes the packet. A router decrements the IPv4 TTL
// and drops the packet when it would reach 0; the header checksum covers the TTL, so it must be
// updated too: `csumReplace2(ip.check, old, now)` updates a checksum for one changed 16-bit word
// (RFC 1624) — the TTL shares its word with the protocol: `(ip.ttl << 8) | ip.protocol`.
//
// Exercise: for IPv4, drop the packet if its TTL is 1 or 0; otherwise decrement the TTL, update
//           the checksum, and pass it. Pass everything else unchanged.
// Check:    npx tsbpf lesson check 5 src/05-rewrite.ts
import { xdp, XdpAction, csumReplace2 } from "tsbpf";
import { Eth, Ipv4, ETH_P_IP } from "tsbpf/net";

export const ttl = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.PASS;
  // TODO: drop at TTL ≤ 1; else decrement, csumReplace2 the checksum.
  return XdpAction.PASS;
});
