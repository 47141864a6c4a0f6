/** BPF_MAP_CREATE. */
import { Attr, bpf, BpfCmd } from "../sys/index.ts";

/** Kernel object names are char[16]: at most 15 bytes of [A-Za-z0-9_.]. */
export const OBJ_NAME_LEN = 16;

export interface MapCreateSpec {
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  innerMapFd?: number;
  numaNode?: number;
  mapExtra?: bigint;
  btfFd?: number;
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
}

/** Make a name the kernel accepts: keep allowed characters, truncate to 15. */
export function kernelObjectName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.]/g, "_").slice(0, OBJ_NAME_LEN - 1);
}

export function createMap(spec: MapCreateSpec): number {
  const attr = new Attr(80)
    .u32(0, spec.type)
    .u32(4, spec.keySize)
    .u32(8, spec.valueSize)
    .u32(12, spec.maxEntries)
    .u32(16, spec.flags ?? 0)
    .u32(20, spec.innerMapFd ?? 0)
    .u32(24, spec.numaNode ?? 0)
    .inlineName(28, OBJ_NAME_LEN, kernelObjectName(spec.name))
    .u64(64, spec.mapExtra ?? 0n);
  if (spec.btfFd !== undefined && spec.btfFd >= 0 && (spec.btfKeyTypeId || spec.btfValueTypeId)) {
    attr
      .u32(48, spec.btfFd)
      .u32(52, spec.btfKeyTypeId ?? 0)
      .u32(56, spec.btfValueTypeId ?? 0);
  }
  return bpf(BpfCmd.MAP_CREATE, attr, `map "${spec.name}"`);
}
