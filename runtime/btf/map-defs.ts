/**
 * BTF-defined maps: each variable in the `.maps` DATASEC is a struct whose
 * members encode the map's attributes in their types, as libbpf defines:
 *   __uint(type, N)   → `int (*type)[N]`     (N = array nelems behind a pointer)
 *   __type(key, T)    → `T *key`             (key type id; size = sizeof(T))
 *   __array(values, struct inner) → `struct inner *values[]` (map-in-map)
 */
import { BtfError } from "./errors.ts";
import type { Btf } from "./parse.ts";
import { BtfKind, type BtfMember } from "./types.ts";

export const LIBBPF_PIN_NONE = 0;
export const LIBBPF_PIN_BY_NAME = 1;

export interface MapDefinition {
  name: string;
  /** Byte offset of the definition inside `.maps`. */
  offset: number;
  /** Size of the definition struct in `.maps`. */
  size: number;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  mapFlags: number;
  pinning: number;
  numaNode: number;
  mapExtra: bigint;
  /** BTF ids of key and value types, or 0 when only sizes were given. */
  keyTypeId: number;
  valueTypeId: number;
  /** Inner map template of a map-in-map, and where its `values` array sits inside the definition. */
  inner?: MapDefinition;
  valuesOffset?: number;
}

const INTEGER_MEMBERS = [
  "type",
  "max_entries",
  "map_flags",
  "key_size",
  "value_size",
  "pinning",
  "numa_node",
  "map_extra",
] as const;

export function findMapDefinitions(btf: Btf): MapDefinition[] {
  const datasec = btf.find(".maps", BtfKind.DATASEC);
  if (datasec === undefined) return [];
  return datasec.vars.map((v) => {
    const variable = btf.typeOfKind(v.type, BtfKind.VAR);
    return parseDefinition(btf, variable.name, variable.type, v.offset);
  });
}

function parseDefinition(btf: Btf, name: string, typeId: number, offset: number): MapDefinition {
  const where = `map "${name}"`;
  const def = btf.skipQualifiers(typeId);
  if (def.kind !== BtfKind.STRUCT)
    throw new BtfError(`${where}: definition in .maps must be a struct, found ${btf.describe(typeId)}`);

  const ints: Partial<Record<(typeof INTEGER_MEMBERS)[number], number>> = {};
  let keyTypeId = 0;
  let valueTypeId = 0;
  let inner: MapDefinition | undefined;
  let valuesOffset: number | undefined;

  for (const m of def.members) {
    if ((INTEGER_MEMBERS as readonly string[]).includes(m.name)) {
      ints[m.name as (typeof INTEGER_MEMBERS)[number]] = encodedInteger(btf, m, where);
    } else if (m.name === "key" || m.name === "value") {
      const ptr = btf.skipQualifiers(m.type);
      if (ptr.kind !== BtfKind.PTR)
        throw new BtfError(
          `${where}: member "${m.name}" must be a pointer to the ${m.name} type (__type(${m.name}, T))`,
        );
      if (m.name === "key") keyTypeId = ptr.type;
      else valueTypeId = ptr.type;
    } else if (m.name === "values") {
      const arr = btf.skipQualifiers(m.type);
      if (arr.kind !== BtfKind.ARRAY)
        throw new BtfError(`${where}: member "values" must be an array (__array(values, …))`);
      const ptr = btf.skipQualifiers(arr.elemType);
      if (ptr.kind !== BtfKind.PTR) throw new BtfError(`${where}: "values" elements must be pointers`);
      const target = btf.skipQualifiers(ptr.type);
      if (target.kind !== BtfKind.STRUCT)
        throw new BtfError(`${where}: "values" of a program array are not supported; only map-in-map`);
      inner = parseDefinition(btf, `${name}.inner`, ptr.type, 0);
      valuesOffset = m.bitOffset / 8;
    } else {
      throw new BtfError(`${where}: unknown member "${m.name}" in map definition`);
    }
  }

  if (ints.type === undefined) throw new BtfError(`${where}: no "type" member (__uint(type, BPF_MAP_TYPE_…))`);
  const keySize = sizeFrom(btf, where, "key", keyTypeId, ints.key_size);
  let valueSize = sizeFrom(btf, where, "value", valueTypeId, ints.value_size);
  if (inner !== undefined) {
    // Map-in-map values are map fds.
    if (valueTypeId !== 0) throw new BtfError(`${where}: map-in-map cannot have both "value" and "values"`);
    valueSize = 4;
  }
  return {
    name,
    offset,
    size: def.size,
    type: ints.type,
    keySize,
    valueSize,
    maxEntries: ints.max_entries ?? 0,
    mapFlags: ints.map_flags ?? 0,
    pinning: ints.pinning ?? LIBBPF_PIN_NONE,
    numaNode: ints.numa_node ?? 0,
    mapExtra: BigInt(ints.map_extra ?? 0),
    keyTypeId,
    valueTypeId,
    inner,
    valuesOffset,
  };
}

/** `int (*name)[N]` → N. */
function encodedInteger(btf: Btf, m: BtfMember, where: string): number {
  const ptr = btf.skipQualifiers(m.type);
  if (ptr.kind !== BtfKind.PTR)
    throw new BtfError(`${where}: member "${m.name}" must be __uint(${m.name}, N), i.e. int (*${m.name})[N]`);
  const arr = btf.skipQualifiers(ptr.type);
  if (arr.kind !== BtfKind.ARRAY)
    throw new BtfError(`${where}: member "${m.name}" must point to an array whose length is the value`);
  return arr.nelems;
}

function sizeFrom(btf: Btf, where: string, what: string, typeId: number, explicit: number | undefined): number {
  if (typeId === 0) return explicit ?? 0;
  const size = btf.sizeOf(typeId);
  if (explicit !== undefined && explicit !== size)
    throw new BtfError(`${where}: ${what}_size ${explicit} disagrees with sizeof(${btf.describe(typeId)}) = ${size}`);
  return size;
}
