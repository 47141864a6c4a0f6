/** The catalog of malformations the decoder names: a stable code, its severity, and what it means. */
import type { Severity } from "./types.ts";

export interface IssueKind {
  severity: Severity;
  /** What the code means, for `tsbpf decode --help` and docs/tools.md. */
  description: string;
}

export const ISSUES = {
  ETH_TRUNCATED: { severity: "error", description: "fewer than 14 bytes: no complete Ethernet header" },
  ETH_LENGTH_FIELD: {
    severity: "warning",
    description: "EtherType below 0x0600 is an 802.3 length; LLC is not decoded",
  },
  ETH_LENGTH_MISMATCH: { severity: "error", description: "the 802.3 length field disagrees with the bytes present" },
  ETH_UNKNOWN_TYPE: { severity: "warning", description: "EtherType the decoder does not know; payload left raw" },
  VLAN_TRUNCATED: { severity: "error", description: "VLAN tag cut short (needs 4 bytes)" },
  ARP_TRUNCATED: { severity: "error", description: "ARP message shorter than its address lengths say" },
  ARP_BAD_LENGTHS: {
    severity: "warning",
    description: "ARP hardware/protocol address lengths are not 6/4 for Ethernet/IPv4",
  },
  ARP_BAD_OPCODE: { severity: "warning", description: "ARP operation other than request (1) or reply (2)" },
  IPV4_TRUNCATED: { severity: "error", description: "IPv4 header or datagram cut short by the end of the frame" },
  IPV4_BAD_VERSION: { severity: "error", description: "version field is not 4 in an IPv4 header" },
  IPV4_BAD_IHL: { severity: "error", description: "header length (IHL) below 5 words" },
  IPV4_BAD_TOTAL_LENGTH: { severity: "error", description: "total length smaller than the header" },
  IPV4_BAD_CHECKSUM: { severity: "error", description: "header checksum does not match the header" },
  IPV4_RESERVED_FLAG: { severity: "warning", description: "the reserved (evil) flag bit is set" },
  IPV4_BAD_OPTION: { severity: "error", description: "an option's length runs past the header or is below 2" },
  IPV4_FRAGMENT: {
    severity: "warning",
    description: "a non-first fragment: the transport header is in another packet",
  },
  IPV4_TTL_ZERO: { severity: "warning", description: "TTL 0: a router must drop this packet" },
  IPV4_BAD_ADDRESS: {
    severity: "warning",
    description: "source address is multicast, broadcast or 0.0.0.0 with a transport payload",
  },
  IPV6_TRUNCATED: { severity: "error", description: "IPv6 header or payload cut short by the end of the frame" },
  IPV6_BAD_VERSION: { severity: "error", description: "version field is not 6 in an IPv6 header" },
  IPV6_BAD_EXT_HEADER: { severity: "error", description: "an extension header runs past the payload" },
  IPV6_BAD_OPTION: { severity: "error", description: "a hop-by-hop/destination option runs past its header" },
  IPV6_FRAGMENT: {
    severity: "warning",
    description: "a non-first fragment: the transport header is in another packet",
  },
  IPV6_HOP_LIMIT_ZERO: { severity: "warning", description: "hop limit 0: a router must drop this packet" },
  TCP_TRUNCATED: { severity: "error", description: "TCP header cut short" },
  TCP_BAD_DATA_OFFSET: { severity: "error", description: "data offset below 5 words or past the end of the segment" },
  TCP_BAD_CHECKSUM: { severity: "error", description: "TCP checksum does not match the pseudo-header and segment" },
  TCP_BAD_FLAGS: { severity: "warning", description: "a flag combination no TCP sends (SYN+FIN, SYN+RST, none)" },
  TCP_BAD_OPTION: { severity: "error", description: "a TCP option's length is wrong or runs past the header" },
  TCP_RESERVED_BITS: { severity: "warning", description: "reserved bits in the TCP header are set" },
  UDP_TRUNCATED: { severity: "error", description: "UDP header cut short" },
  UDP_BAD_LENGTH: { severity: "error", description: "UDP length disagrees with the IP payload length" },
  UDP_BAD_CHECKSUM: { severity: "error", description: "UDP checksum does not match the pseudo-header and datagram" },
  UDP_ZERO_CHECKSUM_IPV6: {
    severity: "warning",
    description: "UDP over IPv6 without a checksum (allowed only for tunnels, RFC 6935)",
  },
  ICMP_TRUNCATED: { severity: "error", description: "ICMP message cut short" },
  ICMP_BAD_CHECKSUM: { severity: "error", description: "ICMP checksum does not match the message" },
  ICMPV6_TRUNCATED: { severity: "error", description: "ICMPv6 message cut short" },
  ICMPV6_BAD_CHECKSUM: {
    severity: "error",
    description: "ICMPv6 checksum does not match the pseudo-header and message",
  },
  ICMPV6_BAD_OPTION: {
    severity: "error",
    description: "a neighbor-discovery option has length 0 or runs past the message",
  },
  GRE_TRUNCATED: { severity: "error", description: "GRE header cut short" },
  GRE_BAD_VERSION: { severity: "error", description: "GRE version other than 0 (1 is PPTP, not decoded)" },
  GRE_BAD_CHECKSUM: { severity: "error", description: "GRE checksum does not match the GRE header and payload" },
  VXLAN_TRUNCATED: { severity: "error", description: "VXLAN header cut short" },
  VXLAN_NO_VNI: { severity: "warning", description: "VXLAN I flag clear: the VNI is not valid" },
  CHECKSUM_UNVERIFIED: {
    severity: "warning",
    description: "checksum not verifiable: the packet is truncated or fragmented",
  },
  TOO_DEEP: { severity: "error", description: "more than 8 nested encapsulations; decoding stopped" },
  CAPTURE_TRUNCATED: { severity: "warning", description: "the capture kept fewer bytes than the wire had (snaplen)" },
} satisfies Record<string, IssueKind>;

export type IssueCode = keyof typeof ISSUES;
