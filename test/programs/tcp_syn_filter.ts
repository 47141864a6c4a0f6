// TCP SYN filter: walks the TCP options (variable data offset, bounded loop) and drops SYNs
// without an MSS option or with an MSS below a floor; records the last MSS seen.
import { xdp, XdpAction, ArrayMap, struct, u8, u32, be16, type XdpContext } from "tsbpf";
import { Eth, Ipv4, Tcp, ETH_P_IP, IPPROTO_TCP, TCP_SYN, TCP_ACK } from "tsbpf/net";

const Kind = struct({ kind: u8 });
const Mss = struct({ kind: u8, len: u8, value: be16 });
const Len = struct({ kind: u8, len: u8 });
const MIN_MSS = 536;
const TCPOPT_EOL = 0,
  TCPOPT_NOP = 1,
  TCPOPT_MSS = 2;

export const Seen = struct({ mss: u32, syns: u32 });
export const seen = new ArrayMap(Seen, { maxEntries: 1 });

function findMss(ctx: XdpContext, start: u32, end: u32): u32 {
  let off = start;
  for (let i = 0; i < 20; i++) {
    if (off >= end) return 0;
    const k = ctx.header(Kind, off);
    if (k === null) return 0;
    if (k.kind === TCPOPT_EOL) return 0;
    if (k.kind === TCPOPT_NOP) {
      off += 1;
      continue;
    }
    if (k.kind === TCPOPT_MSS) {
      const mss = ctx.header(Mss, off);
      return mss === null ? 0 : mss.value;
    }
    const l = ctx.header(Len, off);
    if (l === null || l.len < 2) return 0;
    off += l.len;
  }
  return 0;
}

export const tcp_syn_filter = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null || ip.protocol !== IPPROTO_TCP) return XdpAction.PASS;
  const l4 = Eth.size + (ip.verIhl & 0xf) * 4;
  const tcp = ctx.header(Tcp, l4);
  if (tcp === null) return XdpAction.DROP;
  if ((tcp.flags & (TCP_SYN | TCP_ACK)) !== TCP_SYN) return XdpAction.PASS;
  const mss = findMss(ctx, l4 + Tcp.size, l4 + (tcp.doffRes >> 4) * 4);
  const s = seen.lookup(0);
  if (s !== null) {
    s.mss = mss;
    s.syns += 1;
  }
  return mss >= MIN_MSS ? XdpAction.PASS : XdpAction.DROP;
});
