// Health checks through the tunnel (docs/lb-operations.md, "Probes through the tunnel"): a tc
// egress program on the LB's interface that sends the prober's packets to a backend exactly
// as the LB sends client traffic in encapsulation mode — the packet to VIP:port, untouched,
// inside an outer header to the backend (IP-in-IP, IPv6-in-IPv6) — so a probe reaches the
// service the backend holds on the VIP, through the backend's decapsulation, and checks the
// whole path.
//
// The prober opens one socket per backend with SO_MARK set to that backend's mark; the kernel
// copies the socket's mark into every packet it sends for it (SYN, ACK, data, FIN, RST), so
// the mark identifies the probe's packets without parsing them, and names the backend. The
// prober writes `hc_reals[mark]` or `hc_reals6[mark]` (the backend's address and MAC) before
// it connects. Packets with another mark, or none, go on to the next program of the hook
// unchanged. The replies come straight from the backend (direct server return), not through
// this program. Katran's healthchecking program (hc_reals_map, keyed by skb->mark) is the model.
import {
  tc,
  TcAction,
  AdjustRoomMode,
  AdjustRoomFlags,
  ArrayMap,
  HashMap,
  PerCpuArrayMap,
  struct,
  type u16,
  u32,
  u64,
  be32,
  type TcContext,
  type Value,
} from "tsbpf";
import { Eth, Ipv4, ETH_P_IP, ETH_P_IPV6, IP_DF } from "tsbpf/net";
import { Addr6, Backend, Backend6, Ipv6W } from "./maps.ts";
import { writeOuterIpv4, writeOuterIpv6 } from "./forward.ts";

export const license = "Dual MIT/GPL";

/** A backend probed through the tunnel: the outer destination and the frame's destination MAC
 *  (the data plane's `backends` entry). */
export const HcReal = Backend;
/** The outer source address (the LB's encapsulation source); 0: not configured. */
export const HcConfig = struct({ saddr: be32 });
/** Per CPU: probe packets encapsulated, and probe packets dropped (no source configured, not
 *  IPv4, no room). */
export const HcStats = struct({ encapsulated: u64, dropped: u64 });

export const MAX_HC_REALS = 1024;
export const hc_reals = new HashMap(u32, HcReal, { maxEntries: MAX_HC_REALS });
export const hc_config = new ArrayMap(HcConfig, { maxEntries: 1 });
export const hc_stats = new PerCpuArrayMap(HcStats, { maxEntries: 1 });

// IPv6 VIPs' backends, probed through IPv6-in-IPv6 (lb.ts's VE3): the same with 16-byte
// addresses. A mark names a backend of one family.
export const HcReal6 = Backend6;
/** The outer source of IPv6-in-IPv6 probes; :: (all zero): not configured. */
export const HcConfig6 = struct({ saddr: Addr6 });
export const hc_reals6 = new HashMap(u32, HcReal6, { maxEntries: MAX_HC_REALS });
export const hc_config6 = new ArrayMap(HcConfig6, { maxEntries: 1 });
const ENCAP_FLAGS = AdjustRoomFlags.FIXED_GSO | AdjustRoomFlags.ENCAP_L3_IPV4;
const ENCAP6_FLAGS = AdjustRoomFlags.FIXED_GSO | AdjustRoomFlags.ENCAP_L3_IPV6;

/** Counts a probe packet that could not be encapsulated, and drops it. */
function dropped(): TcAction {
  const s = hc_stats.lookup(0);
  if (s !== null) s.dropped += 1n;
  return TcAction.SHOT;
}

export const healthcheck = tc((ctx) => {
  const mark = ctx.mark;
  if (mark === 0) return TcAction.UNSPEC;
  const real = hc_reals.lookup(mark);
  if (real !== null) return encapsulate(ctx, real);
  const real6 = hc_reals6.lookup(mark);
  if (real6 !== null) return encapsulate6(ctx, real6);
  return TcAction.UNSPEC; // someone else's mark: not a probe
});

// A probe that cannot go through the tunnel is dropped, never sent bare to the VIP: it would
// check another path (and reach whichever host answers for the VIP).

/** An IPv4 probe inside an outer IPv4 header to its backend (lb.ts's E3). */
function encapsulate(ctx: TcContext, real: Value<typeof HcReal>): TcAction {
  const config = hc_config.lookup(0);
  if (config === null || config.saddr === 0 || ctx.protocol !== ETH_P_IP) return dropped();
  const inner = ctx.header(Ipv4, Eth.size);
  if (inner === null) return dropped();
  const tos = inner.tos;
  const totLen: u16 = inner.totLen + Ipv4.size;
  const df: u16 = inner.fragOff & IP_DF;
  const saddr = config.saddr;
  const daddr = real.addr;
  const mac = real.mac;
  // Room for the outer header between the Ethernet header and the packet; the kernel marks
  // the socket buffer as encapsulated (inner headers), so checksum and segmentation offloads
  // still apply to the inner packet.
  if (!ctx.adjustRoom(Ipv4.size, AdjustRoomMode.MAC, ENCAP_FLAGS)) return dropped();
  const eth = ctx.header(Eth, 0);
  const outer = ctx.header(Ipv4, Eth.size);
  if (eth === null || outer === null) return dropped();
  eth.dst = mac; // the source stays this interface's address
  writeOuterIpv4(outer, tos, totLen, df, saddr, daddr);
  return encapsulated();
}

/** An IPv6 probe inside an outer IPv6 header to its backend, next header 41 (lb.ts's VE3). */
function encapsulate6(ctx: TcContext, real: Value<typeof HcReal6>): TcAction {
  const config = hc_config6.lookup(0);
  if (config === null || ctx.protocol !== ETH_P_IPV6) return dropped();
  const saddr = config.saddr;
  if ((saddr.w0 | saddr.w1 | saddr.w2 | saddr.w3) === 0) return dropped();
  const inner = ctx.header(Ipv6W, Eth.size);
  if (inner === null) return dropped();
  const verTcFlow = inner.verTcFlow;
  const payloadLen: u32 = inner.payloadLen + Ipv6W.size;
  if (payloadLen > 0xffff) return dropped(); // the outer payload length would not fit
  if (!ctx.adjustRoom(Ipv6W.size, AdjustRoomMode.MAC, ENCAP6_FLAGS)) return dropped();
  const eth = ctx.header(Eth, 0);
  const outer = ctx.header(Ipv6W, Eth.size);
  if (eth === null || outer === null) return dropped();
  eth.dst = real.mac;
  writeOuterIpv6(outer, verTcFlow, payloadLen, config.saddr, real.addr);
  return encapsulated();
}

function encapsulated(): TcAction {
  const s = hc_stats.lookup(0);
  if (s !== null) s.encapsulated += 1n;
  return TcAction.OK;
}
