// expect: 24:3 - error: 'ip' was taken before ctx.pullData() on line 23, which moves the packet; take the header again with ctx.header(Ipv4, …) after it
// expect: 33:10 - error: 'eth' was taken before ctx.storeBytes() on line 32, which moves the packet; take the header again with ctx.header(Eth, …) after it
// expect: 40:10 - error: 'ip' was taken before ctx.adjustRoom() on line 39, which moves the packet; take the header again with ctx.header(Ipv4, …) after it
// The tc helpers the language has that move the packet (net/core/filter.c's
// bpf_helper_changes_pkt_data: bpf_skb_pull_data, bpf_skb_store_bytes, bpf_skb_adjust_room)
// make earlier views stale, as ctx.adjustHead() does in XDP; ctx.loadBytes() does not. The
// language has none of the others (skb_change_head/tail/proto, skb_vlan_push/pop,
// l3/l4_csum_replace, clone_redirect): csumReplace2/4 compute a checksum in instructions.
import { tc, TcAction, AdjustRoomMode, bytes, zero } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

const Four = bytes(4);
const Mac = bytes(6);

export const pulled = tc((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return TcAction.OK;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return TcAction.OK;
  const copy = zero(Four);
  ctx.loadBytes(0, copy); // copies out: the views stay valid
  if (ip.ttl === 1) return TcAction.SHOT;
  ctx.pullData(64);
  ip.ttl -= 1;
  return TcAction.OK;
});

export const stored = tc((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return TcAction.OK;
  const mac = zero(Mac);
  ctx.storeBytes(0, mac);
  return eth.proto === 0 ? TcAction.SHOT : TcAction.OK;
});

export const roomed = tc((ctx) => {
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return TcAction.OK;
  if (!ctx.adjustRoom(20, AdjustRoomMode.MAC, 0)) return TcAction.SHOT;
  return ip.protocol === 17 ? TcAction.SHOT : TcAction.OK;
});
