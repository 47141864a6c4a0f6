// MurmurHash3 (x86, 32-bit) building blocks, shared by the flow hash (lb/flowhash.ts) and
// the Maglev key hash (lb/maglev.ts). All arithmetic is u32, through Math.imul.

function rotl32(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** Scrambles one 32-bit block (the part applied to the tail bytes too). */
export function scramble(k: number): number {
  return Math.imul(rotl32(Math.imul(k, 0xcc9e2d51), 15), 0x1b873593);
}

/** Mixes one 32-bit block into the state. */
export function mixBlock(h: number, k: number): number {
  h ^= scramble(k);
  h = rotl32(h, 13);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** The finalizer (fmix32): every input bit affects every output bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
