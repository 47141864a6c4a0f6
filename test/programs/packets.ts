// Packet builders and an independent Internet checksum (RFC 1071), for the corpus tests.
export const MAC_A = [0x02, 0, 0, 0, 0, 0x0a],
  MAC_B = [0x02, 0, 0, 0, 0, 0x0b];
export const ETH_IP = 0x0800,
  ETH_IPV6 = 0x86dd,
  ETH_ARP = 0x0806,
  ETH_VLAN = 0x8100;

export function ip4(s: string): number[] {
  return s.split(".").map(Number);
}

/** RFC 1071 one's-complement sum of 16-bit big-endian words, folded and complemented. */
export function checksum(bytes: Iterable<number>): number {
  const a = [...bytes];
  let sum = 0;
  for (let i = 0; i < a.length; i += 2) sum += (a[i]! << 8) | (a[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

const be16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];

export function eth(type: number, payload: number[], dst = MAC_B, src = MAC_A): number[] {
  return [...dst, ...src, ...be16(type), ...payload];
}

export function vlan(tci: number, inner: number, payload: number[]): number[] {
  return [...be16(tci), ...be16(inner), ...payload];
}

export interface Ip4Options {
  src?: string;
  dst?: string;
  proto: number;
  ttl?: number;
  id?: number;
  tos?: number;
  options?: number[];
  frag?: number;
}
export function ipv4(o: Ip4Options, payload: number[]): number[] {
  const opts = o.options ?? [];
  const ihl = 5 + Math.ceil(opts.length / 4);
  const padded = [...opts, ...Array(ihl * 4 - 20 - opts.length).fill(0)];
  const h = [
    0x40 | ihl,
    o.tos ?? 0,
    ...be16(ihl * 4 + payload.length),
    ...be16(o.id ?? 0x1234),
    ...be16(o.frag ?? 0x4000),
    o.ttl ?? 64,
    o.proto,
    0,
    0,
    ...ip4(o.src ?? "10.0.0.1"),
    ...ip4(o.dst ?? "10.0.0.2"),
    ...padded,
  ];
  const c = checksum(h);
  h[10] = c >> 8;
  h[11] = c & 0xff;
  return [...h, ...payload];
}

function pseudo4(src: string, dst: string, proto: number, len: number): number[] {
  return [...ip4(src), ...ip4(dst), 0, proto, ...be16(len)];
}

export function udp(sport: number, dport: number, data: number[], ip?: { src?: string; dst?: string }): number[] {
  const u = [...be16(sport), ...be16(dport), ...be16(8 + data.length), 0, 0, ...data];
  const c = checksum([...pseudo4(ip?.src ?? "10.0.0.1", ip?.dst ?? "10.0.0.2", 17, u.length), ...u]) || 0xffff;
  u[6] = c >> 8;
  u[7] = c & 0xff;
  return u;
}

export function tcp(
  sport: number,
  dport: number,
  flags: number,
  opts: number[] = [],
  data: number[] = [],
  ip?: { src?: string; dst?: string },
): number[] {
  const doff = 5 + Math.ceil(opts.length / 4);
  const padded = [...opts, ...Array(doff * 4 - 20 - opts.length).fill(0)];
  const t = [
    ...be16(sport),
    ...be16(dport),
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    0,
    doff << 4,
    flags,
    ...be16(65535),
    0,
    0,
    0,
    0,
    ...padded,
    ...data,
  ];
  const c = checksum([...pseudo4(ip?.src ?? "10.0.0.1", ip?.dst ?? "10.0.0.2", 6, t.length), ...t]);
  t[16] = c >> 8;
  t[17] = c & 0xff;
  return t;
}

export function icmpEcho(type: number, id: number, seq: number, data: number[]): number[] {
  const m = [type, 0, 0, 0, ...be16(id), ...be16(seq), ...data];
  const c = checksum(m);
  m[2] = c >> 8;
  m[3] = c & 0xff;
  return m;
}

export function ip6(s: string): number[] {
  // Only the forms the tests use: "fd00::1".
  const [head, tail] = s.split("::");
  const h = head ? head.split(":") : [],
    t = tail ? tail.split(":") : [];
  const words = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t].map((w) => parseInt(w, 16));
  return words.flatMap((w) => be16(w));
}

export function ipv6(next: number, payload: number[], src = "fd00::1", dst = "fd00::2", hop = 64): number[] {
  return [0x60, 0, 0, 0, ...be16(payload.length), next, hop, ...ip6(src), ...ip6(dst), ...payload];
}

/** ICMPv6 checksum over the pseudo-header (src, dst, length, next header 58). */
export function icmpv6Echo(
  type: number,
  id: number,
  seq: number,
  data: number[],
  src = "fd00::1",
  dst = "fd00::2",
): number[] {
  const m = [type, 0, 0, 0, ...be16(id), ...be16(seq), ...data];
  const c = checksum([...ip6(src), ...ip6(dst), 0, 0, ...be16(m.length), 0, 0, 0, 58, ...m]);
  m[2] = c >> 8;
  m[3] = c & 0xff;
  return m;
}

export const bytes = (a: number[]) => Uint8Array.from(a);
export const pad = (a: number[], len: number) => [...a, ...Array(Math.max(0, len - a.length)).fill(0)];
