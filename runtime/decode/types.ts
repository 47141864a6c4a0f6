/** What a decoded packet is made of: layers of fields, each at its byte offset, and the problems found. */

export type Verdict = "ok" | "bad" | "warn";

export interface Field {
  /** Field name within its layer: "ttl", "flags.df", "option[0].kind". */
  name: string;
  /** Byte offset in the frame where the field starts. */
  offset: number;
  /** Bytes the field spans (a bit field: the bytes holding its bits). */
  length: number;
  /** For bit fields: the mask of the field's bits within those bytes (big-endian), e.g. 0xf0. */
  mask?: number;
  /** The raw bits as the wire has them: hex ("0x0800", "c0a80001"). */
  raw: string;
  /** The decoded value: a number, an address, a name. */
  value: number | string | boolean;
  /** What the value means (protocol name, flag explained, unit). */
  meaning?: string;
  /** A check on this field: checksums, lengths, reserved bits. */
  verdict?: Verdict;
  /** For a wrong value, the correct one (a checksum recomputed, a length from the bytes present). */
  expected?: number | string;
}

export interface Layer {
  /** Protocol name: "Ethernet", "802.1Q", "IPv4", "TCP", … (an inner packet's layers repeat them). */
  protocol: string;
  /** Byte offset of the layer's first byte in the frame. */
  offset: number;
  /** Header length in bytes (what this layer's fields cover, options included). */
  length: number;
  /** Encapsulation depth: 0 for the outer packet, 1 inside a tunnel or an ICMP error's quoted packet, … */
  depth: number;
  fields: Field[];
  /** One-line description ("10.0.0.1 → 10.0.0.2 TTL 64", "SYN seq 1000"). */
  summary: string;
}

export type Severity = "error" | "warning";

export interface DecodeIssue {
  /** Stable name of the malformation (see ISSUES in issues.ts). */
  code: string;
  severity: Severity;
  /** Byte offset the problem is at. */
  offset: number;
  protocol: string;
  message: string;
}

export interface DecodedPacket {
  /** Bytes captured. */
  length: number;
  /** Length on the wire if larger than what was captured (pcap snaplen), else length. */
  wireLength: number;
  layers: Layer[];
  issues: DecodeIssue[];
  /** Bytes after the last header: payload (application data, or what could not be decoded). */
  payload: { offset: number; length: number };
  /** The outermost L3/L4 flow if there is one. */
  flow?: Flow;
}

export interface Flow {
  /** "TCP", "UDP", "ICMP", "ICMPv6", or the IP protocol number as text. */
  protocol: string;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
}
