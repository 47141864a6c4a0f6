/**
 * Global variables: each `.rodata*`, `.data*` and `.bss*` section becomes a
 * single-entry ARRAY map whose value is the section's bytes; instructions
 * address a variable as (map, offset) through BPF_PSEUDO_MAP_VALUE.
 * `.rodata` maps are read-only for programs and frozen after their initial
 * contents are written, which lets the verifier treat them as constants.
 */
import { closeFd } from "../sys/index.ts";
import { createMap } from "./create.ts";
import { BpfMap } from "./map.ts";
import { MapFlags, MapType } from "./types.ts";

export type GlobalDataKind = "rodata" | "data" | "bss";

/** Classify a section name, or undefined if it is not global data. */
export function globalDataKind(sectionName: string): GlobalDataKind | undefined {
  for (const kind of ["rodata", "data", "bss"] as const) {
    if (sectionName === `.${kind}` || sectionName.startsWith(`.${kind}.`)) return kind;
  }
  return undefined;
}

export interface GlobalDataSpec {
  sectionName: string;
  kind: GlobalDataKind;
  /** Initial contents (all zero for .bss). */
  contents: Uint8Array;
  btfFd?: number;
  /** Type id of the section's DATASEC, if BTF describes it. */
  datasecTypeId?: number;
}

export function createGlobalDataMap(spec: GlobalDataSpec): BpfMap {
  const readonly = spec.kind === "rodata";
  const props = {
    name: spec.sectionName,
    type: MapType.ARRAY,
    keySize: 4,
    valueSize: spec.contents.byteLength,
    maxEntries: 1,
    flags: readonly ? MapFlags.RDONLY_PROG : 0,
    btfKeyTypeId: 0,
    btfValueTypeId: spec.datasecTypeId ?? 0,
  };
  const fd = createMap({ ...props, btfFd: spec.btfFd, btfValueTypeId: props.btfValueTypeId });
  const map = new BpfMap(fd, props);
  try {
    if (spec.kind !== "bss") map.update(new Uint8Array(4), spec.contents);
    if (readonly) map.freeze();
  } catch (e) {
    closeFd(fd);
    throw e;
  }
  return map;
}
