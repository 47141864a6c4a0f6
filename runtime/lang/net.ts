// `tsbpf/net`: packet header views and protocol numbers. Multi-byte fields are be16/be32:
// stored in network order, read and written as host-order numbers.
import { struct, bytes, array, u8, u16, u32, be16, be32 } from "./types.ts";

export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_8021Q = 0x8100;
export const ETH_P_8021AD = 0x88a8;
export const ETH_P_IPV6 = 0x86dd;

export const IPPROTO_ICMP = 1;
/** IPv4 in IPv4 (IP-in-IP encapsulation, RFC 2003). */
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
/** IPv6 in IPv6 (RFC 2473 tunnels). */
export const IPPROTO_IPV6 = 41;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_DSTOPTS = 60;

/** IPv4 fragOff bits: don't fragment, more fragments, and the offset mask. */
export const IP_DF = 0x4000;
export const IP_MF = 0x2000;
export const IP_OFFSET = 0x1fff;

/** TCP flag bits in Tcp.flags. */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export const Eth = struct({ dst: bytes(6), src: bytes(6), proto: be16 });

/** 802.1Q tag, after the MAC addresses: TCI, then the inner EtherType. */
export const Vlan = struct({ tci: be16, proto: be16 });

/** verIhl: version in the high nibble, header length in 32-bit words in the low nibble. */
export const Ipv4 = struct({
  verIhl: u8,
  tos: u8,
  totLen: be16,
  id: be16,
  fragOff: be16,
  ttl: u8,
  protocol: u8,
  check: be16,
  saddr: be32,
  daddr: be32,
});

export const Ipv6 = struct({
  verTcFlow: be32,
  payloadLen: be16,
  nexthdr: u8,
  hopLimit: u8,
  saddr: bytes(16),
  daddr: bytes(16),
});

/** Keys of an LpmTrie: the prefix length in bits, then the address (network order). A lookup
 *  key takes the full length (32, 128) and the packet's address. */
export const Ipv4Prefix = struct({ prefixLen: u32, addr: be32 });
export const Ipv6Prefix = struct({ prefixLen: u32, addr: bytes(16) });

/** Hop-by-hop, routing and destination options: length in 8-byte units, not counting the first 8. */
export const Ipv6OptHdr = struct({ nexthdr: u8, hdrlen: u8 });
export const Ipv6FragHdr = struct({ nexthdr: u8, reserved: u8, fragOff: be16, id: be32 });

/** doffRes: data offset in 32-bit words in the high nibble. */
export const Tcp = struct({
  source: be16,
  dest: be16,
  seq: be32,
  ackSeq: be32,
  doffRes: u8,
  flags: u8,
  window: be16,
  check: be16,
  urgPtr: be16,
});

export const Udp = struct({ source: be16, dest: be16, len: be16, check: be16 });

/** ICMP echo request/reply layout (type 8/0). */
export const Icmp = struct({ type: u8, code: u8, check: be16, id: be16, seq: be16 });
export const ICMP_ECHO_REPLY = 0;
export const ICMP_ECHO = 8;

export const Icmpv6 = struct({ type: u8, code: u8, check: be16, id: be16, seq: be16 });
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;

/** ARP for IPv4 over Ethernet; packed because the sender address is not 4-byte aligned. */
export const Arp = struct(
  {
    htype: be16,
    ptype: be16,
    hlen: u8,
    plen: u8,
    op: be16,
    sha: bytes(6),
    spa: be32,
    tha: bytes(6),
    tpa: be32,
  },
  { packed: true },
);

export const AF_INET = 2;
export const AF_INET6 = 10;

/**
 * struct bpf_fib_lookup (64 bytes), for fibLookup(). IPv4 addresses go in src[0]/dst[0];
 * `tosFlow` holds the IPv4 TOS in its top byte, or the IPv6 flow info; `totLen` comes back as the MTU.
 */
export const FibParams = struct({
  family: u8,
  l4Protocol: u8,
  sport: be16,
  dport: be16,
  totLen: u16,
  ifindex: u32,
  tosFlow: be32,
  src: array(be32, 4),
  dst: array(be32, 4),
  vlanProto: be16,
  vlanTci: be16,
  smac: bytes(6),
  dmac: bytes(6),
});
