// Compiles (TypeScript's `!` only silences the type checker), but the header is used without
// its bounds check: the verifier rejects the read (PACKET_OUT_OF_RANGE).
import { xdp, XdpAction } from "tsbpf";
import { Ipv4 } from "tsbpf/net";

export const packet_unchecked = xdp((ctx) => {
  const ip = ctx.header(Ipv4, 14)!;
  if (ip.ttl < 2) return XdpAction.DROP;
  return XdpAction.PASS;
});
