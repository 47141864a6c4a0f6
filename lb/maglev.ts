// Maglev consistent hashing: build the lookup table the data plane indexes
// with `flowHash(5-tuple) % M` (Eisenbud et al., "Maglev", NSDI 2016, §3.4).
//
// Every backend walks its own permutation of the M slots
// (offset + j·skip) % M and, in turns, claims the next slot it finds empty.
// Because M is prime and 1 ≤ skip < M, each permutation visits every slot, so
// the fill always terminates. Turns are weighted: each round a backend earns
// `weight` credit and takes one turn per `maxWeight` credit, so slot counts are
// proportional to weights (each turn claims exactly one slot). With equal
// weights every backend takes a turn every round, which gives each of N
// backends ⌊M/N⌋ or ⌈M/N⌉ slots, as in the paper.
//
// Determinism: the table depends only on the set of (key, weight, id), never
// on input order — backends are sorted by key first — so every LB instance
// and every control-plane restart computes the same table.

import { MAGLEV_M, MAX_BACKENDS } from "./maps.ts";
import { fmix32, mixBlock, scramble } from "./murmur.ts";

/** Table size per VIP; prime, and fixed by LB_ABI.md (declared with the maps in lb.ts). */
export const M = MAGLEV_M;

/** Slot value when no backend has weight > 0. Ids ≥ 1024 make the data plane drop. */
export const NO_BACKEND = 0xffffffff;

/** Highest backend id + 1 (size of the `backends` array map). */
export { MAX_BACKENDS };

export interface MaglevBackend {
  /** Index into the `backends` map, 0..1023. */
  id: number;
  /** Stable identity the permutation is derived from, e.g. "10.0.1.2". */
  key: string;
  /** Relative share of slots; 0 = drained (gets no slots). */
  weight: number;
}

const utf8 = new TextEncoder();

/** FNV-1a, 32 bit. First of the two independent hashes of a backend key. */
export function fnv1a32(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** MurmurHash3 x86 32-bit. Second, independent hash (different algorithm and seed). */
export function murmur3_32(bytes: Uint8Array, seed: number): number {
  let h = seed >>> 0;
  const n = bytes.length;
  const blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    h = mixBlock(h, bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
  }
  let k = 0;
  for (let i = n - 1; i >= blocks; i--) k = (k << 8) | bytes[i]!;
  if (n & 3) h ^= scramble(k);
  return fmix32(h ^ n);
}

/** Seed of the skip hash; any fixed value works, it only has to never change. */
const SKIP_SEED = 0x5bd1e995;

/** The start slot and stride of a backend's permutation of 0..M-1. */
export function permutationParams(key: string): { offset: number; skip: number } {
  const bytes = utf8.encode(key);
  return {
    offset: fnv1a32(bytes) % M,
    skip: (murmur3_32(bytes, SKIP_SEED) % (M - 1)) + 1,
  };
}

function validate(backends: readonly MaglevBackend[]): void {
  const ids = new Set<number>();
  const keys = new Set<string>();
  for (const b of backends) {
    if (!Number.isInteger(b.id) || b.id < 0 || b.id >= MAX_BACKENDS) {
      throw new RangeError(`maglev: backend "${b.key}" has id ${b.id}, expected an integer 0..${MAX_BACKENDS - 1}`);
    }
    if (!Number.isFinite(b.weight) || b.weight < 0) {
      throw new RangeError(`maglev: backend "${b.key}" has weight ${b.weight}, expected a finite number ≥ 0`);
    }
    if (ids.has(b.id)) throw new RangeError(`maglev: backend id ${b.id} appears twice`);
    if (keys.has(b.key)) throw new RangeError(`maglev: backend key "${b.key}" appears twice`);
    ids.add(b.id);
    keys.add(b.key);
  }
}

/**
 * Build one VIP's Maglev table: slot → backend id. Backends with weight 0 get
 * no slots; if none has weight > 0 every slot is NO_BACKEND.
 */
export function buildTable(backends: readonly MaglevBackend[]): Uint32Array {
  validate(backends);
  const table = new Uint32Array(M).fill(NO_BACKEND);
  const live = backends.filter((b) => b.weight > 0).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const n = live.length;
  if (n === 0) return table;

  // Per-backend state in typed arrays: no allocation inside the fill loop.
  // `pos` is the backend's current permutation entry, (offset + j·skip) % M,
  // advanced by adding skip, so no multiplication can overflow.
  const ids = new Uint32Array(n);
  const pos = new Uint32Array(n);
  const skip = new Uint32Array(n);
  const weight = new Float64Array(n);
  const credit = new Float64Array(n);
  let maxWeight = 0;
  for (let i = 0; i < n; i++) {
    const b = live[i]!;
    const p = permutationParams(b.key);
    ids[i] = b.id;
    pos[i] = p.offset;
    skip[i] = p.skip;
    weight[i] = b.weight;
    if (b.weight > maxWeight) maxWeight = b.weight;
  }

  const filled = new Uint8Array(M);
  let count = 0;
  for (;;) {
    for (let i = 0; i < n; i++) {
      credit[i] = credit[i]! + weight[i]!;
      if (credit[i]! < maxWeight) continue;
      credit[i] = credit[i]! - maxWeight;
      // Take the next slot of this backend's permutation that is still free.
      let c = pos[i]!;
      while (filled[c] !== 0) {
        c += skip[i]!;
        if (c >= M) c -= M;
      }
      filled[c] = 1;
      table[c] = ids[i]!;
      c += skip[i]!;
      pos[i] = c >= M ? c - M : c;
      if (++count === M) return table;
    }
  }
}

/** Slot indices whose backend differs: the only `maglev` entries the control plane must rewrite. */
export function diffTables(oldTable: Uint32Array, newTable: Uint32Array): number[] {
  if (oldTable.length !== newTable.length) {
    throw new RangeError(`diffTables: tables have ${oldTable.length} and ${newTable.length} slots`);
  }
  const changed: number[] = [];
  for (let i = 0; i < newTable.length; i++) {
    if (oldTable[i] !== newTable[i]) changed.push(i);
  }
  return changed;
}
