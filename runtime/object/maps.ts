/**
 * `.maps`: BTF-defined map definitions and map-in-map initialisers (parse),
 * and creating or reusing the maps (load).
 */
import { join } from "node:path";
import { ObjectError } from "../errors.ts";
import { findMapDefinitions, LIBBPF_PIN_BY_NAME, type MapDefinition } from "../btf/map-defs.ts";
import type { Btf } from "../btf/parse.ts";
import type { ElfFile } from "../elf/types.ts";
import { createMap } from "../maps/create.ts";
import { BpfMap } from "../maps/map.ts";
import { MapType, mapTypeName } from "../maps/types.ts";
import { btfLayoutDifference } from "../maps/btf-layout.ts";
import { kernelBtf } from "../btf/kernel.ts";
import { closeFd, SyscallError } from "../sys/index.ts";
import { ENOENT } from "../sys/errno.ts";
import type { BpfObject } from "./object.ts";
import type { MapSpec } from "./spec.ts";

export function parseMaps(elf: ElfFile, btf: Btf | undefined): MapSpec[] {
  const defs = btf ? findMapDefinitions(btf) : [];
  const maps: MapSpec[] = defs.map((d) => ({ ...d, values: [] }));
  parseMapInMapValues(elf, maps);
  return maps;
}

/** `.rel.maps` entries fill the `values` array of a map-in-map with references to other maps. */
function parseMapInMapValues(elf: ElfFile, maps: MapSpec[]): void {
  const mapsSection = elf.sectionByName(".maps");
  if (!mapsSection) return;
  for (const r of elf.relocations.get(mapsSection.index) ?? []) {
    // `values` is a flexible array at the end of the definition: the initializer extends past the struct's BTF size.
    const outer = maps.find(
      (d) =>
        d.inner &&
        d.valuesOffset !== undefined &&
        r.offset >= d.offset + d.valuesOffset &&
        r.offset < d.offset + d.valuesOffset + 8 * d.maxEntries,
    );
    if (!outer || outer.valuesOffset === undefined)
      throw new ObjectError(`.maps relocation at ${r.offset} does not fall in a map-in-map "values" array`);
    const slot = (r.offset - outer.offset - outer.valuesOffset) / 8;
    if (!Number.isInteger(slot))
      throw new ObjectError(`.maps relocation at ${r.offset} is not on a "values" slot of map "${outer.name}"`);
    const inner = maps.find((d) => d.offset === r.symbol.value && r.symbol.shndx === mapsSection.index);
    if (!inner)
      throw new ObjectError(`map "${outer.name}" values[${slot}] refers to "${r.symbol.name}", which is not a map`);
    outer.values.push({ slot, map: inner.name });
  }
}

/**
 * Create every `.maps` map (or reuse its pin, or take the caller's replacement of that name),
 * then fill map-in-map slots. A reused or replacement map must match the definition (see
 * checkCompatible).
 */
export function createMaps(
  obj: BpfObject,
  maps: readonly MapSpec[],
  pinDir: string,
  replacements: Readonly<Record<string, BpfMap>> = {},
): void {
  for (const name of Object.keys(replacements))
    if (!maps.some((d) => d.name === name))
      throw new ObjectError(`map replacement "${name}": the object has no map of that name`);
  for (const def of maps) {
    const replacement = replacements[def.name];
    if (replacement) {
      obj.maps.set(def.name, replacement);
      checkCompatible(replacement, def, `map "${def.name}" given as a replacement`, obj.btf);
      continue;
    }
    const path = def.pinning === LIBBPF_PIN_BY_NAME ? join(pinDir, def.name) : undefined;
    if (path !== undefined) {
      const existing = openPinnedMap(path);
      if (existing) {
        obj.maps.set(def.name, existing);
        checkCompatible(existing, def, `map "${def.name}" pinned at ${path}`, obj.btf);
        continue;
      }
    }
    const map = createMapFromDefinition(obj, def);
    obj.maps.set(def.name, map);
    if (path !== undefined) map.pin(path);
  }
  for (const outer of maps) {
    for (const { slot, map } of outer.values) {
      const key = Buffer.alloc(4);
      key.writeUInt32LE(slot);
      const value = Buffer.alloc(4);
      value.writeUInt32LE(obj.map(map).fd);
      obj.map(outer.name).update(key, value);
    }
  }
}

