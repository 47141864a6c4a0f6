// Pops an 802.1Q tag with xdp_adjust_head: the MAC addresses move up 4 bytes and the inner
// EtherType replaces the TPID. Counts packets per VLAN id (12 bits of the TCI).
import { xdp, XdpAction, HashMap, bytes, u16, u64, atomicAdd, type Value } from "tsbpf";
import { Eth, Vlan, ETH_P_8021Q } from "tsbpf/net";

const Mac = bytes(6);
export const per_vlan = new HashMap(u16, u64, { maxEntries: 4096 });

export const vlan_pop = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  if (eth.proto !== ETH_P_8021Q) return XdpAction.PASS;
  const tag = ctx.header(Vlan, Eth.size);
  if (tag === null) return XdpAction.DROP;
  const dst: Value<typeof Mac> = eth.dst;
  const src: Value<typeof Mac> = eth.src;
  const inner = tag.proto;
  const id = u16(tag.tci & 0xfff);
  if (!ctx.adjustHead(Vlan.size)) return XdpAction.ABORTED;
  const out = ctx.header(Eth, 0);
  if (out === null) return XdpAction.ABORTED;
  out.dst = dst;
  out.src = src;
  out.proto = inner;
  const n = per_vlan.lookup(id);
  if (n !== null) atomicAdd(n, 1n);
  else per_vlan.update(id, 1n);
  return XdpAction.PASS;
});
