/**
 * Typed view of a map: keys and values as JS values, converted with the
 * declarations module's descriptors (anything with size/encode/decode).
 * Binding checks the declaration against the loaded map so a layout
 * mismatch fails at bind time, not as garbage values later.
 */
import { decodeCidrKey, encodeCidrKey } from "./cidr.ts";
import { MapError, type BpfMap } from "./map.ts";
import { MapType, mapTypeName } from "./types.ts";
import { layoutDifference, type LayoutDescriptor } from "./btf-layout.ts";
import { kernelBtf } from "../btf/kernel.ts";
import type { Btf } from "../btf/parse.ts";
import { SyscallError } from "../sys/index.ts";

/** The BTF the kernel holds for a map it reports one for; none if it may not be read (BTF_GET_FD_BY_ID needs CAP_SYS_ADMIN). */
function btfOfKernelMap(map: BpfMap): Btf | undefined {
  if (!map.btfId) return undefined;
  try {
    return kernelBtf(map.btfId);
  } catch (e) {
    if (e instanceof SyscallError) return undefined;
    throw e;
  }
}

/** The part of a type descriptor (runtime/lang) the runtime needs (its layout, for the BTF check). */
export interface Codec<V> extends LayoutDescriptor {
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

  /**
   * Binds a declaration to a map. Type, sizes and max entries must match, and where BTF
   * describes the map, the key and value layouts too, member by member: `btf` is that of the
   * object that created the map; a map opened from the kernel (a pin) is checked against the
   * BTF the kernel holds for it.
   */
  static bind<K, V>(map: BpfMap, decl: MapDescriptor<K, V>, btf?: Btf): TypedMap<K, V> {
    const diffs: string[] = [];
    if (decl.type !== map.type) diffs.push(`type ${mapTypeName(decl.type)} ≠ ${mapTypeName(map.type)}`);
    if (decl.keyType.size !== map.keySize) diffs.push(`key size ${decl.keyType.size} ≠ ${map.keySize}`);
    if (decl.valueType.size !== map.valueSize) diffs.push(`value size ${decl.valueType.size} ≠ ${map.valueSize}`);
    if (decl.maxEntries !== map.maxEntries) diffs.push(`max entries ${decl.maxEntries} ≠ ${map.maxEntries}`);
    if (!diffs.length && (map.btfKeyTypeId || map.btfValueTypeId)) {
      // A map opened from the kernel (a pin, an id) has type ids of the BTF the kernel holds for it.
      const types = map.btfId ? btfOfKernelMap(map) : btf;
      const layout =
        types &&
        ((map.btfKeyTypeId && layoutDifference(types, map.btfKeyTypeId, decl.keyType, "key")) ||
          (map.btfValueTypeId && layoutDifference(types, map.btfValueTypeId, decl.valueType, "value")));
      if (layout) diffs.push(layout);
    }
    if (diffs.length) throw new MapError(`declaration does not match loaded map "${map.name}": ${diffs.join(", ")}`);
    return new (map.type === MapType.LPM_TRIE ? LpmTrieMap : TypedMap)(map, decl.keyType, decl.valueType);
  }

  /** The bytes of a key (an LPM trie also takes CIDR text). */
  protected encodeKey(key: K): Uint8Array {
    return this.keyType.encode(key);
  }

  lookup(key: K): V | undefined {
    const v = this.map.lookup(this.encodeKey(key));
    return v === undefined ? undefined : this.valueType.decode(v);
  }

  lookupPerCpu(key: K): V[] | undefined {
    return this.map.lookupPerCpu(this.encodeKey(key))?.map((v) => this.valueType.decode(v));
  }

  update(key: K, value: V, flags?: number): void {
    this.map.update(this.encodeKey(key), this.valueType.encode(value), flags);
  }

  /** Many entries in one syscall where the kernel has batch operations. */
  updateBatch(entries: Iterable<[K, V]>, flags?: number): void {
    const list = [...entries];
    const keys = new Uint8Array(list.length * this.keyType.size);
    const values = new Uint8Array(list.length * this.valueType.size);
    list.forEach(([k, v], i) => {
      keys.set(this.encodeKey(k), i * this.keyType.size);
      values.set(this.valueType.encode(v), i * this.valueType.size);
    });
    this.map.updateBatch(keys, values, flags);
  }

  updatePerCpu(key: K, values: V | V[], flags?: number): void {
    const enc = Array.isArray(values) ? values.map((v) => this.valueType.encode(v)) : this.valueType.encode(values);
    this.map.updatePerCpu(this.encodeKey(key), enc, flags);
  }

  delete(key: K): boolean {
    return this.map.delete(this.encodeKey(key));
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

/** The declaration of an LPM trie (runtime/lang's LpmTrie). */
export interface LpmTrieDescriptor<K, V> extends MapDescriptor<K, V> {
  readonly type: MapType.LPM_TRIE;
}

/**
 * An LPM trie: keys are the declaration's struct (prefix length, address) or CIDR text,
 * "10.0.0.0/8" / "2001:db8::/32" (a bare address is a full-length prefix). `lookup` with a
 * full-length key finds the longest stored prefix containing the address, as in a program.
 */
export class LpmTrieMap<K, V> extends TypedMap<K, V> {
  static override bind<K, V>(map: BpfMap, decl: MapDescriptor<K, V>): LpmTrieMap<K, V> {
    if (map.type !== MapType.LPM_TRIE)
      throw new MapError(`map "${map.name}" is ${mapTypeName(map.type)}, not LPM_TRIE`);
    return TypedMap.bind(map, decl) as LpmTrieMap<K, V>;
  }
  protected override encodeKey(key: K | string): Uint8Array {
    return typeof key === "string" ? encodeCidrKey(key, this.map.keySize, this.map.name) : this.keyType.encode(key);
  }
  override lookup(key: K | string): V | undefined {
    return super.lookup(key as K);
  }
  override update(key: K | string, value: V, flags?: number): void {
    super.update(key as K, value, flags);
  }
  override updateBatch(entries: Iterable<[K | string, V]>, flags?: number): void {
    super.updateBatch(entries as Iterable<[K, V]>, flags);
  }
  override delete(key: K | string): boolean {
    return super.delete(key as K);
  }
  /** The stored prefixes as CIDR text, with their values. */
  cidrs(): Array<[string, V]> {
    return this.map.entries().map(([k, v]) => [decodeCidrKey(k), this.valueType.decode(v)]);
  }
}
