// XDP and tc interact (the xdp-tutorial's lesson): an XDP program puts a mark in the metadata
// before the packet; a tcx ingress program on the same interface reads it from the socket
// buffer's data_meta, counts it and sets skb->mark; a second tcx program, run next, counts
// packets by skb->mark, so the mark is seen outside the program that set it.
import { xdp, XdpAction, tc, TcAction, HashMap, ArrayMap, struct, u32, u64, atomicAdd } from "tsbpf";
import { Eth, Ipv4, ETH_P_IP } from "tsbpf/net";

/** The metadata: what XDP learned about the packet. */
export const Meta = struct({ mark: u32 });

/** Where a mark was counted: as XDP wrote it, as tc read it from the metadata, as skb->mark. */
export enum Stage {
  XDP = 1,
  TC_META = 2,
  SKB_MARK = 3,
}
export const SeenKey = struct({ stage: u32, mark: u32 });
export const Count = struct({ packets: u64 });
export const seen = new HashMap(SeenKey, Count, { maxEntries: 64 });
/** Packets tc saw without metadata (slot 0), and XDP could not give any (slot 1). */
export const missing = new ArrayMap(Count, { maxEntries: 2 });

function bump(stage: u32, mark: u32): void {
  const c = seen.lookup({ stage, mark });
  if (c !== null) atomicAdd(c.packets, 1n);
  else seen.update({ stage, mark }, { packets: 1n });
}

/** 0x100 + the IP protocol for IPv4, 0x10000 + the EtherType for the rest. */
function markOf(proto: u32, ipProto: u32): u32 {
  return proto === ETH_P_IP ? 0x100 + ipProto : 0x10000 + proto;
}

export const xdp_mark = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.PASS;
  let ipProto: u32 = 0;
  if (eth.proto === ETH_P_IP) {
    const ip = ctx.header(Ipv4, Eth.size);
    if (ip !== null) ipProto = ip.protocol;
  }
  const mark = markOf(eth.proto, ipProto);
  // Make room for the metadata; views taken before are stale from here on.
  if (!ctx.adjustMeta(-Meta.size)) {
    const m = missing.lookup(1);
    if (m !== null) atomicAdd(m.packets, 1n);
    return XdpAction.PASS;
  }
  const meta = ctx.meta(Meta);
  if (meta === null) return XdpAction.PASS;
  meta.mark = mark;
  bump(Stage.XDP, mark);
  return XdpAction.PASS;
});

// Section "tc" (the default): libbpf before 1.3 (this bpftool) knows no "tcx/ingress"; the test
// attaches these to ingress through tcx links.
export const tc_read_meta = tc((ctx) => {
  const meta = ctx.meta(Meta);
  if (meta === null) {
    const m = missing.lookup(0);
    if (m !== null) atomicAdd(m.packets, 1n);
    return TcAction.UNSPEC;
  }
  bump(Stage.TC_META, meta.mark);
  ctx.mark = meta.mark;
  // TCX_NEXT: the next program on the hook runs.
  return TcAction.UNSPEC;
});

export const tc_count_mark = tc((ctx) => {
  bump(Stage.SKB_MARK, ctx.mark);
  return TcAction.OK;
});
