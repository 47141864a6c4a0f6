// Frames for the LB benchmark, and the map entries that configure the LB, as raw bytes.
// Checksums here are computed from scratch (not incrementally), so an expected output
// built with these helpers independently checks the data plane's RFC 1624 updates.
// Layouts: /work/shared/LB_ABI.md and docs/lb-state.md.

import { u32 } from "../runtime/lang/types.ts";
import {
  Backend,
  Backend6,
  Ct6Key,
  Ct6Value,
  CtKey,
  CtValue,
  Rnat6Value,
  RnatValue,
  Vip6Key,
  VipInfo,
  VipKey,
} from "../lb/maps.ts";
import { ipv6ToWords, wordsList, type Addr6Words } from "../lb/ipv6.ts";

/** An IPv6 address as the LB's maps hold it (four host-order words). */
export function ip6(a: string): Addr6Words {
  return ipv6ToWords(a);
}

export const TCP = 6;
export const UDP = 17;
export const TCP_ACK = 0x10;
export const TCP_SYN = 0x02;

export function ip4(a: string): number {
  const p = a.split(".").map(Number);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

export function mac(m: string): Uint8Array {
  return Uint8Array.from(m.split(":").map((x) => parseInt(x, 16)));
}

function be16(v: number): number[] {
  return [(v >>> 8) & 0xff, v & 0xff];
}

function be32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** One's-complement sum of 16-bit big-endian words, folded, not inverted. */
function sum16(bytes: ArrayLike<number>, start = 0, end = bytes.length, acc = 0): number {
  for (let i = start; i < end; i += 2) acc += (bytes[i]! << 8) | (i + 1 < end ? bytes[i + 1]! : 0);
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
  return acc;
}

export interface FrameSpec {
  ethSrc: Uint8Array;
  ethDst: Uint8Array;
  saddr: number;
  daddr: number;
  proto: typeof TCP | typeof UDP;
  sport: number;
  dport: number;
  tcpFlags?: number;
  payload?: number;
  /** IPv6 addresses: the frame is IPv6 (hop limit 64) and saddr/daddr are ignored. */
  saddr6?: Addr6Words;
  daddr6?: Addr6Words;
}

/** Ethernet + IPv4 (IHL 5, TTL 64) + TCP (20 B) or UDP, payload of `payload` bytes, correct checksums. */
export function frame(s: FrameSpec): Uint8Array {
  if (s.saddr6 && s.daddr6) return frame6(s, s.saddr6, s.daddr6);
  const payload = s.payload ?? 0;
  const l4len = (s.proto === TCP ? 20 : 8) + payload;
  const totLen = 20 + l4len;
  const f = new Uint8Array(14 + totLen);
  f.set(s.ethDst, 0);
  f.set(s.ethSrc, 6);
  f.set([0x08, 0x00], 12);
  f.set(
    [0x45, 0, ...be16(totLen), ...be16(0x1234), 0x40, 0, 64, s.proto, 0, 0, ...be32(s.saddr), ...be32(s.daddr)],
    14,
  );
  f.set(be16(~sum16(f, 14, 34) & 0xffff), 24);
  const l4 = 34;
  if (s.proto === TCP) {
    f.set(
      [
        ...be16(s.sport),
        ...be16(s.dport),
        ...be32(1000),
        ...be32(0),
        0x50,
        s.tcpFlags ?? TCP_ACK,
        ...be16(512),
        0,
        0,
        0,
        0,
      ],
      l4,
    );
  } else {
    f.set([...be16(s.sport), ...be16(s.dport), ...be16(l4len), 0, 0], l4);
  }
  for (let i = 0; i < payload; i++) f[l4 + (s.proto === TCP ? 20 : 8) + i] = (i * 7 + 3) & 0xff;
  const pseudo = [...be32(s.saddr), ...be32(s.daddr), 0, s.proto, ...be16(l4len)];
  let c = ~sum16(f, l4, f.length, sum16(pseudo)) & 0xffff;
  if (s.proto === UDP && c === 0) c = 0xffff;
  f.set(be16(c), l4 + (s.proto === TCP ? 16 : 6));
  return f;
}

/** Ethernet + IPv6 (hop limit 64, no extension headers) + TCP (20 B) or UDP, correct checksum. */
function frame6(s: FrameSpec, saddr: Addr6Words, daddr: Addr6Words): Uint8Array {
  const payload = s.payload ?? 0;
  const l4len = (s.proto === TCP ? 20 : 8) + payload;
  const f = new Uint8Array(14 + 40 + l4len);
  f.set(s.ethDst, 0);
  f.set(s.ethSrc, 6);
  f.set([0x86, 0xdd], 12);
  const addrs = [...wordsList(saddr), ...wordsList(daddr)].flatMap(be32);
  f.set([0x60, 0, 0, 0, ...be16(l4len), s.proto, 64, ...addrs], 14);
  const l4 = 54;
  if (s.proto === TCP)
    f.set(
      [...be16(s.sport), ...be16(s.dport), ...be32(1000), ...be32(0), 0x50, s.tcpFlags ?? TCP_ACK, ...be16(512)],
      l4,
    );
  else f.set([...be16(s.sport), ...be16(s.dport), ...be16(l4len)], l4);
  for (let i = 0; i < payload; i++) f[l4 + (s.proto === TCP ? 20 : 8) + i] = (i * 7 + 3) & 0xff;
  const pseudo = [...addrs, ...be32(l4len), 0, 0, 0, s.proto];
  let c = ~sum16(f, l4, f.length, sum16(pseudo)) & 0xffff;
  if (s.proto === UDP && c === 0) c = 0xffff;
  f.set(be16(c), l4 + (s.proto === TCP ? 16 : 6));
  return f;
}

/** The frame the LB sends for `s` after rewriting (dst or src) address and MACs. */
export function rewritten(
  s: FrameSpec,
  change: { daddr?: number; saddr?: number; daddr6?: Addr6Words; saddr6?: Addr6Words; ethDst: Uint8Array },
): Uint8Array {
  return frame({ ...s, ...change, ethSrc: s.ethDst });
}

/** The frame the LB sends for IPv6 `s` to an encapsulation VIP (docs/lb-abi.md, "IPv6"): the
 *  IPv6 packet untouched after an outer IPv6 header (next header 41, hop limit 64). */
export function encapsulated6(
  s: FrameSpec,
  be: { addr: Addr6Words; mac: Uint8Array },
  outerSrc: Addr6Words,
): Uint8Array {
  const inner = frame(s).subarray(14);
  const f = new Uint8Array(54 + inner.length);
  f.set(be.mac, 0);
  f.set(s.ethDst, 6);
  f.set([0x86, 0xdd], 12);
  const addrs = [...wordsList(outerSrc), ...wordsList(be.addr)].flatMap(be32);
  f.set([...inner.subarray(0, 4), ...be16(inner.length), 41, 64, ...addrs], 14);
  f.set(inner, 54);
  return f;
}

/** The frame the LB sends for `s` to an encapsulation VIP (docs/lb-abi.md): `s`'s IPv4 packet
 *  untouched after an outer IPv4 header from `outerSrc` to the backend (TTL 64, protocol 4,
 *  DF and TOS as the inner's, id 0), header checksum computed from scratch. */
export function encapsulated(s: FrameSpec, be: { addr: number; mac: Uint8Array }, outerSrc: number): Uint8Array {
  const inner = frame(s).subarray(14);
  const f = new Uint8Array(34 + inner.length);
  f.set(be.mac, 0);
  f.set(s.ethDst, 6);
  f.set([0x08, 0x00], 12);
  const df = inner[6]! & 0x40;
  f.set(
    [0x45, inner[1]!, ...be16(20 + inner.length), 0, 0, df, 0, 64, 4, 0, 0, ...be32(outerSrc), ...be32(be.addr)],
    14,
  );
  f.set(be16(~sum16(f, 14, 34) & 0xffff), 24);
  f.set(inner, 34);
  return f;
}

// ---- Map keys and values, encoded with the LB's own declarations (lb/lb.ts; LB_ABI.md,
// docs/lb-state.md): addresses and ports host-order numbers here, network order in the map.

export const u32key = (v: number): Uint8Array => u32.encode(v);

export function vipKey(addr: number, port: number, proto: number): Uint8Array {
  return VipKey.encode({ addr, port, proto, pad: 0 });
}

/** The `encap` map's value: the outer source address, network order. */
export function encapConfig(saddr: number): Uint8Array {
  return Uint8Array.from(be32(saddr));
}

export function vipInfo(index: number, flags = 0): Uint8Array {
  return VipInfo.encode({ index, flags });
}

export function backend(addr: number, m: Uint8Array): Uint8Array {
  return Backend.encode({ addr, mac: [...m], pad: 0 });
}

/** conntrack key { saddr, daddr, sport, dport, proto, pad[3] }; the rnat key has the same layout. */
export function flowKey(a: number, b: number, pa: number, pb: number, proto: number): Uint8Array {
  return CtKey.encode({ saddr: a, daddr: b, sport: pa, dport: pb, proto, pad: [0, 0, 0] });
}

export function rnatValue(vipAddr: number, clientMac: Uint8Array, backend = 0): Uint8Array {
  return RnatValue.encode({ vipAddr, clientMac: [...clientMac], backend });
}

export function vip6Key(addr: Addr6Words, port: number, proto: number): Uint8Array {
  return Vip6Key.encode({ addr, port, proto, pad: 0 });
}

export function backend6(addr: Addr6Words, m: Uint8Array): Uint8Array {
  return Backend6.encode({ addr, mac: [...m], pad: 0 });
}

/** conntrack6 key; the rnat6 key has the same layout (client, backend, client port, VIP port). */
export function flow6Key(a: Addr6Words, b: Addr6Words, pa: number, pb: number, proto: number): Uint8Array {
  return Ct6Key.encode({ saddr: a, daddr: b, sport: pa, dport: pb, proto, pad: [0, 0, 0] });
}

export function rnat6Value(vipAddr: Addr6Words, clientMac: Uint8Array, backend = 0): Uint8Array {
  return Rnat6Value.encode({ vipAddr, clientMac: [...clientMac], backend });
}

export function ct6Value(backend: number, backendAddr: Addr6Words, seen: bigint, state: number): Uint8Array {
  return Ct6Value.encode({ backend, state, pad: [0, 0, 0], seen, backendAddr });
}

/** The `encap6` map's value: the outer source address. */
export function encap6Config(saddr: Addr6Words): Uint8Array {
  return Uint8Array.from(wordsList(saddr).flatMap(be32));
}

export const CT_ESTABLISHED = 1;

/** conntrack value { backend, backendAddr, seen (ktime ns), state, pad[7] }. */
export function ctValue(backend: number, backendAddr: number, seen: bigint, state: number): Uint8Array {
  return CtValue.encode({ backend, backendAddr, seen, state, pad: [0, 0, 0, 0, 0, 0, 0] });
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}
