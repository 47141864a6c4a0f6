// Map declarations. A program declares each map once, typed by its key and value
// descriptors; the compiler emits it as a BTF-defined map in `.maps`, and userspace binds
// the same declaration to the loaded map to read and write it with JavaScript values.
// A map's name in the object is the name of the `const` that holds it.
import { u32, type TypeDesc, type Value } from "./types.ts";
import type { XdpContext } from "./program.ts";

/**
 * Kernel map types (enum bpf_map_type), all of them: the one definition the compiler, the
 * runtime and programs share. Programs can declare the ones that have a map class below.
 */
export enum MapType {
  UNSPEC = 0,
  HASH = 1,
  ARRAY = 2,
  PROG_ARRAY = 3,
  PERF_EVENT_ARRAY = 4,
  PERCPU_HASH = 5,
  PERCPU_ARRAY = 6,
  STACK_TRACE = 7,
  CGROUP_ARRAY = 8,
  LRU_HASH = 9,
  LRU_PERCPU_HASH = 10,
  LPM_TRIE = 11,
  ARRAY_OF_MAPS = 12,
  HASH_OF_MAPS = 13,
  DEVMAP = 14,
  SOCKMAP = 15,
  CPUMAP = 16,
  XSKMAP = 17,
  SOCKHASH = 18,
  CGROUP_STORAGE = 19,
  REUSEPORT_SOCKARRAY = 20,
  PERCPU_CGROUP_STORAGE = 21,
  QUEUE = 22,
  STACK = 23,
  SK_STORAGE = 24,
  DEVMAP_HASH = 25,
  STRUCT_OPS = 26,
  RINGBUF = 27,
  INODE_STORAGE = 28,
  TASK_STORAGE = 29,
  BLOOM_FILTER = 30,
  USER_RINGBUF = 31,
  CGRP_STORAGE = 32,
  ARENA = 33,
}

/** Flags of `update` (BPF_ANY, BPF_NOEXIST, BPF_EXIST). */
export enum UpdateFlags {
  ANY = 0,
  NOEXIST = 1,
  EXIST = 2,
}

/** BPF_F_* flags of map creation (the `flags` option), the one definition for programs and the runtime. */
export enum MapFlags {
  /** Allocate entries on update; required by LPM tries, optional for hash maps. */
  NO_PREALLOC = 1 << 0,
  RDONLY = 1 << 3,
  WRONLY = 1 << 4,
  RDONLY_PROG = 1 << 7,
  WRONLY_PROG = 1 << 8,
  MMAPABLE = 1 << 10,
}

export interface MapOptions {
  maxEntries: number;
  /** BPF_F_* map flags, e.g. BPF_F_NO_PREALLOC = 1. */
  flags?: number;
}

function inProgramOnly(what: string): never {
  throw new Error(`${what} runs inside a BPF program; in Node, bind the map with the runtime (obj.map(decl))`);
}

/** What all map declarations share: the descriptor the compiler and the runtime read. */
export abstract class MapDecl<K extends TypeDesc<any>, V extends TypeDesc<any>> {
  abstract readonly type: MapType;
  readonly maxEntries: number;
  readonly flags: number;
  constructor(
    readonly keyType: K,
    readonly valueType: V,
    options: MapOptions,
  ) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries <= 0) {
      throw new RangeError(`maxEntries must be a positive integer, got ${options.maxEntries}`);
    }
    this.maxEntries = options.maxEntries;
    this.flags = options.flags ?? 0;
  }
  /** In a program: a reference to the value (writes through it change the map), or null. */
  lookup(_key: Value<K>): Value<V> | null {
    return inProgramOnly("lookup");
  }
  /** In a program: 0 on success, a negative errno otherwise. */
  update(_key: Value<K>, _value: Value<V>, _flags: UpdateFlags = UpdateFlags.ANY): number {
    return inProgramOnly("update");
  }
  /** In a program: 0 on success, a negative errno otherwise. */
  delete(_key: Value<K>): number {
    return inProgramOnly("delete");
  }
}

export class HashMap<K extends TypeDesc<any>, V extends TypeDesc<any>> extends MapDecl<K, V> {
  readonly type: MapType = MapType.HASH;
}
export class LruHashMap<K extends TypeDesc<any>, V extends TypeDesc<any>> extends MapDecl<K, V> {
  readonly type: MapType = MapType.LRU_HASH;
}
/** Per-CPU maps: a program sees its CPU's value; userspace sees one value per CPU. */
export class PerCpuHashMap<K extends TypeDesc<any>, V extends TypeDesc<any>> extends MapDecl<K, V> {
  readonly type: MapType = MapType.PERCPU_HASH;
}
export class LruPerCpuHashMap<K extends TypeDesc<any>, V extends TypeDesc<any>> extends MapDecl<K, V> {
  readonly type: MapType = MapType.LRU_PERCPU_HASH;
}

