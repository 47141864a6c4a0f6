/**
 * Maps without keys, typed by the program's declaration: queues and stacks (push, pop, peek)
 * and bloom filters (add, has). The kernel takes a NULL key for all of them.
 */
import { Attr, bpf, BpfCmd, ENOENT, kernelBuffer, kernelCopy, SyscallError } from "../sys/index.ts";
import { MapError, type BpfMap } from "./map.ts";
import type { Codec } from "./typed.ts";
import { MapType, mapTypeName, UpdateFlags } from "./types.ts";

/** The part of a QueueMap/StackMap/BloomFilter declaration (runtime/lang) the runtime needs. */
export interface KeylessMapDescriptor<V, T extends MapType> {
  readonly type: T;
  readonly valueType: Codec<V>;
  readonly maxEntries: number;
}
export type QueueDescriptor<V> = KeylessMapDescriptor<V, MapType.QUEUE | MapType.STACK>;
export type BloomFilterDescriptor<V> = KeylessMapDescriptor<V, MapType.BLOOM_FILTER>;

/** The declaration's value codec, once the loaded map is checked to match the declaration. */
function checkedValueType<V>(map: BpfMap, decl: KeylessMapDescriptor<V, MapType>): Codec<V> {
  const diffs: string[] = [];
  if (decl.type !== map.type) diffs.push(`type ${mapTypeName(decl.type)} ≠ ${mapTypeName(map.type)}`);
  if (map.keySize !== 0) diffs.push(`key size 0 ≠ ${map.keySize}`);
  if (decl.valueType.size !== map.valueSize) diffs.push(`value size ${decl.valueType.size} ≠ ${map.valueSize}`);
  if (decl.maxEntries !== map.maxEntries) diffs.push(`max entries ${decl.maxEntries} ≠ ${map.maxEntries}`);
  if (diffs.length) throw new MapError(`declaration does not match loaded map "${map.name}": ${diffs.join(", ")}`);
  return decl.valueType;
}

/** One element operation with a NULL key; false where the kernel says ENOENT (empty, or not in the filter). */
function elem(map: BpfMap, cmd: BpfCmd, value: Buffer, flags = 0): boolean {
  try {
    bpf(cmd, new Attr(32).u32(0, map.fd).ptr(8, null).ptr(16, value).u64(24, flags), `map "${map.name}"`);
    return true;
  } catch (e) {
    if (e instanceof SyscallError && e.errno === ENOENT) return false;
    throw e;
  }
}

/** What the typed views of keyless maps share: the map, the value codec, a value as the kernel reads it. */
export abstract class KeylessView<V> {
  constructor(
    readonly map: BpfMap,
    readonly valueType: Codec<V>,
  ) {}
  protected encoded(value: V): Buffer {
    return kernelCopy(this.valueType.encode(value));
  }
}

/** A queue (FIFO) or stack (LIFO) map. */
export class TypedQueue<V> extends KeylessView<V> {
  static bind<V>(map: BpfMap, decl: QueueDescriptor<V>): TypedQueue<V> {
    return new TypedQueue(map, checkedValueType(map, decl));
  }
  /** Adds a value; when full, throws (E2BIG) unless `overwrite`, which drops the oldest. */
  push(value: V, overwrite = false): void {
    elem(this.map, BpfCmd.MAP_UPDATE_ELEM, this.encoded(value), overwrite ? UpdateFlags.EXIST : 0);
  }
  /** Removes and returns the next value (oldest for a queue, newest for a stack), or undefined if empty. */
  pop(): V | undefined {
    return this.read(BpfCmd.MAP_LOOKUP_AND_DELETE_ELEM);
  }
  /** The next value without removing it, or undefined if empty. */
  peek(): V | undefined {
    return this.read(BpfCmd.MAP_LOOKUP_ELEM);
  }
  private read(cmd: BpfCmd): V | undefined {
    const out = kernelBuffer(this.map.valueSize);
    return elem(this.map, cmd, out) ? this.valueType.decode(out) : undefined;
  }
  /** Pops every value, in order. */
  drain(): V[] {
    const out: V[] = [];
    for (let v = this.pop(); v !== undefined && out.length <= this.map.maxEntries; v = this.pop()) out.push(v);
    return out;
  }
}

/** A bloom filter: `has` is false only for values never added. */
export class TypedBloomFilter<V> extends KeylessView<V> {
  static bind<V>(map: BpfMap, decl: BloomFilterDescriptor<V>): TypedBloomFilter<V> {
    return new TypedBloomFilter(map, checkedValueType(map, decl));
  }
  add(value: V): void {
    elem(this.map, BpfCmd.MAP_UPDATE_ELEM, this.encoded(value));
  }
  has(value: V): boolean {
    return elem(this.map, BpfCmd.MAP_LOOKUP_ELEM, this.encoded(value));
  }
}

/** Binds a keyless declaration to its typed view. */
export function bindKeyless<V>(
  bpfMap: BpfMap,
  decl: QueueDescriptor<V> | BloomFilterDescriptor<V>,
): TypedQueue<V> | TypedBloomFilter<V> {
  if (decl.type === MapType.BLOOM_FILTER) return TypedBloomFilter.bind(bpfMap, decl as BloomFilterDescriptor<V>);
  if (decl.type === MapType.QUEUE || decl.type === MapType.STACK)
    return TypedQueue.bind(bpfMap, decl as QueueDescriptor<V>);
  throw new MapError(`map "${bpfMap.name}": ${mapTypeName((decl as { type: number }).type)} has keys`);
}
