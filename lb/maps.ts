// The load balancer's ABI (docs/lb-abi.md, docs/lb-state.md): its maps, their key and value
// layouts, and the constants both sides agree on. The data plane (lb/lb.ts, lb/icmp.ts) and
// the control plane (lb/control.ts) import these declarations, so both read and write the
// same maps with the same layouts; map names and BTF come from here.
import {
  HashMap,
  ArrayMap,
  LruHashMap,
  PerCpuArrayMap,
  struct,
  array,
  bytes,
  u8,
  u16,
  u32,
  u64,
  be16,
  be32,
  type Value,
} from "tsbpf";
import type { Eth, Ipv4 } from "tsbpf/net";

/** Maglev table size per VIP (a prime), and the ABI's limits. */
export const MAGLEV_M = 65537;
export const MAX_VIPS = 16;
export const MAX_BACKENDS = 1024;
export const FLOW_ENTRIES = 65536;

// ---- Control-plane maps (LB_ABI.md). Addresses and ports are be32/be16: network byte
// order in the map, host-order numbers in TypeScript on both sides.

export const VipKey = struct({ addr: be32, port: be16, proto: u8, pad: u8 });
export const VipInfo = struct({ index: u32, flags: u32 });
export const Backend = struct({ addr: be32, mac: bytes(6), pad: u16 });
export const VipStats = struct({ packets: u64, bytes: u64 });

export const vips = new HashMap(VipKey, VipInfo, { maxEntries: 64 });
export const backends = new ArrayMap(Backend, { maxEntries: MAX_BACKENDS });
export const maglev = new ArrayMap(u32, { maxEntries: MAGLEV_M * MAX_VIPS });
export const stats = new PerCpuArrayMap(VipStats, { maxEntries: MAX_VIPS });

// ---- Flow state (docs/lb-state.md): which backend a flow goes to, and how to send
// the backend's replies back as the VIP.

export const CtKey = struct({ saddr: be32, daddr: be32, sport: be16, dport: be16, proto: u8, pad: array(u8, 3) });
/** `backendAddr` is the address the flow was sent to: the flow is live only while
 *  backends[backend] still has it. `seen` is ktime of the flow's last packet (either
 *  direction); `state` one of CT_* below. */
export const CtValue = struct({ backend: u32, backendAddr: be32, seen: u64, state: u8, pad: array(u8, 7) });
export const RnatKey = struct({
  clientAddr: be32,
  backendAddr: be32,
  clientPort: be16,
  vipPort: be16,
  proto: u8,
  pad: array(u8, 3),
});
/** `backend` is the flow's backend id, so a reply can restore a lost conntrack entry. */
export const RnatValue = struct({ vipAddr: be32, clientMac: bytes(6), backend: u16 });

export const conntrack = new LruHashMap(CtKey, CtValue, { maxEntries: FLOW_ENTRIES });
// Twice the size: a flow's entries are touched together, and the larger table makes the
// LRU evict a live flow's reverse entry last (docs/lb-state.md, "Both entries or none").
export const rnat = new LruHashMap(RnatKey, RnatValue, { maxEntries: 2 * FLOW_ENTRIES });

/** Connection states (docs/lb-state.md). UDP entries stay CT_NEW and use the UDP timeout. */
export const CT_NEW = 0;
export const CT_ESTABLISHED = 1;
export const CT_CLOSING = 2;

/** Idle timeouts in nanoseconds, per state; 0 means the default below. */
export const Timeouts = struct({ tcpNew: u64, tcpEstablished: u64, tcpClosing: u64, udp: u64 });
export const config = new ArrayMap(Timeouts, { maxEntries: 1 });
/** Default idle timeouts, in seconds. */
export const DEFAULT_TCP_NEW_S = 30;
export const DEFAULT_TCP_ESTABLISHED_S = 3600;
export const DEFAULT_TCP_CLOSING_S = 10;
export const DEFAULT_UDP_S = 300;

/** `VipInfo.flags` bit: the VIP is served by IP-in-IP encapsulation (direct server return,
 *  docs/lb-abi.md "Encapsulation mode"); 0 is DNAT. */
