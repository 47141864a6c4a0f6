/**
 * `loadObject()`: the kernel side of an object spec — BTF, maps, global
 * data maps, programs, in that order. If any step fails, every fd opened so
 * far is closed before the error propagates.
 */
import { BtfLoadError, loadBtf } from "../btf/load.ts";
import type { LogLevel } from "../program/load.ts";
import type { BpfMap } from "../maps/map.ts";
import { raiseMemlockLimit } from "../sys/index.ts";
import { createGlobalData } from "./global-data.ts";
import { createMaps } from "./maps.ts";
import { BpfObject } from "./object.ts";
import { parseObject } from "./parse.ts";
import { loadPrograms, selectPrograms } from "./programs.ts";
import type { ObjectSpec } from "./spec.ts";

export interface LoadOptions {
  /** Verifier log level: 0 = log only on failure, 1 = log, 2 = verbose. */
  logLevel?: LogLevel;
  /** Replace `.rodata` variables before load, by variable name; sizes must match. */
  rodata?: Record<string, Uint8Array>;
  /** Directory for maps declared with `__uint(pinning, LIBBPF_PIN_BY_NAME)` (default /sys/fs/bpf). */
  pinMapsDir?: string;
  /**
   * Existing maps to use instead of creating the object's maps of those names (a running
   * program's pinned maps, for a new build that takes over its state). Each must match the
   * object's definition — type, sizes, max_entries, flags, key and value BTF layouts — or the
   * load fails with the difference. A loaded object owns them (closes them with itself); a
   * failed load leaves them open, the caller's.
   */
  mapReplacements?: Record<string, BpfMap>;
  /** Load only these programs (by function name); default all. */
  programs?: string[];
}

/** Load an object (a spec from `parseObject`, a path, or the bytes of an ELF file) into the kernel. */
export async function loadObject(
  object: ObjectSpec | string | Uint8Array,
  options: LoadOptions = {},
): Promise<BpfObject> {
  return loadObjectSync(object, options);
}

export function loadObjectSync(object: ObjectSpec | string | Uint8Array, options: LoadOptions = {}): BpfObject {
  const spec = typeof object === "string" || object instanceof Uint8Array ? parseObject(object) : object;
  const programs = selectPrograms(spec.programs, options.programs);
  raiseMemlockLimit();
  const obj = new BpfObject(spec);
  try {
    if (spec.kernelBtf) {
      try {
        obj.btfFd = loadBtf(spec.kernelBtf);
      } catch (e) {
        if (!(e instanceof BtfLoadError) || e.code === "EPERM") throw e;
        obj.btfLoadError = e;
      }
    }
    createMaps(obj, spec.maps, options.pinMapsDir ?? "/sys/fs/bpf", options.mapReplacements);
    createGlobalData(obj, spec.globalData, options.rodata ?? {});
    loadPrograms(obj, programs, options.logLevel ?? 0);
    return obj;
  } catch (e) {
    const given = new Set(Object.values(options.mapReplacements ?? {}));
    for (const [name, map] of obj.maps) if (given.has(map)) obj.maps.delete(name);
    obj.close();
    throw e;
  }
}