/** Arrays are indexed by a u32 and preallocated: lookup of an index < maxEntries never fails. */
export class ArrayMap<V extends TypeDesc<any>> extends MapDecl<typeof u32, V> {
  readonly type: MapType = MapType.ARRAY;
  constructor(valueType: V, options: MapOptions) {
    super(u32, valueType, options);
  }
}
export class PerCpuArrayMap<V extends TypeDesc<any>> extends MapDecl<typeof u32, V> {
  readonly type: MapType = MapType.PERCPU_ARRAY;
  constructor(valueType: V, options: MapOptions) {
    super(u32, valueType, options);
  }
}

/**
 * Longest-prefix-match trie: the key is a struct whose first field is `prefixLen: u32`
 * followed by the address bytes in network order (`Ipv4Prefix`, `Ipv6Prefix` of tsbpf/net).
 * A lookup with `prefixLen` 32 (or 128) finds the longest stored prefix that contains the
 * address. Userspace may write keys as CIDR strings ("10.0.0.0/8", "2001:db8::/32").
 * Always created with BPF_F_NO_PREALLOC, which the kernel requires.
 */
export class LpmTrie<K extends TypeDesc<any>, V extends TypeDesc<any>> extends MapDecl<K, V> {
  readonly type: MapType.LPM_TRIE = MapType.LPM_TRIE;
  constructor(keyType: K, valueType: V, options: MapOptions) {
    super(keyType, valueType, { ...options, flags: (options.flags ?? 0) | MapFlags.NO_PREALLOC });
  }
}

/** Interfaces to redirect to: key u32 slot, value u32 ifindex. */
export class DevMap extends MapDecl<typeof u32, typeof u32> {
  readonly type: MapType = MapType.DEVMAP;
  constructor(options: MapOptions) {
    super(u32, u32, options);
  }
  /** In a program: XDP_REDIRECT if the slot is set, else the action in the low bits of flags. */
  redirect(_key: number, _flags = 0): number {
    return inProgramOnly("redirect");
  }
}
/** Interfaces to redirect to, by any u32 key (an ifindex, say) rather than a dense slot: value u32 ifindex. */
export class DevMapHash extends MapDecl<typeof u32, typeof u32> {
  readonly type: MapType = MapType.DEVMAP_HASH;
  constructor(options: MapOptions) {
    super(u32, u32, options);
  }
  /** In a program: XDP_REDIRECT if the key is set, else the action in the low bits of flags. */
  redirect(_key: number, _flags = 0): number {
    return inProgramOnly("redirect");
  }
}
/** AF_XDP sockets to redirect to: key u32 (an rx queue index), value a socket fd (set from userspace). */
export class XskMap extends MapDecl<typeof u32, typeof u32> {
  readonly type: MapType = MapType.XSKMAP;
  constructor(options: MapOptions) {
    super(u32, u32, options);
  }
  /** In a program: XDP_REDIRECT if a socket is at `key`, else the action in the low bits of flags. */
  redirect(_key: number, _flags = 0): number {
    return inProgramOnly("redirect");
  }
}
/** CPUs to redirect to: key u32 CPU, value u32 queue size. */
export class CpuMap extends MapDecl<typeof u32, typeof u32> {
  readonly type: MapType = MapType.CPUMAP;
  constructor(options: MapOptions) {
    super(u32, u32, options);
  }
  redirect(_key: number, _flags = 0): number {
    return inProgramOnly("redirect");
  }
}

/** Programs for tail calls: key u32 slot, value a program fd (set from userspace). */
export class ProgArray extends MapDecl<typeof u32, typeof u32> {
  readonly type: MapType = MapType.PROG_ARRAY;
  constructor(options: MapOptions) {
    super(u32, u32, options);
  }
  /**
   * In a program: bpf_tail_call — jumps to the program in slot `index` and never returns.
   * If the slot is empty (or the tail-call limit is reached) execution continues after the call.
   */
  tailCall(_ctx: XdpContext, _index: number): void {
    return inProgramOnly("tailCall");
  }
}

/** A ring buffer of events; maxEntries is its size in bytes (a power of two, ≥ a page). */
export class RingBuf<E extends TypeDesc<any>> extends MapDecl<typeof u32, typeof u32> {
  readonly type: MapType.RINGBUF = MapType.RINGBUF;
  constructor(
    readonly eventType: E,
    options: MapOptions,
  ) {
    super(u32, u32, options);
  }
  /** In a program: copies the event into the ring; 0 on success. */
  output(_event: Value<E>, _flags = 0): number {
    return inProgramOnly("output");
  }
  /**
   * In a program: room for one event in the ring, or null if it is full. Every reserved
   * event must be submitted or discarded on every path (the verifier checks).
   */
  reserve(): Value<E> | null {
    return inProgramOnly("reserve");
  }
  /** In a program: publishes a reserved event. */
  submit(_event: Value<E>, _flags = 0): void {
    return inProgramOnly("submit");
  }
  /** In a program: gives a reserved event back unpublished. */
  discard(_event: Value<E>, _flags = 0): void {
    return inProgramOnly("discard");
  }
}

