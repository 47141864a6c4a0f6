// Drops IPv4 packets whose header checksum is wrong, the way a user writes it: a helper that
// finds the L4 header and returns -1 when there is none, a loop over the header's 16-bit words
// (options included) that stops at the header's length, and an enum of per-CPU counters.
import {
  xdp,
  XdpAction,
  PerCpuArrayMap,
  struct,
  type u16,
  type u32,
  u64,
  type i32,
  be16,
  type XdpContext,
} from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP } from "tsbpf/net";

export enum Verdict {
  Passed = 0,
  BadChecksum = 1,
  BadHeader = 2,
  Udp = 3,
}

export const verdicts = new PerCpuArrayMap(u64, { maxEntries: 4 });

const Word = struct({ v: be16 });

function count(v: Verdict): void {
  const c = verdicts.lookup(v);
  if (c !== null) verdicts.update(v, c + 1n);
}

/** Where the L4 header starts, or -1 for a truncated or malformed IPv4 header. */
function l4Offset(ctx: XdpContext): i32 {
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return -1;
  const ihl = ip.verIhl & 0x0f;
  if (ihl < 5) return -1;
  return Eth.size + ihl * 4;
}

/** The ones' complement of the folded ones' complement sum: 0 for a correct header. */
function fold(sum: u32): u16 {
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export const ipv4_header_check = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const off = l4Offset(ctx);
  if (off < 0) {
    count(Verdict.BadHeader);
    return XdpAction.DROP;
  }
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  const words = (ip.verIhl & 0x0f) * 2;
  let sum: u32 = 0;
  for (let i = 0; i < 30; i++) {
    if (i >= words) break;
    const w = ctx.header(Word, Eth.size + i * 2);
    if (w === null) {
      count(Verdict.BadHeader);
      return XdpAction.DROP;
    }
    sum += w.v;
  }
  if (fold(sum) !== 0) {
    count(Verdict.BadChecksum);
    return XdpAction.DROP;
  }
  if (ip.protocol === IPPROTO_UDP && ctx.header(Udp, off) !== null) {
    count(Verdict.Udp);
    return XdpAction.PASS;
  }
  count(Verdict.Passed);
  return XdpAction.PASS;
});
