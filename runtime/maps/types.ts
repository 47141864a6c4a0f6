// Map types, update flags and creation flags are the declarations module's enums (one definition for
// programs, compiler and runtime).
import { MapType } from "../lang/maps.ts";

export { MapFlags, MapType, UpdateFlags } from "../lang/maps.ts";

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
