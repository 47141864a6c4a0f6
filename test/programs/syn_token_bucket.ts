// A per-source rate limit for new TCP connections and UDP, the way a user writes one: a token
// bucket per IPv4 source in an LRU map, refilled from the clock, with the rate and burst in a
// config map and a per-CPU counter for each verdict.
import {
  xdp,
  XdpAction,
  ArrayMap,
  LruHashMap,
  PerCpuArrayMap,
  struct,
  u32,
  u64,
  be32,
  ktimeGetNs,
  type Value,
} from "tsbpf";
import { Eth, Ipv4, Tcp, Udp, ETH_P_IP, IPPROTO_TCP, IPPROTO_UDP, TCP_SYN, TCP_ACK } from "tsbpf/net";

export const Limits = struct({ tokensPerSec: u32, burst: u32, udpCost: u32 });
export const Bucket = struct({ tokens: u32, lastNs: u64 });
export const limits = new ArrayMap(Limits, { maxEntries: 1 });
export const buckets = new LruHashMap(be32, Bucket, { maxEntries: 4096 });

export enum Verdict {
  NOT_LIMITED = 0,
  ALLOWED = 1,
  DROPPED = 2,
  NEW_SOURCE = 3,
  MALFORMED = 4,
}
export const verdicts = new PerCpuArrayMap(u64, { maxEntries: 5 });

const NS_PER_SEC = 1_000_000_000n;

function count(v: Verdict): void {
  const n = verdicts.lookup(v);
  if (n !== null) verdicts.update(v, n + 1n);
}

/** Tokens earned since the bucket was last touched, at most the burst. */
function refill(b: Value<typeof Bucket>, cfg: Value<typeof Limits>, now: u64): void {
  if (now <= b.lastNs) return; // u64: a clock read on another CPU may be a little behind
  const earned = ((now - b.lastNs) * u64(cfg.tokensPerSec)) / NS_PER_SEC;
  if (earned === 0n) return; // keep lastNs, so that slow trickles still add up
  const total = u64(b.tokens) + earned;
  b.tokens = total > u64(cfg.burst) ? cfg.burst : u32(total);
  b.lastNs = now;
}

/** Take `cost` tokens from the source's bucket; false when there are not enough. */
function take(src: be32, cost: u32, cfg: Value<typeof Limits>): boolean {
  const now = ktimeGetNs();
  const b = buckets.lookup(src);
  if (b === null) {
    count(Verdict.NEW_SOURCE);
    if (cost > cfg.burst) return false;
    buckets.update(src, { tokens: cfg.burst - cost, lastNs: now });
    return true;
  }
  refill(b, cfg, now);
  if (b.tokens < cost) return false;
  b.tokens -= cost;
  return true;
}

export const syn_token_bucket = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (!eth || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (!ip) return XdpAction.PASS;
  const ihl = ip.verIhl & 0xf;
  if (ihl < 5) {
    count(Verdict.MALFORMED);
    return XdpAction.DROP;
  }
  const cfg = limits.lookup(0);
  if (!cfg || cfg.tokensPerSec === 0) return XdpAction.PASS;

  let cost = 0;
  if (ip.protocol === IPPROTO_TCP) {
    const tcp = ctx.header(Tcp, Eth.size + ihl * 4);
    if (!tcp) {
      count(Verdict.MALFORMED);
      return XdpAction.DROP;
    }
    // Only connection attempts cost: a SYN without ACK.
    if ((tcp.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN) cost = 1;
  } else if (ip.protocol === IPPROTO_UDP) {
    const udp = ctx.header(Udp, Eth.size + ihl * 4);
    if (!udp) {
      count(Verdict.MALFORMED);
      return XdpAction.DROP;
    }
    cost = cfg.udpCost;
  }
  if (cost === 0) {
    count(Verdict.NOT_LIMITED);
    return XdpAction.PASS;
  }
  if (!take(ip.saddr, cost, cfg)) {
    count(Verdict.DROPPED);
    return XdpAction.DROP;
  }
  count(Verdict.ALLOWED);
  return XdpAction.PASS;
});
