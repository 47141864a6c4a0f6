/** The Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-headers TCP, UDP and ICMPv6 cover. */

/** One's-complement sum of 16-bit big-endian words (odd length: last byte padded with zero), not folded. */
function sum16(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (bytes.length % 2) sum += bytes[bytes.length - 1]! << 8;
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * The checksum a header should carry: computed over `bytes` with the 16-bit checksum field at
 * `fieldOffset` (relative to bytes) taken as zero, plus an optional pseudo-header sum.
 */
export function internetChecksum(bytes: Uint8Array, fieldOffset: number, pseudo = 0): number {
  const copy = Uint8Array.from(bytes);
  if (fieldOffset >= 0) {
    copy[fieldOffset] = 0;
    copy[fieldOffset + 1] = 0;
  }
  return ~fold(sum16(copy, pseudo)) & 0xffff;
}

/** What a pseudo-header is made of: the enclosing IP header's addresses. */
export interface PseudoHeaderSource {
  version: 4 | 6;
  src: Uint8Array;
  dst: Uint8Array;
}

/** The (unfolded) sum of the pseudo-header for an upper-layer packet of `length` bytes and protocol `proto`. */
export function pseudoHeaderSum(ip: PseudoHeaderSource, proto: number, length: number): number {
  // IPv4: src, dst, zero, proto, length (16 bits). IPv6: src, dst, length (32 bits), zeros, next header.
  // The sums are equal for lengths below 65536 because the zero bytes contribute nothing.
  return sum16(ip.src) + sum16(ip.dst) + proto + (length & 0xffff) + Math.floor(length / 0x10000);
}
