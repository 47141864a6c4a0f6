// decap.ts's IPv4-in-IPv4 decapsulation at tc ingress instead of XDP: what a Linux `tunl0`
// device does, without an XDP program on the backend's veth. (A veth with an XDP program copies
// every socket buffer that is cloned, as TCP's transmitted segments are, or has less than 256
// bytes of headroom, into a new page before running it; at tc nothing is copied.) Used by
// throughput.ts's `decap: "tc"`; attached with iproute2's tc (direct-action).
import { tc, TcAction, AdjustRoomMode } from "tsbpf";
import { Eth, Ipv4, ETH_P_IP, IPPROTO_IPIP } from "tsbpf/net";

export const license = "Dual MIT/GPL";

export const decap = tc((ctx) => {
  if (ctx.protocol !== ETH_P_IP) return TcAction.OK;
  const outer = ctx.header(Ipv4, Eth.size);
  if (outer === null || outer.protocol !== IPPROTO_IPIP || outer.verIhl !== 0x45) return TcAction.OK;
  if ((outer.fragOff & 0x3fff) !== 0) return TcAction.OK; // a fragment: the stack reassembles
  if (!ctx.adjustRoom(-Ipv4.size, AdjustRoomMode.MAC, 0)) return TcAction.SHOT;
  return TcAction.OK;
});
