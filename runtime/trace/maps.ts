/**
 * The maps a traced program sees, modelled in memory: hash, LRU and per-CPU hash maps, arrays,
 * LPM tries, map-in-map, program arrays, device maps, queues/stacks and event outputs. Each
 * entry's value is a region of the address space, so a program writes through the pointer a
 * lookup returned exactly as in the kernel. A model can read through to a live kernel map
 * (`source`): entries are fetched on first use and changes stay in the model — a trace observes,
 * it never writes a production map.
 */
import { MapType } from "../maps/types.ts";
import type { AddressSpace, Region } from "./memory.ts";

const E2BIG = 7;
const ENOENT = 2;
const EEXIST = 17;
const EINVAL = 22;
const NOEXIST = 1n;
const EXIST = 2n;

export interface MapShape {
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  keyTypeId: number;
  valueTypeId: number;
}

/** What a read-through model asks the live map: a value (per-CPU maps: CPU 0's), or undefined. */
export interface MapSource {
  lookup(key: Uint8Array): Uint8Array | undefined;
}

/** A map-in-map slot or program-array slot holds another map or a program by name. */
export type Slot = { map: TraceMap } | { program: string };

interface Entry {
  key: Uint8Array;
  value: Uint8Array;
  region?: Region;
  slot?: Slot;
}

/** Arrays whose every index holds a value (zeros until written); device and program arrays hold only what was put in. */
const ARRAYS: ReadonlySet<number> = new Set([MapType.ARRAY, MapType.PERCPU_ARRAY]);
const hexOf = (b: Uint8Array) => Buffer.from(b).toString("hex");

export class TraceMap {
  private readonly entries = new Map<string, Entry>();
  /** Keys deleted in the model while a live source may still have them. */
  private readonly deleted = new Set<string>();
  /** Queue/stack contents, and what ringbuf/perf outputs were given. */
  readonly queue: Uint8Array[] = [];
  readonly outputs: Uint8Array[] = [];
  /** The address that stands for the map itself (ld_imm64 of a map, a map-in-map value). */
  readonly handle: Region;
  /** Values the program may not write (.rodata). */
  readOnly = false;

  constructor(
    readonly shape: MapShape,
    private readonly memory: AddressSpace,
    private readonly source?: MapSource,
  ) {
    this.handle = memory.add("map", `map ${shape.name}`, new Uint8Array(0), false);
    this.handle.map = this;
  }

  get name(): string {
    return this.shape.name;
  }
  get isArray(): boolean {
    return ARRAYS.has(this.shape.type);
  }
  get holdsSlots(): boolean {
    const t = this.shape.type;
    return t === MapType.ARRAY_OF_MAPS || t === MapType.HASH_OF_MAPS || t === MapType.PROG_ARRAY;
  }

  private arrayIndex(key: Uint8Array): number | undefined {
    const i = Buffer.from(key).readUInt32LE(0);
    return i < this.shape.maxEntries ? i : undefined;
  }

  private find(key: Uint8Array): Entry | undefined {
    const k = hexOf(key);
    let e = this.entries.get(k);
    if (e || this.deleted.has(k)) return e;
    if (this.isArray) {
      if (this.arrayIndex(key) === undefined) return undefined;
      // Arrays are preallocated: every index has a value, zero until written.
      e = { key: Uint8Array.from(key), value: this.source?.lookup(key) ?? new Uint8Array(this.shape.valueSize) };
      this.entries.set(k, e);
      return e;
    }
    const live = this.source?.lookup(key);
    if (live) {
      e = { key: Uint8Array.from(key), value: Uint8Array.from(live) };
      this.entries.set(k, e);
    }
    return e;
  }

  /** The entry's value as memory the program can point into. */
  private valueRegion(e: Entry): Region {
    if (!e.region) {
      // Global data is one value per section: call it by the section's name.
      const name = this.name.startsWith(".") ? this.name : `${this.name}[${hexOf(e.key)}]`;
      e.region = this.memory.add(this.name.startsWith(".") ? "global" : "map-value", name, e.value, !this.readOnly);
      e.region.map = this;
      e.region.key = e.key;
    }
    return e.region;
  }