function createMapFromDefinition(obj: BpfObject, def: MapDefinition): BpfMap {
  let innerFd = -1;
  try {
    if (def.inner) {
      // The kernel needs a template of the inner map to check the outer map's values.
      innerFd = createMap({ ...definitionSpec(def.inner, obj.btfFd), name: `${def.name}.inner`.slice(0, 15) });
    }
    const spec = { ...definitionSpec(def, obj.btfFd), innerMapFd: innerFd >= 0 ? innerFd : undefined };
    // Map-in-map values are fds, not a BTF type; like libbpf, give the kernel no BTF ids for them.
    if (def.inner) {
      spec.btfKeyTypeId = 0;
      spec.btfValueTypeId = 0;
    }
    // The spec names the map's properties as the kernel got them (BTF ids included).
    return new BpfMap(createMap(spec), spec);
  } finally {
    closeFd(innerFd);
  }
}

/**
 * Map types the kernel creates without BTF type ids, as libbpf's bpf_object__create_map lists
 * them: their values are fds (map-in-map, devmap, cpumap, xskmap, program array, perf event
 * array) or they have
 * no key the kernel could check (queue, stack: EINVAL with a value id and no key id).
 */
const WITHOUT_BTF: ReadonlySet<number> = new Set([
  MapType.PROG_ARRAY,
  MapType.DEVMAP,
  MapType.DEVMAP_HASH,
  MapType.CPUMAP,
  MapType.XSKMAP,
  MapType.QUEUE,
  MapType.STACK,
  MapType.PERF_EVENT_ARRAY,
]);

function definitionSpec(def: MapDefinition, btfFd: number) {
  const withBtf = btfFd >= 0 && !WITHOUT_BTF.has(def.type);
  return {
    name: def.name,
    type: def.type,
    keySize: def.keySize,
    valueSize: def.valueSize,
    maxEntries: def.maxEntries,
    flags: def.mapFlags,
    numaNode: def.numaNode,
    mapExtra: def.mapExtra,
    btfFd: withBtf ? btfFd : undefined,
    btfKeyTypeId: withBtf ? def.keyTypeId : 0,
    btfValueTypeId: withBtf ? def.valueTypeId : 0,
  };
}

function openPinnedMap(path: string): BpfMap | undefined {
  try {
    return BpfMap.fromPinned(path);
  } catch (e) {
    if (e instanceof SyscallError && e.errno === ENOENT) return undefined;
    throw e;
  }
}

/**
 * An existing map may stand for an object's map only if the object's program would read the
 * same bytes the same way: same type, key and value sizes, max_entries and flags, and, when
 * both have BTF, the same key and value layouts (member names, offsets, sizes).
 */
export function checkCompatible(map: BpfMap, def: MapDefinition, what: string, objectBtf?: Btf): void {
  const diffs: string[] = [];
  if (map.type !== def.type) diffs.push(`type ${mapTypeName(map.type)} ≠ ${mapTypeName(def.type)}`);
  if (map.keySize !== def.keySize) diffs.push(`key size ${map.keySize} ≠ ${def.keySize}`);
  if (map.valueSize !== def.valueSize) diffs.push(`value size ${map.valueSize} ≠ ${def.valueSize}`);
  if (map.maxEntries !== def.maxEntries) diffs.push(`max_entries ${map.maxEntries} ≠ ${def.maxEntries}`);
  if (map.flags !== def.mapFlags) diffs.push(`flags 0x${map.flags.toString(16)} ≠ 0x${def.mapFlags.toString(16)}`);
  if (!diffs.length && objectBtf && map.btfId && (map.btfKeyTypeId || map.btfValueTypeId)) {
    const existing = kernelBtf(map.btfId);
    const layout =
      (map.btfKeyTypeId && def.keyTypeId
        ? btfLayoutDifference(existing, map.btfKeyTypeId, objectBtf, def.keyTypeId, "key")
        : undefined) ??
      (map.btfValueTypeId && def.valueTypeId
        ? btfLayoutDifference(existing, map.btfValueTypeId, objectBtf, def.valueTypeId, "value")
        : undefined);
    if (layout) diffs.push(layout);
  }
  if (diffs.length) throw new ObjectError(`${what} does not match the object's definition: ${diffs.join(", ")}`);
}
