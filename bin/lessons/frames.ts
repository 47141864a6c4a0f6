/**
 * The frames the tutorial's checks send: Ethernet, IPv4 (options allowed), UDP, TCP and ICMP
 * echo, ARP and IPv6, each with correct checksums (runtime/decode's Internet checksum, the one
 * decode verifies with). Addresses are written as text, ports as numbers.
 */
import { internetChecksum, pseudoHeaderSum } from "../../runtime/decode/checksum.ts";

export interface FrameSpec {
  src?: string;
  dst?: string;
  ethSrc?: string;
  ethDst?: string;
  proto: "udp" | "tcp" | "icmp";
  sport?: number;
  dport?: number;
  /** TCP flags (0x02 SYN, 0x10 ACK). */
  flags?: number;
  ttl?: number;
  /** IPv4 option bytes (a multiple of 4), making IHL above 5. */
  options?: number[];
  payload?: number;
  /** ICMP type (8 echo request, 0 reply) and echo id/sequence. */
  icmpType?: number;
  seq?: number;
}

export const PROTO = { icmp: 1, tcp: 6, udp: 17 } as const;

const macBytes = (m: string) => m.split(":").map((x) => Number.parseInt(x, 16));
const ipBytes = (a: string) => a.split(".").map(Number);
const be16 = (v: number) => [(v >>> 8) & 0xff, v & 0xff];
/** A u32 map key or value as the kernel stores it (little-endian on this machine). */
export const u32le = (n: number) => Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);

export function ethernet(
  type: number,
  payload: number[],
  ethDst = "02:00:00:00:00:02",
  ethSrc = "02:00:00:00:00:01",
): Uint8Array {
  return Uint8Array.from([...macBytes(ethDst), ...macBytes(ethSrc), ...be16(type), ...payload]);
}

/** An Ethernet + IPv4 + UDP/TCP/ICMP frame with every checksum right. */
export function ipv4Frame(s: FrameSpec): Uint8Array {
  const src = ipBytes(s.src ?? "10.0.0.1");
  const dst = ipBytes(s.dst ?? "10.0.0.2");
  const data = Array.from({ length: s.payload ?? 8 }, (_, i) => (i * 7 + 1) & 0xff);
  let l4: number[];
  if (s.proto === "udp")
    l4 = [...be16(s.sport ?? 40000), ...be16(s.dport ?? 53), ...be16(8 + data.length), 0, 0, ...data];
  else if (s.proto === "tcp")
    l4 = [
      ...be16(s.sport ?? 40000),
      ...be16(s.dport ?? 80),
      0,
      0,
      0,
      1,
      0,
      0,
      0,
      0,
      0x50,
      s.flags ?? 0x10,
      ...be16(65535),
      0,
      0,
      0,
      0,
      ...data,
    ];
  else l4 = [s.icmpType ?? 8, 0, 0, 0, ...be16(0x1234), ...be16(s.seq ?? 1), ...data];
  const options = s.options ?? [];
  const ihl = 5 + options.length / 4;
  const ip = [
    0x40 | ihl,
    0,
    ...be16(ihl * 4 + l4.length),
    0,
    1,
    0x40,
    0,
    s.ttl ?? 64,
    PROTO[s.proto],
    0,
    0,
    ...src,
    ...dst,
    ...options,
  ];
  const ipSum = internetChecksum(Uint8Array.from(ip), 10);
  ip[10] = ipSum >> 8;
  ip[11] = ipSum & 0xff;
  const checkAt = s.proto === "udp" ? 6 : s.proto === "tcp" ? 16 : 2;
  const pseudo =
    s.proto === "icmp"
      ? 0
      : pseudoHeaderSum(
          { version: 4, src: Uint8Array.from(src), dst: Uint8Array.from(dst) },
          PROTO[s.proto],
          l4.length,
        );
  const sum = internetChecksum(Uint8Array.from(l4), checkAt, pseudo);
  l4[checkAt] = sum >> 8;
  l4[checkAt + 1] = sum & 0xff;
  return ethernet(0x0800, [...ip, ...l4], s.ethDst, s.ethSrc);
}

/** An ARP request (who has 10.0.0.2, tell 10.0.0.1). */
export function arpFrame(): Uint8Array {
  return ethernet(
    0x0806,
    [0, 1, 8, 0, 6, 4, 0, 1, ...macBytes("02:00:00:00:00:01"), 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2],
    "ff:ff:ff:ff:ff:ff",
  );
}

/** An IPv6 UDP datagram (checksum not needed by the lessons' programs: zero). */
export function ipv6Frame(dport = 53): Uint8Array {
  const addr = (last: number) => [0xfd, 0, ...Array(13).fill(0), last];
  return ethernet(0x86dd, [
    0x60,
    0,
    0,
    0,
    0,
    12,
    17,
    64,
    ...addr(1),
    ...addr(2),
    ...be16(40000),
    ...be16(dport),
    0,
    12,
    0,
    0,
    1,
    2,
    3,
    4,
  ]);
}

/** A copy of `frame` with `edit` applied and the IPv4 and transport checksums recomputed. */
export function edited(frame: Uint8Array, edit: (f: Uint8Array) => void): Uint8Array {
  const f = Uint8Array.from(frame);
  edit(f);
  const ihl = (f[14]! & 0xf) * 4;
  const ipSum = internetChecksum(f.subarray(14, 14 + ihl), 10);
  f[24] = ipSum >> 8;
  f[25] = ipSum & 0xff;
  const proto = f[23]!;
  const l4 = f.subarray(14 + ihl);
  const at = proto === 17 ? 6 : proto === 6 ? 16 : 2;
  const pseudo =
    proto === 1
      ? 0
      : pseudoHeaderSum({ version: 4, src: f.subarray(26, 30), dst: f.subarray(30, 34) }, proto, l4.length);
  const sum = internetChecksum(l4, at, pseudo);
  l4[at] = sum >> 8;
  l4[at + 1] = sum & 0xff;
  return f;
}
