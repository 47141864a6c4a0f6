// Ring buffer events: reserve/submit for IPv4 packets, output() of a stack struct for others.
import { xdp, XdpAction, RingBuf, struct, u8, u16, u32, u64, ktimeGetNs } from "tsbpf";
import { Eth, Ipv4, ETH_P_IP } from "tsbpf/net";

export const Event = struct({ kind: u8, proto: u8, len: u16, saddr: u32, daddr: u32, pad: u32, ts: u64 });
export const events = new RingBuf(Event, { maxEntries: 16384 });

export const ringbuf_events = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  if (eth.proto === ETH_P_IP) {
    const ip = ctx.header(Ipv4, Eth.size);
    if (ip === null) return XdpAction.DROP;
    const ev = events.reserve();
    if (ev === null) return XdpAction.PASS;
    ev.kind = 1;
    ev.proto = ip.protocol;
    ev.len = ctx.len;
    ev.saddr = ip.saddr;
    ev.daddr = ip.daddr;
    ev.pad = 0;
    ev.ts = ktimeGetNs();
    if (ip.protocol === 0xff) events.discard(ev);
    else events.submit(ev);
    return XdpAction.PASS;
  }
  events.output({ kind: 2, proto: 0, len: ctx.len, saddr: 0, daddr: eth.proto, pad: 0, ts: 0n });
  return XdpAction.PASS;
});
