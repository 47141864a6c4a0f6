/** An object loaded into the kernel: its programs and maps by name, and the BTF that describes them. */
import { join } from "node:path";
import { ObjectError } from "../errors.ts";
import type { BtfExt } from "../btf/ext.ts";
import { decodeBtfValue, type BtfValue } from "../btf/format.ts";
import type { BtfLoadError } from "../btf/load.ts";
import type { Btf } from "../btf/parse.ts";
import { BtfKind } from "../btf/types.ts";
import type { ElfFile } from "../elf/types.ts";
import type { BpfMap } from "../maps/map.ts";
import { RingBufReader, type RingBufDescriptor } from "../maps/ringbuf.ts";
import { PerfEventReader, type PerfEventArrayDescriptor } from "../maps/perf.ts";
import { MapType } from "../maps/types.ts";
import {
  bindKeyless,
  type BloomFilterDescriptor,
  type QueueDescriptor,
  type TypedBloomFilter,
  type TypedQueue,
} from "../maps/keyless.ts";
import { type LpmTrieDescriptor, type LpmTrieMap, TypedMap, type MapDescriptor } from "../maps/typed.ts";
import type { Program } from "../program/program.ts";
import { closeFd } from "../sys/index.ts";
import type { ObjectSpec } from "./spec.ts";

export class BpfObject {
  readonly programs = new Map<string, Program>();
  /** `.maps` maps by name, plus global data maps by section name (".rodata", ".data", ".bss"). */
  readonly maps = new Map<string, BpfMap>();
  btfFd = -1;
  /** Why the kernel refused this object's BTF, if it did (loading continued without it, as libbpf does). */
  btfLoadError?: BtfLoadError;

  readonly elf: ElfFile;
  readonly btf: Btf | undefined;
  readonly btfExt: BtfExt | undefined;
  readonly license: string;

  /** `spec` is what was loaded; the object keeps it unchanged. */
  constructor(readonly spec: ObjectSpec) {
    this.elf = spec.elf;
    this.btf = spec.btf;
    this.btfExt = spec.btfExt;
    this.license = spec.license;
  }

  program(name: string): Program {
    const p = this.programs.get(name);
    if (p === undefined)
      throw new ObjectError(
        `no program "${name}" in object (programs: ${[...this.programs.keys()].join(", ") || "none"})`,
      );
    return p;
  }

  map(name: string): BpfMap {
    const m = this.maps.get(name);
    if (m === undefined)
      throw new ObjectError(`no map "${name}" in object (maps: ${[...this.maps.keys()].join(", ") || "none"})`);
    return m;
  }

  /** Bind a map declaration (runtime/lang) to the loaded map `name`, for JS-valued access. */
  typedMap<K, V>(decl: LpmTrieDescriptor<K, V>, name: string): LpmTrieMap<K, V>;
  /** A ring buffer binds to a reader of its events (`for await (const ev of reader)`). */
  typedMap<E>(decl: RingBufDescriptor<E>, name: string): RingBufReader<E>;
  /** A perf event array binds to a reader of every CPU's ring (opening one perf event per CPU). */
  typedMap<E>(decl: PerfEventArrayDescriptor<E>, name: string): PerfEventReader<E>;
  typedMap<V>(decl: QueueDescriptor<V>, name: string): TypedQueue<V>;
  typedMap<V>(decl: BloomFilterDescriptor<V>, name: string): TypedBloomFilter<V>;
  typedMap<K, V>(decl: MapDescriptor<K, V>, name: string): TypedMap<K, V>;
  typedMap<K, V>(
    decl:
      | MapDescriptor<K, V>
      | QueueDescriptor<V>
      | BloomFilterDescriptor<V>
      | RingBufDescriptor<V>
      | PerfEventArrayDescriptor<V>,
    name: string,
  ): TypedMap<K, V> | TypedQueue<V> | TypedBloomFilter<V> | RingBufReader<V> | PerfEventReader<V> {
    if (decl.type === MapType.PERF_EVENT_ARRAY)
      return PerfEventReader.bind(this.map(name), decl as PerfEventArrayDescriptor<V>);
    if (decl.type === MapType.RINGBUF) return RingBufReader.bind(this.map(name), decl as RingBufDescriptor<V>);
    if (!("keyType" in decl)) return bindKeyless(this.map(name), decl as QueueDescriptor<V> | BloomFilterDescriptor<V>);
    return TypedMap.bind(this.map(name), decl, this.btf);
  }

  /** Decode a map's entries through BTF (per-CPU maps give one value per CPU). */
  dumpMap(name: string): Array<{ key: BtfValue; value: BtfValue }> {
    const map = this.map(name);
    const btf = this.btf;
    const decode = (typeId: number, bytes: Uint8Array): BtfValue =>
      btf && typeId ? decodeBtfValue(btf, typeId, bytes) : Array.from(bytes);
    if (map.isPerCpu) {
      return map
        .entriesPerCpu()
        .map(([k, vs]) => ({ key: decode(map.btfKeyTypeId, k), value: vs.map((v) => decode(map.btfValueTypeId, v)) }));
    }
    return map.entries().map(([k, v]) => ({ key: decode(map.btfKeyTypeId, k), value: decode(map.btfValueTypeId, v) }));
  }

  /** Current values of the variables of a global data section (".data", ".bss", ".rodata"). */
  globals(section: string): Record<string, BtfValue> {
    const map = this.map(section);
    const bytes = map.lookup(new Uint8Array(4)) ?? new Uint8Array(map.valueSize);
    const datasec = this.btf?.find(section, BtfKind.DATASEC);
    if (!this.btf || !datasec) throw new ObjectError(`no BTF description of section ${section}`);
    return decodeBtfValue(this.btf, datasec.id, bytes) as Record<string, BtfValue>;
  }

  /** Pin every `.maps` map as dir/name. */
  pinMaps(dir: string): void {
    for (const [name, map] of this.maps) if (!name.startsWith(".")) map.pin(join(dir, name));
  }

  close(): void {
    for (const p of this.programs.values()) p.close();
    for (const m of this.maps.values()) m.close();
    closeFd(this.btfFd);
    this.btfFd = -1;
  }
}
