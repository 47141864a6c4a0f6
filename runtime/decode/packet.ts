/** Decoding a whole frame: Ethernet down to the innermost header, never throwing on bad bytes. */
import { IP_PROTOCOLS } from "./addresses.ts";
import { decodeArp } from "./arp.ts";
import { Dissection, hexBytes } from "./dissection.ts";
import { decodeEthernet, decodeVlan } from "./ethernet.ts";
import { decodeIcmp } from "./icmp.ts";
import { decodeIcmpv6 } from "./icmpv6.ts";
import { decodeIpv4 } from "./ipv4.ts";
import { decodeIpv6 } from "./ipv6.ts";
import type { Next, ProtocolDecoder, ProtocolKey } from "./protocol.ts";
import { decodeTcp } from "./tcp.ts";
import { decodeGre, decodeVxlan } from "./tunnels.ts";
import type { DecodedPacket, Flow, Layer } from "./types.ts";
import { decodeUdp } from "./udp.ts";

const DECODERS: Record<ProtocolKey, ProtocolDecoder> = {
  ethernet: decodeEthernet,
  vlan: decodeVlan,
  arp: decodeArp,
  ipv4: decodeIpv4,
  ipv6: decodeIpv6,
  tcp: decodeTcp,
  udp: decodeUdp,
  icmp: decodeIcmp,
  icmpv6: decodeIcmpv6,
  gre: decodeGre,
  vxlan: decodeVxlan,
};

const MAX_DEPTH = 8;
const MAX_LAYERS = 64;

export interface DecodeOptions {
  /** The frame's length on the wire when the capture kept less (pcap snaplen). */
  wireLength?: number;
}

/** Decode an Ethernet frame into layers of fields with offsets, values and verdicts, and the issues found. */
export function decodePacket(frame: Uint8Array, options: DecodeOptions = {}): DecodedPacket {
  const d = new Dissection(frame);
  let next: Next | undefined = { protocol: "ethernet", at: 0, end: frame.length, ctx: { depth: 0 } };
  let payload = { offset: frame.length, length: 0 };
  while (next) {
    if (next.ctx.depth > MAX_DEPTH || d.layers.length >= MAX_LAYERS) {
      d.issue(
        "TOO_DEEP",
        next.protocol,
        next.at,
        `more than ${MAX_DEPTH} nested packets; stopped before ${next.protocol} at byte ${next.at}`,
      );
      break;
    }
    const current: Next = next;
    next = DECODERS[current.protocol](d, current.at, current.end, current.ctx);
    const last = d.layers[d.layers.length - 1]!;
    const headerEnd = Math.min(last.offset + last.length, current.end);
    payload = { offset: headerEnd, length: Math.max(0, current.end - headerEnd) };
  }
  // Bytes after the outer IP datagram: Ethernet padding up to the 60-byte minimum, or a trailer.
  const eth = d.layers[0];
  const outerL3End = datagramEnd(d.layers);
  if (eth && outerL3End !== undefined && outerL3End < frame.length) {
    const n = frame.length - outerL3End;
    eth.fields.push({
      name: "padding",
      offset: outerL3End,
      length: n,
      raw: hexBytes(frame.subarray(outerL3End)),
      value: n,
      meaning: frame.length <= 60 ? "padding to the 60-byte minimum frame" : "trailer after the IP datagram",
    });
  }
  const wireLength = Math.max(options.wireLength ?? frame.length, frame.length);
  if (wireLength > frame.length)
    d.issue("CAPTURE_TRUNCATED", "frame", frame.length, `captured ${frame.length} of ${wireLength} bytes`);
  return {
    length: frame.length,
    wireLength,
    layers: d.layers,
    issues: d.issues,
    payload,
    ...(flowOf(d.layers) ? { flow: flowOf(d.layers)! } : {}),
  };
}

/** Where the outer IP datagram ends by its own length field, if that length was consistent. */
function datagramEnd(layers: Layer[]): number | undefined {
  const ip = layers.find((l) => l.depth === 0 && (l.protocol === "IPv4" || l.protocol === "IPv6"));
  const len = ip?.fields.find((f) => f.name === "total_length" || f.name === "payload_length");
  if (!ip || !len || len.verdict !== "ok" || typeof len.value !== "number") return undefined;
  return ip.offset + len.value + (ip.protocol === "IPv6" ? 40 : 0);
}

function field(layer: Layer, name: string): Layer["fields"][number]["value"] | undefined {
  return layer.fields.find((f) => f.name === name)?.value;
}

/** The outermost IP layer and the transport after it. */
export function flowOf(layers: Layer[]): Flow | undefined {
  const ipIndex = layers.findIndex((l) => l.protocol === "IPv4" || l.protocol === "IPv6");
  if (ipIndex < 0) return undefined;
  const ip = layers[ipIndex]!;
  const src = field(ip, "src");
  const dst = field(ip, "dst");
  if (typeof src !== "string" || typeof dst !== "string") return undefined;
  const l4 = layers
    .slice(ipIndex + 1)
    .find((l) => l.depth === ip.depth && !l.protocol.startsWith("IPv6 ") && l.protocol !== "AH");
  if (!l4) {
    const proto = field(ip, ip.protocol === "IPv4" ? "protocol" : "next_header");
    const name = typeof proto === "number" ? IP_PROTOCOLS[proto] : undefined;
    return { protocol: name ?? String(proto ?? "?"), src, dst };
  }
  const sport = field(l4, "sport");
  const dport = field(l4, "dport");
  return {
    protocol: l4.protocol,
    src,
    dst,
    ...(typeof sport === "number" ? { sport } : {}),
    ...(typeof dport === "number" ? { dport } : {}),
  };
}