  /** bpf_map_lookup_elem: address of the value, or 0. For map-in-map: the inner map's handle. */
  lookup(key: Uint8Array): { address: bigint; value?: Uint8Array; slot?: Slot } {
    if (this.shape.type === MapType.LPM_TRIE) return this.lookupPrefix(key);
    const e = this.find(key);
    if (!e) return { address: 0n };
    if (e.slot) return { address: "map" in e.slot ? e.slot.map.handle.base : 0n, slot: e.slot };
    return { address: this.valueRegion(e).base, value: e.value };
  }

  /** Longest-prefix match: the key is a u32 prefix length, then the address bytes. */
  private lookupPrefix(key: Uint8Array): { address: bigint; value?: Uint8Array } {
    const bits = Buffer.from(key).readUInt32LE(0);
    let best: Entry | undefined;
    let bestLen = -1;
    for (const e of this.allEntries()) {
      const len = Buffer.from(e.key).readUInt32LE(0);
      if (len > bits || len <= bestLen) continue;
      if (prefixMatches(e.key.subarray(4), key.subarray(4), len)) {
        best = e;
        bestLen = len;
      }
    }
    return best ? { address: this.valueRegion(best).base, value: best.value } : { address: 0n };
  }

  /** bpf_map_update_elem: 0 or a negative errno, as the kernel returns. */
  update(key: Uint8Array, value: Uint8Array, flags: bigint): number {
    const e = this.find(key);
    if (this.isArray) {
      if (this.arrayIndex(key) === undefined) return -E2BIG;
      if (flags === NOEXIST) return -EEXIST;
      if (!e) return -EINVAL;
      e.value.set(value.subarray(0, this.shape.valueSize));
      return 0;
    }
    if (e && flags === NOEXIST) return -EEXIST;
    if (!e && flags === EXIST) return -ENOENT;
    if (e) {
      e.value.set(value.subarray(0, this.shape.valueSize));
      return 0;
    }
    const lru = this.shape.type === MapType.LRU_HASH || this.shape.type === MapType.LRU_PERCPU_HASH;
    if (!lru && !this.source && this.entries.size >= this.shape.maxEntries) return -E2BIG;
    const k = hexOf(key);
    this.deleted.delete(k);
    this.entries.set(k, { key: Uint8Array.from(key), value: Uint8Array.from(value.subarray(0, this.shape.valueSize)) });
    return 0;
  }

  delete(key: Uint8Array): number {
    if (this.isArray) return -EINVAL;
    const e = this.find(key);
    if (!e) return -ENOENT;
    const k = hexOf(key);
    this.entries.delete(k);
    if (e.region) this.memory.remove(e.region);
    this.deleted.add(k);
    return 0;
  }

  /** Puts a map or program in a map-in-map or program-array slot (from the state, not from a program). */
  setSlot(key: Uint8Array, slot: Slot): void {
    this.entries.set(hexOf(key), { key: Uint8Array.from(key), value: new Uint8Array(this.shape.valueSize), slot });
  }

  slot(key: Uint8Array): Slot | undefined {
    return this.find(key)?.slot;
  }

  /** Sets an entry without the program's semantics (loading a state). */
  put(key: Uint8Array, value: Uint8Array): void {
    const e = this.find(key);
    if (e) e.value.set(value.subarray(0, this.shape.valueSize));
    else
      this.entries.set(hexOf(key), {
        key: Uint8Array.from(key),
        value: Uint8Array.from(value.subarray(0, this.shape.valueSize)),
      });
  }

  /** Entries held in the model (with a live source: the ones the program read or changed). */
  allEntries(): Entry[] {
    return [...this.entries.values()];
  }

  /** Keys the program deleted (with a live source, the source may still hold them). */
  deletedKeys(): Uint8Array[] {
    return [...this.deleted].map((k) => Buffer.from(k, "hex"));
  }

  /** Key/value pairs as the kernel would list them (arrays: every index the model touched or holds). */
  contents(): Array<{ key: Uint8Array; value: Uint8Array }> {
    return this.allEntries()
      .filter((e) => !e.slot)
      .map((e) => ({ key: e.key, value: e.value }));
  }
}

function prefixMatches(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((a[whole] ?? 0) & mask) === ((b[whole] ?? 0) & mask);
}
