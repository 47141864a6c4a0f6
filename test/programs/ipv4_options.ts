// A bounded loop over IPv4 options: counts each option type, and drops packets that carry
// source-routing options (loose 131, strict 137), as routers commonly do.
import { xdp, XdpAction, PerCpuArrayMap, struct, u8, type u32, u64 } from "tsbpf";
import { Eth, Ipv4, ETH_P_IP } from "tsbpf/net";

const OptKind = struct({ kind: u8 });
const OptTlv = struct({ kind: u8, len: u8 });
const IPOPT_END = 0,
  IPOPT_NOOP = 1,
  IPOPT_LSRR = 131,
  IPOPT_SSRR = 137;
const MAX_OPTIONS = 40; // 40 bytes of options at most

export const option_counts = new PerCpuArrayMap(u64, { maxEntries: 256 });

function countOption(kind: u32): void {
  const n = option_counts.lookup(kind);
  if (n !== null) option_counts.update(kind, n + 1n);
}

export const ipv4_options = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  const end: u32 = Eth.size + (ip.verIhl & 0xf) * 4;
  let off: u32 = Eth.size + Ipv4.size;
  for (let i = 0; i < MAX_OPTIONS; i++) {
    if (off >= end) break;
    const opt = ctx.header(OptKind, off);
    if (opt === null) return XdpAction.DROP;
    const kind = opt.kind;
    if (kind === IPOPT_END) break;
    countOption(kind);
    if (kind === IPOPT_NOOP) {
      off += 1;
      continue;
    }
    if (kind === IPOPT_LSRR || kind === IPOPT_SSRR) return XdpAction.DROP;
    const tlv = ctx.header(OptTlv, off);
    if (tlv === null || tlv.len < 2) return XdpAction.DROP; // malformed
    off += tlv.len;
  }
  return XdpAction.PASS;
});