/**
 * A perf event array (BPF_MAP_TYPE_PERF_EVENT_ARRAY): `output` copies an event to the perf
 * ring of the CPU the program runs on; userspace reads every CPU's ring (the runtime's
 * PerfEventReader). maxEntries must be at least the number of possible CPUs.
 */
export class PerfEventArray<E extends TypeDesc<any>> extends MapDecl<typeof u32, typeof u32> {
  readonly type: MapType.PERF_EVENT_ARRAY = MapType.PERF_EVENT_ARRAY;
  constructor(
    readonly eventType: E,
    options: MapOptions,
  ) {
    super(u32, u32, options);
  }
  /** In a program: bpf_perf_event_output on the current CPU; 0 on success. */
  output(_ctx: XdpContext, _event: Value<E>): number {
    return inProgramOnly("output");
  }
}

/**
 * Array of maps: slot i holds a map shaped like `inner` (a map declared in the same module,
 * used as the template). `lookup` returns the inner map, whose own `lookup` gives values.
 */
export class ArrayOfMaps<M extends MapDecl<any, any>> extends MapDecl<typeof u32, typeof u32> {
  readonly type: MapType = MapType.ARRAY_OF_MAPS;
  constructor(
    readonly inner: M,
    options: MapOptions,
  ) {
    super(u32, u32, options);
  }
  /** In a program: the map in slot `key`, or null. */
  // @ts-expect-error -- a map-in-map's lookup returns the inner map, not a value
  lookup(_key: number): M | null {
    return inProgramOnly("lookup");
  }
}

/** Hash of maps: like ArrayOfMaps with keys of any type. */
export class HashOfMaps<K extends TypeDesc<any>, M extends MapDecl<any, any>> extends MapDecl<K, typeof u32> {
  readonly type: MapType = MapType.HASH_OF_MAPS;
  constructor(
    keyType: K,
    readonly inner: M,
    options: MapOptions,
  ) {
    super(keyType, u32, options);
  }
  // @ts-expect-error -- a map-in-map's lookup returns the inner map, not a value
  lookup(_key: Value<K>): M | null {
    return inProgramOnly("lookup");
  }
}

/** What the maps without keys (queue, stack, bloom filter) share: their value type and size. */
export abstract class ValueMapDecl<V extends TypeDesc<any>> {
  abstract readonly type: MapType;
  readonly maxEntries: number;
  readonly flags: number;
  constructor(
    readonly valueType: V,
    options: MapOptions,
  ) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries <= 0) {
      throw new RangeError(`maxEntries must be a positive integer, got ${options.maxEntries}`);
    }
    this.maxEntries = options.maxEntries;
    this.flags = options.flags ?? 0;
  }
}

/**
 * A FIFO queue of values (BPF_MAP_TYPE_QUEUE), or with StackMap a LIFO stack. Userspace
 * pushes and pops too (the runtime's TypedQueue).
 */
export class QueueMap<V extends TypeDesc<any>> extends ValueMapDecl<V> {
  readonly type: MapType.QUEUE | MapType.STACK = MapType.QUEUE;
  /** In a program: 0 on success; -E2BIG when full, unless flags is UpdateFlags.EXIST (then the oldest is dropped). */
  push(_value: Value<V>, _flags: UpdateFlags = UpdateFlags.ANY): number {
    return inProgramOnly("push");
  }
  /** In a program: removes and returns the next value (a copy on the stack), or null if empty. */
  pop(): Value<V> | null {
    return inProgramOnly("pop");
  }
  /** In a program: the next value without removing it (a copy), or null if empty. */
  peek(): Value<V> | null {
    return inProgramOnly("peek");
  }
}
/** A LIFO stack of values (BPF_MAP_TYPE_STACK): push, pop and peek work on the newest. */
export class StackMap<V extends TypeDesc<any>> extends QueueMap<V> {
  override readonly type: MapType.QUEUE | MapType.STACK = MapType.STACK;
}

export interface BloomFilterOptions extends MapOptions {
  /** Number of hash functions, 1 to 15 (the kernel's default is 5). */
  hashes?: number;
}

/**
 * A bloom filter (BPF_MAP_TYPE_BLOOM_FILTER): `add` a value, then `has` says false only for
 * values never added (true may be a false positive). Nothing can be removed.
 */
export class BloomFilter<V extends TypeDesc<any>> extends ValueMapDecl<V> {
  readonly type: MapType.BLOOM_FILTER = MapType.BLOOM_FILTER;
  /** map_extra: the number of hash functions (0: the kernel's default, 5). */
  readonly hashes: number;
  constructor(valueType: V, options: BloomFilterOptions) {
    super(valueType, options);
    const hashes = options.hashes ?? 0;
    if (!Number.isInteger(hashes) || hashes < 0 || hashes > 15)
      throw new RangeError(`hashes must be an integer from 1 to 15, got ${hashes}`);
    this.hashes = hashes;
  }
  /** In a program: adds the value; 0 on success. */
  add(_value: Value<V>): number {
    return inProgramOnly("add");
  }
  /** In a program: false if the value was never added; true if it probably was. */
  has(_value: Value<V>): boolean {
    return inProgramOnly("has");
  }
}
