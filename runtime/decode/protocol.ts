/** How protocol decoders chain: each decodes its header and names the protocol of the bytes after it. */
import type { PseudoHeaderSource } from "./checksum.ts";
import type { Dissection } from "./dissection.ts";

export type ProtocolKey =
  | "ethernet"
  | "vlan"
  | "arp"
  | "ipv4"
  | "ipv6"
  | "tcp"
  | "udp"
  | "icmp"
  | "icmpv6"
  | "gre"
  | "vxlan";

/** What the IP layer tells the transport above it. */
export interface IpContext extends PseudoHeaderSource {
  /** All the bytes the IP length announces are in the frame (checksums over them can be verified). */
  complete: boolean;
  /** "later": a non-first fragment (no transport header here); "first": the rest is in other packets. */
  fragment: "none" | "first" | "later";
}

export interface Context {
  /** Encapsulation depth: 0 outer, +1 per tunnel or ICMP-quoted packet. */
  depth: number;
  ip?: IpContext;
  /** Inside an ICMP error: the quoted packet is usually cut short on purpose; length checks are relaxed. */
  quoted?: boolean;
  /** The layer name to use (802.1Q or 802.1ad for a VLAN tag). */
  label?: string;
}

export interface Next {
  protocol: ProtocolKey;
  /** Where its header starts. */
  at: number;
  /** Where its bytes end (the enclosing header's length, clipped to the frame). */
  end: number;
  ctx: Context;
}

export type ProtocolDecoder = (d: Dissection, at: number, end: number, ctx: Context) => Next | undefined;
