// TCP MSS clamping for SYNs: the MSS option above the configured limit is lowered, with the TCP
// checksum updated incrementally.
import { xdp, XdpAction, ArrayMap, PerCpuArrayMap, struct, u8, u16, u64, be16, csumReplace2 } from "tsbpf";
import { Eth, Ipv4, Tcp, ETH_P_IP, IPPROTO_TCP, TCP_SYN } from "tsbpf/net";

export const Config = struct({ maxMss: u16 });
export const config = new ArrayMap(Config, { maxEntries: 1 });
export const clamped = new PerCpuArrayMap(u64, { maxEntries: 1 });

const TCPOPT_EOL = 0;
const TCPOPT_NOP = 1;
const TCPOPT_MSS = 2;

const OptKind = struct({ kind: u8 });
const OptMss = struct({ kind: u8, len: u8, mss: be16 });
const OptLen = struct({ kind: u8, len: u8 });

export const mss_clamp = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (!eth || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (!ip || ip.protocol !== IPPROTO_TCP) return XdpAction.PASS;
  const ipLen = (ip.verIhl & 0x0f) * 4;
  if (ipLen < 20) return XdpAction.DROP;
  const tcpOff = Eth.size + ipLen;
  const tcp = ctx.header(Tcp, tcpOff);
  if (!tcp) return XdpAction.PASS;
  if ((tcp.flags & TCP_SYN) === 0) return XdpAction.PASS;
  const cfg = config.lookup(0);
  if (!cfg || cfg.maxMss === 0) return XdpAction.PASS;

  const optEnd = tcpOff + (tcp.doffRes >> 4) * 4;
  let off = tcpOff + Tcp.size;
  for (let i = 0; i < 40; i++) {
    if (off >= optEnd) break;
    const opt = ctx.header(OptKind, off);
    if (!opt) break;
    if (opt.kind === TCPOPT_EOL) break;
    if (opt.kind === TCPOPT_NOP) {
      off++;
      continue;
    }
    if (opt.kind === TCPOPT_MSS) {
      const mss = ctx.header(OptMss, off);
      if (mss === null || mss.len !== 4) break;
      if (mss.mss > cfg.maxMss) {
        tcp.check = csumReplace2(tcp.check, mss.mss, cfg.maxMss);
        mss.mss = cfg.maxMss;
        const n = clamped.lookup(0);
        if (n !== null) clamped.update(0, n + 1n);
      }
      break;
    }
    const o = ctx.header(OptLen, off);
    if (!o || o.len < 2) break;
    off += o.len;
  }
  return XdpAction.PASS;
});
