// bpf_xdp_load_bytes / bpf_xdp_store_bytes: the 16 bytes after the Ethernet header are copied
// into a map value, then the Ethernet header is read into a stack struct and written back with
// its addresses swapped (XDP_TX). A frame too short for the 16 bytes is counted and dropped.
import { xdp, XdpAction, ArrayMap, struct, bytes, u64, zero, atomicAdd } from "tsbpf";
import { Eth } from "tsbpf/net";

export const Window = struct({ data: bytes(16) });
export const windows = new ArrayMap(Window, { maxEntries: 1 });
export const misses = new ArrayMap(u64, { maxEntries: 1 });

export const load_store_bytes = xdp((ctx) => {
  const w = windows.lookup(0);
  if (w === null) return XdpAction.ABORTED;
  if (!ctx.loadBytes(Eth.size, w)) {
    const m = misses.lookup(0);
    if (m !== null) atomicAdd(m, 1n);
    return XdpAction.DROP;
  }
  const eth = zero(Eth);
  if (!ctx.loadBytes(0, eth)) return XdpAction.DROP;
  const out = zero(Eth);
  out.dst = eth.src;
  out.src = eth.dst;
  out.proto = eth.proto;
  return ctx.storeBytes(0, out) ? XdpAction.TX : XdpAction.ABORTED;
});