export const VIP_F_ENCAP = 1;
/** The outer source address of encapsulated packets; 0: not configured (they are dropped). */
export const EncapConfig = struct({ saddr: be32 });
export const encap = new ArrayMap(EncapConfig, { maxEntries: 1 });
export const ENCAP_TTL = 64;
/** The MTU of the link to the backends (the largest IP packet it carries), for encapsulation
 *  VIPs with VIP_F_PMTU (lb/icmp.ts); 0: not configured (no "too big" answers). */
export const PmtuConfig = struct({ mtu: u32 });
export const pmtu = new ArrayMap(PmtuConfig, { maxEntries: 1 });

// ---- IPv6 (docs/lb-abi.md, "IPv6"): the same model in maps of their own, so that IPv4's
// maps, layouts and per-packet code stay as they are. An IPv6 VIP's index shares 0..15 with
// the IPv4 VIPs (one `maglev` table and one `stats` entry per index); backend ids share
// 0..1023 (an id is live in `backends` or in `backends6`, by its VIP's family).

/** An IPv6 address: its 16 bytes as they are in the packet, as four network-order words. */
export const Addr6 = struct({ w0: be32, w1: be32, w2: be32, w3: be32 });
/** The IPv6 header (tsbpf/net's Ipv6) with word-addressable addresses, for checksums and keys. */
export const Ipv6W = struct({
  verTcFlow: be32,
  payloadLen: be16,
  nexthdr: u8,
  hopLimit: u8,
  saddr: Addr6,
  daddr: Addr6,
});
export const Vip6Key = struct({ addr: Addr6, port: be16, proto: u8, pad: u8 });
export const Backend6 = struct({ addr: Addr6, mac: bytes(6), pad: u16 });
export const vips6 = new HashMap(Vip6Key, VipInfo, { maxEntries: 64 });
export const backends6 = new ArrayMap(Backend6, { maxEntries: MAX_BACKENDS });
export const Ct6Key = struct({ saddr: Addr6, daddr: Addr6, sport: be16, dport: be16, proto: u8, pad: array(u8, 3) });
export const Ct6Value = struct({ backend: u32, state: u8, pad: array(u8, 3), seen: u64, backendAddr: Addr6 });
export const Rnat6Key = struct({
  clientAddr: Addr6,
  backendAddr: Addr6,
  clientPort: be16,
  vipPort: be16,
  proto: u8,
  pad: array(u8, 3),
});
export const Rnat6Value = struct({ vipAddr: Addr6, clientMac: bytes(6), backend: u16 });
export const conntrack6 = new LruHashMap(Ct6Key, Ct6Value, { maxEntries: FLOW_ENTRIES });
export const rnat6 = new LruHashMap(Rnat6Key, Rnat6Value, { maxEntries: 2 * FLOW_ENTRIES });
/** The outer source address of IPv6-in-IPv6 packets; :: (all zero): not configured. */
export const Encap6Config = struct({ saddr: Addr6 });
export const encap6 = new ArrayMap(Encap6Config, { maxEntries: 1 });
/** The keys of lb/icmp.ts's lookups, per CPU: in map memory, not on the 512-byte stack, which
 *  the TCP/UDP paths fill (the compiler counts every local of the inlined program). Their pad
 *  bytes are never written: they stay 0. */
export const IcmpKeys = struct({ vip: VipKey, ct: CtKey, vip6: Vip6Key, ct6: Ct6Key });
export const icmpKeys = new PerCpuArrayMap(IcmpKeys, { maxEntries: 1 });
/** What lb/icmp.ts did, per CPU, per family (`ICMP_STATS_V4`, `ICMP_STATS_V6`): echo requests
 *  answered; "too big" errors about a flow sent on to its backend; "too big" answers the LB sent
 *  for packets too large for the backends' link; and such packets it dropped instead (IPv4
 *  without DF, or no room to build the answer). */
export const IcmpStats = struct({ echoReplies: u64, tooBigForwarded: u64, tooBigSent: u64, tooBigDropped: u64 });
export const icmpStats = new PerCpuArrayMap(IcmpStats, { maxEntries: 2 });
export const ICMP_STATS_V4 = 0;
export const ICMP_STATS_V6 = 1;
/** Extension headers (hop-by-hop, destination options) skipped before the TCP/UDP header. */
export const MAX_EXT_HEADERS = 4;
export type Addr6View = Value<typeof Addr6>;
export type Ipv6View = Value<typeof Ipv6W>;

export type EthView = Value<typeof Eth>;
export type Ipv4View = Value<typeof Ipv4>;
