// Port knocking, the way a user writes it: UDP datagrams to 7000, 8000 and 9000, in that order,
// open TCP port 22 for their source for 30 s. A knock out of order starts again. The state is
// one LRU entry per source; the knock sequence is a constant tuple indexed by the stage.
import { xdp, XdpAction, ArrayMap, LruHashMap, struct, u8, u64, be32, ktimeGetNs, type Value } from "tsbpf";
import { Eth, Ipv4, Tcp, Udp, ETH_P_IP, IPPROTO_TCP, IPPROTO_UDP } from "tsbpf/net";

const KNOCKS = [7000, 8000, 9000] as const;
const SSH = 22;
const OPEN_NS = 30_000_000_000n;

export const Knock = struct({ stage: u8, openedAt: u64 });
export const knocks = new LruHashMap(be32, Knock, { maxEntries: 4096 });
/** SSH packets let through. */
export const admitted = new ArrayMap(u64, { maxEntries: 1 });

export const port_knock = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth?.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (!ip) return XdpAction.PASS;
  const l4 = Eth.size + (ip.verIhl & 0xf) * 4;
  let port = 0;
  let isTcp = false;
  if (ip.protocol === IPPROTO_UDP) {
    const udp = ctx.header(Udp, l4);
    if (!udp) return XdpAction.DROP;
    port = udp.dest;
  } else if (ip.protocol === IPPROTO_TCP) {
    const tcp = ctx.header(Tcp, l4);
    if (!tcp) return XdpAction.DROP;
    port = tcp.dest;
    isTcp = true;
  } else {
    return XdpAction.PASS;
  }

  const now = ktimeGetNs();
  const state = knocks.lookup(ip.saddr);
  if (isTcp) {
    if (port !== SSH) return XdpAction.PASS;
    if (state && state.stage === KNOCKS.length && now - state.openedAt < OPEN_NS) {
      const n = admitted.lookup(0);
      if (n !== null) admitted.update(0, n + 1n);
      return XdpAction.PASS;
    }
    return XdpAction.DROP;
  }

  const stage = state?.stage ?? 0;
  if (stage < KNOCKS.length && port === KNOCKS[stage]) {
    const next: Value<typeof Knock> = { stage: stage + 1, openedAt: now };
    knocks.update(ip.saddr, next);
  } else if (stage !== KNOCKS.length) {
    knocks.delete(ip.saddr); // a wrong knock: start again
  }
  return XdpAction.DROP;
});
