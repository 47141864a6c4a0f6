/**
 * Typed view of a map: keys and values as JS values, converted with the
 * declarations module's descriptors (anything with size/encode/decode).
 * Binding checks the declaration against the loaded map so a layout
 * mismatch fails at bind time, not as garbage values later.
 */
import { MapError, type BpfMap } from "./map.ts";
import { mapTypeName } from "./types.ts";

/** The part of a type descriptor (runtime/lang) the runtime needs. */
export interface Codec<V> {
  readonly size: number;
  encode(value: V): Uint8Array;
  decode(bytes: Uint8Array): V;
}

/** The part of a map declaration (runtime/lang) the runtime needs. */
export interface MapDescriptor<K, V> {
  readonly keyType: Codec<K>;
  readonly valueType: Codec<V>;
  readonly type: number;
  readonly maxEntries: number;
}

export class TypedMap<K, V> {
  constructor(
    readonly map: BpfMap,
    readonly keyType: Codec<K>,
    readonly valueType: Codec<V>,
  ) {}

  static bind<K, V>(map: BpfMap, decl: MapDescriptor<K, V>): TypedMap<K, V> {
    const diffs: string[] = [];
    if (decl.type !== map.type) diffs.push(`type ${mapTypeName(decl.type)} ≠ ${mapTypeName(map.type)}`);
    if (decl.keyType.size !== map.keySize) diffs.push(`key size ${decl.keyType.size} ≠ ${map.keySize}`);
    if (decl.valueType.size !== map.valueSize) diffs.push(`value size ${decl.valueType.size} ≠ ${map.valueSize}`);
    if (decl.maxEntries !== map.maxEntries) diffs.push(`max entries ${decl.maxEntries} ≠ ${map.maxEntries}`);
    if (diffs.length) throw new MapError(`declaration does not match loaded map "${map.name}": ${diffs.join(", ")}`);
    return new TypedMap(map, decl.keyType, decl.valueType);
  }

  lookup(key: K): V | undefined {
    const v = this.map.lookup(this.keyType.encode(key));
    return v === undefined ? undefined : this.valueType.decode(v);
  }

  lookupPerCpu(key: K): V[] | undefined {
    return this.map.lookupPerCpu(this.keyType.encode(key))?.map((v) => this.valueType.decode(v));
  }

  update(key: K, value: V, flags?: number): void {
    this.map.update(this.keyType.encode(key), this.valueType.encode(value), flags);
  }

  /** Many entries in one syscall where the kernel has batch operations. */
  updateBatch(entries: Iterable<[K, V]>, flags?: number): void {
    const list = [...entries];
    const keys = new Uint8Array(list.length * this.keyType.size);
    const values = new Uint8Array(list.length * this.valueType.size);
    list.forEach(([k, v], i) => {
      keys.set(this.keyType.encode(k), i * this.keyType.size);
      values.set(this.valueType.encode(v), i * this.valueType.size);
    });
    this.map.updateBatch(keys, values, flags);
  }

  updatePerCpu(key: K, values: V | V[], flags?: number): void {
    const enc = Array.isArray(values) ? values.map((v) => this.valueType.encode(v)) : this.valueType.encode(values);
    this.map.updatePerCpu(this.keyType.encode(key), enc, flags);
  }

  delete(key: K): boolean {
    return this.map.delete(this.keyType.encode(key));
  }

  keys(): K[] {
    return [...this.map.keys()].map((k) => this.keyType.decode(k));
  }

  entries(): Array<[K, V]> {
    return this.map.entries().map(([k, v]) => [this.keyType.decode(k), this.valueType.decode(v)]);
  }

  entriesPerCpu(): Array<[K, V[]]> {
    return this.map.entriesPerCpu().map(([k, vs]) => [this.keyType.decode(k), vs.map((v) => this.valueType.decode(v))]);
  }
}
