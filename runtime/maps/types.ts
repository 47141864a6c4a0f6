// Map types and update flags are the declarations module's enums (one definition for
// programs, compiler and runtime); creation flags are the runtime's own.
import { MapType } from "../lang/maps.ts";

export { MapType, UpdateFlags } from "../lang/maps.ts";

export function mapTypeName(type: number): string {
  return MapType[type] ?? `map type ${type}`;
}

export function isPerCpuMapType(type: number): boolean {
  return (
    type === MapType.PERCPU_HASH ||
    type === MapType.PERCPU_ARRAY ||
    type === MapType.LRU_PERCPU_HASH ||
    type === MapType.PERCPU_CGROUP_STORAGE
  );
}

/** Flags for BPF_MAP_CREATE (subset). */
export const MapFlags = {
  NO_PREALLOC: 1 << 0,
  RDONLY: 1 << 3,
  WRONLY: 1 << 4,
  RDONLY_PROG: 1 << 7,
  WRONLY_PROG: 1 << 8,
  MMAPABLE: 1 << 10,
} as const;
