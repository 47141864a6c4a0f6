// Lesson 8: the load balancer, step 1 — parse and find the VIP. From here on the lessons build
// the load balancer of docs/lb-abi.md (lb/lb.ts is the finished one). A VIP (virtual IP) is an
// address, port and protocol that clients connect to; the control plane lists them in the map
// `vips`. The LB must be strict about what it forwards: a malformed packet is dropped.
//
// Exercise: following docs/lb-abi.md steps 1-7 —
//   - frame shorter than Ethernet → DROP (a test run cannot send one: the kernel wants 14 bytes);
//     not IPv4 → PASS;
//   - IPv4 header cut short, version ≠ 4 or IHL < 5 → DROP; a fragment (IP_MF set, or an
//     offset: `ip.fragOff & (IP_MF | IP_OFFSET)`) → DROP;
//   - neither TCP nor UDP → PASS; TCP or UDP header cut short → DROP;
//   - (daddr, dport, protocol) not in `vips` → PASS; in `vips` → TX (for now: unchanged).
// Check:    npx tsbpf lesson check 8 src/08-lb-parse.ts
import { xdp, XdpAction, HashMap, struct, u8, u32, be16, be32 } from "tsbpf";
import { Eth, Ipv4, Tcp, Udp, ETH_P_IP, IPPROTO_TCP, IPPROTO_UDP, IP_MF, IP_OFFSET } from "tsbpf/net";

export const VipKey = struct({ addr: be32, port: be16, proto: u8, pad: u8 });
export const VipInfo = struct({ index: u32, flags: u32 });
export const vips = new HashMap(VipKey, VipInfo, { maxEntries: 64 });

export const lb = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  if (eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  // TODO: version and IHL; fragments (IP_MF, IP_OFFSET); the TCP or UDP header at
  // Eth.size + IHL * 4 and its destination port (Tcp, Udp, IPPROTO_TCP, IPPROTO_UDP);
  // then vips.lookup({ addr: ip.daddr, port, proto: ip.protocol, pad: 0 }).
  return XdpAction.PASS;
});
