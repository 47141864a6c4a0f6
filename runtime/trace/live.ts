/**
 * The live maps of a loaded program as read-through sources for a trace: a pinned program's map
 * ids (BPF_OBJ_GET_INFO_BY_FD), opened by id and matched to the object's maps by name.
 */
import { BpfMap } from "../maps/map.ts";
import { isPerCpuMapType } from "../maps/types.ts";
import { openPinnedProgram, programInfo } from "../program/info.ts";
import { closeFd } from "../sys/index.ts";
import type { MapSource } from "./maps.ts";

/** How a per-CPU value is shown to the model: one CPU's (the one the trace runs as), or the sum of every CPU's (as u64 or u32 words: counters). */
export type PerCpuView = number | "sum";

export function mapSource(map: BpfMap, perCpu: PerCpuView = 0): MapSource {
  if (!isPerCpuMapType(map.type)) return { lookup: (key) => map.lookup(key) };
  return {
    lookup: (key) => {
      const values = map.lookupPerCpu(key);
      if (!values) return undefined;
      return perCpu === "sum" ? sumWords(values, map.valueSize) : values[perCpu];
    },
  };
}

/** Per-CPU values added word by word (u64 words when the size allows, else u32), wrapping. */
export function sumWords(values: readonly Uint8Array[], size: number): Uint8Array {
  const out = Buffer.alloc(size);
  const wide = size % 8 === 0;
  for (const v of values) {
    const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    for (let i = 0; i + (wide ? 8 : 4) <= size; i += wide ? 8 : 4) {
      if (wide) out.writeBigUInt64LE(BigInt.asUintN(64, out.readBigUInt64LE(i) + b.readBigUInt64LE(i)), i);
      else out.writeUInt32LE((out.readUInt32LE(i) + b.readUInt32LE(i)) >>> 0, i);
    }
  }
  return out;
}

/**
 * The maps of the program pinned at `path`, by name (the kernel keeps 15 characters of a name;
 * `names` are the object's names to match them to). The caller closes the maps.
 */
export function pinnedProgramMaps(path: string, names: readonly string[]): Map<string, BpfMap> {
  const fd = openPinnedProgram(path);
  const out = new Map<string, BpfMap>();
  try {
    for (const id of programInfo(fd).mapIds) {
      const map = BpfMap.fromId(id);
      const name = names.find((n) => n.slice(0, 15) === map.name || n === map.name);
      if (name === undefined) map.close();
      else out.set(name, map);
    }
  } finally {
    closeFd(fd);
  }
  return out;
}
